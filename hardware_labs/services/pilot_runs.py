"""Pilot runs: a company's test campaign in a lab.

``requested → approved → scheduled → running → completed``, or ``cancelled`` from any open
state; every change is logged. Approving records the safety review. Scheduling books every
item (each piece of equipment by its operator, lab time by its operator) in ONE transaction
through ``bookings.services.bookings.booking_create``, so every gate applies (an operator
must be qualified): if any item is refused, nothing is written and ``pilot_run_conflicts``
lists each refused item and why. Cancelling a run cancels its bookings that have not ended.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import HOLDING_STATUSES, Resource
from bookings.services import bookings as booking_services
from core.exceptions import ActionForbidden
from core.workflow import Transition, Workflow, transition_log
from hardware_labs.models import Equipment, PilotRun, PilotRunItem, PilotRunStatus
from spaces.models import Space, SpaceKind
from tenants.models import Company, Membership

S = PilotRunStatus


def _is_staff(actor: Any, run: PilotRun) -> bool:
    return bool(actor.is_staff)


def _manages(actor: Any, run: PilotRun) -> bool:
    if actor.is_staff or actor.pk == run.requested_by_id:
        return True
    return Membership.objects.managing().filter(company_id=run.company_id, user=actor).exists()


PILOT_RUN_WORKFLOW = Workflow(
    [
        Transition("approve", (S.REQUESTED,), S.APPROVED, allowed=_is_staff),
        Transition("schedule", (S.APPROVED,), S.SCHEDULED, allowed=_is_staff),
        Transition("start", (S.SCHEDULED,), S.RUNNING, allowed=_is_staff),
        Transition("complete", (S.RUNNING,), S.COMPLETED, allowed=_is_staff),
        Transition(
            "cancel", (S.REQUESTED, S.APPROVED, S.SCHEDULED, S.RUNNING), S.CANCELLED, allowed=_manages
        ),
    ]
)


class PilotRunConflicts(ValidationError):
    """Some items cannot be booked; ``items`` says which and why. Nothing was written."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__(
            _("%(n)d of the run's items cannot be booked: %(items)s.")
            % {"n": len(items), "items": "; ".join(f"{i['name']} ({i['starts_at_local']})" for i in items)},
            code="pilot_run_conflicts",
        )
        self.items = items
        self.api_extra = {"items": items}


def _lab_resource(lab: Space) -> Resource:
    resource = Resource.objects.filter(space=lab, is_active=True).select_related("campus", "policy").first()
    if resource is None:
        raise ValidationError(_("%(lab)s cannot be booked.") % {"lab": lab}, code="resource_inactive")
    return resource


@transaction.atomic
def pilot_run_create(
    *,
    company: Company,
    lab: Space,
    title: str,
    plan: str,
    requested_by: Any,
    items: Iterable[Mapping[str, Any]],
) -> PilotRun:
    """Request a run. ``items``: dicts of ``equipment`` (None: lab time), ``operator``, ``starts_at``
    and ``ends_at``.

    Lab time holds every piece of equipment in the lab, so equipment items may not overlap the run's
    own lab time. Operators must be active members of the company.
    """
    if (
        not requested_by.is_staff
        and not Membership.objects.active().filter(company=company, user=requested_by).exists()
    ):
        raise ActionForbidden(_("You are not a member of that company."), code="not_a_member")
    if lab.kind != SpaceKind.LAB:
        raise ValidationError(
            {"lab": ValidationError(_("Pilot runs take place in a lab."), code="not_a_lab")}
        )
    rows = list(items)
    if not rows:
        raise ValidationError({"items": ValidationError(_("Ask for at least one item."), code="required")})
    members = set(Membership.objects.active().filter(company=company).values_list("user_id", flat=True))
    for row in rows:
        equipment: Equipment | None = row.get("equipment")
        if equipment is not None and equipment.lab_id != lab.pk:
            raise ValidationError(
                {
                    "items": ValidationError(
                        _("%(equipment)s is not in this lab.") % {"equipment": equipment.name},
                        code="not_in_lab",
                    )
                }
            )
        if row["operator"].pk not in members:
            raise ValidationError(
                {
                    "items": ValidationError(
                        _("Operators must be people of the company."), code="operator_not_member"
                    )
                }
            )
        if row["ends_at"] <= row["starts_at"]:
            raise ValidationError(
                {"items": ValidationError(_("An item must end after it starts."), code="ends_before_start")}
            )
    lab_time = [r for r in rows if r.get("equipment") is None]
    for row in rows:
        if row.get("equipment") is not None and any(
            t["starts_at"] < row["ends_at"] and row["starts_at"] < t["ends_at"] for t in lab_time
        ):
            raise ValidationError(
                {
                    "items": ValidationError(
                        _(
                            "The run's lab time already holds all the lab's equipment; "
                            "do not ask for %(equipment)s then."
                        )
                        % {"equipment": row["equipment"].name},
                        code="items_overlap",
                    )
                }
            )
    run = PilotRun(company=company, lab=lab, title=title, plan=plan, requested_by=requested_by)
    run.full_clean()
    run.save()
    PilotRunItem.objects.bulk_create(
        PilotRunItem(
            run=run,
            equipment=r.get("equipment"),
            operator=r["operator"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
        )
        for r in rows
    )
    transition_log(obj=run, action="create", from_state="", to_state=run.status, actor=requested_by)
    return run


@transaction.atomic
def pilot_run_approve(*, run: PilotRun, actor: Any, notes: str) -> PilotRun:
    """The safety review passed: record it and approve."""
    if not notes.strip():
        raise ValidationError(
            {"notes": ValidationError(_("Record the safety review's notes."), code="required")}
        )
    now = timezone.now()

    def apply(locked: PilotRun) -> None:
        locked.safety_reviewer = actor
        locked.safety_notes = notes.strip()
        locked.safety_approved = True
        locked.reviewed_at = now

    return PILOT_RUN_WORKFLOW.perform(run, action="approve", actor=actor, reason=notes, apply=apply)


def _item_label(item: PilotRunItem, tz: Any) -> dict[str, Any]:
    return {
        "item": item.pk,
        "equipment": item.equipment_id,
        "name": item.equipment.name if item.equipment_id else _("Lab time"),
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "starts_at_local": timezone.localtime(item.starts_at, tz).strftime("%Y-%m-%d %H:%M"),
    }


@transaction.atomic
def pilot_run_schedule(*, run: PilotRun, actor: Any, now: datetime | None = None) -> PilotRun:
    """Book every item, all or nothing; refused items raise ``PilotRunConflicts`` and nothing is written."""
    if not actor.is_staff:
        raise ActionForbidden(_("You may not schedule this."), code="actor_not_allowed")
    locked = PilotRun.objects.select_for_update().select_related("lab", "company").get(pk=run.pk)
    if locked.status != S.APPROVED:
        raise ValidationError(
            _("Cannot schedule: the state is “%(state)s”.") % {"state": locked.status},
            code="transition_not_allowed",
        )
    lab_resource = None
    items = list(
        locked.items.select_related(
            "equipment__resource__campus", "equipment__resource__policy", "operator"
        ).order_by("starts_at", "pk")
    )
    refused: list[dict[str, Any]] = []
    booked: list[tuple[PilotRunItem, Any]] = []
    for item in items:
        if item.equipment_id:
            resource = item.equipment.resource
        else:
            lab_resource = lab_resource or _lab_resource(locked.lab)
            resource = lab_resource
        try:
            with transaction.atomic():
                if resource is None:
                    raise ValidationError(_("This equipment cannot be booked."), code="resource_inactive")
                booking = booking_services.booking_create(
                    resource=resource,
                    booked_by=item.operator,
                    company=locked.company,
                    title=_("Pilot run: %(title)s") % {"title": locked.title},
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                    now=now,
                    actor=actor,
                )
            booked.append((item, booking))
        except (ValidationError, ActionForbidden) as exc:
            tz = resource.tzinfo if resource is not None else timezone.get_current_timezone()
            code = getattr(exc, "code", None) or "invalid"
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.message)
            refused.append({**_item_label(item, tz), "code": code, "message": message})
    if refused:
        raise PilotRunConflicts(refused)  # the whole transaction rolls back: no booking stays
    for item, booking in booked:
        item.booking = booking
        item.save(update_fields=["booking"])
    return PILOT_RUN_WORKFLOW.perform(
        locked, action="schedule", actor=actor, data={"bookings": [b.pk for _i, b in booked]}
    )


@transaction.atomic
def pilot_run_start(*, run: PilotRun, actor: Any) -> PilotRun:
    return PILOT_RUN_WORKFLOW.perform(run, action="start", actor=actor)


@transaction.atomic
def pilot_run_complete(*, run: PilotRun, actor: Any) -> PilotRun:
    return PILOT_RUN_WORKFLOW.perform(run, action="complete", actor=actor)


@transaction.atomic
def pilot_run_cancel(*, run: PilotRun, actor: Any, reason: str = "", now: datetime | None = None) -> PilotRun:
    """Cancel the run and its bookings that have not ended (a running one's current booking stays)."""
    now = now or timezone.now()
    run = PILOT_RUN_WORKFLOW.perform(run, action="cancel", actor=actor, reason=reason)
    for item in run.items.filter(booking__isnull=False).select_related(
        "booking__resource__campus", "booking__resource__policy"
    ):
        booking = item.booking
        if booking.status in HOLDING_STATUSES and booking.status != "checked_in" and booking.ends_at > now:
            booking_services.booking_cancel(
                booking=booking,
                actor=actor if actor.is_staff else booking.booked_by,
                reason=reason or _("The pilot run was cancelled."),
                now=now,
            )
    return run


def pilot_run_transitions(*, run: PilotRun, actor: Any) -> list[str]:
    return PILOT_RUN_WORKFLOW.available_actions(run, actor)


__all__ = [
    "PILOT_RUN_WORKFLOW",
    "PilotRunConflicts",
    "pilot_run_approve",
    "pilot_run_cancel",
    "pilot_run_complete",
    "pilot_run_create",
    "pilot_run_schedule",
    "pilot_run_start",
    "pilot_run_transitions",
]
