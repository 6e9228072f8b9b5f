"""Agreements, tenancies, checklists, deposits and incentive grants.

Every state change goes through a ``core.workflow.Workflow`` (row lock, state check,
log row). ``agreement_execute`` creates the tenancy, its spaces, the move-in
checklist, the deposit and the free-rent grant in one transaction: a refusal (a
space let to someone else for overlapping dates) leaves no rows at all.
"""

import calendar
import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.workflow import Transition, Workflow, transition_log
from notifications.services import notify
from spaces.models import Space, SpaceKind
from tenants.models import (
    Agreement,
    AgreementKind,
    AgreementSpace,
    AgreementStatus,
    Application,
    Checklist,
    ChecklistItem,
    ChecklistKind,
    Company,
    Deposit,
    DepositStatus,
    IncentiveGrant,
    IncentiveKind,
    IncentiveStatus,
    MemberRole,
    Membership,
    PlanSchedule,
    Tenancy,
    TenancySpace,
    TenancyStatus,
)
from tenants.services.applications import SLA_AGREEMENT_SENT
from tenants.services.sla import sla_clock_stop
from tenants.signals import tenancy_changed, tenancy_ended

logger = logging.getLogger(__name__)

# How long a sent agreement may wait for its signature before the lifecycle sweep expires it.
AGREEMENT_VALID_FOR = timedelta(days=30)
# Spaces with a door whose key is handed over at move-in and returned at move-out.
KEYED_KINDS = frozenset({SpaceKind.OFFICE_SUITE, SpaceKind.LAB})
LIFECYCLE_BATCH_SIZE = 200
SWEEP_LABEL = "task:tenancy_lifecycle"


def _staff(actor: Any, obj: Any) -> bool:
    return bool(getattr(actor, "is_staff", False))


AGREEMENT_WORKFLOW = Workflow(
    transitions=[
        Transition("send", (AgreementStatus.DRAFT,), AgreementStatus.SENT, _staff),
        Transition("sign", (AgreementStatus.SENT,), AgreementStatus.SIGNED, _staff),
        Transition("decline", (AgreementStatus.SENT,), AgreementStatus.DECLINED, _staff),
        Transition("expire", (AgreementStatus.SENT,), AgreementStatus.EXPIRED, _staff),
        Transition(
            "void",
            (AgreementStatus.DRAFT, AgreementStatus.SENT, AgreementStatus.SIGNED),
            AgreementStatus.VOIDED,
            _staff,
        ),
        Transition("execute", (AgreementStatus.SIGNED,), AgreementStatus.EXECUTED, _staff),
    ]
)

TENANCY_WORKFLOW = Workflow(
    transitions=[
        Transition("move_in", (TenancyStatus.PENDING_MOVE_IN,), TenancyStatus.ACTIVE, _staff),
        # The lifecycle sweep: the tenancy's start date has come.
        Transition("activate", (TenancyStatus.PENDING_MOVE_IN,), TenancyStatus.ACTIVE, _staff),
        Transition("give_notice", (TenancyStatus.ACTIVE,), TenancyStatus.NOTICE_GIVEN, _staff),
        Transition(
            "start_move_out",
            (TenancyStatus.ACTIVE, TenancyStatus.NOTICE_GIVEN),
            TenancyStatus.MOVING_OUT,
            _staff,
        ),
        Transition("close", (TenancyStatus.MOVING_OUT,), TenancyStatus.CLOSED, _staff),
    ]
)

DEPOSIT_WORKFLOW = Workflow(
    transitions=[
        Transition("refund", (DepositStatus.HELD,), DepositStatus.REFUNDED, _staff),
        Transition("refund_partially", (DepositStatus.HELD,), DepositStatus.PARTIALLY_REFUNDED, _staff),
        Transition("forfeit", (DepositStatus.HELD,), DepositStatus.FORFEITED, _staff),
    ]
)

INCENTIVE_WORKFLOW = Workflow(
    transitions=[
        Transition("approve", (IncentiveStatus.PROPOSED,), IncentiveStatus.APPROVED, _staff),
        Transition("activate", (IncentiveStatus.APPROVED,), IncentiveStatus.ACTIVE, _staff),
        Transition("complete", (IncentiveStatus.ACTIVE,), IncentiveStatus.COMPLETED, _staff),
        Transition(
            "claw_back",
            (IncentiveStatus.ACTIVE, IncentiveStatus.COMPLETED),
            IncentiveStatus.CLAWED_BACK,
            _staff,
        ),
        Transition(
            "cancel", (IncentiveStatus.PROPOSED, IncentiveStatus.APPROVED), IncentiveStatus.CANCELLED, _staff
        ),
    ]
)


# --- helpers ------------------------------------------------------------------------------------------


def park_today() -> date:
    """Today on the park's calendar (Asia/Shanghai), not UTC's."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.CAMPUS_DEFAULT_TIME_ZONE))


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _owner(company: Company) -> User | None:
    membership = (
        Membership.objects.filter(company=company, role=MemberRole.OWNER, is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def _notify_owner(*, company: Company, kind: str, subject_obj: Any, context: dict[str, Any]) -> None:
    owner = _owner(company)
    if owner is not None:
        notify(
            recipient=owner,
            kind=f"tenants.tenancy.{kind}",
            context={"company": company, **context},
            subject_obj=subject_obj,
            dedupe_key=f"tenants.tenancy.{kind}:{subject_obj._meta.model_name}:{subject_obj.pk}",
        )


def _overlap_error(conflict: TenancySpace) -> ValidationError:
    return ValidationError(
        _(
            "Space %(space)s is already let to %(company)s from %(starts_on)s to %(ends_on)s: "
            "a space cannot be let twice for the same dates."
        )
        % {
            "space": conflict.space.code,
            "company": conflict.company.name,
            "starts_on": conflict.starts_on.isoformat(),
            "ends_on": conflict.held_until.isoformat(),
        },
        code="tenancy_overlap",
    )


def tenancy_space_conflict(
    *, space_ids: Iterable[int], starts_on: date, ends_on: date, exclude_tenancy: Tenancy | None = None
) -> TenancySpace | None:
    """The first row of another tenancy holding one of the spaces during [starts_on, ends_on)."""
    rows = TenancySpace.objects.filter(space_id__in=list(space_ids)).overlapping(starts_on, ends_on)
    if exclude_tenancy is not None:
        rows = rows.exclude(tenancy=exclude_tenancy)
    return rows.select_related("space", "company").order_by("starts_on", "pk").first()


# --- agreements ---------------------------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    company: Company,
    kind: str,
    starts_on: date,
    ends_on: date,
    spaces: Sequence[Space],
    actor: User | None,
    monthly_rent: Decimal = Decimal("0"),
    deposit: Decimal = Decimal("0"),
    free_rent_months: int = 0,
    plan_schedule: str = PlanSchedule.ALL_HOURS,
    access_cards: int = 0,
    includes_lab_access: bool = False,
    uses_park_domicile: bool = False,
    notes: str = "",
) -> Agreement:
    """A draft agreement letting ``spaces`` to ``company`` for [starts_on, ends_on)."""
    if not company.is_active:
        raise ValidationError(
            _("Only an active company can be offered an agreement."), code="company_inactive"
        )
    spaces = list(dict.fromkeys(spaces))
    if not spaces and kind != AgreementKind.LAB_ACCESS:
        raise ValidationError(
            {"spaces": ValidationError(_("An agreement lets at least one space."), code="no_spaces")}
        )
    inactive = [s.code for s in spaces if not s.is_active]
    if inactive:
        raise ValidationError(
            {
                "spaces": ValidationError(
                    _("These spaces are not in use: %(codes)s.") % {"codes": ", ".join(inactive)},
                    code="space_inactive",
                )
            }
        )
    agreement = Agreement(
        company=company,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        monthly_rent=monthly_rent,
        deposit=deposit,
        free_rent_months=free_rent_months,
        plan_schedule=plan_schedule,
        access_cards=access_cards,
        includes_lab_access=includes_lab_access or kind == AgreementKind.LAB_ACCESS,
        uses_park_domicile=uses_park_domicile,
        notes=notes,
    )
    agreement.full_clean()
    if free_rent_months and add_months(starts_on, free_rent_months) > ends_on:
        raise ValidationError(
            {
                "free_rent_months": ValidationError(
                    _("The free-rent months run past the end of the agreement."), code="free_rent_too_long"
                )
            }
        )
    agreement.save()
    AgreementSpace.objects.bulk_create([AgreementSpace(agreement=agreement, space=s) for s in spaces])
    transition_log(obj=agreement, action="create", from_state="", to_state=agreement.status, actor=actor)
    return agreement


@transaction.atomic
def agreement_send(
    *, agreement: Agreement, actor: User | None, expires_at: datetime | None = None, reason: str = ""
) -> Agreement:
    """Send a draft to the company; unsigned by ``expires_at`` (default 30 days) it expires."""
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError(
            {"expires_at": ValidationError(_("The expiry must be in the future."), code="expiry_past")}
        )

    def apply(a: Agreement) -> None:
        a.sent_at = now
        a.expires_at = expires_at or now + AGREEMENT_VALID_FOR

    agreement = AGREEMENT_WORKFLOW.perform(agreement, action="send", actor=actor, reason=reason, apply=apply)
    # The first agreement sent to an admitted company stops its application's "agreement_sent" clock.
    application = Application.objects.filter(company_id=agreement.company_id).first()
    if application is not None:
        sla_clock_stop(subject=application, step=SLA_AGREEMENT_SENT, at=now)
    _notify_owner(
        company=agreement.company,
        kind="agreement_sent",
        subject_obj=agreement,
        context={"agreement": agreement},
    )
    return agreement


@transaction.atomic
def agreement_sign(
    *, agreement: Agreement, actor: User | None, signed_at: datetime | None = None, reason: str = ""
) -> Agreement:
    """Record the company's signature (staff record it when the signed copy comes back)."""

    def apply(a: Agreement) -> None:
        a.signed_at = signed_at or timezone.now()

    return AGREEMENT_WORKFLOW.perform(agreement, action="sign", actor=actor, reason=reason, apply=apply)


@transaction.atomic
def agreement_decline(*, agreement: Agreement, actor: User | None, reason: str = "") -> Agreement:
    return AGREEMENT_WORKFLOW.perform(agreement, action="decline", actor=actor, reason=reason)


@transaction.atomic
def agreement_void(*, agreement: Agreement, actor: User | None, reason: str = "") -> Agreement:
    return AGREEMENT_WORKFLOW.perform(agreement, action="void", actor=actor, reason=reason)


@transaction.atomic
def agreement_expire(*, agreement: Agreement, actor: User | None = None, actor_label: str = "") -> Agreement:
    return AGREEMENT_WORKFLOW.perform(
        agreement, action="expire", actor=actor, actor_label=actor_label, reason=_("Not signed in time.")
    )


@dataclass(frozen=True)
class _Item:
    code: str
    title: str
    title_zh: str
    required: bool = True


# Checklist titles are stored data in both languages (title, title_zh), so that a checklist
# reads the same whoever generated it; they are not translated at display time.


def _move_in_items(agreement: Agreement, spaces: Sequence[Space]) -> list[_Item]:
    items = []
    for space in spaces:
        items.append(
            _Item(f"assign_space_{space.pk}", f"Assign space {space.code}", f"分配空间 {space.code}")
        )
        if space.kind in KEYED_KINDS:
            items.append(
                _Item(
                    f"hand_over_key_{space.pk}",
                    f"Hand over the key of {space.code}",
                    f"交付 {space.code} 钥匙",
                )
            )
    for n in range(1, agreement.access_cards + 1):
        items.append(_Item(f"issue_card_{n}", f"Issue access card {n}", f"发放门禁卡 {n}"))
    items += [
        _Item("wifi", "Set up Wi-Fi access", "开通 Wi-Fi"),
        _Item("mailbox", "Assign a mailbox", "分配信箱"),
        _Item("orientation", "Orientation", "入驻培训"),
    ]
    if agreement.deposit > 0:
        items.append(_Item("deposit_received", "Receive the deposit", "收取押金"))
    if agreement.includes_lab_access:
        items.append(_Item("lab_safety_induction", "Lab safety induction", "实验室安全培训"))
    if agreement.uses_park_domicile:
        items.append(_Item("domicile_letter", "Issue the park domicile letter", "出具园区注册地址证明"))
    return items


def _checklist_create(*, tenancy: Tenancy, kind: str, items: Sequence[_Item]) -> Checklist:
    checklist = Checklist.objects.create(tenancy=tenancy, kind=kind)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                checklist=checklist,
                code=item.code,
                title=item.title,
                title_zh=item.title_zh,
                required=item.required,
                position=position,
            )
            for position, item in enumerate(items, start=1)
        ]
    )
    return checklist


@transaction.atomic
def agreement_execute(*, agreement: Agreement, actor: User | None, reason: str = "") -> Tenancy:
    """Execute a signed agreement: the tenancy, its spaces, the move-in checklist, deposit and grants.

    All in one transaction. A space already let for overlapping dates refuses the whole
    execution (``tenancy_overlap``) and nothing is written.
    """
    agreement = AGREEMENT_WORKFLOW.perform(
        agreement,
        action="execute",
        actor=actor,
        reason=reason,
        apply=lambda a: setattr(a, "executed_at", timezone.now()),
    )
    company = agreement.company
    if not company.is_active:
        raise ValidationError(_("Only an active company can take up a tenancy."), code="company_inactive")
    spaces = list(Space.objects.filter(agreements=agreement).order_by("pk"))
    # SQLite has no exclusion constraints; its write transactions are serialised (BEGIN
    # IMMEDIATE), so this check is race-free there. On PostgreSQL it gives the clearer
    # message and the constraint catches the race below.
    conflict = tenancy_space_conflict(
        space_ids=[s.pk for s in spaces], starts_on=agreement.starts_on, ends_on=agreement.ends_on
    )
    if conflict is not None:
        raise _overlap_error(conflict)

    tenancy = Tenancy(
        company=company,
        agreement=agreement,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        plan_schedule=agreement.plan_schedule,
    )
    tenancy.full_clean(validate_unique=False, validate_constraints=False)  # fresh row of a locked agreement
    tenancy.save()
    rows = [
        TenancySpace(
            tenancy=tenancy,
            space=s,
            company=company,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
        )
        for s in spaces
    ]
    try:
        with transaction.atomic():  # savepoint, so the constraint's IntegrityError is catchable
            TenancySpace.objects.bulk_create(rows)
    except IntegrityError as exc:  # a concurrent execution let one of the spaces first
        conflict = tenancy_space_conflict(
            space_ids=[s.pk for s in spaces],
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            exclude_tenancy=tenancy,
        )
        if conflict is None:
            raise
        raise _overlap_error(conflict) from exc
    transition_log(obj=tenancy, action="create", from_state="", to_state=tenancy.status, actor=actor)
    tenancy_changed.send(sender=Tenancy, tenancy=tenancy)

    _checklist_create(tenancy=tenancy, kind=ChecklistKind.MOVE_IN, items=_move_in_items(agreement, spaces))
    if agreement.deposit > 0:
        Deposit.objects.create(agreement=agreement, tenancy=tenancy, amount=agreement.deposit)
    if agreement.free_rent_months:
        grant = IncentiveGrant(
            company=company,
            agreement=agreement,
            kind=IncentiveKind.FREE_RENT,
            months=agreement.free_rent_months,
            amount=agreement.monthly_rent * agreement.free_rent_months or None,
            incubation_only=agreement.kind == AgreementKind.INCUBATION,
            status=IncentiveStatus.APPROVED,
            starts_on=agreement.starts_on,
            ends_on=add_months(agreement.starts_on, agreement.free_rent_months),
        )
        grant.full_clean()
        grant.save()
        transition_log(obj=grant, action="create", from_state="", to_state=grant.status, actor=actor)
    _notify_owner(
        company=company,
        kind="agreement_executed",
        subject_obj=agreement,
        context={"agreement": agreement, "tenancy": tenancy},
    )
    return tenancy


# --- tenancies ----------------------------------------------------------------------------------------


def _release_spaces_from(*, tenancy: Tenancy, day: date) -> int:
    """Hold no space of ``tenancy`` on or after ``day``; rows released earlier keep their date."""
    changed = 0
    for row in TenancySpace.objects.select_for_update().filter(tenancy=tenancy).order_by("pk"):
        if row.held_until > day:
            row.released_on = max(day, row.starts_on)
            row.full_clean(validate_constraints=False)
            row.save(update_fields=["released_on"])
            changed += 1
    return changed


@transaction.atomic
def tenancy_move_in(
    *, tenancy: Tenancy, actor: User | None, moved_in_at: datetime | None = None, reason: str = ""
) -> Tenancy:
    tenancy = TENANCY_WORKFLOW.perform(
        tenancy,
        action="move_in",
        actor=actor,
        reason=reason,
        apply=lambda t: setattr(t, "moved_in_at", moved_in_at or timezone.now()),
    )
    tenancy_changed.send(sender=Tenancy, tenancy=tenancy)
    return tenancy


@transaction.atomic
def tenancy_give_notice(*, tenancy: Tenancy, ends_on: date, actor: User | None, reason: str = "") -> Tenancy:
    """The company leaves: the tenancy (and its spaces) end on ``ends_on`` (the first day not held)."""
    if not tenancy.starts_on < ends_on <= tenancy.ends_on:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("The end date must fall after %(start)s and no later than %(end)s.")
                    % {"start": tenancy.starts_on.isoformat(), "end": tenancy.ends_on.isoformat()},
                    code="notice_end_invalid",
                )
            }
        )
    tenancy = TENANCY_WORKFLOW.perform(
        tenancy,
        action="give_notice",
        actor=actor,
        reason=reason,
        data={"ends_on": ends_on.isoformat()},
        apply=lambda t: setattr(t, "ends_on", ends_on),
    )
    _release_spaces_from(tenancy=tenancy, day=ends_on)
    tenancy_changed.send(sender=Tenancy, tenancy=tenancy)
    _notify_owner(
        company=tenancy.company, kind="notice_given", subject_obj=tenancy, context={"tenancy": tenancy}
    )
    return tenancy


def _given_and_returned(tenancy: Tenancy) -> tuple[list[ChecklistItem], set[str]]:
    items = list(
        ChecklistItem.objects.filter(checklist__tenancy=tenancy).select_related("checklist").order_by("pk")
    )
    given = [i for i in items if i.checklist.kind == ChecklistKind.MOVE_IN]
    returned = {i.code for i in items if i.checklist.kind == ChecklistKind.DOWNGRADE}
    return given, returned


def _move_out_items(tenancy: Tenancy) -> list[_Item]:
    given, returned = _given_and_returned(tenancy)
    agreement = tenancy.agreement
    items = []
    for item in given:
        if item.code.startswith("hand_over_key_"):
            pk = item.code.removeprefix("hand_over_key_")
            if f"return_key_{pk}" not in returned:
                code = item.title.removeprefix("Hand over the key of ")
                items.append(_Item(f"return_key_{pk}", f"Return the key of {code}", f"归还 {code} 钥匙"))
        elif item.code.startswith("issue_card_"):
            n = item.code.removeprefix("issue_card_")
            if f"return_card_{n}" not in returned:
                items.append(_Item(f"return_card_{n}", f"Return access card {n}", f"归还门禁卡 {n}"))
    codes = {i.code for i in given}
    items.append(_Item("revoke_access", "Revoke building and space access", "注销门禁权限"))
    if "mailbox" in codes:
        items.append(_Item("close_mailbox", "Close the mailbox", "注销信箱"))
    items += [
        _Item("inspection", "Inspect the spaces", "空间验收"),
        _Item("final_invoice", "Issue the final invoice", "开具结算账单"),
    ]
    if Deposit.objects.filter(tenancy=tenancy).exists():
        items.append(_Item("deposit_settlement", "Settle the deposit", "押金结算"))
    if agreement.uses_park_domicile:
        items.append(
            _Item(
                "domicile_change",
                "Company moves its registered address out of the park",
                "企业迁出园区注册地址",
            )
        )
    return items


@transaction.atomic
def tenancy_start_move_out(*, tenancy: Tenancy, actor: User | None, reason: str = "") -> Tenancy:
    """Start moving out: the move-out checklist asks back what was given and not yet returned."""
    tenancy = TENANCY_WORKFLOW.perform(tenancy, action="start_move_out", actor=actor, reason=reason)
    tenancy_changed.send(sender=Tenancy, tenancy=tenancy)
    _checklist_create(tenancy=tenancy, kind=ChecklistKind.MOVE_OUT, items=_move_out_items(tenancy))
    return tenancy


@transaction.atomic
def tenancy_close(
    *, tenancy: Tenancy, actor: User | None, ends_on: date | None = None, reason: str = ""
) -> Tenancy:
    """Close the tenancy; its spaces are free from ``ends_on`` (default: its end date, or today if earlier).

    Sends ``tenancy_ended`` inside the transaction, so that receivers (access grants)
    end with it or not at all.
    """
    today = park_today()
    end = ends_on or min(tenancy.ends_on, today)
    if ends_on is not None and ends_on > tenancy.ends_on:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("A tenancy cannot be closed after its end date."), code="close_after_end"
                )
            }
        )
    end = max(end, tenancy.starts_on)

    def apply(t: Tenancy) -> None:
        t.ends_on = end
        t.closed_on = today

    tenancy = TENANCY_WORKFLOW.perform(
        tenancy, action="close", actor=actor, reason=reason, data={"ends_on": end.isoformat()}, apply=apply
    )
    _release_spaces_from(tenancy=tenancy, day=end)
    tenancy_ended.send(sender=Tenancy, tenancy=tenancy, ends_on=end)
    _notify_owner(company=tenancy.company, kind="closed", subject_obj=tenancy, context={"tenancy": tenancy})
    return tenancy


@transaction.atomic
def tenancy_release_space(
    *,
    tenancy: Tenancy,
    space: Space,
    on: date,
    actor: User | None,
    cards_returned: int = 0,
    reason: str = "",
) -> Checklist:
    """A downgrade: give one space back from ``on`` and list what comes back with it."""
    tenancy = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
    if tenancy.status not in (
        TenancyStatus.ACTIVE,
        TenancyStatus.NOTICE_GIVEN,
        TenancyStatus.PENDING_MOVE_IN,
    ):
        raise ValidationError(
            _("Cannot release a space: the state is “%(state)s”.") % {"state": tenancy.status},
            code="transition_not_allowed",
        )
    rows = list(TenancySpace.objects.select_for_update().filter(tenancy=tenancy).order_by("pk"))
    row = next((r for r in rows if r.space_id == space.pk), None)
    if row is None:
        raise ValidationError(_("The tenancy does not hold this space."), code="space_not_held")
    if not row.starts_on <= on < row.held_until:
        raise ValidationError(
            {
                "on": ValidationError(
                    _("The space is held from %(start)s to %(end)s; release it within that range.")
                    % {"start": row.starts_on.isoformat(), "end": row.held_until.isoformat()},
                    code="release_date_invalid",
                )
            }
        )
    if not any(r.pk != row.pk and r.held_until > on for r in rows):
        raise ValidationError(_("This is the tenancy's last space: give notice instead."), code="last_space")
    given, returned = _given_and_returned(tenancy)
    outstanding_cards = [
        i.code.removeprefix("issue_card_")
        for i in given
        if i.code.startswith("issue_card_")
        and f"return_card_{i.code.removeprefix('issue_card_')}" not in returned
    ]
    if not 0 <= cards_returned <= len(outstanding_cards):
        raise ValidationError(
            {
                "cards_returned": ValidationError(
                    _("The company holds %(count)s access cards.") % {"count": len(outstanding_cards)},
                    code="cards_returned_invalid",
                )
            }
        )
    row.released_on = on
    row.full_clean(validate_constraints=False)
    row.save(update_fields=["released_on"])
    items = []
    if f"hand_over_key_{space.pk}" in {i.code for i in given} and f"return_key_{space.pk}" not in returned:
        items.append(
            _Item(f"return_key_{space.pk}", f"Return the key of {space.code}", f"归还 {space.code} 钥匙")
        )
    for n in outstanding_cards[len(outstanding_cards) - cards_returned :]:
        items.append(_Item(f"return_card_{n}", f"Return access card {n}", f"归还门禁卡 {n}"))
    items += [
        _Item(
            f"revoke_space_access_{space.pk}", f"Revoke access to {space.code}", f"注销 {space.code} 门禁权限"
        ),
        _Item(f"inspect_space_{space.pk}", f"Inspect {space.code}", f"验收 {space.code}"),
    ]
    checklist = _checklist_create(tenancy=tenancy, kind=ChecklistKind.DOWNGRADE, items=items)
    transition_log(
        obj=tenancy,
        action="release_space",
        from_state=tenancy.status,
        to_state=tenancy.status,
        actor=actor,
        reason=reason,
        data={"space": space.pk, "on": on.isoformat(), "cards_returned": cards_returned},
    )
    tenancy_changed.send(sender=Tenancy, tenancy=tenancy)
    return checklist


@transaction.atomic
def checklist_item_complete(*, item: ChecklistItem, actor: User | None, note: str = "") -> ChecklistItem:
    """Tick an item off once (again keeps the first time); completes the list when all are done."""
    item = ChecklistItem.objects.select_for_update().select_related("checklist").get(pk=item.pk)
    if item.done_at is not None:
        return item
    item.done_at = timezone.now()
    item.done_by = actor if getattr(actor, "is_authenticated", False) else None
    if note:
        item.note = note
    item.save(update_fields=["done_at", "done_by", "note"])
    checklist = Checklist.objects.select_for_update().get(pk=item.checklist_id)
    if (
        checklist.completed_at is None
        and not checklist.items.filter(required=True, done_at__isnull=True).exists()
    ):
        checklist.completed_at = item.done_at
        checklist.save(update_fields=["completed_at", "updated_at"])
    item.checklist = checklist
    return item


# --- deposits -----------------------------------------------------------------------------------------


@transaction.atomic
def deposit_settle(
    *,
    deposit: Deposit,
    refunded_amount: Decimal,
    actor: User | None,
    settled_on: date | None = None,
    note: str = "",
) -> Deposit:
    """Settle a held deposit: all refunded, part refunded, or forfeited (nothing refunded)."""
    if not Decimal("0") <= refunded_amount <= deposit.amount:
        raise ValidationError(
            {
                "refunded_amount": ValidationError(
                    _("Refund between 0 and %(amount)s CNY.") % {"amount": deposit.amount},
                    code="refund_out_of_range",
                )
            }
        )
    if refunded_amount == deposit.amount:
        action = "refund"
    elif refunded_amount == 0:
        action = "forfeit"
    else:
        action = "refund_partially"

    def apply(d: Deposit) -> None:
        d.settled_amount = refunded_amount
        d.settled_on = settled_on or park_today()
        if note:
            d.note = note

    deposit = DEPOSIT_WORKFLOW.perform(
        deposit, action=action, actor=actor, reason=note, data={"refunded": str(refunded_amount)}, apply=apply
    )
    item = ChecklistItem.objects.filter(
        checklist__tenancy_id=deposit.tenancy_id,
        checklist__kind=ChecklistKind.MOVE_OUT,
        code="deposit_settlement",
        done_at__isnull=True,
    ).first()
    if item is not None:
        checklist_item_complete(item=item, actor=actor)
    return deposit


# --- incentives ---------------------------------------------------------------------------------------


def _incentive(action: str) -> Any:
    @transaction.atomic
    def perform(
        *, grant: IncentiveGrant, actor: User | None, reason: str = "", actor_label: str = ""
    ) -> IncentiveGrant:
        return INCENTIVE_WORKFLOW.perform(
            grant, action=action, actor=actor, actor_label=actor_label, reason=reason
        )

    perform.__name__ = perform.__qualname__ = f"incentive_{action}"
    perform.__doc__ = f"Move an incentive grant along ``{action}``."
    return perform


incentive_approve = _incentive("approve")
incentive_activate = _incentive("activate")
incentive_complete = _incentive("complete")
incentive_claw_back = _incentive("claw_back")
incentive_cancel = _incentive("cancel")


# --- lifecycle ----------------------------------------------------------------------------------------


def _sweep(ids_query: Any, step: Any) -> int:
    """Run ``step(pk)`` for each id in batches; a row another worker moved first is skipped."""
    done, last_pk = 0, 0
    while True:
        ids = list(
            ids_query.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:LIFECYCLE_BATCH_SIZE]
        )
        if not ids:
            return done
        for pk in ids:
            try:
                step(pk)
            except ValidationError as exc:
                if exc.code != "transition_not_allowed":
                    raise
                continue  # claimed by a concurrent run: the row lock and state check make it once-only
            done += 1
        last_pk = ids[-1]


def tenancy_lifecycle_run(*, today: date | None = None) -> dict[str, int]:
    """The daily sweep: activate tenancies and grants that start, complete grants that end,
    expire sent agreements past their expiry. Idempotent: a second run finds nothing to do."""
    today = today or park_today()
    now = timezone.now()

    def activate_tenancy(pk: int) -> None:
        with transaction.atomic():
            tenancy = TENANCY_WORKFLOW.perform(
                Tenancy(pk=pk), action="activate", actor_label=SWEEP_LABEL, reason=_("The tenancy starts.")
            )
            tenancy_changed.send(sender=Tenancy, tenancy=tenancy)

    def expire_agreement(pk: int) -> None:
        agreement_expire(agreement=Agreement(pk=pk), actor_label=SWEEP_LABEL)

    def activate_grant(pk: int) -> None:
        incentive_activate(grant=IncentiveGrant(pk=pk), actor=None, actor_label=SWEEP_LABEL)

    def complete_grant(pk: int) -> None:
        incentive_complete(grant=IncentiveGrant(pk=pk), actor=None, actor_label=SWEEP_LABEL)

    result = {
        "tenancies_activated": _sweep(
            Tenancy.objects.filter(status=TenancyStatus.PENDING_MOVE_IN, starts_on__lte=today),
            activate_tenancy,
        ),
        "agreements_expired": _sweep(
            Agreement.objects.filter(status=AgreementStatus.SENT, expires_at__lte=now), expire_agreement
        ),
        "grants_activated": _sweep(
            IncentiveGrant.objects.filter(status=IncentiveStatus.APPROVED, starts_on__lte=today),
            activate_grant,
        ),
        "grants_completed": _sweep(
            IncentiveGrant.objects.filter(status=IncentiveStatus.ACTIVE, ends_on__lte=today), complete_grant
        ),
    }
    if any(result.values()):
        logger.info("Tenancy lifecycle %s: %s", today, result)
    return result
