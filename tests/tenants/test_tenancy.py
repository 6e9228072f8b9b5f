from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from spaces.models import SpaceKind
from tenants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Checklist,
    ChecklistItem,
    ChecklistKind,
    Deposit,
    DepositStatus,
    IncentiveGrant,
    IncentiveKind,
    IncentiveStatus,
    Tenancy,
    TenancySpace,
    TenancyStatus,
)
from tenants.services import tenancy as services
from tenants.signals import tenancy_ended
from tests.accounts.factories import UserFactory
from tests.spaces.factories import DeskFactory
from tests.tenants.factories import CompanyFactory
from tests.tenants.factories_tenancy import AgreementFactory, OfficeSuiteFactory, owner_of

pytestmark = pytest.mark.django_db

JAN, JUN, DEC = date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 1)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


def executed(staff, **kwargs):  # type: ignore[no-untyped-def]
    agreement = AgreementFactory(status=AgreementStatus.SIGNED, **kwargs)
    return services.agreement_execute(agreement=agreement, actor=staff)


def error_codes(exc: ValidationError) -> set[str]:
    """Every code a ValidationError carries, field errors included."""
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def codes(checklist: Checklist) -> list[str]:
    return list(checklist.items.order_by("position").values_list("code", flat=True))


# --- agreements ---------------------------------------------------------------------------------------


def test_agreement_create_lets_the_spaces_and_logs_it(staff):
    # given
    company, suite, desk = CompanyFactory(), OfficeSuiteFactory(), DeskFactory()
    # when
    agreement = services.agreement_create(
        company=company,
        kind=AgreementKind.LEASE,
        starts_on=JAN,
        ends_on=DEC,
        spaces=[suite, desk, suite],
        actor=staff,
        monthly_rent=Decimal("12000"),
        deposit=Decimal("24000"),
    )
    # then
    assert agreement.status == AgreementStatus.DRAFT
    assert set(agreement.spaces.all()) == {suite, desk}
    assert TransitionLog.objects.for_object(agreement).get().to_state == "draft"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"ends_on": JAN}, "tenants_agreement_ends_after_start"),
        ({"monthly_rent": Decimal("-1")}, "min_value"),
        ({"spaces": []}, "no_spaces"),
        ({"free_rent_months": 12}, "free_rent_too_long"),
    ],
)
def test_agreement_create_refuses_bad_terms_and_writes_nothing(staff, kwargs, code):
    # given
    arguments = {
        "company": CompanyFactory(),
        "kind": AgreementKind.LEASE,
        "starts_on": JAN,
        "ends_on": DEC,
        "spaces": [OfficeSuiteFactory()],
        "actor": staff,
        **kwargs,
    }
    # when
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(**arguments)
    # then
    assert code in error_codes(exc.value)
    assert not Agreement.objects.exists()


def test_agreement_send_sets_the_expiry_and_tells_the_owner(staff):
    # given
    agreement = AgreementFactory()
    owner = owner_of(agreement.company)
    # when
    agreement = services.agreement_send(agreement=agreement, actor=staff)
    # then
    assert agreement.status == AgreementStatus.SENT
    assert agreement.expires_at == agreement.sent_at + services.AGREEMENT_VALID_FOR
    assert Notification.objects.get(recipient=owner).kind == "tenants.tenancy.agreement_sent"


AGREEMENT_ACTIONS = {
    "send": lambda a, actor: services.agreement_send(agreement=a, actor=actor),
    "sign": lambda a, actor: services.agreement_sign(agreement=a, actor=actor),
    "decline": lambda a, actor: services.agreement_decline(agreement=a, actor=actor),
    "void": lambda a, actor: services.agreement_void(agreement=a, actor=actor),
    "execute": lambda a, actor: services.agreement_execute(agreement=a, actor=actor),
}
AGREEMENT_MOVES = {
    ("draft", "send"): "sent",
    ("draft", "void"): "voided",
    ("sent", "sign"): "signed",
    ("sent", "decline"): "declined",
    ("sent", "void"): "voided",
    ("signed", "void"): "voided",
    ("signed", "execute"): "executed",
}


@pytest.mark.parametrize("state", AgreementStatus.values)
@pytest.mark.parametrize("action", list(AGREEMENT_ACTIONS))
def test_agreement_state_action_matrix(staff, state, action):
    # given
    agreement = AgreementFactory(status=state)
    logs_before = TransitionLog.objects.count()
    # when / then
    target = AGREEMENT_MOVES.get((state, action))
    if target is None:
        with pytest.raises(ValidationError) as exc:
            AGREEMENT_ACTIONS[action](agreement, staff)
        assert exc.value.code == "transition_not_allowed"
        agreement.refresh_from_db()
        assert agreement.status == state
        assert TransitionLog.objects.count() == logs_before
        assert not Tenancy.objects.exists()
    else:
        AGREEMENT_ACTIONS[action](agreement, staff)
        agreement.refresh_from_db()
        assert agreement.status == target


def test_a_company_member_may_not_move_an_agreement():
    # given
    agreement = AgreementFactory()
    # when / then
    with pytest.raises(ActionForbidden) as exc:
        services.agreement_send(agreement=agreement, actor=owner_of(agreement.company))
    assert exc.value.code == "actor_not_allowed"
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


# --- execute ------------------------------------------------------------------------------------------


def test_agreement_execute_creates_tenancy_checklist_deposit_and_incentive_in_one_go(staff):
    # given
    suite, lab_desk = OfficeSuiteFactory(code="A-1201"), DeskFactory()
    agreement = AgreementFactory(
        status=AgreementStatus.SIGNED,
        kind=AgreementKind.INCUBATION,
        spaces=[suite, lab_desk],
        deposit=Decimal("30000"),
        free_rent_months=3,
        access_cards=2,
        includes_lab_access=True,
        uses_park_domicile=True,
    )
    owner = owner_of(agreement.company)
    # when
    tenancy = services.agreement_execute(agreement=agreement, actor=staff)
    # then
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXECUTED
    assert agreement.executed_at is not None
    assert (tenancy.status, tenancy.starts_on, tenancy.ends_on) == (
        TenancyStatus.PENDING_MOVE_IN,
        JAN,
        date(2027, 1, 1),
    )
    assert set(tenancy.tenancy_spaces.values_list("space", flat=True)) == {suite.pk, lab_desk.pk}
    checklist = Checklist.objects.get(tenancy=tenancy)
    assert checklist.kind == ChecklistKind.MOVE_IN
    assert codes(checklist) == [
        f"assign_space_{suite.pk}",
        f"hand_over_key_{suite.pk}",
        f"assign_space_{lab_desk.pk}",
        "issue_card_1",
        "issue_card_2",
        "wifi",
        "mailbox",
        "orientation",
        "deposit_received",
        "lab_safety_induction",
        "domicile_letter",
    ]
    assert checklist.items.get(code=f"hand_over_key_{suite.pk}").title_zh == "交付 A-1201 钥匙"
    deposit = Deposit.objects.get()
    assert (deposit.tenancy, deposit.amount, deposit.status) == (
        tenancy,
        Decimal("30000"),
        DepositStatus.HELD,
    )
    grant = IncentiveGrant.objects.get()
    assert (
        grant.kind,
        grant.status,
        grant.months,
        grant.starts_on,
        grant.ends_on,
        grant.incubation_only,
    ) == (
        IncentiveKind.FREE_RENT,
        IncentiveStatus.APPROVED,
        3,
        JAN,
        date(2026, 4, 1),
        True,
    )
    assert Notification.objects.get(recipient=owner).kind == "tenants.tenancy.agreement_executed"


def test_agreement_execute_without_extras_makes_no_deposit_grant_or_optional_items(staff):
    # when
    tenancy = executed(staff, deposit=Decimal("0"), free_rent_months=0)
    # then
    assert not Deposit.objects.exists()
    assert not IncentiveGrant.objects.exists()
    items = codes(tenancy.checklists.get())
    assert "lab_safety_induction" not in items
    assert "domicile_letter" not in items
    assert "issue_card_1" not in items


def test_a_failing_execute_leaves_no_rows_at_all(staff):
    # given: the suite is let to another company for the whole year
    suite = OfficeSuiteFactory(code="B-0301")
    first = executed(staff, spaces=[suite], company=CompanyFactory(name="Deep Robotics"))
    second = AgreementFactory(
        status=AgreementStatus.SIGNED,
        spaces=[OfficeSuiteFactory(), suite],
        starts_on=JUN,
        deposit=Decimal("5000"),
        free_rent_months=1,
        access_cards=3,
    )
    counts = [
        m.objects.count() for m in (Tenancy, TenancySpace, Checklist, ChecklistItem, Deposit, IncentiveGrant)
    ]
    logs = TransitionLog.objects.count()
    # when
    with pytest.raises(ValidationError) as exc:
        services.agreement_execute(agreement=second, actor=staff)
    # then
    assert exc.value.code == "tenancy_overlap"
    assert "B-0301" in exc.value.messages[0]
    assert "Deep Robotics" in exc.value.messages[0]
    assert [
        m.objects.count() for m in (Tenancy, TenancySpace, Checklist, ChecklistItem, Deposit, IncentiveGrant)
    ] == counts
    assert TransitionLog.objects.count() == logs
    second.refresh_from_db()
    assert second.status == AgreementStatus.SIGNED
    assert first.tenancy_spaces.count() == 1


def test_two_tenancies_for_the_same_space_on_overlapping_dates_the_second_fails(staff):
    # given
    suite = OfficeSuiteFactory()
    executed(staff, spaces=[suite], starts_on=JAN, ends_on=JUN)
    # when
    with pytest.raises(ValidationError) as exc:
        executed(staff, spaces=[suite], starts_on=date(2026, 5, 31), ends_on=DEC)
    # then
    assert exc.value.code == "tenancy_overlap"
    assert TenancySpace.objects.filter(space=suite).count() == 1


def test_adjacent_ranges_do_not_conflict(staff):
    # given: [Jan, Jun)
    suite = OfficeSuiteFactory()
    executed(staff, spaces=[suite], starts_on=JAN, ends_on=JUN)
    # when: [Jun, Dec)
    tenancy = executed(staff, spaces=[suite], starts_on=JUN, ends_on=DEC)
    # then
    assert TenancySpace.objects.filter(space=suite).count() == 2
    assert tenancy.tenancy_spaces.get().starts_on == JUN


@pytest.mark.postgres
def test_the_database_refuses_an_overlap_that_bypasses_the_service(staff):
    # given
    from django.db import IntegrityError, transaction

    suite = OfficeSuiteFactory()
    tenancy = executed(staff, spaces=[suite], starts_on=JAN, ends_on=DEC)
    other = executed(staff, spaces=[OfficeSuiteFactory()], starts_on=JAN, ends_on=DEC)
    # when / then
    with pytest.raises(IntegrityError, match="tenants_tenancyspace_no_overlap"), transaction.atomic():
        TenancySpace.objects.create(
            tenancy=other, space=suite, company=other.company, starts_on=JUN, ends_on=DEC
        )
    # and full_clean() names the constraint's code
    row = TenancySpace(tenancy=other, space=suite, company=other.company, starts_on=JUN, ends_on=DEC)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert exc.value.error_dict["__all__"][0].code == "tenancy_overlap"
    assert tenancy.tenancy_spaces.count() == 1


# --- tenancy lifecycle --------------------------------------------------------------------------------


def test_a_released_space_is_free_after_released_on(staff):
    # given: two spaces for the year; the suite is given back from June
    suite, other = OfficeSuiteFactory(), OfficeSuiteFactory()
    tenancy = executed(staff, spaces=[suite, other], starts_on=JAN, ends_on=date(2027, 1, 1))
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    services.tenancy_release_space(tenancy=tenancy, space=suite, on=JUN, actor=staff)
    # when: someone else takes it from June
    later = executed(staff, spaces=[suite], starts_on=JUN, ends_on=DEC)
    # then: but not from May
    assert later.tenancy_spaces.get().space == suite
    with pytest.raises(ValidationError) as exc:
        executed(staff, spaces=[suite], starts_on=date(2026, 5, 1), ends_on=JUN)
    assert exc.value.code == "tenancy_overlap"


def test_downgrade_creates_return_tasks_and_move_out_mirrors_what_is_left(staff):
    # given: a suite (with key), a desk, 3 cards, park domicile, a deposit
    suite, desk = OfficeSuiteFactory(), DeskFactory()
    tenancy = executed(
        staff, spaces=[suite, desk], access_cards=3, uses_park_domicile=True, deposit=Decimal("1000")
    )
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    # when: the suite and one card are given back
    downgrade = services.tenancy_release_space(
        tenancy=tenancy, space=suite, on=JUN, actor=staff, cards_returned=1
    )
    # then
    assert downgrade.kind == ChecklistKind.DOWNGRADE
    assert codes(downgrade) == [
        f"return_key_{suite.pk}",
        "return_card_3",
        f"revoke_space_access_{suite.pk}",
        f"inspect_space_{suite.pk}",
    ]
    assert tenancy.tenancy_spaces.get(space=suite).released_on == JUN
    # when: notice, then moving out
    services.tenancy_give_notice(tenancy=tenancy, ends_on=DEC, actor=staff)
    tenancy = services.tenancy_start_move_out(tenancy=tenancy, actor=staff)
    # then: only what is still out comes back
    move_out = tenancy.checklists.get(kind=ChecklistKind.MOVE_OUT)
    assert codes(move_out) == [
        "return_card_1",
        "return_card_2",
        "revoke_access",
        "close_mailbox",
        "inspection",
        "final_invoice",
        "deposit_settlement",
        "domicile_change",
    ]


def test_move_out_without_domicile_or_deposit_asks_for_neither(staff):
    # given
    tenancy = executed(staff, access_cards=1)
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    # when
    tenancy = services.tenancy_start_move_out(tenancy=tenancy, actor=staff)
    # then
    suite = tenancy.tenancy_spaces.get().space
    assert codes(tenancy.checklists.get(kind=ChecklistKind.MOVE_OUT)) == [
        f"return_key_{suite.pk}",
        "return_card_1",
        "revoke_access",
        "close_mailbox",
        "inspection",
        "final_invoice",
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"on": date(2025, 12, 1)}, "release_date_invalid"),
        ({"cards_returned": 5}, "cards_returned_invalid"),
    ],
)
def test_release_space_refusals_change_nothing(staff, kwargs, code):
    # given
    suite = OfficeSuiteFactory()
    tenancy = executed(staff, spaces=[suite, OfficeSuiteFactory()], access_cards=2)
    # when
    with pytest.raises(ValidationError) as exc:
        services.tenancy_release_space(tenancy=tenancy, space=suite, actor=staff, **{"on": JUN, **kwargs})
    # then
    assert code in error_codes(exc.value)
    assert not TenancySpace.objects.filter(released_on__isnull=False).exists()
    assert not Checklist.objects.filter(kind=ChecklistKind.DOWNGRADE).exists()


def test_the_last_space_is_not_released_but_noticed(staff):
    tenancy = executed(staff)
    with pytest.raises(ValidationError) as exc:
        services.tenancy_release_space(
            tenancy=tenancy, space=tenancy.tenancy_spaces.get().space, on=JUN, actor=staff
        )
    assert exc.value.code == "last_space"


def test_close_frees_the_spaces_from_the_end_date_and_signals(staff):
    # given
    suite, company = OfficeSuiteFactory(), CompanyFactory()
    owner = owner_of(company)
    tenancy = executed(staff, spaces=[suite], company=company)
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    services.tenancy_give_notice(tenancy=tenancy, ends_on=DEC, actor=staff)
    services.tenancy_start_move_out(tenancy=tenancy, actor=staff)
    received = []
    tenancy_ended.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t")
    # when
    try:
        with time_machine.travel(date(2026, 10, 15), tick=False):
            tenancy = services.tenancy_close(tenancy=tenancy, actor=staff)
    finally:
        tenancy_ended.disconnect(dispatch_uid="t")
    # then
    assert (tenancy.status, tenancy.ends_on, tenancy.closed_on) == (
        TenancyStatus.CLOSED,
        date(2026, 10, 15),
        date(2026, 10, 15),
    )
    assert tenancy.tenancy_spaces.get().released_on == date(2026, 10, 15)
    assert received == [{"tenancy": tenancy, "ends_on": date(2026, 10, 15), "signal": tenancy_ended}]
    assert set(Notification.objects.filter(recipient=owner).values_list("kind", flat=True)) == {
        "tenants.tenancy.agreement_executed",
        "tenants.tenancy.notice_given",
        "tenants.tenancy.closed",
    }
    executed(staff, spaces=[suite], starts_on=date(2026, 10, 15), ends_on=DEC)  # free again


TENANCY_ACTIONS = {
    "move_in": lambda t, a: services.tenancy_move_in(tenancy=t, actor=a),
    "give_notice": lambda t, a: services.tenancy_give_notice(tenancy=t, ends_on=DEC, actor=a),
    "start_move_out": lambda t, a: services.tenancy_start_move_out(tenancy=t, actor=a),
    "close": lambda t, a: services.tenancy_close(tenancy=t, actor=a),
}
TENANCY_MOVES = {
    ("pending_move_in", "move_in"): "active",
    ("active", "give_notice"): "notice_given",
    ("active", "start_move_out"): "moving_out",
    ("notice_given", "start_move_out"): "moving_out",
    ("moving_out", "close"): "closed",
}


@pytest.mark.parametrize("state", TenancyStatus.values)
@pytest.mark.parametrize("action", list(TENANCY_ACTIONS))
def test_tenancy_state_action_matrix(staff, state, action):
    # given
    tenancy = executed(staff)
    Tenancy.objects.filter(pk=tenancy.pk).update(
        status=state, closed_on=JUN if state == TenancyStatus.CLOSED else None
    )
    logs_before = TransitionLog.objects.count()
    checklists_before = Checklist.objects.count()
    # when / then
    target = TENANCY_MOVES.get((state, action))
    if target is None:
        with pytest.raises(ValidationError) as exc:
            TENANCY_ACTIONS[action](tenancy, staff)
        assert exc.value.code == "transition_not_allowed"
        tenancy.refresh_from_db()
        assert tenancy.status == state
        assert tenancy.ends_on == date(2027, 1, 1)
        assert TransitionLog.objects.count() == logs_before
        assert Checklist.objects.count() == checklists_before
        assert not TenancySpace.objects.filter(released_on__isnull=False).exists()
    else:
        TENANCY_ACTIONS[action](tenancy, staff)
        tenancy.refresh_from_db()
        assert tenancy.status == target


def test_checklist_completes_when_every_required_item_is_done(staff):
    # given
    tenancy = executed(staff)
    checklist = tenancy.checklists.get()
    items = list(checklist.items.all())
    # when
    for item in items[:-1]:
        services.checklist_item_complete(item=item, actor=staff)
    checklist.refresh_from_db()
    assert checklist.completed_at is None
    last = services.checklist_item_complete(item=items[-1], actor=staff, note="done")
    again = services.checklist_item_complete(item=items[-1], actor=UserFactory(is_staff=True))
    # then
    checklist.refresh_from_db()
    assert checklist.completed_at == last.done_at
    assert again.done_at == last.done_at
    assert again.done_by == staff


@pytest.mark.parametrize(
    ("refund", "status"),
    [
        (Decimal("1000"), DepositStatus.REFUNDED),
        (Decimal("400"), DepositStatus.PARTIALLY_REFUNDED),
        (Decimal("0"), DepositStatus.FORFEITED),
    ],
)
def test_deposit_settle_by_amount_and_ticks_the_move_out_item(staff, refund, status):
    # given
    tenancy = executed(staff, deposit=Decimal("1000"))
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    services.tenancy_start_move_out(tenancy=tenancy, actor=staff)
    # when
    deposit = services.deposit_settle(deposit=tenancy.deposit, refunded_amount=refund, actor=staff)
    # then
    assert (deposit.status, deposit.settled_amount) == (status, refund)
    item = ChecklistItem.objects.get(code="deposit_settlement")
    assert item.done_at is not None
    with pytest.raises(ValidationError) as exc:
        services.deposit_settle(deposit=deposit, refunded_amount=refund, actor=staff)
    assert exc.value.code == "transition_not_allowed"


def test_deposit_refund_above_the_amount_is_refused(staff):
    tenancy = executed(staff, deposit=Decimal("1000"))
    with pytest.raises(ValidationError):
        services.deposit_settle(deposit=tenancy.deposit, refunded_amount=Decimal("1001"), actor=staff)
    assert Deposit.objects.get().status == DepositStatus.HELD


INCENTIVE_ACTIONS = {
    "approve": services.incentive_approve,
    "activate": services.incentive_activate,
    "complete": services.incentive_complete,
    "claw_back": services.incentive_claw_back,
    "cancel": services.incentive_cancel,
}
INCENTIVE_MOVES = {
    ("proposed", "approve"): "approved",
    ("proposed", "cancel"): "cancelled",
    ("approved", "activate"): "active",
    ("approved", "cancel"): "cancelled",
    ("active", "complete"): "completed",
    ("active", "claw_back"): "clawed_back",
    ("completed", "claw_back"): "clawed_back",
}


@pytest.mark.parametrize("state", IncentiveStatus.values)
@pytest.mark.parametrize("action", list(INCENTIVE_ACTIONS))
def test_incentive_state_action_matrix(staff, state, action):
    # given
    grant = IncentiveGrant.objects.create(
        company=CompanyFactory(), kind=IncentiveKind.CASH_SUBSIDY, amount=Decimal("50000"), status=state
    )
    # when / then
    target = INCENTIVE_MOVES.get((state, action))
    if target is None:
        with pytest.raises(ValidationError) as exc:
            INCENTIVE_ACTIONS[action](grant=grant, actor=staff)
        assert exc.value.code == "transition_not_allowed"
        grant.refresh_from_db()
        assert grant.status == state
    else:
        assert INCENTIVE_ACTIONS[action](grant=grant, actor=staff).status == target


# --- lifecycle sweep ----------------------------------------------------------------------------------


def test_lifecycle_sweep_twice_is_once(staff):
    # given: a tenancy starting today, one starting tomorrow, a sent agreement past its expiry
    today = date(2026, 3, 2)
    starting = executed(staff, starts_on=today, free_rent_months=1)
    later = executed(staff, starts_on=today + timedelta(days=1))
    with time_machine.travel(timezone.now() - timedelta(days=60)):
        stale = services.agreement_send(agreement=AgreementFactory(), actor=staff)
    fresh = services.agreement_send(agreement=AgreementFactory(), actor=staff)
    # when
    first = services.tenancy_lifecycle_run(today=today)
    second = services.tenancy_lifecycle_run(today=today)
    # then
    assert first == {
        "tenancies_activated": 1,
        "agreements_expired": 1,
        "grants_activated": 1,
        "grants_completed": 0,
    }
    assert second == dict.fromkeys(first, 0)
    statuses = dict(Tenancy.objects.values_list("pk", "status"))
    assert statuses == {starting.pk: TenancyStatus.ACTIVE, later.pk: TenancyStatus.PENDING_MOVE_IN}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (AgreementStatus.EXPIRED, AgreementStatus.SENT)
    log = TransitionLog.objects.for_object(stale).get(action="expire")
    assert (log.actor, log.actor_label) == (None, services.SWEEP_LABEL)
    assert IncentiveGrant.objects.get().status == IncentiveStatus.ACTIVE
    # and a month later the free-rent grant completes
    assert services.tenancy_lifecycle_run(today=date(2026, 4, 2))["grants_completed"] == 1


def test_lifecycle_task_calls_the_sweep(mocker):
    from tenants import tasks

    run = mocker.patch.object(services, "tenancy_lifecycle_run", return_value={})
    tasks.tenancy_lifecycle_task()
    run.assert_called_once_with()


def test_desk_spaces_are_keyless():
    assert SpaceKind.HOT_DESK not in services.KEYED_KINDS
