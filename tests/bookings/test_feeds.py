"""Calendar feeds: created through the API with the URL shown once, valid RFC 5545 with VTIMEZONE, the
right events per scope (resource feeds show busy blocks only), revocable, 404 for unknown tokens, constant
queries."""

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from bookings.models import CalendarFeed, FeedScope
from bookings.services import bookings as services
from bookings.services import feeds
from tenants.models import MemberRole, Membership
from tenants.services.companies import membership_end
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, at, room, tenant

pytestmark = pytest.mark.django_db


def book(resource, user, hh, **kw):  # type: ignore[no-untyped-def]
    return services.booking_create(
        resource=resource, booked_by=user, starts_at=at(MONDAY, hh), ends_at=at(MONDAY, hh, 30), now=NOW, **kw
    )


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def create_feed(user, **body):  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("api:calendar-feed-list"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def fetch(url: str):  # type: ignore[no-untyped-def]
    """GET the feed as an anonymous calendar app."""
    path = url[url.index("/calendar/") :]
    with time_machine.travel(NOW, tick=False):
        return Client().get(path)


def parsed(response) -> Calendar:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def uids(cal: Calendar) -> set[str]:
    return {str(e["UID"]).split("@")[0] for e in cal.walk("VEVENT")}


def test_person_feed_is_valid_icalendar_with_the_persons_bookings():
    # given: my two bookings, one cancelled, and a colleague's
    me, company = tenant()
    colleague, _ = tenant(company, role=MemberRole.MEMBER)
    resource = room()
    mine = book(resource, me, 9)
    cancelled = book(resource, me, 10)
    services.booking_cancel(booking=cancelled, actor=me, now=NOW)
    book(resource, colleague, 11)
    # when
    created = create_feed(me, scope="person")
    response = fetch(created["url"])
    # then: the URL is shown once (the list does not repeat it), the feed parses and has my live booking
    assert created["url"].startswith("http")
    assert "/calendar/" in created["url"]
    listed = client_for(me).get(reverse("api:calendar-feed-list")).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    assert "url" not in listed[0]
    cal = parsed(response)
    assert cal["VERSION"] == "2.0"
    assert "METHOD" not in cal
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert uids(cal) == {f"booking-{mine.pk}"}
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTART") == at(MONDAY, 9)
    assert str(event["LOCATION"]).startswith(resource.name)
    feed = CalendarFeed.objects.get(pk=created["id"])
    assert feed.last_fetched_at == NOW
    # only the hash of the token is stored
    token = created["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert feed.token_hash == feeds.feed_token_hash(token)
    assert token not in feed.token_hash


def test_company_feed_lists_the_companys_bookings_while_the_owner_is_a_member():
    # given
    owner, company = tenant()
    admin, _ = tenant(company, role=MemberRole.ADMIN)
    member, _ = tenant(company, role=MemberRole.MEMBER)
    outsider, _ = tenant()
    resource = room()
    ours = {book(resource, owner, 9).pk, book(resource, member, 10).pk}
    book(resource, outsider, 11)
    created = create_feed(member, scope="company", company=company.pk)
    # when
    cal = parsed(fetch(created["url"]))
    # then
    assert uids(cal) == {f"booking-{pk}" for pk in ours}
    # when: the feed's owner leaves the company
    membership_end(membership=Membership.objects.get(user=member), actor=owner)
    # then: the URL no longer answers
    assert fetch(created["url"]).status_code == 404
    assert admin  # the other managers are untouched


def test_company_feed_of_another_company_is_refused():
    # given
    me, _ = tenant()
    _other_owner, other = tenant()
    # when
    response = client_for(me).post(
        reverse("api:calendar-feed-list"), {"scope": "company", "company": other.pk}, format="json"
    )
    # then
    assert response.status_code == 403, response.content
    assert not CalendarFeed.objects.exists()


def test_feed_input_errors_are_400_with_a_code():
    me, _ = tenant()
    client = client_for(me)
    url = reverse("api:calendar-feed-list")
    no_resource = client.post(url, {"scope": "resource"}, format="json")
    bad_scope = client.post(url, {"scope": "everything"}, format="json")
    assert no_resource.status_code == 400
    assert no_resource.json()["errors"]["resource"][0]["code"] == "required"
    assert bad_scope.status_code == 400
    assert not CalendarFeed.objects.exists()


def test_resource_feed_shows_busy_blocks_without_personal_details():
    # given
    me, _ = tenant()
    someone, _ = tenant()
    resource = room()
    theirs = book(resource, someone, 9, title="Secret merger talks")
    book(room(), someone, 10)  # another resource
    created = create_feed(me, scope="resource", resource=resource.pk)
    # when
    response = fetch(created["url"])
    # then
    cal = parsed(response)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]).startswith(f"booking-{theirs.pk}@")
    assert str(event["SUMMARY"]) == "Busy"
    assert "LOCATION" not in event
    assert "ATTENDEE" not in event
    assert b"Secret merger" not in response.content
    assert someone.email.encode() not in response.content
    assert event.decoded("DTEND") == at(MONDAY, 9, 30)


def test_revoked_and_unknown_tokens_are_404_and_revoking_is_the_owners():
    # given
    me, _ = tenant()
    book(room(), me, 9)
    created = create_feed(me, scope="person")
    url = reverse("api:calendar-feed-revoke", kwargs={"pk": created["id"]})
    # when: someone else tries to revoke it
    stranger = client_for(UserFactory()).post(url)
    # then
    assert stranger.status_code == 404
    assert fetch(created["url"]).status_code == 200
    # when: the owner revokes it, twice
    first = client_for(me).post(url)
    second = client_for(me).post(url)
    # then
    assert first.status_code == second.status_code == 200
    assert first.json()["revoked_at"] == second.json()["revoked_at"] is not None
    assert fetch(created["url"]).status_code == 404
    assert Client().get("/calendar/not-a-real-token.ics").status_code == 404
    assert Client().get(created["url"][created["url"].index("/calendar/") :] + "x").status_code == 404


def test_feed_of_an_inactive_owner_is_404():
    me, _ = tenant()
    created = create_feed(me, scope="person")
    me.is_active = False
    me.save()
    assert fetch(created["url"]).status_code == 404


def _feed_queries(url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert fetch(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("scope", [FeedScope.PERSON, FeedScope.COMPANY, FeedScope.RESOURCE])
def test_each_feed_runs_a_constant_number_of_queries(scope):
    # given: a feed over 3 bookings, then over 12
    owner, company = tenant()
    resources = [room() for _ in range(4)]
    body = {"scope": scope, "company": company.pk if scope == FeedScope.COMPANY else None}
    if scope == FeedScope.RESOURCE:
        body["resource"] = resources[0].pk
    created = create_feed(owner, **body)
    for hh in (8, 9, 10):
        book(resources[0], owner, hh)
    few = _feed_queries(created["url"])
    for i, hh in enumerate(range(11, 20)):
        book(resources[0] if scope == FeedScope.RESOURCE else resources[i % 4], owner, hh)
    # when
    many = _feed_queries(created["url"])
    cal = parsed(fetch(created["url"]))
    # then
    assert few == many <= 4
    assert len(cal.walk("VEVENT")) == 12


def test_feed_list_runs_a_constant_number_of_queries():
    me, _ = tenant()
    for _ in range(3):
        create_feed(me, scope="person")
    client = client_for(me)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("api:calendar-feed-list"))
    for _ in range(17):
        create_feed(me, scope="person")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("api:calendar-feed-list"))
    assert response.json()["count"] == 20
    assert len(few.captured_queries) == len(many.captured_queries)


def test_feed_admin_lists_feeds_and_staff_revoke_a_leaked_one(client, staff_user):
    # given
    me, _ = tenant()
    created = create_feed(me, scope="person")
    other = create_feed(me, scope="person")
    client.force_login(staff_user)
    url = reverse("admin:bookings_calendarfeed_changelist")
    # when
    listed = client.get(url)
    revoked = client.post(url, {"action": "revoke", "_selected_action": [created["id"]]})
    # then
    assert listed.status_code == 200
    assert revoked.status_code == 302
    assert fetch(created["url"]).status_code == 404
    assert fetch(other["url"]).status_code == 200
    assert client.get(reverse("admin:bookings_calendarfeed_add")).status_code == 403
