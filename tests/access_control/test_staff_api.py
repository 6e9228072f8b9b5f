"""Staff API of credentials, grants and door events: staff only, through the services, the identifier
never shown, derived sources refused, events cursor-paged, lists in a constant number of queries."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access_control.models import AccessEvent, AccessGrant, Credential, GrantSource, SiteChange
from access_control.services.credentials import credential_issue
from access_control.services.decisions import decide
from access_control.services.grants import grant_create
from config.api import router
from tenants.models import MemberRole
from tests.access_control.factories import DoorFactory
from tests.accounts.factories import UserFactory
from tests.spaces.factories import SpaceFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BASENAMES = ("access-credential", "access-grant", "access-event")


@pytest.fixture
def door():  # type: ignore[no-untyped-def]
    return DoorFactory(space=SpaceFactory())


def _url(name: str, pk: int | None = None) -> str:
    return reverse(f"api:{name}", kwargs={"pk": pk} if pk is not None else None)


def _grant(person, door, staff, **kw):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return grant_create(
        person=person,
        doors=[door],
        source=kw.get("source", GrantSource.MANUAL),
        starts_at=kw.get("starts_at", now - timedelta(hours=1)),
        ends_at=kw.get("ends_at"),
        created_by=staff,
        reason="Contractor",
        company=kw.get("company"),
    )


def _routes() -> list[tuple[str, str, str, bool]]:
    """(basename, url name, method, detail) of every route of the three viewsets."""
    out = []
    for _prefix, viewset, basename in router.registry:
        if basename not in BASENAMES:
            continue
        for route in router.get_routes(viewset):
            for method in router.get_method_map(viewset, route.mapping):
                if method in viewset.http_method_names:
                    out.append((basename, route.name.format(basename=basename), method, route.detail))
    return out


ROUTES = _routes()


def test_the_three_viewsets_have_the_expected_routes():
    names = {(name, method) for _b, name, method, _d in ROUTES}
    assert {
        ("access-credential-list", "get"),
        ("access-credential-list", "post"),
        ("access-credential-detail", "get"),
        ("access-credential-suspend", "post"),
        ("access-credential-reinstate", "post"),
        ("access-credential-revoke", "post"),
        ("access-grant-list", "get"),
        ("access-grant-list", "post"),
        ("access-grant-detail", "get"),
        ("access-grant-revoke", "post"),
        ("access-event-list", "get"),
        ("access-event-detail", "get"),
    } == names


@pytest.mark.parametrize(("basename", "name", "method", "detail"), ROUTES, ids=lambda v: str(v))
def test_every_route_is_403_for_a_company_founder(staff_user, door, basename, name, method, detail):
    # given: a founder (owner of a company), and one object of each kind
    company = CompanyFactory()
    founder = MembershipFactory(company=company, role=MemberRole.OWNER).user
    credential = credential_issue(person=founder, kind="card", uid="A1B2", actor=staff_user)
    grant = _grant(founder, door, staff_user, company=company)
    event = AccessEvent.objects.create(
        site=door.site, door=door, type="decision", decision="allow", person=founder,
        occurred_at=timezone.now(),
    )  # fmt: skip
    obj = {"access-credential": credential, "access-grant": grant, "access-event": event}[basename]
    client = APIClient()
    client.force_authenticate(founder)
    body = {"person": founder.pk, "kind": "card", "uid": "FFFF", "source": "manual", "doors": [door.pk],
            "reason": "mine"}  # fmt: skip
    counts = (Credential.objects.count(), AccessGrant.objects.count(), SiteChange.objects.count())
    # when
    url = _url(name, obj.pk if detail else None)
    response = client.get(url) if method == "get" else client.post(url, body, format="json")
    # then
    assert response.status_code == 403, response.content
    assert (Credential.objects.count(), AccessGrant.objects.count(), SiteChange.objects.count()) == counts
    credential.refresh_from_db()
    grant.refresh_from_db()
    assert (credential.status, grant.revoked_at) == ("active", None)


# --- credentials ----------------------------------------------------------------------------------------


def test_issue_answers_the_label_only_and_the_credential_opens_once_granted(staff_client, staff_user, door):
    # given
    person = UserFactory()
    # when
    response = staff_client.post(
        _url("access-credential-list"),
        {"person": person.pk, "kind": "card", "uid": "04:a1:b2:c3"},
        format="json",
    )
    # then: only the label is shown, anywhere
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "B2C3"
    assert "identifier" not in response.json()
    assert "uid" not in response.json()
    for body in (
        response.content,
        staff_client.get(_url("access-credential-detail", response.json()["id"])).content,
        staff_client.get(_url("access-credential-list")).content,
    ):
        assert b"04A1B2C3" not in body
        assert b"04:a1" not in body
    now = timezone.now()
    assert decide(door=door, kind="card", uid="04A1B2C3", at=now).reason == "no_grant_for_door"
    # and once a grant exists the credential opens the door
    _grant(person, door, staff_user)
    assert decide(door=door, kind="card", uid="04A1B2C3", at=now).allowed


def test_suspend_denies_credential_inactive_and_reinstate_restores(staff_client, staff_user, door):
    # given
    person = UserFactory()
    credential = credential_issue(person=person, kind="card", uid="C0FFEE", actor=staff_user)
    _grant(person, door, staff_user)
    now = timezone.now()
    assert decide(door=door, kind="card", uid="C0FFEE", at=now).allowed
    # when
    response = staff_client.post(
        _url("access-credential-suspend", credential.pk), {"reason": "Lost"}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    assert decide(door=door, kind="card", uid="C0FFEE", at=now).reason == "credential_inactive"
    # and suspending again is refused with a code
    again = staff_client.post(_url("access-credential-suspend", credential.pk), {}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "transition_not_allowed"
    # reinstate opens again; revoke ends it for good
    assert staff_client.post(_url("access-credential-reinstate", credential.pk)).status_code == 200
    assert decide(door=door, kind="card", uid="C0FFEE", at=now).allowed
    revoked = staff_client.post(
        _url("access-credential-revoke", credential.pk), {"reason": "Left"}, format="json"
    )
    assert revoked.json()["status"] == "revoked"
    assert decide(door=door, kind="card", uid="C0FFEE", at=now).reason == "credential_inactive"
    reinstate = staff_client.post(_url("access-credential-reinstate", credential.pk))
    assert (reinstate.status_code, reinstate.json()["code"]) == (400, "transition_not_allowed")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"kind": "card", "uid": ""}, "uid", "blank"),
        ({"kind": "card", "uid": "XYZ!"}, "uid", "invalid"),
        ({"kind": "badge", "uid": "ABCD"}, "kind", "invalid_choice"),
        ({"kind": "card"}, "uid", "required"),
        (
            {
                "kind": "card",
                "uid": "ABCD",
                "valid_from": "2026-02-01T00:00Z",
                "valid_until": "2026-01-01T00:00Z",
            },
            "valid_until",
            "invalid_range",
        ),
        ({"kind": "card", "uid": "ABCD", "person": 999999}, "person", "does_not_exist"),
    ],
)
def test_issue_bad_input_is_400_with_codes(staff_client, body, field, code):
    # given
    person = UserFactory()
    # when
    response = staff_client.post(_url("access-credential-list"), {"person": person.pk, **body}, format="json")
    # then
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field][0]["code"] == code
    assert not Credential.objects.exists()


def test_a_qr_credential_is_issued_without_a_uid_and_its_seed_is_never_answered(staff_client):
    # given
    person = UserFactory()
    # when
    response = staff_client.post(
        _url("access-credential-list"), {"person": person.pk, "kind": "qr"}, format="json"
    )
    # then
    assert response.status_code == 201, response.content
    credential = Credential.objects.get(person=person)
    assert (credential.kind, credential.label, len(credential.identifier)) == ("qr", "", 40)
    assert credential.identifier not in response.content.decode()


def test_issuing_a_live_identifier_again_is_refused(staff_client, staff_user):
    # given
    credential_issue(person=UserFactory(), kind="card", uid="ABCD", actor=staff_user)
    # when
    response = staff_client.post(
        _url("access-credential-list"),
        {"person": UserFactory().pk, "kind": "card", "uid": "ab:cd"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["errors"]["uid"][0]["code"] == "credential_taken"
    assert Credential.objects.count() == 1


def test_credential_filters(staff_client, staff_user):
    # given
    alice, bob = UserFactory(), UserFactory()
    card = credential_issue(person=alice, kind="card", uid="AAAA", actor=staff_user)
    pin = credential_issue(person=alice, kind="pin", uid="1234", actor=staff_user)
    other = credential_issue(person=bob, kind="card", uid="BBBB", actor=staff_user)
    staff_client.post(_url("access-credential-suspend", pin.pk))

    def ids(query: str) -> set[int]:
        return {
            row["id"] for row in staff_client.get(_url("access-credential-list") + query).json()["results"]
        }

    # then
    assert ids(f"?person={alice.pk}") == {card.pk, pin.pk}
    assert ids("?kind=card") == {card.pk, other.pk}
    assert ids("?status=suspended") == {pin.pk}
    assert staff_client.get(_url("access-credential-list") + "?status=lost").status_code == 400


# --- grants ---------------------------------------------------------------------------------------------


def test_manual_grant_create_and_revoke_change_the_decision_and_the_change_log(
    staff_client, staff_user, door
):
    # given
    person = UserFactory()
    credential_issue(person=person, kind="card", uid="DEAD", actor=staff_user)
    now = timezone.now()
    before = SiteChange.objects.filter(site=door.site).count()
    assert decide(door=door, kind="card", uid="DEAD", at=now).reason == "no_grant_for_door"
    # when
    response = staff_client.post(
        _url("access-grant-list"),
        {
            "person": person.pk,
            "source": "visitor",
            "doors": [door.pk],
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
            "reason": "Supplier visit",
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["doors"], body["created_by"]) == ("visitor", [door.pk], staff_user.pk)
    assert decide(door=door, kind="card", uid="DEAD", at=now).reason == "visitor"
    after_create = SiteChange.objects.filter(site=door.site).count()
    assert after_create > before
    assert SiteChange.objects.filter(site=door.site).order_by("-v").first().op == "upsert"
    # when revoked
    revoked = staff_client.post(
        _url("access-grant-revoke", body["id"]), {"reason": "Visit over"}, format="json"
    )
    # then
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["revoked_at"] is not None
    assert decide(door=door, kind="card", uid="DEAD", at=timezone.now()).reason == "no_grant_for_door"
    assert SiteChange.objects.filter(site=door.site).count() > after_create
    assert SiteChange.objects.filter(site=door.site).order_by("-v").first().op == "delete"
    # and revoking again is refused with a code
    again = staff_client.post(_url("access-grant-revoke", body["id"]), {}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "grant_revoked")


@pytest.mark.parametrize("source", ["tenancy", "booking", "lab"])
def test_derived_sources_are_refused(staff_client, door, source):
    # when
    response = staff_client.post(
        _url("access-grant-list"),
        {"person": UserFactory().pk, "source": source, "doors": [door.pk], "reason": "Because"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["errors"]["source"][0]["code"] == "source_derived"
    assert not AccessGrant.objects.exists()
    assert not SiteChange.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"doors": []}, "doors", "required"),
        ({"reason": "  "}, "reason", "required"),
        ({"doors": [999999]}, "doors", "does_not_exist"),
        ({"source": "friend"}, "source", "invalid_choice"),
        ({"schedule": "nights"}, "schedule", "invalid_choice"),
        ({"starts_at": "2026-02-01T00:00Z", "ends_at": "2026-01-01T00:00Z"}, "ends_at", "invalid_range"),
    ],
)
def test_grant_bad_input_is_400_with_codes(staff_client, door, body, field, code):
    # given
    good = {"person": UserFactory().pk, "source": "manual", "doors": [door.pk], "reason": "Contractor"}
    # when
    response = staff_client.post(_url("access-grant-list"), {**good, **body}, format="json")
    # then
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field][0]["code"] == code
    assert not AccessGrant.objects.exists()


def test_grant_filters(staff_client, staff_user, door):
    # given
    company = CompanyFactory()
    other_door = DoorFactory(space=SpaceFactory())
    alice, bob = UserFactory(), UserFactory()
    now = timezone.now()
    live = _grant(alice, door, staff_user, company=company)
    future = _grant(alice, other_door, staff_user, starts_at=now + timedelta(days=1), source="staff")
    ended = _grant(bob, door, staff_user, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    revoked = _grant(bob, other_door, staff_user, source="visitor")
    staff_client.post(_url("access-grant-revoke", revoked.pk), {"reason": "x"}, format="json")

    def ids(query: str) -> set[int]:
        return {row["id"] for row in staff_client.get(_url("access-grant-list") + query).json()["results"]}

    # then
    assert ids(f"?person={alice.pk}") == {live.pk, future.pk}
    assert ids(f"?company={company.pk}") == {live.pk}
    assert ids("?source=visitor") == {revoked.pk}
    assert ids(f"?door={door.pk}") == {live.pk, ended.pk}
    assert ids("?active=true") == {live.pk}
    assert ids("?active=false") == {future.pk, ended.pk, revoked.pk}
    assert staff_client.get(_url("access-grant-detail", live.pk)).json()["doors"] == [door.pk]


# --- events ---------------------------------------------------------------------------------------------


def _events(n: int, door, **kw):  # type: ignore[no-untyped-def]
    base = kw.pop("at", timezone.now())
    return [
        AccessEvent.objects.create(
            site=door.site,
            door=door,
            type=kw.get("type", "decision"),
            decision=kw.get("decision", "allow"),
            person=kw.get("person"),
            company=kw.get("company"),
            occurred_at=base - timedelta(seconds=i // 2),  # pairs share a second: the id breaks the tie
        )
        for i in range(n)
    ]


def test_events_cursor_paging_follows_next_without_duplicates(staff_client, door):
    # given
    events = _events(7, door)
    expected = [e.pk for e in sorted(events, key=lambda e: (e.occurred_at, e.pk), reverse=True)]
    # when
    seen: list[int] = []
    url: str | None = _url("access-event-list") + "?page_size=3"
    pages = 0
    while url:
        body = staff_client.get(url).json()
        assert "count" not in body  # a cursor page, not a numbered one
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
            assert "cursor=" in parts.query
        pages += 1
    # then: newest first, each once
    assert pages == 3
    assert seen == expected


def test_events_filters(staff_client, door):
    # given
    other = DoorFactory(space=SpaceFactory())
    person, company = UserFactory(), CompanyFactory()
    now = timezone.now()
    mine = _events(1, door, person=person, company=company, at=now - timedelta(hours=2))[0]
    denied = _events(1, door, decision="deny", at=now - timedelta(hours=1))[0]
    forced = _events(1, other, type="door_forced", decision="", at=now)[0]

    def ids(query: str) -> set[int]:
        return {row["id"] for row in staff_client.get(_url("access-event-list") + query).json()["results"]}

    # then
    assert ids(f"?door={door.pk}") == {mine.pk, denied.pk}
    assert ids(f"?person={person.pk}") == {mine.pk}
    assert ids(f"?company={company.pk}") == {mine.pk}
    assert ids("?decision=deny") == {denied.pk}
    assert ids("?type=door_forced") == {forced.pk}
    after = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"?occurred_after={after}") == {denied.pk, forced.pk}
    assert ids(f"?occurred_before={after}") == {mine.pk}
    assert staff_client.get(_url("access-event-list") + "?occurred_after=yesterday").status_code == 400
    detail = staff_client.get(_url("access-event-detail", mine.pk)).json()
    assert (detail["door_name"], detail["person_email"], detail["company_name"]) == (
        door.name,
        person.email,
        company.name,
    )


# --- constant queries -----------------------------------------------------------------------------------


def _make(kind: str, n: int, staff, door) -> None:  # type: ignore[no-untyped-def]
    company = CompanyFactory()
    for i in range(n):
        person = UserFactory()
        if kind == "access-credential":
            credential_issue(person=person, kind="card", uid=f"{i + 1:04X}{n:02X}", actor=staff)
        elif kind == "access-grant":
            _grant(person, door, staff, company=company)
        else:
            _events(1, door, person=person, company=company)


def _queries(client: APIClient, name: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(name))
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("basename", BASENAMES)
def test_lists_take_a_constant_number_of_queries(staff_client, staff_user, basename):
    # given three rows
    door = DoorFactory(space=SpaceFactory())
    _make(basename, 3, staff_user, door)
    few, rows = _queries(staff_client, f"{basename}-list")
    assert rows == 3
    # when there are twenty
    _make(basename, 17, staff_user, DoorFactory(space=SpaceFactory()))
    many, rows = _queries(staff_client, f"{basename}-list")
    # then
    assert rows == 20
    assert many == few
