import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from core.workflow import Transition, Workflow
from tests.accounts.factories import UserFactory
from tests.workflow_app.models import Ticket

TICKET_FLOW = Workflow(
    transitions=[
        Transition("start", ("open",), "in_progress"),
        Transition("close", ("open", "in_progress"), "closed", allowed=lambda actor, obj: actor.is_staff),
        Transition("reopen", ("closed",), "open"),
    ]
)
STATES = ["open", "in_progress", "closed"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["start", "close", "reopen"])
def test_every_state_action_pair_moves_or_is_refused_and_changes_nothing(state, action):
    # given
    staff = UserFactory(is_staff=True)
    ticket = Ticket.objects.create(status=state)
    declared = TICKET_FLOW.transition(action)
    # when / then
    if state in declared.sources:
        result = TICKET_FLOW.perform(ticket, action=action, actor=staff, reason="because")
        assert result.status == declared.target
        log = TransitionLog.objects.for_object(ticket).get()
        assert (log.action, log.from_state, log.to_state, log.actor, log.reason) == (
            action,
            state,
            declared.target,
            staff,
            "because",
        )
    else:
        with pytest.raises(ValidationError) as exc:
            TICKET_FLOW.perform(ticket, action=action, actor=staff)
        assert exc.value.code == "transition_not_allowed"
        assert not TransitionLog.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == (declared.target if state in declared.sources else state)


@pytest.mark.django_db
def test_actor_not_allowed_is_refused_with_a_code_and_changes_nothing():
    # given
    ticket = Ticket.objects.create(status="open")
    # when
    with pytest.raises(ActionForbidden) as exc:
        TICKET_FLOW.perform(ticket, action="close", actor=UserFactory(is_staff=False))
    # then
    assert exc.value.code == "actor_not_allowed"
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert not TransitionLog.objects.exists()


@pytest.mark.django_db
def test_apply_changes_more_fields_and_a_failure_inside_rolls_everything_back():
    ticket = Ticket.objects.create(status="open")
    TICKET_FLOW.perform(ticket, action="start", apply=lambda t: setattr(t, "note", "picked up"))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.note) == ("in_progress", "picked up")

    def boom(t: Ticket) -> None:
        t.note = "half done"
        raise ValidationError("nope", code="nope")

    with pytest.raises(ValidationError):
        TICKET_FLOW.perform(ticket, action="close", apply=boom)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.note) == ("in_progress", "picked up")
    assert TransitionLog.objects.count() == 1


@pytest.mark.django_db
def test_unknown_action_is_refused():
    with pytest.raises(ValidationError) as exc:
        TICKET_FLOW.perform(Ticket.objects.create(), action="explode")
    assert exc.value.code == "unknown_action"


@pytest.mark.django_db
def test_available_actions_respect_state_and_actor():
    ticket = Ticket.objects.create(status="open")
    assert TICKET_FLOW.available_actions(ticket, UserFactory(is_staff=True)) == ["start", "close"]
    assert TICKET_FLOW.available_actions(ticket, UserFactory(is_staff=False)) == ["start"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_the_same_transition_move_it_once():
    # given
    ticket = Ticket.objects.create(status="open")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            TICKET_FLOW.perform(ticket, action="start")
            result = "moved"
        except ValidationError as exc:
            result = str(exc.code)
        finally:
            close_old_connections()
        with lock:
            outcomes.append(result)

    # when
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then: the row lock serialises them; the losers see the new state and are refused
    assert sorted(outcomes) == ["moved"] + ["transition_not_allowed"] * 7
    assert TransitionLog.objects.for_object(ticket).count() == 1
