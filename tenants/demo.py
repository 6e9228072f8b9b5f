"""Demo companies at every lifecycle stage, on the demo campus that ``spaces.demo`` builds.

``manage.py seed_demo`` calls ``demo_seed(scale=..., stdout=...)`` after ``spaces`` (INSTALLED_APPS
order). Reference data (sectors, the incubation programme and its cohorts) is brought up to date
row by row and written only when it differs. Each demo company's whole story (application,
registration case, agreements, tenancies, incubation, KPI returns, service requests) is told
through the tenants services, as staff and founders would, so it writes the same log rows and
notifications; a story whose company (or application) already exists is skipped, so a second run
writes nothing.

Time: the services stamp "now". Where a story needs the past (an expedited application waiting
past its SLA), it passes explicit dates where services accept them, backdates ``submitted_at``
and starts the SLA clock with ``sla_clock_start(at=<past>)``; ``sla_sweep`` then warns and
breaches them as it would any late item.

The notifications the stories cause are in-app only: their e-mails are cancelled before commit
(demo addresses are ``.example``, and a local console backend should not print a storm).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Language, User
from core.calendar import DAY_SECONDS, working_calendar
from notifications.models import Notification
from spaces.models import Building, Campus, Space, SpaceKind
from tenants.models import (
    Agreement,
    AgreementKind,
    Application,
    ApplicationStatus,
    ChecklistItem,
    Cohort,
    Company,
    Deposit,
    GraduationBasis,
    KPIFrequency,
    KPIReturn,
    KPIReturnStatus,
    Programme,
    RegistrationCase,
    RegistrationStepKind,
    RequestedSpace,
    Sector,
    ServiceRequestCategory,
    Tenancy,
    Track,
)
from tenants.models.sla import SLAClock
from tenants.services import applications as apps
from tenants.services import incubation as incubation_services
from tenants.services import registration as registration_services
from tenants.services import tenancy as tenancy_services
from tenants.services.companies import company_create, person_get_or_create
from tenants.services.sla import sla_clock_start
from tenants.validators import uscc_check_character

CAMPUS_CODE = "etown"  # spaces.demo.CAMPUS["code"]
STAFF_EMAIL = "staff@etown.example"  # spaces.demo's staff login: the park's admissions lead


class Output(Protocol):
    def write(self, msg: str = "", style_func: Any = None, ending: str | None = None) -> None: ...


# --- reference data -----------------------------------------------------------------------------------

# (code, name, name_zh, park priority, incubation limit in months)
SECTORS = [
    ("robotics", "Robotics", "机器人", True, 48),
    ("integrated_circuits", "Integrated circuits", "集成电路", True, 48),
    ("new_energy", "New energy", "新能源", True, 48),
    ("biomedicine", "Biomedicine", "生物医药", True, 60),
    ("artificial_intelligence", "Artificial intelligence", "人工智能", True, 48),
    ("advanced_manufacturing", "Advanced manufacturing", "先进制造", True, 48),
    ("enterprise_software", "Enterprise software", "企业软件", False, 48),
    ("digital_media", "Digital media", "数字文创", False, 36),
]

PROGRAMME = {
    "name": "E-Town Hard-Tech Incubator",
    "name_zh": "亦庄硬科技孵化器",
    "max_company_age_months": 24,
    "default_limit_months": 48,
    "kpi_frequency": KPIFrequency.QUARTERLY,
    "is_active": True,
}
# (name, starts on, ends on) as (year, month) pairs: fixed, so a re-run finds the same rows.
COHORTS = [
    ("2021 Autumn cohort", (2021, 9), (2022, 2)),
    ("2023 Spring cohort", (2023, 3), (2023, 8)),
    ("2025 Spring cohort", (2025, 3), (2025, 8)),
]


def _sync_rows(
    model: type[models.Model], existing: dict[Any, models.Model], key: Any, values: dict[str, Any]
) -> tuple[models.Model, int]:
    """Create the row, or update the fields that differ; (row, rows written)."""
    row = existing.get(key)
    if row is None:
        row = model(**values)
        row.full_clean()
        row.save()
        return row, 1
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, 0
    for name in changed:
        setattr(row, name, values[name])
    row.full_clean()
    row.save()
    return row, 1


def _reference_data() -> tuple[dict[str, Sector], Programme, dict[str, Cohort], int]:
    written = 0
    existing_sectors: dict[Any, models.Model] = {
        s.code: s for s in Sector.objects.filter(code__in=[c for c, *_ in SECTORS])
    }
    sectors = {}
    for code, name, name_zh, priority, limit in SECTORS:
        values = {
            "code": code,
            "name": name,
            "name_zh": name_zh,
            "is_priority": priority,
            "incubation_limit_months": limit,
        }
        sector, n = _sync_rows(Sector, existing_sectors, code, values)
        sectors[code] = sector
        written += n
    existing_programmes: dict[Any, models.Model] = {
        p.name: p for p in Programme.objects.filter(name=PROGRAMME["name"])
    }
    programme, n = _sync_rows(Programme, existing_programmes, PROGRAMME["name"], PROGRAMME)
    written += n
    existing_cohorts: dict[Any, models.Model] = {
        c.name: c for c in Cohort.objects.filter(programme=programme)
    }
    cohorts = {}
    for name, (y1, m1), (y2, m2) in COHORTS:
        values = {
            "programme": programme,
            "name": name,
            "starts_on": date(y1, m1, 1),
            "ends_on": date(y2, m2, 28),
        }
        cohort, n = _sync_rows(Cohort, existing_cohorts, name, values)
        cohorts[name] = cohort
        written += n
    return sectors, programme, cohorts, written  # type: ignore[return-value]


# --- helpers for the stories --------------------------------------------------------------------------


def demo_uscc(serial: str) -> str:
    """A valid unified social credit code of a Beijing E-Town enterprise (91 110302 …)."""
    first17 = f"91110302{serial}"
    return first17 + uscc_check_character(first17)


def _months_ago(today: date, months: int) -> date:
    return tenancy_services.add_months(today, -months)


def _working_time_ago(now: datetime, seconds: float) -> datetime:
    """The instant ``seconds`` of working time (whole China working days) before ``now``."""
    calendar = working_calendar()
    start = now - timedelta(seconds=seconds)
    while calendar.working_seconds_between(start, now) < seconds:
        start -= timedelta(minutes=30)
    return start


@dataclass
class Ctx:
    campus: Campus
    staff: User
    sectors: dict[str, Sector]
    programme: Programme
    cohorts: dict[str, Cohort]
    today: date
    now: datetime

    def person(self, email: str, full_name: str, language: str = Language.CHINESE) -> User:
        user, _created = person_get_or_create(email=email, full_name=full_name, preferred_language=language)
        return user

    def spaces(self, *codes: str) -> list[Space]:
        found = {s.code: s for s in Space.objects.in_campus(self.campus.pk).filter(code__in=codes)}
        missing = sorted(set(codes) - found.keys())
        if missing:
            raise LookupError(f"The demo campus has no spaces {missing}; run spaces' demo seed first.")
        return [found[c] for c in codes]

    def building_suites(self, building_code: str) -> list[Space]:
        building = Building.objects.get(campus=self.campus, code=building_code)
        return list(
            Space.objects.in_building(building.pk).filter(kind=SpaceKind.OFFICE_SUITE).order_by("code")
        )


def _application(
    ctx: Ctx,
    *,
    applicant: User,
    name: str,
    name_zh: str,
    sector: str,
    founded_months_ago: int,
    team_size: int = 5,
    returnee: bool = False,
    high_tech: bool = False,
    requested_space: str = RequestedSpace.OFFICE_SUITE,
    summary: str = "",
) -> Application:
    return apps.application_create_draft(
        actor=applicant,
        applicant_email=applicant.email,
        applicant_name=applicant.full_name,
        company_name=name,
        company_name_zh=name_zh,
        sector=ctx.sectors[sector],
        founded_on=_months_ago(ctx.today, founded_months_ago),
        team_size=team_size,
        is_returnee_founded=returnee,
        is_high_tech=high_tech,
        requested_space=requested_space,
        requested_start_on=ctx.today + timedelta(days=30),
        summary=summary,
        founders=[{"name": applicant.full_name, "email": applicant.email, "is_returnee": returnee}],
    )


# How far each application goes, in order; a story stops at its target state.
PATH = [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.ONBOARDING,
    ApplicationStatus.DONE,
]
PAPER_PLAN = "Business plan handed in on paper at the park's info day (demo)."


def _advance(ctx: Ctx, application: Application, *, to: str, applicant: User) -> Application:
    """Take a draft along the admission path as far as ``to`` (one of ``PATH``)."""
    staff = ctx.staff
    for state in PATH[: PATH.index(to) + 1]:
        if state == ApplicationStatus.SUBMITTED:
            application = apps.application_submit(application=application, actor=applicant)
        elif state == ApplicationStatus.SCREENING:
            application = apps.application_start_screening(application=application, actor=staff)
        elif state == ApplicationStatus.IN_REVIEW:
            application = apps.application_screen(
                application=application, actor=staff, override_reason=PAPER_PLAN
            )
            apps.application_assign_reviewer(application=application, actor=staff, reviewer=staff)
        elif state == ApplicationStatus.APPROVED:
            apps.application_review(
                application=application,
                actor=staff,
                recommendation="approve",
                score=8,
                comment="Strong team.",
            )
            application = apps.application_decide(
                application=application, actor=staff, decision="approve", note="Admitted."
            )
        elif state == ApplicationStatus.ONBOARDING:
            application = apps.application_start_onboarding(application=application, actor=staff)
        elif state == ApplicationStatus.DONE:
            application = apps.application_complete(application=application, actor=staff)
    return application


def _backdate(
    application: Application, *, step: str, budget_share: float, budget_seconds: int, now: datetime
) -> None:
    """Make an expedited application wait ``budget_share`` of its ``step`` budget: backdated."""
    at = _working_time_ago(now, budget_share * budget_seconds)
    Application.objects.filter(pk=application.pk).update(submitted_at=at)
    # A clock the services may already have started "now" is replaced by the backdated one.
    SLAClock.objects.open().for_subject(application).filter(step=step).delete()
    sla_clock_start(subject=application, step=step, track=application.track, assignee=None, at=at)


def _lease(
    ctx: Ctx,
    company: Company,
    spaces: list[Space],
    *,
    kind: str = AgreementKind.LEASE,
    starts_on: date,
    ends_on: date,
    rent: str,
    deposit: str = "0",
    cards: int = 2,
    until: str = "executed",
    **terms: Any,
) -> tuple[Agreement, Tenancy | None]:
    """An agreement taken as far as ``until`` (draft, sent, signed, executed, declined, expired, voided)."""
    staff = ctx.staff
    agreement = tenancy_services.agreement_create(
        company=company,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        spaces=spaces,
        actor=staff,
        monthly_rent=Decimal(rent),
        deposit=Decimal(deposit),
        access_cards=cards,
        **terms,
    )
    if until == "draft":
        return agreement, None
    if until == "voided":
        return tenancy_services.agreement_void(
            agreement=agreement, actor=staff, reason="Offer withdrawn."
        ), None
    agreement = tenancy_services.agreement_send(agreement=agreement, actor=staff)
    if until == "sent":
        return agreement, None
    if until == "declined":
        return tenancy_services.agreement_decline(
            agreement=agreement, actor=staff, reason="Chose a larger suite."
        ), None
    if until == "expired":
        return tenancy_services.agreement_expire(agreement=agreement, actor=staff), None
    agreement = tenancy_services.agreement_sign(agreement=agreement, actor=staff)
    if until == "signed":
        return agreement, None
    tenancy = tenancy_services.agreement_execute(agreement=agreement, actor=staff)
    return agreement, tenancy


def _move_in(ctx: Ctx, tenancy: Tenancy, *, items_done: int | None = None) -> Tenancy:
    """Move in and tick off the first ``items_done`` move-in items (all with ``None``)."""
    tenancy = tenancy_services.tenancy_move_in(tenancy=tenancy, actor=ctx.staff)
    items = ChecklistItem.objects.filter(checklist__tenancy=tenancy).order_by("position", "pk")
    for item in list(items if items_done is None else items[:items_done]):
        tenancy_services.checklist_item_complete(item=item, actor=ctx.staff)
    return tenancy


def _registration(
    ctx: Ctx, company: Company, *, steps: dict[str, list[tuple[str, dict[str, Any]]]], track: str
) -> RegistrationCase:
    """Open a case and move the given steps through (status, data) in order."""
    case = registration_services.registration_case_open(
        company=company, track=track, officer=ctx.staff, actor=ctx.staff
    )
    by_kind = {s.kind: s for s in case.steps.all()}
    for kind, moves in steps.items():
        for status, data in moves:
            registration_services.registration_step_update(
                step=by_kind[kind],
                status=status,
                actor=ctx.staff,
                data=data or None,
                reason="Correct the registered capital." if status == "needs_correction" else "",
            )
    case.refresh_from_db()
    return case


def _through(*data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A step done with the authority: preparing → submitted → waiting → done (``data`` on the last)."""
    final = data[0] if data else {}
    return [("preparing", {}), ("submitted", {}), ("waiting_authority", {}), ("done", final)]


def _service_requests(ctx: Ctx, company: Company, requester: User, *rows: tuple[str, str, str]) -> None:
    """(subject, category, how far: open | acknowledged | in_progress | resolved | closed)."""
    for subject, category, until in rows:
        request = registration_services.service_request_create(
            company=company, requested_by=requester, subject=subject, category=category, campus=ctx.campus
        )
        if until == "open":
            continue
        request = registration_services.service_request_acknowledge(
            service_request=request, actor=ctx.staff, assignee=ctx.staff
        )
        if until == "acknowledged":
            continue
        request = registration_services.service_request_start(service_request=request, actor=ctx.staff)
        if until == "in_progress":
            continue
        request = registration_services.service_request_resolve(
            service_request=request, actor=ctx.staff, reason="Done."
        )
        if until == "resolved":
            continue
        registration_services.service_request_close(service_request=request, actor=requester, satisfaction=5)


def _kpi_returns(ctx: Ctx, *, quarters: int) -> None:
    """Request the last ``quarters`` quarterly returns of the active incubations (the 1st-of-quarter run)."""
    first = ctx.today.replace(day=1, month=(ctx.today.month - 1) // 3 * 3 + 1)
    for n in range(quarters - 1, -1, -1):
        incubation_services.kpi_returns_request_run(today=tenancy_services.add_months(first, -3 * n))


FIGURES = {
    "revenue": Decimal("1800000"),
    "rd_spend": Decimal("950000"),
    "funding_raised": Decimal("0"),
    "tax_paid": Decimal("120000"),
    "headcount": 18,
    "rd_staff": 11,
    "patents_filed": 2,
    "patents_granted": 1,
    "software_copyrights": 3,
}


# --- the stories: one per demo company (or application), keyed by its English name -------------------


def _deep_robotics(ctx: Ctx) -> None:
    """Expedited application done; registration completed with a USCC; tower suites; incubated; KPIs."""
    li = User.objects.get(email="li.wei@deeprobotics.example")
    application = _application(
        ctx,
        applicant=li,
        name="Deep Robotics",
        name_zh="深度机器人",
        sector="robotics",
        founded_months_ago=8,
        team_size=14,
        returnee=True,
        summary="Legged robots for substation inspection.",
    )
    application = _advance(ctx, application, to=ApplicationStatus.DONE, applicant=li)
    company = application.company
    _registration(
        ctx,
        company,
        track=Track.EXPEDITED,
        steps={
            RegistrationStepKind.NAME_DECLARATION: _through({"approved_name": "北京深度机器人科技有限公司"}),
            RegistrationStepKind.DOMICILE_PROOF: _through({"kind": "lease"}),
            RegistrationStepKind.ESTABLISHMENT_FILING: _through({"submission_number": "BDA-2025-0412"}),
            RegistrationStepKind.BUSINESS_LICENCE: _through({"uscc": demo_uscc("MA01DR0B1")}),
            RegistrationStepKind.SEALS: _through({"seal_record": "Four seals engraved and filed."}),
            RegistrationStepKind.TAX_REGISTRATION: _through({"status": "General VAT taxpayer"}),
            RegistrationStepKind.BANK_ACCOUNT: _through(
                {"opened_on": (ctx.today - timedelta(days=20)).isoformat()}
            ),
            RegistrationStepKind.SOCIAL_INSURANCE: _through({"done": True}),
            RegistrationStepKind.POST_SETUP_FILINGS: [("not_applicable", {})],
        },
    )
    starts = ctx.today - timedelta(days=60)
    _, tenancy = _lease(
        ctx,
        company,
        ctx.spaces("T1-1201", "T1-1202"),
        starts_on=starts,
        ends_on=tenancy_services.add_months(starts, 36),
        rent="42000",
        deposit="126000",
        cards=6,
        free_rent_months=3,
    )
    _move_in(ctx, tenancy, items_done=4)
    _lease(  # an expansion being drafted
        ctx,
        company,
        ctx.spaces("T1-1203"),
        starts_on=ctx.today + timedelta(days=90),
        ends_on=tenancy_services.add_months(starts, 36),
        rent="21000",
        deposit="63000",
        until="draft",
    )
    incubation_services.incubation_admit(
        company=company,
        programme=ctx.programme,
        cohort=ctx.cohorts["2025 Spring cohort"],
        admitted_on=ctx.today - timedelta(days=200),
        actor=ctx.staff,
    )
    _service_requests(
        ctx, company, li, ("Six more access cards for new hires", ServiceRequestCategory.ACCESS_CARD, "open")
    )


def _sensorlab(ctx: Ctx) -> None:
    """Expedited application onboarding; registration waiting on the authority; coworking desks."""
    anna = User.objects.get(email="anna.schmidt@sensorlab.example")
    application = _application(
        ctx,
        applicant=anna,
        name="SensorLab",
        name_zh="传感实验室",
        sector="integrated_circuits",
        founded_months_ago=5,
        team_size=4,
        requested_space=RequestedSpace.COWORKING_DESKS,
        summary="MEMS gas sensors for battery packs.",
    )
    application = _advance(ctx, application, to=ApplicationStatus.ONBOARDING, applicant=anna)
    company = application.company
    _registration(
        ctx,
        company,
        track=Track.EXPEDITED,
        steps={
            RegistrationStepKind.NAME_DECLARATION: _through({"approved_name": "北京传感实验室科技有限公司"}),
            RegistrationStepKind.DOMICILE_PROOF: _through({"kind": "park_domicile_letter"}),
            RegistrationStepKind.ESTABLISHMENT_FILING: [
                ("preparing", {}),
                ("submitted", {}),
                ("waiting_authority", {"submission_number": "BDA-2025-0533"}),
            ],
        },
    )
    starts = ctx.today - timedelta(days=14)
    desks = ctx.spaces("CW1-2F-D01", "CW1-2F-D02", "CW1-2F-D03", "CW1-2F-D04")
    _, tenancy = _lease(
        ctx,
        company,
        desks,
        kind=AgreementKind.MEMBERSHIP,
        starts_on=starts,
        ends_on=tenancy_services.add_months(starts, 12),
        rent="6400",
        deposit="6400",
        cards=4,
        uses_park_domicile=True,
    )
    _move_in(ctx, tenancy, items_done=2)
    _lease(  # an office offer that lapsed unsigned
        ctx,
        company,
        ctx.spaces("T2-1001"),
        starts_on=ctx.today + timedelta(days=30),
        ends_on=ctx.today + timedelta(days=30 + 365),
        rent="19000",
        until="expired",
    )
    _service_requests(
        ctx,
        company,
        anna,
        ("Wi-Fi drops in the afternoon", ServiceRequestCategory.IT_NETWORK, "acknowledged"),
    )


def _green_battery(ctx: Ctx) -> None:
    """Expedited application approved; agreement sent; registration needs a correction."""
    zhang = User.objects.get(email="zhang.min@greenbattery.example")
    application = _application(
        ctx,
        applicant=zhang,
        name="Green Battery",
        name_zh="绿电池科技",
        sector="new_energy",
        founded_months_ago=3,
        team_size=6,
        summary="Sodium-ion cells for two-wheelers.",
    )
    application = _advance(ctx, application, to=ApplicationStatus.APPROVED, applicant=zhang)
    company = application.company
    _registration(
        ctx,
        company,
        track=Track.EXPEDITED,
        steps={
            RegistrationStepKind.NAME_DECLARATION: _through({"approved_name": "北京绿电池科技有限公司"}),
            RegistrationStepKind.ESTABLISHMENT_FILING: [
                ("preparing", {}),
                ("submitted", {}),
                ("waiting_authority", {}),
                ("needs_correction", {}),
            ],
        },
    )
    _lease(
        ctx,
        company,
        ctx.spaces("T2-901", "T2-902"),
        starts_on=ctx.today + timedelta(days=21),
        ends_on=ctx.today + timedelta(days=21 + 3 * 365),
        rent="36000",
        deposit="108000",
        until="sent",
    )
    _service_requests(
        ctx,
        company,
        zhang,
        ("Help with the registered capital correction", ServiceRequestCategory.REGISTRATION, "in_progress"),
    )


def _ginkgo_bio(ctx: Ctx) -> None:
    """A whole compound house let to one company; incubation close to its limit; KPIs."""
    owner = ctx.person("chen.jing@ginkgoprecision.example", "陈静")
    company = company_create(
        name="Ginkgo Precision",
        name_zh="银杏精机",
        owner=owner,
        actor=ctx.staff,
        uscc=demo_uscc("MA00GB1K3"),
        sector=ctx.sectors["advanced_manufacturing"],
        founded_on=_months_ago(ctx.today, 61),
        is_high_tech=True,
    )
    starts = _months_ago(ctx.today, 46)
    _, tenancy = _lease(
        ctx,
        company,
        ctx.building_suites("C1"),
        starts_on=starts,
        ends_on=tenancy_services.add_months(starts, 72),
        rent="210000",
        deposit="630000",
        cards=20,
    )
    _move_in(ctx, tenancy)
    incubation_services.incubation_admit(
        company=company,
        programme=ctx.programme,
        cohort=ctx.cohorts["2021 Autumn cohort"],
        admitted_on=_months_ago(ctx.today, 47) - timedelta(days=10),
        actor=ctx.staff,
    )
    _service_requests(
        ctx,
        company,
        owner,
        ("Replace the lobby lock of Ginkgo House", ServiceRequestCategory.FACILITIES, "resolved"),
    )


def _polaris_chips(ctx: Ctx) -> None:
    """Graduated incubatee that gave notice on its tower suite; an old offer voided."""
    owner = ctx.person("wang.lei@polarischips.example", "王磊")
    company = company_create(
        name="Polaris Chips",
        name_zh="北极星芯片",
        owner=owner,
        actor=ctx.staff,
        uscc=demo_uscc("MA00PC2N7"),
        sector=ctx.sectors["integrated_circuits"],
        founded_on=_months_ago(ctx.today, 40),
        is_high_tech=True,
    )
    incubation = incubation_services.incubation_admit(
        company=company,
        programme=ctx.programme,
        cohort=ctx.cohorts["2023 Spring cohort"],
        admitted_on=_months_ago(ctx.today, 30),
        actor=ctx.staff,
    )
    incubation_services.incubation_graduate(
        incubation=incubation,
        basis=GraduationBasis.HIGH_TECH_RECOGNITION,
        evidence="High-tech enterprise certificate GR2024110xxxx.",
        on=ctx.today - timedelta(days=45),
        actor=ctx.staff,
    )
    starts = _months_ago(ctx.today, 24)
    _lease(
        ctx,
        company,
        ctx.spaces("T2-1201"),
        starts_on=starts,
        ends_on=starts + timedelta(days=30),
        rent="0",
        until="voided",
    )
    _, tenancy = _lease(
        ctx,
        company,
        ctx.spaces("T2-1202", "T2-1203"),
        starts_on=starts,
        ends_on=tenancy_services.add_months(starts, 36),
        rent="38000",
        deposit="114000",
        cards=8,
    )
    _move_in(ctx, tenancy)
    tenancy_services.tenancy_give_notice(
        tenancy=tenancy,
        ends_on=ctx.today + timedelta(days=60),
        actor=ctx.staff,
        reason="Moving to its own plant.",
    )
    _service_requests(
        ctx, company, owner, ("Final invoice address", ServiceRequestCategory.FINANCE, "closed")
    )


def _old_mill(ctx: Ctx) -> None:
    """A former tenant: tenancy closed, deposit partly refunded."""
    owner = ctx.person("zhao.gang@oldmill.example", "赵刚")
    company = company_create(
        name="Old Mill Smart Manufacturing",
        name_zh="老磨坊智造",
        owner=owner,
        actor=ctx.staff,
        uscc=demo_uscc("MA00LM3P5"),
        sector=ctx.sectors["advanced_manufacturing"],
        founded_on=_months_ago(ctx.today, 90),
    )
    starts = _months_ago(ctx.today, 38)
    _, tenancy = _lease(
        ctx,
        company,
        ctx.spaces("T1-1501"),
        starts_on=starts,
        ends_on=ctx.today - timedelta(days=30),
        rent="20000",
        deposit="60000",
        cards=3,
    )
    tenancy = _move_in(ctx, tenancy)
    tenancy = tenancy_services.tenancy_start_move_out(tenancy=tenancy, actor=ctx.staff)
    tenancy_services.tenancy_close(tenancy=tenancy, actor=ctx.staff, reason="Lease ended.")
    deposit = Deposit.objects.get(tenancy=tenancy)
    tenancy_services.deposit_settle(
        deposit=deposit, refunded_amount=Decimal("52000"), actor=ctx.staff, note="Wall repairs deducted."
    )


def _aurora_ai(ctx: Ctx) -> None:
    """An agreement signed and waiting to be executed; an earlier one declined."""
    owner = ctx.person("sun.yue@auroraai.example", "孙悦")
    company = company_create(
        name="Aurora AI",
        name_zh="极光智能",
        owner=owner,
        actor=ctx.staff,
        uscc=demo_uscc("MA00AA4Q2"),
        sector=ctx.sectors["artificial_intelligence"],
        founded_on=_months_ago(ctx.today, 14),
    )
    starts = ctx.today + timedelta(days=10)
    _lease(
        ctx,
        company,
        ctx.spaces("T1-2001"),
        starts_on=starts,
        ends_on=starts + timedelta(days=365),
        rent="18000",
        until="declined",
    )
    _lease(
        ctx,
        company,
        ctx.spaces("T1-2101", "T1-2102"),
        starts_on=starts,
        ends_on=starts + timedelta(days=2 * 365),
        rent="40000",
        deposit="120000",
        until="signed",
    )


def _applicant(ctx: Ctx, email: str, name: str, language: str = Language.CHINESE) -> User:
    return ctx.person(email, name, language)


def _quantum_sensing(ctx: Ctx) -> None:
    """Expedited (returnee founder), submitted and waiting past its 1-day screening SLA."""
    user = _applicant(ctx, "he.tao@quantumsensing.example", "何涛")
    application = _application(
        ctx,
        applicant=user,
        name="Quantum Sensing",
        name_zh="量子传感",
        sector="enterprise_software",
        founded_months_ago=4,
        returnee=True,
        summary="NV-centre magnetometers.",
    )
    application = _advance(ctx, application, to=ApplicationStatus.SUBMITTED, applicant=user)
    _backdate(application, step="screening", budget_share=1.25, budget_seconds=DAY_SECONDS, now=ctx.now)


def _novasic(ctx: Ctx) -> None:
    """Expedited, in review, 85 % into its 5-day decision SLA."""
    user = _applicant(ctx, "lin.fang@novasic.example", "林芳")
    application = _application(
        ctx,
        applicant=user,
        name="NovaSiC Power",
        name_zh="新星碳化硅",
        sector="new_energy",
        founded_months_ago=10,
        team_size=9,
        summary="Silicon-carbide inverters.",
    )
    application = _advance(ctx, application, to=ApplicationStatus.IN_REVIEW, applicant=user)
    _backdate(application, step="decision", budget_share=0.85, budget_seconds=5 * DAY_SECONDS, now=ctx.now)


def _helix_gene(ctx: Ctx) -> None:
    """Expedited, more information asked during screening."""
    user = _applicant(ctx, "xu.na@helixgene.example", "许娜")
    application = _application(
        ctx,
        applicant=user,
        name="Helix Gene",
        name_zh="螺旋基因",
        sector="biomedicine",
        founded_months_ago=6,
    )
    application = _advance(ctx, application, to=ApplicationStatus.SCREENING, applicant=user)
    apps.application_request_more_info(
        application=application, actor=ctx.staff, question="Please send the lab biosafety level certificate."
    )


def _standard_applications(ctx: Ctx) -> None:
    """Standard track: a draft, a submitted, one in screening, one screened out, one withdrawn."""
    rows = [
        ("Blue Sky Drones", "蓝天无人机", "gao.yu@blueskydrones.example", "高宇", "draft", 12),
        ("Paper Crane Games", "纸鹤游戏", "mei.ling@papercrane.example", "梅玲", "submitted", 9),
        ("Ledger Cloud", "账本云", "qian.bo@ledgercloud.example", "钱博", "screening", 15),
        ("Retro Arcade", "复古街机", "du.wen@retroarcade.example", "杜文", "rejected", 70),
        ("Tea Garden Studio", "茶园工作室", "fu.qing@teagarden.example", "傅青", "withdrawn", 7),
    ]
    for name, name_zh, email, person, target, age in rows:
        user = _applicant(ctx, email, person)
        sector = (
            "digital_media"
            if "Games" in name or "Studio" in name or "Arcade" in name
            else "enterprise_software"
        )
        application = _application(
            ctx,
            applicant=user,
            name=name,
            name_zh=name_zh,
            sector=sector,
            founded_months_ago=age,
            team_size=3,
        )
        if target == "draft":
            continue
        if target == "withdrawn":
            application = _advance(ctx, application, to=ApplicationStatus.SUBMITTED, applicant=user)
            apps.application_withdraw(application=application, actor=user, reason="We chose another park.")
            continue
        to = ApplicationStatus.SUBMITTED if target == "submitted" else ApplicationStatus.SCREENING
        application = _advance(ctx, application, to=to, applicant=user)
        if target == "rejected":  # screened without override: too old, no business plan
            apps.application_screen(application=application, actor=ctx.staff)


STORIES: list[tuple[str, Callable[[Ctx], None]]] = [
    ("Deep Robotics", _deep_robotics),
    ("SensorLab", _sensorlab),
    ("Green Battery", _green_battery),
    ("Ginkgo Precision", _ginkgo_bio),
    ("Polaris Chips", _polaris_chips),
    ("Old Mill Smart Manufacturing", _old_mill),
    ("Aurora AI", _aurora_ai),
    ("Quantum Sensing", _quantum_sensing),
    ("NovaSiC Power", _novasic),
    ("Helix Gene", _helix_gene),
    ("Blue Sky Drones", _standard_applications),
]


def _existing_stories(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    return set(Company.objects.filter(name__in=keys).values_list("name", flat=True)) | set(
        Application.objects.filter(company_name__in=keys).values_list("company_name", flat=True)
    )


def _kpi_story(ctx: Ctx) -> None:
    """The last three quarterly returns of each active incubatee: verified, submitted, requested."""
    _kpi_returns(ctx, quarters=3)
    for company_name in ("Deep Robotics", "Ginkgo Precision"):
        returns = list(
            KPIReturn.objects.filter(
                incubation__company__name=company_name, status=KPIReturnStatus.REQUESTED
            ).order_by("period_start")
        )
        submitter = Company.objects.get(name=company_name).memberships.get(role="owner").user
        for index, kpi_return in enumerate(returns[:-1]):  # the latest stays requested
            kpi_return = incubation_services.kpi_return_submit(
                kpi_return=kpi_return, figures=FIGURES, user=submitter
            )
            if index == 0:
                incubation_services.kpi_return_verify(kpi_return=kpi_return, actor=ctx.staff)


@transaction.atomic
def demo_seed(*, scale: int, stdout: Output) -> None:
    """Seed the demo companies on the demo campus (``scale`` does not change them)."""
    campus = Campus.objects.filter(code=CAMPUS_CODE).first()
    if campus is None:
        raise LookupError(f"No demo campus “{CAMPUS_CODE}”: spaces' demo seed runs first.")
    sectors, programme, cohorts, reference_written = _reference_data()
    done = _existing_stories(key for key, _ in STORIES)
    todo = [(key, story) for key, story in STORIES if key not in done]
    if todo:
        last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ctx = Ctx(
            campus=campus,
            staff=User.objects.get(email=STAFF_EMAIL),
            sectors=sectors,
            programme=programme,
            cohorts=cohorts,
            today=tenancy_services.park_today(),
            now=timezone.now(),
        )
        for _key, story in todo:
            story(ctx)
        if any(key in ("Deep Robotics", "Ginkgo Precision") for key, _ in todo):
            _kpi_story(ctx)
        # In-app only: the queued e-mails find nothing to claim when they run after commit.
        Notification.objects.filter(pk__gt=last_notification, email_requested=True).update(
            email_requested=False
        )
    stdout.write(
        f"Demo companies: {len(todo)} stories told, {len(done)} already there; "
        f"reference rows written: {reference_written}."
    )
    if todo:
        by_state = dict(
            Application.objects.filter(
                company_name__in=[k for k, _ in STORIES]
                + ["Paper Crane Games", "Ledger Cloud", "Retro Arcade", "Tea Garden Studio"]
            )
            .values_list("status")
            .annotate(n=models.Count("pk"))
        )
        stdout.write("  applications: " + ", ".join(f"{s} {n}" for s, n in sorted(by_state.items())))
    stdout.write(
        "  founder logins with company data: li.wei (Deep Robotics), anna.schmidt (SensorLab), "
        "zhang.min (Green Battery)"
    )
