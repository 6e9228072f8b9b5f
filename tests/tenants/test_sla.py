"""SLA engine: due times on the real 2026 China calendar, pause/resume/stop, the sweep, the API.

Calendar facts used (core.calendar over ``holidays.China``, 2026):
- Spring Festival: Mon 16 – Mon 23 Feb off (with the weekend); Sat 14 and Sat 28 Feb are make-up workdays.
- Mid-Autumn Festival: Fri 25 Sep off.
- National Day: Thu 1 – Wed 7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up workdays.
- March 2026 has no holidays (weekends only).
Asia/Shanghai is UTC+8 all year, so 10:00 CST is 02:00 UTC.
"""

import importlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from notifications.models import Notification
from tenants import tasks
from tenants.models import SLAClock, SLAPolicy, Track
from tenants.models.sla import SLAOutcome
from tenants.selectors.sla import sla_clock_open_for, sla_queue_annotate
from tenants.services.sla import (
    sla_clock_pause,
    sla_clock_reassign,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
    sla_sweep,
)
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory
from tests.tenants.factories_sla import cst, director, team_lead

pytestmark = pytest.mark.django_db

DEFAULT_POLICIES = importlib.import_module("tenants.migrations.0004_sla_default_policies")

HOUR = 3600
DAY = 24 * HOUR


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def start(subject, *, step="screening", track=Track.STANDARD, at, subject_type="application", **kwargs):  # type: ignore[no-untyped-def]
    return sla_clock_start(
        subject=subject, step=step, track=track, at=at, subject_type=subject_type, **kwargs
    )


@pytest.fixture(autouse=True)
def default_policies(django_db_blocker):  # type: ignore[no-untyped-def]
    """The data migration's rows, again: a transactional test's flush (here or in another app's
    tests, kept by --reuse-db) removes them. Installing is idempotent."""
    with django_db_blocker.unblock():
        DEFAULT_POLICIES.install_defaults(apps, None)


# --- policies ---------------------------------------------------------------------------------------------


def test_default_policies_are_installed_by_the_data_migration():
    # when
    rows = {
        (p.subject_type, p.step, p.track): (p.budget_working_days, p.budget_hours)
        for p in SLAPolicy.objects.all()
    }
    # then
    assert rows[("application", "screening", "standard")] == (5, None)
    assert rows[("application", "screening", "expedited")] == (1, None)
    assert rows[("application", "decision", "standard")] == (15, None)
    assert rows[("application", "decision", "expedited")] == (5, None)
    assert rows[("application", "agreement_sent", "standard")] == (3, None)
    assert rows[("application", "agreement_sent", "expedited")] == (1, None)
    assert rows[("registration_case", "registration_precheck", "standard")] == (2, None)
    assert rows[("registration_case", "registration_precheck", "expedited")] == (0, None)
    assert rows[("service_request", "first_response", "standard")] == (None, 24)
    assert rows[("service_request", "first_response", "expedited")] == (None, 4)


@pytest.mark.parametrize(("days", "hours"), [(None, None), (2, 4)], ids=["no-budget", "both-budgets"])
def test_policy_needs_exactly_one_budget(days, hours):
    # given
    policy = SLAPolicy(subject_type="x", step="y", name="X", budget_working_days=days, budget_hours=hours)
    # when / then
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert exc.value.error_dict["__all__"][0].code == "tenants_slapolicy_one_budget"
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


# --- due times ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "track", "started", "due_utc"),
    [
        # Fri 16:30 + 1 working day = Sat 14 Feb 16:30, a make-up workday (08:30 UTC)
        ("screening", Track.EXPEDITED, cst(2026, 2, 13, 16, 30), utc(2026, 2, 14, 8, 30)),
        # Thu 24 Sep 10:00 + 5: Mon 28, Tue 29, Wed 30, (Mid-Autumn, National Day off) Thu 8, Fri 9 Oct
        ("screening", Track.STANDARD, cst(2026, 9, 24, 10), utc(2026, 10, 9, 2)),
        # Thu 24 Sep 10:00 + 15: … Fri 9, Sat 10 (make-up), Mon 12 … Thu 22 Oct
        ("decision", Track.STANDARD, cst(2026, 9, 24, 10), utc(2026, 10, 22, 2)),
        # Wed 30 Sep 10:00 + 5: Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13 Oct
        ("decision", Track.EXPEDITED, cst(2026, 9, 30, 10), utc(2026, 10, 13, 2)),
        # Sat 21 Feb (Spring Festival break) 15:00 + 3: Tue 24, Wed 25, Thu 26 → end of Thu = Fri 00:00
        ("agreement_sent", Track.STANDARD, cst(2026, 2, 21, 15), utc(2026, 2, 26, 16)),
    ],
    ids=["make-up-saturday", "national-day-5", "national-day-15-makeup", "makeup-10-oct", "from-holiday"],
)
def test_clock_start_due_in_working_days_on_the_2026_calendar(step, track, started, due_utc):
    # given
    company = CompanyFactory()
    # when
    clock = start(company, step=step, track=track, at=started)
    # then
    assert clock.due_at == due_utc
    assert clock.running_since == started
    assert clock.budget_seconds == clock.policy.budget_working_days * DAY


@pytest.mark.parametrize(
    ("started", "due_utc"),
    [
        # Fri 13 Feb 16:30: by the end of that Friday (24:00 CST = 16:00 UTC)
        (cst(2026, 2, 13, 16, 30), utc(2026, 2, 13, 16)),
        # Mon 16 Feb (Spring Festival): the next working day is Tue 24 Feb; due at its end
        (cst(2026, 2, 16, 10), utc(2026, 2, 24, 16)),
    ],
    ids=["working-day", "holiday"],
)
def test_clock_start_same_working_day_budget(started, due_utc):
    # when
    clock = start(
        CompanyFactory(),
        step="registration_precheck",
        track=Track.EXPEDITED,
        at=started,
        subject_type="registration_case",
    )
    # then
    assert clock.due_at == due_utc


@pytest.mark.parametrize(
    ("track", "started", "due_utc"),
    [
        # 4 h from 17:00 on Wed 30 Sep (the last working day before National Day): 21:00 the same day
        (Track.EXPEDITED, cst(2026, 9, 30, 17), utc(2026, 9, 30, 13)),
        # 4 h from 22:00 Wed 30 Sep: 2 h that night, 2 h on Thu 8 Oct → 02:00 CST
        (Track.EXPEDITED, cst(2026, 9, 30, 22), utc(2026, 10, 7, 18)),
        # 24 h from 17:00 Wed 30 Sep: 7 h that day, 17 h on Thu 8 Oct → 17:00 CST
        (Track.STANDARD, cst(2026, 9, 30, 17), utc(2026, 10, 8, 9)),
    ],
    ids=["4h-same-evening", "4h-across-national-day", "24h-across-national-day"],
)
def test_clock_start_hours_budget_counts_working_days_only(track, started, due_utc):
    # when
    clock = start(
        CompanyFactory(), step="first_response", track=track, at=started, subject_type="service_request"
    )
    # then
    assert clock.due_at == due_utc
    assert clock.budget_seconds == int(clock.policy.budget_hours * HOUR)


def test_clock_start_uses_the_subjects_time_zone():
    # given: a subject on a campus in Berlin (UTC+1 in February)
    company = CompanyFactory()
    company.sla_time_zone = "Europe/Berlin"
    # when: Fri 13 Feb 16:30 Berlin + 1 working day (the China calendar, read on Berlin's clock)
    clock = start(company, track=Track.EXPEDITED, at=datetime(2026, 2, 13, 15, 30, tzinfo=UTC))
    # then
    assert clock.time_zone == "Europe/Berlin"
    assert clock.due_at == utc(2026, 2, 14, 15, 30)


def test_clock_start_twice_returns_the_open_clock_unchanged():
    # given
    company = CompanyFactory()
    first = start(company, at=cst(2026, 3, 2, 10))
    # when
    second = start(company, track=Track.EXPEDITED, at=cst(2026, 3, 3, 10))
    # then
    assert second.pk == first.pk
    assert second.due_at == first.due_at
    assert SLAClock.objects.count() == 1


def test_clock_start_without_an_active_policy_is_refused():
    # given
    SLAPolicy.objects.filter(subject_type="application", step="screening").update(is_active=False)
    # when / then
    with pytest.raises(ValidationError) as exc:
        start(CompanyFactory(), at=cst(2026, 3, 2, 10))
    assert exc.value.code == "sla_policy_missing"
    assert not SLAClock.objects.exists()


def test_clock_start_defaults_the_subject_type_to_the_model_name():
    # given: no policy for "company"
    # when / then
    with pytest.raises(ValidationError) as exc:
        sla_clock_start(subject=CompanyFactory(), step="screening", track=Track.STANDARD)
    assert exc.value.params["subject_type"] == "company"


def test_only_one_open_clock_per_subject_and_step_in_the_database():
    # given
    company = CompanyFactory()
    clock = start(company, at=cst(2026, 3, 2, 10))
    duplicate = SLAClock(
        content_type=clock.content_type,
        object_id=company.pk,
        policy=clock.policy,
        step="screening",
        started_at=clock.started_at,
        budget_seconds=1,
        running_since=clock.started_at,
        due_at=clock.due_at,
    )
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


# --- pause, resume, stop --------------------------------------------------------------------------------


def test_pause_during_a_holiday_and_resume_with_the_remaining_budget():
    # given: 5 working days (120 h) from Mon 28 Sep 10:00
    company = CompanyFactory()
    start(company, at=cst(2026, 9, 28, 10))
    # when: paused on National Day (Thu 1 Oct), resumed Thu 8 Oct 09:00
    paused = sla_clock_pause(subject=company, at=cst(2026, 10, 1, 12), reason="more_info")
    resumed = sla_clock_resume(subject=company, at=cst(2026, 10, 8, 9))
    # then: used Mon 14 h + Tue 24 h + Wed 24 h = 62 h; 58 h left: Thu 15 h, Fri 24 h, Sat 10 Oct 19 h
    assert paused.consumed_seconds == 62 * HOUR
    assert resumed.running_since == cst(2026, 10, 8, 9)
    assert resumed.due_at == utc(2026, 10, 10, 11)
    assert resumed.paused_reason == ""


def test_paused_clock_has_no_due_time_and_pausing_again_changes_nothing():
    # given
    company = CompanyFactory()
    start(company, at=cst(2026, 3, 2, 10))
    sla_clock_pause(subject=company, at=cst(2026, 3, 2, 12), reason="more_info")
    # when
    again = sla_clock_pause(subject=company, at=cst(2026, 3, 4, 12), reason="other")
    # then
    assert again.due_at is None
    assert again.running_since is None
    assert again.consumed_seconds == 2 * HOUR
    assert again.paused_reason == "more_info"


def test_resuming_a_running_clock_changes_nothing():
    # given
    company = CompanyFactory()
    clock = start(company, at=cst(2026, 3, 2, 10))
    # when
    resumed = sla_clock_resume(subject=company, at=cst(2026, 3, 3, 10))
    # then
    assert resumed.running_since == clock.running_since
    assert resumed.due_at == clock.due_at


@pytest.mark.parametrize(
    ("stopped", "outcome"),
    [
        (cst(2026, 2, 14, 16, 30), SLAOutcome.MET),  # exactly at the due time
        (cst(2026, 2, 14, 16, 31), SLAOutcome.BREACHED),
    ],
    ids=["at-due", "a-minute-late"],
)
def test_stop_is_met_by_the_due_time_and_breached_after(stopped, outcome):
    # given: due Sat 14 Feb 16:30
    company = CompanyFactory()
    start(company, track=Track.EXPEDITED, at=cst(2026, 2, 13, 16, 30))
    # when
    clock = sla_clock_stop(subject=company, at=stopped)
    # then
    assert clock.outcome == outcome
    assert clock.stopped_at == stopped
    assert clock.running_since is None
    assert sla_clock_open_for(subject=company) is None


def test_stop_of_a_paused_clock_judges_the_budget_used():
    # given: 1 working day, paused after 25 working hours
    company = CompanyFactory()
    start(company, track=Track.EXPEDITED, at=cst(2026, 3, 2, 10))
    sla_clock_pause(subject=company, at=cst(2026, 3, 3, 11))
    # when
    clock = sla_clock_stop(subject=company, at=cst(2026, 3, 9, 10))
    # then
    assert clock.consumed_seconds == 25 * HOUR
    assert clock.outcome == SLAOutcome.BREACHED


def test_stop_twice_is_a_no_op_and_a_new_clock_may_start():
    # given
    company = CompanyFactory()
    start(company, at=cst(2026, 3, 2, 10))
    first = sla_clock_stop(subject=company, at=cst(2026, 3, 3, 10))
    # when
    again = sla_clock_stop(subject=company, at=cst(2026, 3, 20, 10))
    restarted = start(company, at=cst(2026, 3, 23, 10))
    # then
    assert again is None
    first.refresh_from_db()
    assert first.outcome == SLAOutcome.MET
    assert restarted.pk != first.pk


def test_step_none_with_two_open_clocks_is_ambiguous():
    # given
    company = CompanyFactory()
    start(company, step="screening", at=cst(2026, 3, 2, 10))
    start(company, step="decision", at=cst(2026, 3, 2, 10))
    # when / then
    with pytest.raises(ValidationError) as exc:
        sla_clock_pause(subject=company)
    assert exc.value.code == "sla_clock_ambiguous"
    assert sla_clock_pause(subject=company, step="decision", at=cst(2026, 3, 2, 11)).is_paused


def test_reassign_changes_the_assignee():
    # given
    company, old, new = CompanyFactory(), UserFactory(), UserFactory()
    start(company, at=cst(2026, 3, 2, 10), assignee=old)
    # when
    clock = sla_clock_reassign(subject=company, assignee=new)
    # then
    clock.refresh_from_db()
    assert clock.assignee == new


def test_queue_order_puts_expedited_first_then_earliest_due():
    # given
    late_expedited = start(CompanyFactory(), track=Track.EXPEDITED, at=cst(2026, 3, 5, 10))
    early_standard = start(CompanyFactory(), at=cst(2026, 3, 2, 10))
    early_expedited = start(CompanyFactory(), track=Track.EXPEDITED, at=cst(2026, 3, 2, 10))
    # when
    ordered = list(SLAClock.objects.in_queue_order())
    # then
    assert ordered == [early_expedited, late_expedited, early_standard]


def test_queue_annotate_orders_any_subject_queryset():
    # given: subjects with their own "track" (annotated here, as an application model would have it)
    from django.db.models import Value

    from tenants.models import Company

    a, b = CompanyFactory(), CompanyFactory()
    start(a, at=cst(2026, 3, 3, 10))
    start(b, at=cst(2026, 3, 2, 10))
    queryset = Company.objects.filter(pk__in=[a.pk, b.pk]).annotate(track=Value(Track.STANDARD))
    # when
    rows = list(sla_queue_annotate(queryset, step="screening"))
    # then
    assert rows == [b, a]
    assert rows[0].sla_due_at == utc(2026, 3, 9, 2)


def test_overdue_and_due_soon_querysets():
    # given: due Mon 9 Mar 10:00 CST
    company = CompanyFactory()
    clock = start(company, at=cst(2026, 3, 2, 10))
    # then
    assert not SLAClock.objects.overdue(cst(2026, 3, 9, 9)).exists()
    assert list(SLAClock.objects.due_soon(cst(2026, 3, 9, 9), cst(2026, 3, 9, 11))) == [clock]
    assert list(SLAClock.objects.overdue(cst(2026, 3, 9, 10))) == [clock]


# --- sweep ----------------------------------------------------------------------------------------------


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    return {"assignee": UserFactory(), "lead": team_lead(), "director": director()}


def kinds(**filters) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(**filters).order_by("pk").values_list("kind", flat=True))


def test_sweep_sends_each_level_once_however_often_it_runs(people):
    # given: 5 working days from Mon 2 Mar 10:00: 75 % Fri 6 Mar 04:00, 100 % Mon 9 Mar 10:00,
    # 150 % Wed 11 Mar 22:00
    company = CompanyFactory()
    start(company, at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    # when / then
    assert sla_sweep(now=cst(2026, 3, 6, 3, 59))["warning"] == 0
    for _ in range(2):
        sla_sweep(now=cst(2026, 3, 6, 12))
    assert kinds() == ["tenants.sla.warning"]
    for _ in range(2):
        sla_sweep(now=cst(2026, 3, 9, 12))
    assert kinds(recipient=people["lead"]) == ["tenants.sla.breach"]
    for _ in range(2):
        sla_sweep(now=cst(2026, 3, 12, 9))
    assert kinds() == ["tenants.sla.warning", "tenants.sla.breach", "tenants.sla.escalation"]
    assert kinds(recipient=people["director"]) == ["tenants.sla.escalation"]
    clock = SLAClock.objects.get()
    assert clock.warned_at == cst(2026, 3, 6, 12)
    assert clock.breached_at == cst(2026, 3, 9, 12)
    assert clock.escalated_at == cst(2026, 3, 12, 9)
    assert clock.reminders_sent == 3


def test_sweep_first_seeing_a_clock_at_160_percent_sends_all_levels_once_in_order(people):
    # given: 160 % of 120 h = 192 h, reached Thu 12 Mar 10:00
    company = CompanyFactory()
    start(company, at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    # when
    first = sla_sweep(now=cst(2026, 3, 12, 10))
    second = sla_sweep(now=cst(2026, 3, 12, 10))
    # then
    assert first == {
        "checked": 1,
        "warning": 1,
        "breach": 1,
        "escalation": 1,
        "notifications": 3,
        "failed": 0,
    }
    assert second["notifications"] == 0
    assert kinds() == ["tenants.sla.warning", "tenants.sla.breach", "tenants.sla.escalation"]
    assert [n.recipient for n in Notification.objects.order_by("pk")] == [
        people["assignee"],
        people["lead"],
        people["director"],
    ]


def test_sweep_notification_shows_the_due_time_in_shanghai_time(people):
    # given
    company = CompanyFactory(name="Lotus Robotics")
    start(company, at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    # when
    sla_sweep(now=cst(2026, 3, 6, 12))
    # then
    notification = Notification.objects.get()
    assert notification.subject == "SLA warning: Lotus Robotics is due 2026-03-09 10:00"
    assert "2026-03-09 10:00 (Asia/Shanghai time)" in notification.body
    assert "Application submitted → screening done (Standard)" in notification.body
    assert notification.subject_obj == company


def test_sweep_skips_paused_and_stopped_clocks(people):
    # given
    paused, stopped = CompanyFactory(), CompanyFactory()
    start(paused, at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    start(stopped, at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    sla_clock_pause(subject=paused, at=cst(2026, 3, 2, 11))
    sla_clock_stop(subject=stopped, at=cst(2026, 3, 2, 11))
    # when
    counts = sla_sweep(now=cst(2026, 3, 20, 10))
    # then
    assert counts["checked"] == 0
    assert not Notification.objects.exists()


def test_sweep_sends_at_most_three_reminders_per_person_per_subject():
    # given: one person is assignee, team lead and director; two steps of one subject far overdue
    person = team_lead()
    person.groups.add(*director().groups.all())
    company = CompanyFactory()
    start(company, step="screening", at=cst(2026, 3, 2, 10), assignee=person)
    start(company, step="decision", track=Track.EXPEDITED, at=cst(2026, 3, 2, 10), assignee=person)
    # when
    sla_sweep(now=cst(2026, 3, 20, 10))
    sla_sweep(now=cst(2026, 3, 20, 10))
    # then: six levels reached, three reminders sent
    assert Notification.objects.filter(recipient=person).count() == 3
    assert SLAClock.objects.filter(escalated_at__isnull=False).count() == 2


def test_sweep_task_calls_the_sweep(people):
    # given
    start(CompanyFactory(), at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    # when
    counts = tasks.sla_sweep_task()
    # then
    assert counts["checked"] == 1
    assert set(kinds()) == {"tenants.sla.warning", "tenants.sla.breach", "tenants.sla.escalation"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_racing_on_two_threads_send_each_level_exactly_once():
    # given: three far-overdue clocks with an assignee, a team lead and a director
    assignee, lead, boss = UserFactory(), team_lead(), director()
    for _ in range(3):
        start(CompanyFactory(), at=cst(2026, 3, 2, 10), assignee=assignee)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(sla_sweep(now=cst(2026, 3, 20, 10), batch_size=2))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    for kind, recipient in [
        ("tenants.sla.warning", assignee),
        ("tenants.sla.breach", lead),
        ("tenants.sla.escalation", boss),
    ]:
        assert Notification.objects.filter(kind=kind, recipient=recipient).count() == 3
    assert sum(r["notifications"] for r in results) == 9
    assert list(SLAClock.objects.values_list("reminders_sent", flat=True)) == [3, 3, 3]
    assert sum(r["warning"] for r in results) == 3


# --- API ------------------------------------------------------------------------------------------------


def test_sla_clock_list_is_staff_only(user_client):
    # when
    response = user_client.get(reverse("api:sla-clock-list"))
    # then
    assert response.status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_sla_clock_list_in_constant_queries(staff_client, django_assert_num_queries, rows):
    # given
    assignee = UserFactory()
    for n in range(rows):
        start(CompanyFactory(), at=cst(2026, 3, 2, 10) + timedelta(minutes=n), assignee=assignee)
    # when
    with django_assert_num_queries(2):  # COUNT + one joined SELECT
        response = staff_client.get(reverse("api:sla-clock-list"), {"page_size": 50})
    # then
    assert response.status_code == 200
    assert response.json()["count"] == rows


def test_sla_clock_list_filters(staff_client):
    # given
    overdue = start(CompanyFactory(), at=cst(2020, 3, 2, 10))
    start(CompanyFactory(), track=Track.EXPEDITED, at=datetime.now(tz=UTC))
    start(
        CompanyFactory(),
        step="first_response",
        subject_type="service_request",
        at=datetime.now(tz=UTC),
    )
    stopped = CompanyFactory()
    start(stopped, at=cst(2026, 3, 2, 10))
    sla_clock_stop(subject=stopped, at=cst(2026, 3, 3, 10))
    url = reverse("api:sla-clock-list")
    # when
    ids = {
        name: [row["id"] for row in staff_client.get(url, query).json()["results"]]
        for name, query in {
            "overdue": {"overdue": "true"},
            "expedited": {"track": "expedited"},
            "service": {"subject_type": "service_request"},
            "open": {"open": "true"},
            "closed": {"open": "false"},
        }.items()
    }
    # then
    assert ids["overdue"] == [overdue.pk]
    assert len(ids["expedited"]) == 1
    assert len(ids["service"]) == 1
    assert len(ids["open"]) == 3
    assert len(ids["closed"]) == 1
    assert staff_client.get(url, {"track": "fast"}).status_code == 400


# --- admin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", [{}, {"state": "overdue"}, {"state": "paused"}, {"level": "breach"}, {"track": "expedited"}]
)
def test_sla_admin_changelists_render(admin_client, query):
    # given
    company = CompanyFactory()
    start(company, at=cst(2026, 3, 2, 10))
    # when
    clocks = admin_client.get(reverse("admin:tenants_slaclock_changelist"), query)
    policies = admin_client.get(reverse("admin:tenants_slapolicy_changelist"))
    # then
    assert clocks.status_code == 200
    assert policies.status_code == 200


def test_sweep_enqueues_the_emails_only_on_commit(people, django_capture_on_commit_callbacks, mocker):
    # given
    from notifications import tasks as notification_tasks

    delay = mocker.patch.object(notification_tasks.notification_email_send_task, "delay")
    start(CompanyFactory(), at=cst(2026, 3, 2, 10), assignee=people["assignee"])
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sla_sweep(now=cst(2026, 3, 20, 10))
    # then
    delay.assert_not_called()
    assert len(callbacks) == 3


@pytest.mark.parametrize("term", ["screening", "42", "someone@example.com"])
def test_sla_clock_admin_search(admin_client, term):
    # given
    start(CompanyFactory(), at=cst(2026, 3, 2, 10))
    # when
    response = admin_client.get(reverse("admin:tenants_slaclock_changelist"), {"q": term})
    # then
    assert response.status_code == 200
