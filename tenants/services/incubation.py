"""Incubation: admission, graduation, expiry and withdrawal; limit alerts; KPI returns.

Periodic runs (``*_run``) take ``today`` (a date in the park's time zone), claim each
row with a conditional UPDATE before acting on it, and handle every row in its own
transaction, so running them twice, or on two workers at once, does each thing once.
"""

import calendar
import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ActionForbidden
from core.workflow import Transition, Workflow, transition_log
from notifications.services import notify_many
from tenants.models import (
    Cohort,
    Company,
    GraduationBasis,
    Incubation,
    IncubationStatus,
    KPIFrequency,
    KPIReturn,
    KPIReturnStatus,
    MemberRole,
    Membership,
    Programme,
)
from tenants.models.incubation import KPI_FIGURES
from tenants.signals import incubation_ended

logger = logging.getLogger(__name__)

PARK_TZ = ZoneInfo(getattr(settings, "CAMPUS_DEFAULT_TIME_ZONE", "Asia/Shanghai"))
ALERT_DAYS = (90, 30)
REMINDER_DAYS = (7, 14)
BATCH_SIZE = 500


# --- helpers ------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _is_staff(actor: Any) -> bool:
    return bool(getattr(actor, "is_staff", False))


def _is_company_person(actor: Any, company_id: int) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        company_id=company_id,
        user=actor,
        is_active=True,
        role__in=[MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER],
    ).exists()


def _company_contacts(company_id: int) -> list[User]:
    """Who hears about a company's incubation: its owner and admins."""
    return [
        m.user
        for m in Membership.objects.filter(
            company_id=company_id, is_active=True, role__in=[MemberRole.OWNER, MemberRole.ADMIN]
        )
        .select_related("user")
        .order_by("role", "pk")
    ]


def _staff() -> list[User]:
    return list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))


def _park_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARK_TZ)


INCUBATION_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "graduate", (IncubationStatus.ACTIVE,), IncubationStatus.GRADUATED, lambda a, o: a.is_staff
        ),
        Transition(
            "withdraw", (IncubationStatus.ACTIVE,), IncubationStatus.WITHDRAWN, lambda a, o: a.is_staff
        ),
        Transition("expire", (IncubationStatus.ACTIVE,), IncubationStatus.EXPIRED, lambda a, o: a.is_staff),
    ]
)

KPI_RETURN_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "submit",
            (KPIReturnStatus.REQUESTED, KPIReturnStatus.REJECTED),
            KPIReturnStatus.SUBMITTED,
            lambda a, o: _is_company_person(a, o.incubation.company_id),
        ),
        Transition("verify", (KPIReturnStatus.SUBMITTED,), KPIReturnStatus.VERIFIED, lambda a, o: a.is_staff),
        Transition("reject", (KPIReturnStatus.SUBMITTED,), KPIReturnStatus.REJECTED, lambda a, o: a.is_staff),
    ]
)  # fmt: skip


# --- admission ----------------------------------------------------------------------------------------


def incubation_limit_months(*, company: Company, programme: Programme) -> int:
    """The company's sector limit when it has a sector, else the programme's default."""
    if company.sector_id is not None:
        return company.sector.incubation_limit_months
    return programme.default_limit_months


def incubation_admission_check(
    *, company: Company, programme: Programme, cohort: Cohort | None, admitted_on: date
) -> list[ValidationError]:
    """The admission rules the company fails, each with a reason it can read (staff may override them)."""
    failures = []
    oldest = add_months(admitted_on, -programme.max_company_age_months)
    if company.founded_on is None:
        failures.append(
            ValidationError(
                _("The company's founding date is unknown, so its age cannot be checked."),
                code="company_founding_date_unknown",
            )
        )
    elif company.founded_on < oldest:
        failures.append(
            ValidationError(
                _(
                    "The company was founded on %(founded)s, more than %(months)s months before "
                    "admission on %(admitted)s (founded on or after %(oldest)s qualifies)."
                )
                % {
                    "founded": company.founded_on.isoformat(),
                    "months": programme.max_company_age_months,
                    "admitted": admitted_on.isoformat(),
                    "oldest": oldest.isoformat(),
                },
                code="company_too_old",
            )
        )
    return failures


@transaction.atomic
def incubation_admit(
    *,
    company: Company,
    programme: Programme,
    cohort: Cohort | None = None,
    admitted_on: date,
    actor: User | None,
    override_reason: str = "",
) -> Incubation:
    """Admit ``company`` to ``programme`` and fix its limit. Staff may override the age rule with a reason."""
    if actor is not None and not actor.is_staff:
        raise ActionForbidden(_("Only park staff admit companies to incubation."), code="actor_not_allowed")
    locked_company = (
        Company.objects.select_for_update(of=("self",)).select_related("sector").get(pk=company.pk)
    )
    if not programme.is_active:
        raise ValidationError(_("This programme no longer admits companies."), code="programme_inactive")
    if cohort is not None and cohort.programme_id != programme.pk:
        raise ValidationError(
            {"cohort": ValidationError(_("The cohort belongs to another programme."), code="cohort_mismatch")}
        )
    failures = incubation_admission_check(
        company=locked_company, programme=programme, cohort=cohort, admitted_on=admitted_on
    )
    override_reason = override_reason.strip()
    if failures and not override_reason:
        raise ValidationError(failures)
    if failures and not _is_staff(actor):
        raise ActionForbidden(
            _("Only park staff may override the admission rules."), code="override_staff_only"
        )
    if Incubation.objects.active().filter(company=locked_company).exists():
        raise ValidationError(_("This company is already in incubation."), code="incubation_already_active")
    months = incubation_limit_months(company=locked_company, programme=programme)
    incubation = Incubation(
        company=locked_company,
        programme=programme,
        cohort=cohort,
        admitted_on=admitted_on,
        limit_on=add_months(admitted_on, months),
        age_override_reason=override_reason if failures else "",
    )
    incubation.full_clean(validate_constraints=False)  # the one-active rule is checked above, under the lock
    try:
        with transaction.atomic():
            incubation.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("This company is already in incubation."), code="incubation_already_active"
        ) from exc
    transition_log(
        obj=incubation,
        action="admit",
        from_state="",
        to_state=incubation.status,
        actor=actor,
        reason=incubation.age_override_reason,
        data={"limit_months": months, "overridden": [e.code for e in failures]},
    )
    return incubation


# --- ending -------------------------------------------------------------------------------------------


def _end(
    *, incubation: Incubation, action: str, on: date, actor: User | None, reason: str, **fields: Any
) -> Incubation:
    def apply(obj: Incubation) -> None:
        obj.ended_on = on
        for name, value in fields.items():
            setattr(obj, name, value)

    locked = INCUBATION_WORKFLOW.perform(
        incubation, action=action, actor=actor, reason=reason, apply=apply, data={"on": on.isoformat()}
    )
    # In the caller's transaction: ending the incubation-only incentives commits with it or not at all.
    incubation_ended.send(sender=Incubation, incubation=locked, status=locked.status, on=on)
    return locked


@transaction.atomic
def incubation_graduate(
    *, incubation: Incubation, basis: str, evidence: str, on: date, actor: User | None
) -> Incubation:
    """Graduate on one of the four bases; incubation-only incentives end, the tenancy does not."""
    if basis not in GraduationBasis.values:
        raise ValidationError(
            {
                "basis": ValidationError(
                    _("Choose one of the graduation bases."), code="graduation_basis_invalid"
                )
            }
        )
    if not evidence.strip():
        raise ValidationError(
            {"evidence": ValidationError(_("Record the evidence for the graduation."), code="required")}
        )
    locked = _end(
        incubation=incubation,
        action="graduate",
        on=on,
        actor=actor,
        reason=evidence,
        graduated_on=on,
        graduation_basis=basis,
        graduation_evidence=evidence,
    )
    notify_many(
        recipients=_company_contacts(locked.company_id),
        kind="tenants.incubation.graduated",
        context={
            "incubation": locked,
            "company": locked.company,
            "basis": locked.get_graduation_basis_display(),
        },
        subject_obj=locked,
        dedupe_key=f"tenants.incubation:{locked.pk}:graduated",
    )
    return locked


@transaction.atomic
def incubation_withdraw(*, incubation: Incubation, on: date, actor: User | None, reason: str) -> Incubation:
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Say why the company leaves the programme."), code="required")}
        )
    return _end(incubation=incubation, action="withdraw", on=on, actor=actor, reason=reason)


@transaction.atomic
def incubation_expire(*, incubation: Incubation, actor: User | None = None) -> Incubation:
    """End an incubation that reached its limit (the sweep does this; staff may too)."""
    if actor is not None and not _is_staff(actor):
        raise ActionForbidden(_("Only park staff end incubations."), code="actor_not_allowed")
    if incubation.limit_on > timezone.localdate(timezone=PARK_TZ) and actor is None:
        raise ValidationError(_("The incubation has not reached its limit."), code="limit_not_reached")
    return _end(
        incubation=incubation,
        action="expire",
        on=min(incubation.limit_on, timezone.localdate(timezone=PARK_TZ)),
        actor=actor,
        reason=_("Incubation limit reached"),
    )


# --- limit alerts and expiry --------------------------------------------------------------------------


@transaction.atomic
def _incubation_alert_send(*, incubation_id: int, days: int, today: date) -> bool:
    marker = f"alert_{days}_sent_at"
    claimed = Incubation.objects.filter(
        pk=incubation_id, status=IncubationStatus.ACTIVE, **{marker: None}
    ).update(**{marker: timezone.now(), "updated_at": timezone.now()})
    if not claimed:
        return False
    incubation = Incubation.objects.select_related("company", "programme").get(pk=incubation_id)
    notify_many(
        recipients=[*_company_contacts(incubation.company_id), *_staff()],
        kind="tenants.incubation.limit_alert",
        context={
            "incubation": incubation,
            "company": incubation.company,
            "days": (incubation.limit_on - today).days,
            "limit_on": incubation.limit_on,
        },
        subject_obj=incubation,
        dedupe_key=f"tenants.incubation:{incubation_id}:alert_{days}",
    )
    return True


def incubation_limit_alerts_run(*, today: date) -> dict[str, int]:
    """Daily: the 90- and 30-day alerts, each once, and expiry of incubations at their limit.

    The 90-day alert goes out between 90 and 31 days before the limit, the 30-day one in the
    last 30 days; a sweep that missed the 90-day window does not send it late.
    """
    counts = {"alert_90": 0, "alert_30": 0, "expired": 0}
    active = Incubation.objects.active()
    windows = {
        90: active.filter(alert_90_sent_at=None, limit_on__gt=today + timedelta(days=30)),
        30: active.filter(alert_30_sent_at=None, limit_on__gt=today),
    }
    for days, queryset in windows.items():
        ids = (
            queryset.filter(limit_on__lte=today + timedelta(days=days))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for incubation_id in ids[: BATCH_SIZE * 10]:
            if _incubation_alert_send(incubation_id=incubation_id, days=days, today=today):
                counts[f"alert_{days}"] += 1
    for incubation in active.filter(limit_on__lte=today).order_by("pk")[: BATCH_SIZE * 10]:
        try:
            with transaction.atomic():
                _end(
                    incubation=incubation,
                    action="expire",
                    on=incubation.limit_on,
                    actor=None,
                    reason=_("Incubation limit reached"),
                )
        except ValidationError:  # ended by someone else since we read it
            continue
        counts["expired"] += 1
    return counts


# --- KPI returns --------------------------------------------------------------------------------------


def kpi_period_before(*, frequency: str, today: date) -> tuple[date, date]:
    """The last whole reporting period that ended before ``today``."""
    month_start = today.replace(day=1)
    if frequency == KPIFrequency.MONTHLY:
        start = add_months(month_start, -1)
    else:
        quarter_start = month_start.replace(month=(today.month - 1) // 3 * 3 + 1)
        start = add_months(quarter_start, -3)
    end = add_months(start, 3 if frequency == KPIFrequency.QUARTERLY else 1) - timedelta(days=1)
    return start, end


def kpi_request_due(*, frequency: str, today: date) -> bool:
    """Returns are requested on the 1st of the month (monthly) or of the quarter (quarterly)."""
    if today.day != 1:
        return False
    return frequency == KPIFrequency.MONTHLY or today.month in (1, 4, 7, 10)


@transaction.atomic
def _kpi_return_request(*, incubation: Incubation, period_start: date, period_end: date) -> KPIReturn | None:
    kpi_return = KPIReturn(
        incubation=incubation, period_start=period_start, period_end=period_end, requested_at=timezone.now()
    )
    try:
        with transaction.atomic():
            kpi_return.save()
    except IntegrityError:  # already requested (an earlier or concurrent run)
        return None
    transition_log(obj=kpi_return, action="request", from_state="", to_state=kpi_return.status)
    notify_many(
        recipients=_company_contacts(incubation.company_id),
        kind="tenants.incubation.kpi_requested",
        context={"kpi_return": kpi_return, "company": incubation.company},
        subject_obj=kpi_return,
        dedupe_key=f"tenants.kpi_return:{kpi_return.pk}:requested",
    )
    return kpi_return


def kpi_returns_request_run(*, today: date) -> int:
    """On the 1st of a month or quarter: request last period's return of every active incubation, once."""
    created = 0
    for frequency in KPIFrequency.values:
        if not kpi_request_due(frequency=frequency, today=today):
            continue
        start, end = kpi_period_before(frequency=frequency, today=today)
        incubations = (
            Incubation.objects.active()
            .filter(programme__kpi_frequency=frequency, admitted_on__lte=end)
            .exclude(kpi_returns__period_start=start)
            .select_related("company")
            .order_by("pk")
        )
        for incubation in incubations.iterator(chunk_size=BATCH_SIZE):
            if _kpi_return_request(incubation=incubation, period_start=start, period_end=end) is not None:
                created += 1
    return created


@transaction.atomic
def _kpi_reminder_send(*, kpi_return_id: int, days: int) -> bool:
    marker = f"reminded_{days}_at"
    claimed = KPIReturn.objects.filter(
        pk=kpi_return_id, status=KPIReturnStatus.REQUESTED, **{marker: None}
    ).update(**{marker: timezone.now(), "updated_at": timezone.now()})
    if not claimed:
        return False
    kpi_return = KPIReturn.objects.select_related("incubation__company").get(pk=kpi_return_id)
    notify_many(
        recipients=_company_contacts(kpi_return.incubation.company_id),
        kind="tenants.incubation.kpi_reminder",
        context={"kpi_return": kpi_return, "company": kpi_return.incubation.company, "days": days},
        subject_obj=kpi_return,
        dedupe_key=f"tenants.kpi_return:{kpi_return_id}:reminder_{days}",
    )
    return True


def kpi_reminders_run(*, today: date) -> dict[str, int]:
    """Daily: remind on day 7 and day 14 after the request, once each, while the return is still requested."""
    counts = {"day_7": 0, "day_14": 0}
    requested = KPIReturn.objects.filter(status=KPIReturnStatus.REQUESTED)
    # requested on day D (park time) → day 7 is D + 7; day 14 takes over from the day-7 reminder.
    day_7 = requested.filter(
        reminded_7_at=None,
        reminded_14_at=None,
        requested_at__lt=_park_midnight(today - timedelta(days=6)),
        requested_at__gte=_park_midnight(today - timedelta(days=13)),
    )
    day_14 = requested.filter(
        reminded_14_at=None, requested_at__lt=_park_midnight(today - timedelta(days=13))
    )
    for days, queryset in ((14, day_14), (7, day_7)):
        for kpi_return_id in queryset.order_by("pk").values_list("pk", flat=True)[: BATCH_SIZE * 10]:
            if _kpi_reminder_send(kpi_return_id=kpi_return_id, days=days):
                counts[f"day_{days}"] += 1
    return counts


def _refuse_if_locked(kpi_return: KPIReturn) -> KPIReturn:
    locked = KPIReturn.objects.select_for_update().select_related("incubation").get(pk=kpi_return.pk)
    if locked.locked_at is not None:
        raise ValidationError(
            _("This KPI return was verified on %(on)s and can no longer change.")
            % {"on": timezone.localtime(locked.locked_at, PARK_TZ).date().isoformat()},
            code="kpi_return_locked",
        )
    return locked


@transaction.atomic
def kpi_return_submit(*, kpi_return: KPIReturn, figures: Mapping[str, Any], user: User) -> KPIReturn:
    """The company's people submit (or, after a rejection, resubmit) every figure of the return."""
    _refuse_if_locked(kpi_return)
    unknown = sorted(set(figures) - set(KPI_FIGURES))
    if unknown:
        raise ValidationError(
            {name: ValidationError(_("Not a KPI figure."), code="unknown_figure") for name in unknown}
        )
    missing = [name for name in KPI_FIGURES if figures.get(name) in (None, "")]
    if missing:
        raise ValidationError(
            {name: ValidationError(_("This figure is required."), code="required") for name in missing}
        )

    def apply(obj: KPIReturn) -> None:
        for name in KPI_FIGURES:
            setattr(obj, name, figures[name])
        obj.submitted_at = timezone.now()
        obj.submitted_by = user
        obj.rejection_reason = ""

    return KPI_RETURN_WORKFLOW.perform(kpi_return, action="submit", actor=user, apply=apply)


@transaction.atomic
def kpi_return_verify(*, kpi_return: KPIReturn, actor: User) -> KPIReturn:
    """Staff accept the figures; the return is locked from now on."""
    _refuse_if_locked(kpi_return)

    def apply(obj: KPIReturn) -> None:
        now = timezone.now()
        obj.verified_at = now
        obj.verified_by = actor
        obj.locked_at = now

    return KPI_RETURN_WORKFLOW.perform(kpi_return, action="verify", actor=actor, apply=apply)


@transaction.atomic
def kpi_return_reject(*, kpi_return: KPIReturn, actor: User, reason: str) -> KPIReturn:
    """Staff send the figures back with a reason; the company corrects and resubmits them."""
    _refuse_if_locked(kpi_return)
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Say what is wrong with the figures."), code="required")}
        )

    def apply(obj: KPIReturn) -> None:
        obj.rejection_reason = reason

    locked = KPI_RETURN_WORKFLOW.perform(kpi_return, action="reject", actor=actor, reason=reason, apply=apply)
    notify_many(
        recipients=_company_contacts(locked.incubation.company_id),
        kind="tenants.incubation.kpi_rejected",
        context={"kpi_return": locked, "company": locked.incubation.company, "reason": reason},
        subject_obj=locked,
    )
    return locked
