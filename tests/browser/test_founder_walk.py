"""A founder's walk in a real browser, another company's founder kept out, screenshots, keyboard reach.

The issue's walk is: apply → (staff approve in the admin) → accept invitation → sign in → book a
boardroom → see it in the calendar → cancel it. The apply and invitation pages come from the other
portal branch (portal-a), so the walk is split in steps:

- ``staff_approves_in_admin`` (here, tested on its own now) approves through the real admin pages;
- ``founder_from_application`` (apply, approval, invitation) is to be written once portal-a is
  merged: ``test_new_founder_walk_from_application`` is skipped until then, not faked;
- ``book_see_cancel`` (sign in, book, calendar, cancel) runs now for a founder made in the test,
  signing in through the real sign-in page.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from bookings.models import Booking, BookingStatus, CalendarFeed
from bookings.services.bookings import booking_create
from bookings.services.feeds import calendar_feed_create
from core.calendar import working_calendar
from tests.bookings.factories import policy, resource_of, tenant
from tests.browser.conftest import DESKTOP, PHONE
from tests.spaces.factories import FeatureFactory, FloorFactory, SpaceFactory
from tests.tenants.factories_applications import application_in, lead_user

# Every transactional test in the suite restores the rows data migrations made (see tests/conftest.py):
# a plain flush would leave content types for the next restore to clash with.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "pass-word-123"  # noqa: S105 (UserFactory's test password)


def a_working_day() -> date:
    """A weekday two or more days ahead that is a working day (bookable inside the policy horizon)."""
    calendar = working_calendar()
    day = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=2)
    while day.weekday() >= 5 or not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def boardroom(name: str = "Boardroom Orion") -> Any:
    space = SpaceFactory(floor=FloorFactory(), name=name, kind="boardroom", capacity=10, is_bookable=True)
    space.features.add(FeatureFactory(code="video", name="Video conferencing"))
    return resource_of(space, policy())


def shot(page: Any, directory: Path, name: str) -> None:
    size = page.viewport_size or DESKTOP
    label = "phone" if size["width"] <= PHONE["width"] else "desktop"
    page.screenshot(path=str(directory / f"{name}-{label}.png"), full_page=True)


def sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/portal/sign-in/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/portal/")


# --- the steps -----------------------------------------------------------------------------------


def staff_approves_in_admin(page: Any, base: str, *, staff_email: str, application: Any) -> None:
    """An admissions lead signs in to the admin and approves ``application`` with the list action."""
    admin = f"{base}/{settings.ADMIN_URL}"
    page.goto(f"{admin}login/")
    page.fill("#id_username", staff_email)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(f"{admin}tenants/application/")
    page.check(f"input[name=_selected_action][value='{application.pk}']")
    page.select_option("select[name=action]", "approve")
    page.locator("button[name=index]").click()
    page.fill("#id_note", "Welcome to the park.")
    page.locator("input[type=submit][value=Confirm]").click()
    page.wait_for_selector("ul.messagelist")


def founder_from_application(page: Any, base: str) -> tuple[str, str]:
    """apply → staff approve in the admin → accept invitation; returns the founder's e-mail and password.

    To be written after portal-a is merged: fill its multi-step apply form (with a document), then
    ``staff_approves_in_admin`` (screening and reviews first, as the admin requires), give the new
    company a tenancy (the boardroom policy admits tenants only), open the invitation link from
    the sent mail and set a password on portal-a's accept page.
    """
    raise NotImplementedError("needs portal-a")


def book_see_cancel(page: Any, base: str, shots: Path | None, *, room: Any, day: date) -> Booking:
    """Signed in: find the boardroom, book it, see it in the calendar, cancel it. Returns the booking."""
    page.get_by_role("link", name="Book", exact=True).click()
    page.fill("#id_day", day.isoformat())
    page.fill("#id_starts", "10:00")
    page.fill("#id_ends", "11:00")
    page.select_option("#id_kind", "boardroom")  # a change: htmx re-renders the results
    result = page.locator("#results").get_by_role("link", name=room.name)
    result.wait_for()
    if shots:
        shot(page, shots, "01-book-search")
    result.click()
    page.wait_for_selector("#book-form")
    assert page.input_value("#id_starts") == "10:00"
    page.fill("#id_title", "Founders' sync")
    page.fill("#id_attendees", "4")
    if shots:
        shot(page, shots, "02-resource-day")
    page.locator("#book-form button[type=submit]").click()
    page.wait_for_selector("dl.facts")
    assert "Booked:" in page.inner_text(".messages")
    booking = Booking.objects.get(title="Founders' sync")
    assert booking.starts_at == datetime.combine(day, time(10), tzinfo=SHANGHAI)
    if shots:
        shot(page, shots, "03-booking")

    page.get_by_role("link", name="See it in the calendar").click()
    event = page.locator(".week .event", has_text="Founders' sync")
    event.wait_for()
    assert "10:00–11:00" in event.inner_text()
    if shots:
        shot(page, shots, "04-calendar")

    page.get_by_role("link", name="Bookings", exact=True).click()
    page.locator("form[action$='/cancel/'] button").first.click()
    page.wait_for_selector(".messages")
    assert "Cancelled:" in page.inner_text(".messages")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    page.goto(f"{base}/portal/calendar/?week={day.isoformat()}")
    assert page.locator(".week .event", has_text="Founders' sync").count() == 0
    return booking


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.skip(reason="needs portal-a: the apply and accept-invitation pages are built on that branch")
def test_new_founder_walk_from_application(page, live_server, screenshot_dir):
    room = boardroom()
    email, password = founder_from_application(page, live_server.url)
    sign_in(page, live_server.url, email, password)
    book_see_cancel(page, live_server.url, screenshot_dir, room=room, day=a_working_day())


def test_founder_signs_in_books_a_boardroom_sees_it_in_the_calendar_and_cancels_it(
    page, live_server, screenshot_dir
):
    founder, _company = tenant()
    room = boardroom()
    sign_in(page, live_server.url, founder.email)
    book_see_cancel(page, live_server.url, screenshot_dir, room=room, day=a_working_day())


def test_staff_approve_an_application_in_the_admin(page, live_server):
    lead = lead_user(is_superuser=True)  # the admin pages need model permissions too
    application = application_in("in_review")
    staff_approves_in_admin(page, live_server.url, staff_email=lead.email, application=application)
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.company is not None


def test_a_second_company_cannot_reach_the_first_companys_data_by_any_url(page, live_server):
    # given: the first company's booking and calendar feed
    first, first_company = tenant()
    room = boardroom()
    day = a_working_day()
    booking = booking_create(
        resource=room,
        booked_by=first,
        company=first_company,
        starts_at=datetime.combine(day, time(14), tzinfo=SHANGHAI),
        ends_at=datetime.combine(day, time(15), tzinfo=SHANGHAI),
        title="Secret board meeting",
    )
    feed, _token = calendar_feed_create(owner=first, scope="company", company=first_company)
    second, _second_company = tenant()
    # when: the second founder tries the first's URLs
    base = live_server.url
    sign_in(page, base, second.email)
    for path in (f"/portal/bookings/{booking.pk}/",):
        response = page.goto(f"{base}{path}")
        assert response.status == 404, path
        assert "Not Found" in page.content()
    for path in (
        f"/portal/bookings/{booking.pk}/cancel/",
        f"/portal/bookings/{booking.pk}/check-in/",
        f"/portal/calendar/feeds/{feed.pk}/revoke/",
        f"/portal/waitlist/{booking.pk}/accept/",
        f"/portal/waitlist/{booking.pk}/leave/",
    ):
        page.goto(f"{base}/portal/bookings/")
        status = page.evaluate(
            """async (path) => {
                const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
                const r = await fetch(path, {method: 'POST', headers: {'X-CSRFToken': token}});
                return r.status;
            }""",
            path,
        )
        assert status == 404, path
    for path in (
        "/portal/bookings/?scope=company",
        f"/portal/calendar/?scope=company&week={day.isoformat()}",
        "/portal/calendar/feeds/",
        "/portal/waitlist/",
    ):
        page.goto(f"{base}{path}")
        assert "Secret board meeting" not in page.content(), path
    # then: nothing of the first company's changed
    booking.refresh_from_db()
    feed.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert feed.revoked_at is None
    assert CalendarFeed.objects.count() == 1


def test_screenshots_of_the_main_pages_on_a_phone(browser, live_server, screenshot_dir):
    founder, company = tenant()
    room = boardroom()
    day = a_working_day()
    booking = booking_create(
        resource=room,
        booked_by=founder,
        company=company,
        starts_at=datetime.combine(day, time(9), tzinfo=SHANGHAI),
        ends_at=datetime.combine(day, time(10), tzinfo=SHANGHAI),
        title="Investor call",
    )
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, base, founder.email)
        pages = {
            "01-book-search": f"/portal/book/?day={day}&starts=10:00&ends=11:00",
            "02-resource-day": f"/portal/book/resources/{room.pk}/?day={day}",
            "03-booking": f"/portal/bookings/{booking.pk}/",
            "04-calendar": f"/portal/calendar/?week={day}",
            "05-bookings": "/portal/bookings/",
            "06-feeds": "/portal/calendar/feeds/",
            "07-access": "/portal/access/",
        }
        for name, path in pages.items():
            response = page.goto(f"{base}{path}")
            assert response.status == 200, path
            # nothing wider than the phone: no sideways scrolling of the page itself
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            shot(page, screenshot_dir, name)
        page.set_viewport_size(DESKTOP)
        for name in ("05-bookings", "06-feeds", "07-access"):
            page.goto(f"{base}{pages[name]}")
            shot(page, screenshot_dir, name)
    finally:
        context.close()
    assert len(list(screenshot_dir.glob("*-phone.png"))) >= 7


def test_the_booking_page_controls_are_reachable_by_keyboard(page, live_server):
    founder, _company = tenant()
    boardroom()
    base = live_server.url
    sign_in(page, base, founder.email)
    page.goto(f"{base}/portal/book/?day={a_working_day()}&starts=10:00&ends=11:00")
    page.locator("#results a").first.wait_for()
    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => { const e = document.activeElement;
                    return e.id || e.getAttribute('name') || (e.tagName + ':' + e.textContent.trim()); }"""
            )
        )
    for control in (
        "id_day",
        "id_starts",
        "id_ends",
        "id_kind",
        "id_building",
        "id_capacity",
        "id_features_0",
    ):
        assert control in reached, (control, reached)
    assert "BUTTON:Find" in reached, reached
    assert any(r.startswith("A:") and "Boardroom Orion" in r for r in reached), reached
    assert reached[0] == "A:Skip to content"
    # and the skip link takes the keyboard to the main content
    page.goto(f"{base}/portal/book/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
