"""Company scoping over every endpoint of the API router (issue 3: must hold).

Every viewset registered in ``config.api.router`` is classified in ``ENDPOINTS`` below; a viewset
registered without a row fails ``test_every_registered_viewset_is_classified``. Every route of every
viewset (list, detail and each ``@action`` with its methods) is then checked, signed in as the owner
of company A, against the objects of company B:

- company-scoped (and own-user) objects: B's object is a 404 on every detail GET; every detail
  write or command on it is a 404 or 403 and changes no row in the database; no list shows it.
  Collection writes (create, ``detail=False`` actions) naming B each have an explicit check.
- staff-only endpoints: 403 for A on every route (and 200 for staff, so the URL is right).
- reference data: every signed-in user reads it; A writes none of it (403, nothing changes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from access_control.models import AccessEvent, Door, DoorKind, GrantSource, Site
from access_control.services import devices as device_services
from access_control.services.credentials import credential_issue
from access_control.services.grants import grant_create
from accounts.models import User
from bookings.models import BookingPolicy, CalendarFeed, Resource, ResourcePool, WaitlistEntry
from bookings.services import bookings as booking_services
from bookings.services import feeds as feed_services
from bookings.services import series as series_services
from config.api import router
from hardware_labs.models import Course, TrainingSession
from hardware_labs.services import equipment as lab_equipment_services
from hardware_labs.services import maintenance as lab_maintenance_services
from hardware_labs.services import pilot_runs as lab_pilot_run_services
from hardware_labs.services import trainings as lab_training_services
from hardware_labs.services import usage as lab_usage_services
from notifications.models import Notification
from spaces.models import SpaceKind
from tenants.models import (
    AgreementStatus,
    Application,
    Company,
    IncentiveGrant,
    Invitation,
    KPIReturn,
    MemberRole,
    Membership,
    RegistrationCase,
    ServiceRequest,
    ServiceRequestCategory,
    Track,
)
from tenants.models.incubation import COUNT_FIGURES, MONEY_FIGURES
from tenants.services import companies as company_services
from tenants.services import registration as registration_services
from tenants.services import tenancy as tenancy_services
from tenants.services.sla import sla_clock_start
from tests.access_control.factories import DoorFactory
from tests.accounts.factories import UserFactory
from tests.spaces.factories import (
    BuildingFactory,
    CampusFactory,
    FeatureFactory,
    FloorFactory,
    SpaceFactory,
    ZoneFactory,
)
from tests.tenants.factories import CompanyFactory, MembershipFactory
from tests.tenants.factories_applications import ApplicationFactory, DocumentFactory, pdf_file
from tests.tenants.factories_incubation import (
    CohortFactory,
    IncubationFactory,
    KPIReturnFactory,
    ProgrammeFactory,
)
from tests.tenants.factories_tenancy import AgreementFactory

pytestmark = pytest.mark.django_db


# --- the world: two companies with one object of every kind, and shared reference data ------------


@dataclass
class Side:
    """One company, its owner and member, and one object of every company-owned kind."""

    company: Company
    owner: User
    member: User
    objects: dict[str, models.Model]
    invitation_token: str


@dataclass
class World:
    staff: User
    reference: dict[str, models.Model]
    a: Side
    b: Side


# 24×7 rooms, so a booking a week from now is always open
NEXT_WEEK = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)


def bookable_room() -> Resource:
    resource = Resource.objects.get(space=SpaceFactory())
    resource.policy = BookingPolicy.objects.get_or_create(name="Scoping 24x7", defaults={"is_24x7": True})[0]
    resource.save()
    return resource


def _lab_objects(*, kit: dict[str, models.Model], company: Company, owner: User, member: User, staff: User):  # type: ignore[no-untyped-def]
    """A's or B's lab rows: the member's qualifications, a usage session, an incident, a pilot run."""
    equipment = kit["lab-equipment"]
    for course in Course.objects.order_by("pk"):
        lab_training_services.qualification_grant(
            person=member, course=course, granted_by=staff, at=timezone.now() - timedelta(days=1)
        )
    session = lab_usage_services.usage_check_in(
        equipment=equipment, person=member, actor=member, company=company
    )
    session = lab_usage_services.usage_check_out(session=session, actor=member)
    incident = lab_usage_services.incident_report(
        equipment=equipment, reported_by=member, kind="damage", severity="low", description="Scratched lid"
    )
    run = lab_pilot_run_services.pilot_run_create(
        company=company,
        lab=kit["lab"],
        title="Prototype batch",
        plan="Thermal cycling",
        requested_by=owner,
        items=[
            {
                "equipment": equipment,
                "operator": member,
                "starts_at": NEXT_WEEK + timedelta(days=1),
                "ends_at": NEXT_WEEK + timedelta(days=1, hours=1),
            }
        ],
    )
    return {
        "lab-qualification": member.lab_qualifications.order_by("pk").first(),
        "usage-session": session,
        "lab-incident": incident,
        "pilot-run": run,
    }


def _lab_reference(*, floor: models.Model, staff: User) -> dict[str, models.Model]:
    lab = SpaceFactory(floor=floor, kind=SpaceKind.LAB, capacity=10)
    induction = Course.objects.create(code="lab-safety", name="Lab safety", is_lab_induction=True)
    equipment = lab_equipment_services.equipment_create(
        lab=lab,
        asset_tag="scoping-oven",
        name="Oven",
        kind="reflow_oven",
        actor=staff,
        required_courses=[induction],
        policy=BookingPolicy.objects.get_or_create(name="Scoping 24x7", defaults={"is_24x7": True})[0],
    )
    session = TrainingSession.objects.create(
        course=induction,
        trainer=staff,
        starts_at=NEXT_WEEK,
        ends_at=NEXT_WEEK + timedelta(hours=2),
    )
    window = lab_maintenance_services.maintenance_window_create(
        equipment=equipment,
        starts_at=NEXT_WEEK + timedelta(days=3),
        ends_at=NEXT_WEEK + timedelta(days=3, hours=2),
        reason="Calibration",
        actor=staff,
    )
    return {
        "lab": lab,
        "lab-equipment": equipment,
        "lab-course": induction,
        "training-session": session,
        "maintenance-window": window,
    }


def _side(
    *, staff: User, programme: models.Model, label: str, kit: dict[str, models.Model] | None = None
) -> Side:
    company = CompanyFactory(name=f"Company {label}")
    owner = MembershipFactory(company=company, role=MemberRole.OWNER).user
    membership = MembershipFactory(company=company, role=MemberRole.MEMBER)
    application = ApplicationFactory(applicant=owner)
    DocumentFactory(application=application)
    case = registration_services.registration_case_open(company=company, actor=staff)
    service_request = registration_services.service_request_create(
        company=company,
        requested_by=membership.user,
        subject=f"Broken lamp at {label}",
        category=ServiceRequestCategory.FACILITIES,
    )
    clock = sla_clock_start(
        subject=service_request, step="first_response", track=Track.STANDARD, subject_type="service_request"
    )
    agreement = AgreementFactory(
        company=company, status=AgreementStatus.SIGNED, free_rent_months=2, deposit=Decimal("20000")
    )
    tenancy = tenancy_services.agreement_execute(agreement=agreement, actor=staff)
    incubation = IncubationFactory(company=company, programme=programme)
    invitation, token = company_services.invitation_create(
        company=company, email=f"newcomer-{label}@example.com", role=MemberRole.MEMBER, invited_by=owner
    )
    booking = booking_services.booking_create(
        resource=bookable_room(),
        booked_by=staff,
        company=company,
        starts_at=NEXT_WEEK,
        ends_at=NEXT_WEEK + timedelta(hours=1),
    )
    series_room = bookable_room()
    series_start = (NEXT_WEEK + timedelta(hours=2)).astimezone(series_room.tzinfo).replace(tzinfo=None)
    series, _report = series_services.series_create(
        resource=series_room,
        booked_by=staff,
        company=company,
        rrule="FREQ=DAILY;COUNT=2",
        starts_at_local=series_start,
        duration_minutes=60,
    )
    waitlist_entry = WaitlistEntry.objects.create(
        resource=booking.resource,
        company=company,
        person=owner,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
    door = DoorFactory(space=SpaceFactory())
    grant = grant_create(
        person=membership.user,
        doors=[door],
        source=GrantSource.MANUAL,
        starts_at=timezone.now(),
        ends_at=None,
        created_by=staff,
        reason=f"Scoping {label}",
    )
    event = AccessEvent.objects.create(
        site=door.site,
        door=door,
        type="decision",
        decision="allow",
        reason="manual",
        person=membership.user,
        company=company,
        occurred_at=timezone.now(),
    )
    objects: dict[str, models.Model] = {
        "access-credential": credential_issue(
            person=membership.user, kind="card", uid=f"0{label}01", actor=staff
        ),
        "access-grant": grant,
        "access-event": event,
        "booking": booking,
        "booking-series": series,
        "waitlist-entry": waitlist_entry,
        "company": company,
        "membership": membership,
        "invitation": invitation,
        "application": application,
        "registration-case": case,
        "service-request": service_request,
        "sla-clock": clock,
        "agreement": agreement,
        "tenancy": tenancy,
        "incentive-grant": IncentiveGrant.objects.get(agreement=agreement),
        "incubation": incubation,
        "kpi-return": KPIReturnFactory(incubation=incubation),
        # agreement_execute told the owner
        "notification": Notification.objects.get(recipient=owner, kind="tenants.tenancy.agreement_executed"),
        "calendar-feed": feed_services.calendar_feed_create(owner=owner, scope="company", company=company)[0],
    }
    if kit is not None:
        objects.update(
            _lab_objects(kit=kit, company=company, owner=owner, member=membership.user, staff=staff)
        )
    return Side(company, owner, membership.user, objects, token)


def _access_control_objects(*, campus, building, staff) -> dict[str, models.Model]:  # type: ignore[no-untyped-def]
    """Staff-only access-control rows: a site, a door, a device driving it, a running lockdown."""
    site = Site.objects.create(campus=campus, building=building, code="scoping-hq", name="Scoping HQ")
    door = Door.objects.create(site=site, building=building, code="lobby", name="Lobby", kind=DoorKind.ENTRY)
    device = device_services.device_create(site=site, name="Lobby reader", doors=[door]).device
    lockdown = device_services.lockdown_start(site=site, started_by=staff, reason="Scoping drill")
    return {"access-site": site, "door": door, "access-device": device, "lockdown": lockdown}


@pytest.fixture
def world() -> World:
    staff = UserFactory(is_staff=True)
    campus = CampusFactory()
    building = BuildingFactory(campus=campus)
    floor = FloorFactory(building=building)
    programme = ProgrammeFactory()
    reference: dict[str, models.Model] = {
        "campus": campus,
        "zone": ZoneFactory(campus=campus),
        "building": building,
        "floor": floor,
        "feature": FeatureFactory(),
        "space": SpaceFactory(floor=floor),
        "programme": programme,
        "cohort": CohortFactory(programme=programme),
    }
    resource = Resource.objects.get(space=reference["space"])
    pool = ResourcePool.objects.create(campus=campus, code="rooms", name="Any room")
    pool.members.add(resource)
    reference.update({"resource": resource, "booking-policy": resource.policy, "resource-pool": pool})
    reference.update(_access_control_objects(campus=campus, building=building, staff=staff))
    reference.update(_lab_reference(floor=floor, staff=staff))
    return World(
        staff=staff,
        reference=reference,
        a=_side(staff=staff, programme=programme, label="A", kit=reference),
        b=_side(staff=staff, programme=programme, label="B", kit=reference),
    )


# --- the classification of every router basename ---------------------------------------------------


class Kind(StrEnum):
    COMPANY_SCOPED = "company_scoped"  # a company's people see their company's rows; staff all
    OWN_USER = "own_user"  # each user sees their own rows
    STAFF_ONLY = "staff_only"
    REFERENCE = "reference"  # any signed-in user reads; staff write
    COMPANY_FIGURES = "company_figures"  # figures (no rows) of the caller's company; checked below


@dataclass(frozen=True)
class Classified:
    kind: Kind
    # B's object (company-scoped, own-user, staff-only) or the shared reference row; None: no detail route
    obj: Callable[[World], models.Model] | None
    # A's own object of the kind, for the list and the 200 sanity checks
    own: Callable[[World], models.Model] | None = None


def _b(name: str) -> Classified:
    return Classified(Kind.COMPANY_SCOPED, lambda w: w.b.objects[name], lambda w: w.a.objects[name])


def _ref(name: str) -> Classified:
    return Classified(Kind.REFERENCE, lambda w: w.reference[name], lambda w: w.reference[name])


ENDPOINTS: dict[str, Classified] = {
    # spaces: reference data
    "campus": _ref("campus"),
    "zone": _ref("zone"),
    "building": _ref("building"),
    "floor": _ref("floor"),
    "feature": _ref("feature"),
    "space": _ref("space"),
    # bookings: reference data, and company-owned bookings
    "booking-policy": _ref("booking-policy"),
    "resource": _ref("resource"),
    "resource-pool": _ref("resource-pool"),
    "booking": _b("booking"),
    "booking-series": _b("booking-series"),
    "waitlist-entry": _b("waitlist-entry"),
    "credit-balance": Classified(Kind.COMPANY_FIGURES, None),
    # incubation reference data
    "programme": _ref("programme"),
    "cohort": _ref("cohort"),
    # the signed-in user's own notifications
    "notification": Classified(
        Kind.OWN_USER, lambda w: w.b.objects["notification"], lambda w: w.a.objects["notification"]
    ),
    # the signed-in user's own calendar feeds
    "calendar-feed": Classified(
        Kind.OWN_USER, lambda w: w.b.objects["calendar-feed"], lambda w: w.a.objects["calendar-feed"]
    ),
    # company-owned rows
    "company": _b("company"),
    "membership": _b("membership"),
    "invitation": _b("invitation"),
    "application": _b("application"),  # scoped to its applicant: B's owner applied
    "registration-case": _b("registration-case"),
    "service-request": _b("service-request"),
    "agreement": _b("agreement"),
    "tenancy": _b("tenancy"),
    "incentive-grant": _b("incentive-grant"),
    "incubation": _b("incubation"),
    "kpi-return": _b("kpi-return"),
    # staff queues and reports
    "sla-clock": Classified(Kind.STAFF_ONLY, lambda w: w.b.objects["sla-clock"]),
    "occupancy": Classified(Kind.STAFF_ONLY, None),
    "no-show-stat": Classified(Kind.STAFF_ONLY, None),
    # access control: staff only
    "access-site": Classified(Kind.STAFF_ONLY, lambda w: w.reference["access-site"]),
    "door": Classified(Kind.STAFF_ONLY, lambda w: w.reference["door"]),
    "access-device": Classified(Kind.STAFF_ONLY, lambda w: w.reference["access-device"]),
    "lockdown": Classified(Kind.STAFF_ONLY, lambda w: w.reference["lockdown"]),
    # access control: credentials, grants and door events
    "access-credential": Classified(Kind.STAFF_ONLY, lambda w: w.b.objects["access-credential"]),
    "access-grant": Classified(Kind.STAFF_ONLY, lambda w: w.b.objects["access-grant"]),
    "access-event": Classified(Kind.STAFF_ONLY, lambda w: w.b.objects["access-event"]),
    # hardware labs: reference data, company-scoped rows, staff figures
    "lab-equipment": _ref("lab-equipment"),
    "lab-course": _ref("lab-course"),
    "training-session": _ref("training-session"),
    "maintenance-window": _ref("maintenance-window"),
    "lab-qualification": _b("lab-qualification"),
    "usage-session": _b("usage-session"),
    "lab-incident": _b("lab-incident"),
    "pilot-run": _b("pilot-run"),
    "lab-utilisation": Classified(Kind.STAFF_ONLY, None),
}
SCOPED = (Kind.COMPANY_SCOPED, Kind.OWN_USER)


# --- the routes of the router ----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    basename: str
    url_name: str  # e.g. "company-suspend"
    method: str  # "get", "post", "put", "patch", "delete"
    action: str  # the viewset method: "list", "retrieve", "suspend"...
    detail: bool
    multipart: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url_name} ({self.action})"

    def url(self, obj: models.Model | None = None) -> str:
        kwargs = {"pk": obj.pk} if self.detail and obj is not None else None
        return reverse(f"api:{self.url_name}", kwargs=kwargs)


def _only_multipart(viewset: Any, action: str) -> bool:
    parsers = getattr(getattr(viewset, action), "kwargs", {}).get("parser_classes")
    return parsers is not None and JSONParser not in parsers


def api_endpoints() -> list[Endpoint]:
    """Every (route, method) of every viewset registered in the router."""
    endpoints = []
    for _prefix, viewset, basename in router.registry:
        allowed = set(getattr(viewset, "http_method_names", []))
        for route in router.get_routes(viewset):
            mapping = router.get_method_map(viewset, route.mapping)
            for method, action in mapping.items():
                if method not in allowed:
                    continue
                endpoints.append(
                    Endpoint(
                        basename=basename,
                        url_name=route.name.format(basename=basename),
                        method=method,
                        action=action,
                        detail=route.detail,
                        multipart=_only_multipart(viewset, action),
                    )
                )
    return endpoints


ALL = api_endpoints()


def _of(*kinds: Kind, detail: bool | None = None, safe: bool | None = None) -> list[Endpoint]:
    return [
        e
        for e in ALL
        if ENDPOINTS.get(e.basename, Classified(Kind.STAFF_ONLY, None)).kind in kinds
        and (detail is None or e.detail == detail)
        and (safe is None or (e.method == "get") == safe)
    ]


# --- helpers ---------------------------------------------------------------------------------------

SNAPSHOT_APPS = (
    "accounts",
    "auth",
    "bookings",
    "core",
    "notifications",
    "spaces",
    "tenants",
    "hardware_labs",
    "access_control",
)


def db_snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model (many-to-many tables included) of the apps the API writes."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for label in SNAPSHOT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def changed_tables(before: dict[str, list[dict[str, Any]]]) -> list[str]:
    after = db_snapshot()
    return [label for label in before if before[label] != after[label]]


def plausible_body(world: World) -> dict[str, Any]:
    """A body every command's input serializer accepts (extra keys are ignored)."""
    b = world.b.objects
    return {
        "reason": "Because we say so",
        "role": MemberRole.ADMIN,
        "basis": "high_tech_recognition",
        "evidence": "Certificate GR2026110001",
        "on": "2026-05-01",
        "ends_on": "2026-09-01",
        "answer": "Here it is",
        "question": "Why?",
        "override_reason": "",
        "reviewer": world.staff.pk,
        "recommendation": "approve",
        "score": 8,
        "comment": "",
        "decision": "approve",
        "note": "",
        "satisfaction": 5,
        "summary": "Changed by someone else",
        "space": b["tenancy"].tenancy_spaces.first().space_id,  # type: ignore[attr-defined]
        "item": b["tenancy"].checklists.first().items.first().pk,  # type: ignore[attr-defined]
        "cards_returned": 0,
        "kind": "business_plan",
        "status": "in_progress",
        **dict.fromkeys(MONEY_FIGURES, "1000.00"),
        **dict.fromkeys(COUNT_FIGURES, 3),
    }


def send(client: APIClient, endpoint: Endpoint, url: str, body: dict[str, Any]) -> Any:
    """The endpoint's request: GET and DELETE without a body, the others with ``body``."""
    if endpoint.method in ("get", "delete"):
        return getattr(client, endpoint.method)(url)
    if endpoint.multipart:
        return getattr(client, endpoint.method)(url, {**body, "file": pdf_file()}, format="multipart")
    return getattr(client, endpoint.method)(url, body, format="json")


def result_ids(response: Any) -> set[int]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the table covers the router -------------------------------------------------------------------


def test_every_registered_viewset_is_classified():
    # given
    registered = {basename for _prefix, _viewset, basename in router.registry}
    # then: a new viewset must be added to ENDPOINTS (and so to every check below)
    assert set(ENDPOINTS) == registered


def test_every_action_of_every_viewset_is_enumerated():
    # given
    enumerated = {(e.basename, e.action, e.method) for e in ALL}
    # then: each @action with each of its methods has a route in the checks
    for _prefix, viewset, basename in router.registry:
        for extra in viewset.get_extra_actions():
            for method in extra.mapping:
                assert (basename, extra.__name__, method) in enumerated


def test_every_collection_write_of_a_scoped_viewset_has_a_cross_company_check():
    # given
    collection = {(e.basename, e.action) for e in _of(*SCOPED, detail=False) if e.action != "list"}
    # then
    assert collection == set(COLLECTION_CHECKS)


# --- company-scoped and own-user rows ---------------------------------------------------------------


@pytest.mark.parametrize("endpoint", _of(*SCOPED, detail=True, safe=True), ids=str)
def test_another_companys_object_is_404_on_every_detail_read(world, endpoint):
    # given
    classified = ENDPOINTS[endpoint.basename]
    client = client_for(world.a.owner)
    # when
    theirs = client.get(endpoint.url(classified.obj(world)))
    ours = client.get(endpoint.url(classified.own(world)))
    # then
    assert theirs.status_code == 404, theirs.content
    assert ours.status_code == 200, ours.content


@pytest.mark.parametrize("who", ["owner", "member"])
@pytest.mark.parametrize("endpoint", _of(*SCOPED, detail=True, safe=False), ids=str)
def test_another_companys_object_is_refused_on_every_detail_write_and_nothing_changes(world, endpoint, who):
    # given
    obj = ENDPOINTS[endpoint.basename].obj(world)
    client = client_for(getattr(world.a, who))
    before = db_snapshot()
    # when
    response = send(client, endpoint, endpoint.url(obj), plausible_body(world))
    # then
    assert response.status_code in (403, 404), response.content
    assert changed_tables(before) == []


@pytest.mark.parametrize("endpoint", [e for e in _of(*SCOPED) if e.action == "list"], ids=str)
def test_no_list_shows_another_companys_objects(world, endpoint):
    # given
    classified = ENDPOINTS[endpoint.basename]
    client = client_for(world.a.owner)
    # when
    response = client.get(endpoint.url())
    filtered = client.get(endpoint.url(), {"company": world.b.company.pk})
    # then
    assert response.status_code == 200, response.content
    ids = result_ids(response)
    assert classified.own(world).pk in ids
    assert classified.obj(world).pk not in ids
    assert filtered.status_code in (200, 400), filtered.content
    if filtered.status_code == 200:
        assert classified.obj(world).pk not in result_ids(filtered)


# --- collection writes naming the other company: one check each --------------------------------------


def _refused(statuses: tuple[int, ...], body: Callable[[World], dict[str, Any]], method: str = "post") -> Any:
    """A request as A's owner that must be refused with one of ``statuses`` and change nothing."""

    def check(world: World, url: str) -> None:
        client = client_for(world.a.owner)
        before = db_snapshot()
        response = getattr(client, method)(url, body(world), format="json" if method != "get" else None)
        assert response.status_code in statuses, response.content
        assert changed_tables(before) == []

    return check


def _application_create(world: World, url: str) -> None:
    # A's owner starts a draft naming B's owner as the applicant's e-mail
    client = client_for(world.a.owner)
    response = client.post(
        url,
        {
            "company_name": "Spoof",
            "sector": world.a.objects["application"].sector.code,
            "applicant_email": world.b.owner.email,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    # B's owner does not see it (it is A's owner's application), nor may act on it
    b_client = client_for(world.b.owner)
    assert response.json()["id"] not in result_ids(b_client.get(url))
    assert (
        b_client.get(reverse("api:application-detail", kwargs={"pk": response.json()["id"]})).status_code
        == 404
    )


def _invitation_accept(world: World, url: str) -> None:
    # A's owner holds the token of B's invitation to someone else
    _refused((400,), lambda w: {"token": w.b.invitation_token})(world, url)
    assert not Membership.objects.filter(company=world.b.company, user=world.a.owner).exists()


def _notifications_read_all(world: World, url: str) -> None:
    theirs = world.b.objects["notification"]
    ours = Notification.objects.filter(recipient=world.a.owner, read_at=None).count()
    response = client_for(world.a.owner).post(url)
    assert response.status_code == 200, response.content
    assert response.json()["marked"] == ours  # A's owner's own ones only
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def _notifications_unread_count(world: World, url: str) -> None:
    ours = Notification.objects.filter(recipient=world.a.owner, read_at=None).count()
    response = client_for(world.a.owner).get(url)
    assert response.status_code == 200, response.content
    assert response.json()["unread"] == ours  # B's owner's are not counted


def _series_body(world: World) -> dict[str, Any]:
    """A weekly series on B's room, for B's company."""
    return {
        "company": world.b.company.pk,
        "resource": world.b.objects["booking"].resource_id,
        "rrule": "FREQ=WEEKLY;COUNT=2",
        "starts_at_local": (NEXT_WEEK + timedelta(hours=4)).replace(tzinfo=None).isoformat(),
        "duration_minutes": 60,
    }


def _calendar_feed_create(world: World, url: str) -> None:
    # A's owner asks for a feed of B's bookings
    feeds = CalendarFeed.objects.count()
    _refused((403,), lambda w: {"scope": "company", "company": w.b.company.pk})(world, url)
    assert CalendarFeed.objects.count() == feeds


COLLECTION_CHECKS: dict[tuple[str, str], Callable[[World, str], None]] = {
    ("booking", "create"): _refused(
        (403,),
        lambda w: {
            "company": w.b.company.pk,
            "resource": w.b.objects["booking"].resource_id,
            "starts_at": (NEXT_WEEK + timedelta(hours=2)).isoformat(),
            "ends_at": (NEXT_WEEK + timedelta(hours=3)).isoformat(),
        },
    ),
    ("booking-series", "create"): _refused((403,), lambda w: _series_body(w)),
    ("booking-series", "preview"): _refused((403,), lambda w: _series_body(w)),
    ("waitlist-entry", "create"): _refused(
        (403,),
        lambda w: {
            "company": w.b.company.pk,
            "resource": w.b.objects["booking"].resource_id,
            "starts_at": w.b.objects["booking"].starts_at.isoformat(),
            "ends_at": w.b.objects["booking"].ends_at.isoformat(),
        },
    ),
    ("invitation", "create"): _refused(
        (404,), lambda w: {"company": w.b.company.pk, "email": "spy@example.com", "role": MemberRole.ADMIN}
    ),
    ("invitation", "accept"): _invitation_accept,
    ("incubation", "create"): _refused(
        (403,),
        lambda w: {
            "company": w.b.company.pk,
            "programme": w.reference["programme"].pk,
            "admitted_on": "2026-01-01",
        },
    ),
    ("registration-case", "create"): _refused((403,), lambda w: {"company": w.b.company.pk}),
    ("service-request", "create"): _refused(
        (400,), lambda w: {"company": w.b.company.pk, "category": "facilities", "subject": "On their behalf"}
    ),
    ("service-request", "rates"): _refused(
        (403,), lambda w: {"since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:00Z"}, method="get"
    ),
    ("agreement", "create"): _refused(
        (403,),
        lambda w: {
            "company": w.b.company.pk,
            "kind": "lease",
            "starts_on": "2027-01-01",
            "ends_on": "2028-01-01",
            "monthly_rent": "1",
            "spaces": [w.reference["space"].pk],
        },
    ),
    ("application", "create"): _application_create,
    ("notification", "read_all"): _notifications_read_all,
    ("notification", "unread_count"): _notifications_unread_count,
    ("calendar-feed", "create"): _calendar_feed_create,
    ("usage-session", "check_in"): _refused(
        (403,), lambda w: {"equipment": w.reference["lab-equipment"].pk, "company": w.b.company.pk}
    ),
    ("lab-incident", "create"): _refused(
        (400,),
        lambda w: {
            "equipment": w.reference["lab-equipment"].pk,
            "session": w.b.objects["usage-session"].pk,
            "kind": "safety",
            "severity": "high",
            "description": "Smoke",
        },
    ),
    ("pilot-run", "create"): _refused(
        (403,),
        lambda w: {
            "company": w.b.company.pk,
            "lab": w.reference["lab"].pk,
            "title": "Spoof",
            "plan": "Use their slot",
            "items": [
                {
                    "equipment": w.reference["lab-equipment"].pk,
                    "operator": w.b.member.pk,
                    "starts_at": (NEXT_WEEK + timedelta(days=2)).isoformat(),
                    "ends_at": (NEXT_WEEK + timedelta(days=2, hours=1)).isoformat(),
                }
            ],
        },
    ),
}


@pytest.mark.parametrize("endpoint", [e for e in _of(*SCOPED, detail=False) if e.action != "list"], ids=str)
def test_collection_writes_naming_another_company_are_refused(world, endpoint):
    COLLECTION_CHECKS[(endpoint.basename, endpoint.action)](world, endpoint.url())


# --- a company's figures (no rows): the caller's own company only ----------------------------------


def test_company_figures_are_the_callers_own_and_another_company_is_refused(world):
    # given
    figures = [e for e in ALL if ENDPOINTS[e.basename].kind == Kind.COMPANY_FIGURES]
    assert {(e.basename, e.action, e.method) for e in figures} == {("credit-balance", "list", "get")}
    client = client_for(world.a.owner)
    for endpoint in figures:
        # when / then: A's own figures, and B's refused
        ours = client.get(endpoint.url())
        assert ours.status_code == 200, ours.content
        assert ours.json()["company"] == world.a.company.pk
        theirs = client.get(endpoint.url(), {"company": world.b.company.pk})
        assert theirs.status_code == 403, theirs.content
        assert client_for(world.staff).get(endpoint.url(), {"company": world.b.company.pk}).status_code == 200


# --- staff-only endpoints ---------------------------------------------------------------------------


def _staff_only_url(world: World, endpoint: Endpoint) -> str:
    obj = ENDPOINTS[endpoint.basename].obj
    url = endpoint.url(obj(world) if obj is not None else None)
    if endpoint.basename == "occupancy":  # its one required parameter
        url += f"?campus={world.reference['campus'].pk}"
    return url


@pytest.mark.parametrize("endpoint", _of(Kind.STAFF_ONLY), ids=str)
def test_staff_only_endpoints_are_403_for_a_company_owner(world, endpoint):
    # given
    url = _staff_only_url(world, endpoint)
    before = db_snapshot()
    # when
    response = send(client_for(world.a.owner), endpoint, url, plausible_body(world))
    # then
    assert response.status_code == 403, response.content
    assert changed_tables(before) == []
    if endpoint.method == "get":  # the same request works for staff: the 403 is the permission's
        assert client_for(world.staff).get(url).status_code == 200


# Commands only staff give, refused to a company's owner on the company's OWN objects too.
STAFF_COMMANDS_ON_OWN = [
    ("company", "suspend"), ("company", "reinstate"),
    ("agreement", "send"), ("agreement", "sign"), ("agreement", "decline"), ("agreement", "void"),
    ("agreement", "execute"),
    ("tenancy", "move_in"), ("tenancy", "give_notice"), ("tenancy", "start_move_out"), ("tenancy", "close"),
    ("tenancy", "release_space"), ("tenancy", "complete_item"),
    ("incentive-grant", "approve"), ("incentive-grant", "activate"), ("incentive-grant", "complete"),
    ("incentive-grant", "claw_back"), ("incentive-grant", "cancel"),
    ("incubation", "graduate"), ("incubation", "withdraw"),
    ("kpi-return", "verify"), ("kpi-return", "reject"),
    ("registration-case", "update_step"), ("registration-case", "cancel"),
    ("service-request", "acknowledge"), ("service-request", "start"), ("service-request", "resolve"),
    ("pilot-run", "approve"), ("pilot-run", "schedule"), ("pilot-run", "start"), ("pilot-run", "complete"),
    ("lab-incident", "resolve"), ("lab-qualification", "revoke"),
]  # fmt: skip


@pytest.mark.parametrize(("basename", "action"), STAFF_COMMANDS_ON_OWN)
def test_staff_commands_are_403_for_a_company_owner_on_their_own_objects(world, basename, action):
    # given
    endpoint = next(e for e in ALL if (e.basename, e.action) == (basename, action))
    own = ENDPOINTS[basename].own(world)
    body = {**plausible_body(world), "space": None, "item": None}
    before = db_snapshot()
    # when
    response = send(client_for(world.a.owner), endpoint, endpoint.url(own), body)
    # then
    assert response.status_code == 403, response.content
    assert changed_tables(before) == []


# --- reference data ---------------------------------------------------------------------------------


# Reference reads that need query parameters.
GET_PARAMS: dict[tuple[str, str], dict[str, str]] = {
    ("resource", "availability"): {
        "starts_at": NEXT_WEEK.isoformat(),
        "ends_at": (NEXT_WEEK + timedelta(hours=1)).isoformat(),
    },
    ("resource", "slots"): {"date": NEXT_WEEK.date().isoformat()},
}


@pytest.mark.parametrize("endpoint", _of(Kind.REFERENCE, safe=True), ids=str)
def test_reference_data_is_readable_by_any_signed_in_user(world, endpoint):
    # given
    obj = ENDPOINTS[endpoint.basename].obj(world)
    # when
    response = client_for(world.a.member).get(
        endpoint.url(obj), GET_PARAMS.get((endpoint.basename, endpoint.action), {})
    )
    # then
    assert response.status_code == 200, response.content
    if endpoint.action == "list":
        assert obj.pk in result_ids(response)


@pytest.mark.parametrize("endpoint", _of(Kind.REFERENCE, safe=False), ids=str)
def test_reference_data_is_not_writable_by_a_company_owner(world, endpoint):
    # given
    obj = ENDPOINTS[endpoint.basename].obj(world)
    before = db_snapshot()
    # when
    response = send(client_for(world.a.owner), endpoint, endpoint.url(obj), {"name": "Renamed", "code": "x"})
    # then
    assert response.status_code == 403, response.content
    assert changed_tables(before) == []


def test_the_checks_cover_every_scoped_row_kind_of_company_b(world):
    """B really has one object of each kind, and none of them is A's."""
    for basename, classified in ENDPOINTS.items():
        if classified.kind in SCOPED:
            assert classified.obj(world).pk != classified.own(world).pk, basename
    assert RegistrationCase.objects.filter(company=world.b.company).count() == 1
    assert ServiceRequest.objects.filter(company=world.b.company).count() == 1
    assert KPIReturn.objects.filter(incubation__company=world.b.company).count() == 1
    assert Invitation.objects.filter(company=world.b.company).count() == 1
    assert Application.objects.filter(applicant=world.b.owner).count() == 1


def test_an_email_alone_never_shows_another_accounts_application(world):
    # given: A's owner applied giving B's owner's e-mail; staff entered one for B's owner's e-mail
    spoofed = ApplicationFactory(applicant=world.a.owner, applicant_email=world.b.owner.email)
    entered_by_staff = ApplicationFactory(applicant=None, applicant_email=world.b.owner.email.upper())
    # when
    visible = set(Application.objects.visible_to(world.b.owner).values_list("pk", flat=True))
    # then
    assert spoofed.pk not in visible
    assert {world.b.objects["application"].pk, entered_by_staff.pk} <= visible
    assert spoofed.pk in set(Application.objects.visible_to(world.a.owner).values_list("pk", flat=True))
