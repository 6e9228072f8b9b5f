"""Portal calendar: the week view (Mon–Sun, Shanghai time) and the iCalendar subscription links."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import CalendarFeed, FeedScope
from bookings.services.bookings import booking_cancel, booking_create
from tests.bookings.factories import tenant
from tests.portal.a11y import assert_accessible
from tests.portal.book_world import MONDAY, at

pytestmark = pytest.mark.django_db


def book(world, day, hour, who=None):  # type: ignore[no-untyped-def]
    return booking_create(
        resource=world.boardroom,
        booked_by=who or world.founder,
        company=world.company,
        starts_at=at(day, hour),
        ends_at=at(day, hour + 1),
        title=f"Meeting {day:%d} {hour}",
    )


def test_week_view_places_bookings_on_their_local_day_and_time(client, world):
    # given: 08:00 Monday in Shanghai is 00:00 UTC; a UTC calendar would still say Monday,
    # but 07:00 on Tuesday (Shanghai) is 23:00 on Monday in UTC
    book(world, MONDAY, 8)
    book(world, MONDAY + timedelta(days=1), 19)
    client.force_login(world.founder)
    # when
    response = client.get(reverse("portal:calendar"), {"week": (MONDAY + timedelta(days=3)).isoformat()})
    page = response.content.decode()
    # then
    assert response.status_code == 200
    assert "2027-03-01 – 2027-03-07" in page
    assert "08:00–09:00" in page
    assert "19:00–20:00" in page
    monday, tuesday = page.index('id="day-1"'), page.index('id="day-2"')
    assert monday < page.index("Meeting 01 8") < tuesday < page.index("Meeting 02 19")
    assert f"week={(MONDAY - timedelta(days=7)).isoformat()}" in page
    assert f"week={(MONDAY + timedelta(days=7)).isoformat()}" in page
    assert_accessible(response)


def test_week_view_mine_or_the_company_and_cancelled_ones_leave(client, world):
    colleague, _ = tenant(company=world.company, role="member")
    mine = book(world, MONDAY, 9)
    book(world, MONDAY, 11, who=colleague)
    client.force_login(world.founder)
    url = reverse("portal:calendar")
    week = {"week": MONDAY.isoformat()}
    page = client.get(url, {**week, "scope": "mine"}).content.decode()
    assert "Meeting 01 9" in page
    assert "Meeting 01 11" not in page
    page = client.get(url, {**week, "scope": "company"}).content.decode()
    assert "Meeting 01 11" in page
    booking_cancel(booking=mine, actor=world.founder)
    assert "Meeting 01 9" not in client.get(url, week).content.decode()


def test_week_view_of_another_company_shows_none_of_ours(client, world):
    book(world, MONDAY, 9)
    outsider, _ = tenant()
    client.force_login(outsider)
    page = client.get(reverse("portal:calendar"), {"week": MONDAY.isoformat(), "scope": "company"})
    assert "Meeting 01 9" not in page.content.decode()


def test_week_view_runs_constant_queries(client, world):
    client.force_login(world.founder)
    params = {"week": MONDAY.isoformat(), "scope": "company"}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:calendar"), params).status_code == 200
        return len(ctx.captured_queries)

    book(world, MONDAY, 9)
    few = count()
    for day in range(5):
        for hour in (10, 12, 14):
            book(world, MONDAY + timedelta(days=day), hour)
    assert count() == few


def test_a_bad_week_falls_back_to_this_week(client, world):
    client.force_login(world.founder)
    response = client.get(reverse("portal:calendar"), {"week": "soon", "scope": "everyone"})
    assert response.status_code == 200
    assert "2027-02-22 – 2027-02-28" in response.content.decode()  # the clock says Friday 26 February


def test_feed_url_is_shown_once_and_serves_the_bookings(client, world):
    book(world, MONDAY, 9)
    client.force_login(world.founder)
    response = client.post(reverse("portal:calendar-feeds"), {"scope": "company"})
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    feed = CalendarFeed.objects.get()
    assert (feed.scope, feed.company, feed.owner) == (FeedScope.COMPANY, world.company, world.founder)
    field = page[page.index('id="feed-url"') :]
    url = field[field.index('value="') + 7 : field.index('"', field.index('value="') + 7)]
    assert url.endswith(".ics")
    path = url[url.index("/calendar/") :]
    assert_accessible(response)
    # the URL works without a session, and is not shown again
    client.logout()
    ics = client.get(path)
    assert ics.status_code == 200
    assert b"Meeting 01 9" in ics.content
    client.force_login(world.founder)
    assert path not in client.get(reverse("portal:calendar-feeds")).content.decode()


def test_feed_revoke_and_others_feeds_are_404(client, world):
    client.force_login(world.founder)
    client.post(reverse("portal:calendar-feeds"), {"scope": "person"})
    feed = CalendarFeed.objects.get()
    outsider, _ = tenant()
    client.force_login(outsider)
    assert client.post(reverse("portal:calendar-feed-revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
    client.force_login(world.founder)
    response = client.post(reverse("portal:calendar-feed-revoke", args=[feed.pk]))
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None


def test_feed_list_runs_constant_queries(client, world):
    client.force_login(world.founder)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:calendar-feeds")).status_code == 200
        return len(ctx.captured_queries)

    client.post(reverse("portal:calendar-feeds"), {"scope": "person"})
    few = count()
    for scope in ("person", "company", "company", "person"):
        client.post(reverse("portal:calendar-feeds"), {"scope": scope})
    assert count() == few


def test_feed_with_a_bad_scope_writes_nothing(client, world):
    client.force_login(world.founder)
    response = client.post(reverse("portal:calendar-feeds"), {"scope": "resource"}, follow=True)
    assert not CalendarFeed.objects.exists()
    assert "message error" in response.content.decode()
