"""A small, generic state machine for workflow models.

A ``Workflow`` declares its transitions: which action moves from which states to
which state, and who may perform it. ``Workflow.perform`` locks the row, checks the
current state and the actor, applies the change, saves it and logs it, all inside
the caller's transaction. Refusals raise ``ValidationError`` (wrong state, code
``transition_not_allowed``) or ``ActionForbidden`` (wrong actor, code
``actor_not_allowed``) and change nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.exceptions import ActionForbidden
from core.models import TransitionLog

M = TypeVar("M", bound=models.Model)
ActorCheck = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    # (actor, obj) -> may this actor perform it on this object; None: anyone the caller let in
    allowed: ActorCheck | None = None


@dataclass
class Workflow:
    transitions: Iterable[Transition]
    state_field: str = "status"
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_action = {t.action: t for t in self.transitions}

    @property
    def actions(self) -> list[str]:
        return list(self._by_action)

    def transition(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise ValidationError(
                _("Unknown action “%(action)s”.") % {"action": action},
                code="unknown_action",
            ) from None

    def can(self, obj: models.Model, action: str, actor: Any = None) -> bool:
        t = self._by_action.get(action)
        if t is None or getattr(obj, self.state_field) not in t.sources:
            return False
        return t.allowed is None or actor is None or t.allowed(actor, obj)

    def available_actions(self, obj: models.Model, actor: Any = None) -> list[str]:
        return [a for a in self._by_action if self.can(obj, a, actor)]

    def perform(
        self,
        obj: M,
        *,
        action: str,
        actor: Any = None,
        actor_label: str = "",
        reason: str = "",
        data: dict[str, Any] | None = None,
        apply: Callable[[M], None] | None = None,
    ) -> M:
        """Lock ``obj``'s row, move it along ``action`` and log the change.

        ``apply`` may change further fields of the locked instance before it is saved.
        Returns the locked, saved instance (a fresh object, not ``obj``).
        """
        t = self.transition(action)
        with transaction.atomic():
            locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            current = getattr(locked, self.state_field)
            if current not in t.sources:
                raise ValidationError(
                    _("Cannot %(action)s: the state is “%(state)s”.")
                    % {"action": action.replace("_", " "), "state": current},
                    code="transition_not_allowed",
                )
            if t.allowed is not None and actor is not None and not t.allowed(actor, locked):
                raise ActionForbidden(
                    _("You may not %(action)s this.") % {"action": action.replace("_", " ")},
                    code="actor_not_allowed",
                )
            setattr(locked, self.state_field, t.target)
            if apply is not None:
                apply(locked)
            locked.full_clean()
            locked.save()
            transition_log(
                obj=locked,
                action=action,
                from_state=current,
                to_state=t.target,
                actor=actor,
                actor_label=actor_label,
                reason=reason,
                data=data,
            )
        return locked


def transition_log(
    *,
    obj: models.Model,
    action: str,
    from_state: str,
    to_state: str,
    actor: Any = None,
    actor_label: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TransitionLog:
    """Write one audit row for a state change (also for creation: ``from_state=""``)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        actor_label=actor_label or ("" if user else "system"),
        reason=reason,
        data=data or {},
    )
