"""A founder's walk in a real browser, another company's founder kept out, screenshots, keyboard reach.

The issue's walk is: apply → (staff approve in the admin) → accept invitation → sign in → book a
boardroom → see it in the calendar → cancel it. It is split in steps, each used on its own too:

- ``sign_up_and_apply``: a new founder makes an account and goes through the multi-step apply
  form, uploading a business plan;
- ``staff_approves_in_admin`` approves through the real admin pages;
- ``founder_from_application``: apply, the park's screening and review, the admin approval, and
  the approval e-mail (the owner's invitation to the portal) whose link the founder opens;
- ``owner_invites_from_team_page``: the signed-in owner invites a co-founder from the Team page;
- ``cofounder_accepts_invitation``: the co-founder opens the invitation e-mail's link, chooses a
  name and a password, accepts, and signs in again with them;
- ``book_see_cancel`` (book, calendar, cancel) for a signed-in founder.

Approval makes the applicant the owner directly, so the walk's invitation is the one a founder's
team gets: the owner invites the co-founder, who accepts in the browser and does the booking.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from bookings.models import Booking, BookingStatus, CalendarFeed
from bookings.services.bookings import booking_create
from bookings.services.feeds import calendar_feed_create
from core.calendar import working_calendar
from tenants.models import (
    AgreementKind,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Invitation,
    MemberRole,
    Tenancy,
    TenancyStatus,
)
from tenants.services import applications as services
from tests.accounts.factories import UserFactory
from tests.bookings.factories import policy, resource_of, tenant
from tests.browser.conftest import DESKTOP, PHONE
from tests.spaces.factories import FeatureFactory, FloorFactory, SpaceFactory
from tests.tenants.factories import SectorFactory
from tests.tenants.factories_applications import PDF_BYTES, application_in, lead_user
from tests.tenants.factories_tenancy import AgreementFactory

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
    sign_in_here(page, base, email, password)


def sign_in_here(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Fill the sign-in page the browser is on; it lands on the company home."""
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


def sign_up_and_apply(page: Any, base: str, shots: Path | None, *, email: str, sector: Any) -> Application:
    """A new founder makes an account and applies through the multi-step form, uploading a document."""
    page.goto(f"{base}/portal/sign-in/")
    page.get_by_role("link", name="Create an account to apply").click()
    page.fill("#id_full_name", "Lin Yue")
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_preferred_language", "en")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/portal/apply/")
    page.get_by_role("link", name="Start a new application").click()
    # company
    page.wait_for_selector("#id_company_name")
    assert page.input_value("#id_applicant_name") == "Lin Yue"
    page.fill("#id_applicant_phone", "13900000000")
    page.fill("#id_company_name", "Nebula Sensors")
    page.fill("#id_company_name_zh", "星云传感")
    page.select_option("#id_sector", str(sector.pk))
    page.fill("#id_founded_on", (timezone.localdate() - timedelta(days=200)).isoformat())
    page.fill("#id_team_size", "4")
    page.select_option("#id_funding_stage", "seed")
    page.fill("#id_summary", "Low-power air quality sensors for offices.")
    if shots:
        shot(page, shots, "00-apply-company")
    page.get_by_role("button", name="Save and continue").click()
    # founders: the founder is filled in from the account
    page.wait_for_selector("#id_founders-0-name")
    assert page.input_value("#id_founders-0-email") == email
    page.fill("#id_founders-0-title", "CEO")
    page.get_by_role("button", name="Save and continue").click()
    # needs
    page.wait_for_selector("#id_requested_space")
    page.select_option("#id_requested_space", "office_suite")
    page.get_by_role("button", name="Save and continue").click()
    # documents: a business plan, type and size checked by the server
    page.wait_for_selector("#id_file")
    page.select_option("#id_kind", "business_plan")
    page.set_input_files(
        "#id_file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name="Upload").click()
    uploaded = page.locator("table", has_text="Uploaded documents")  # stored as plan.pdf or plan_<x>.pdf
    uploaded.wait_for()
    assert "The document is uploaded." in page.inner_text(".messages")
    assert "Business plan" in uploaded.inner_text()
    if shots:
        shot(page, shots, "00-apply-documents")
    page.get_by_role("button", name="Continue to review").click()
    # review: the eligibility check, then submit
    page.wait_for_selector("dl.facts")
    assert "Nebula Sensors" in page.inner_text("dl.facts")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_selector("#application-status")
    assert page.inner_text("#application-status") == "Submitted"
    assert "Screening: the park expects to finish this step by" in page.inner_text("main")
    if shots:
        shot(page, shots, "00-apply-status")
    application = Application.objects.get(applicant__email=email)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.documents.count() == 1
    return application


def founder_from_application(page: Any, base: str, shots: Path | None) -> tuple[str, str]:
    """apply → staff approve in the admin → the approval e-mail invites the owner; returns e-mail, password.

    Approving makes the applicant the company's owner and e-mails them that they are invited to
    the portal, with its link. Screening and the reviews before approval stand for the park's
    earlier work (the admin requires them); the tenancy stands for staff letting an office (the
    boardroom's policy admits tenants only).
    """
    email = "lin.yue@nebula.example.com"
    application = sign_up_and_apply(page, base, shots, email=email, sector=SectorFactory())
    page.get_by_role("button", name="Sign out").click()

    # the park: screening, a review, then the lead approves in the admin
    lead = lead_user(is_superuser=True)  # the admin pages need model permissions too
    reviewer = UserFactory(is_staff=True)
    application = services.application_start_screening(application=application, actor=lead)
    application = services.application_screen(application=application, actor=lead)
    services.application_assign_reviewer(application=application, actor=lead, reviewer=reviewer)
    services.application_review(application=application, actor=reviewer, recommendation="approve", score=8)
    mail.outbox.clear()
    staff_approves_in_admin(page, base, staff_email=lead.email, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    company = application.company
    assert company.memberships.get().user.email == email
    page.context.clear_cookies()  # staff sign out: the founder's own browser from here
    let_an_office(company)

    # the founder's invitation: the approval e-mail, with the portal's link
    invitation = next(m for m in mail.outbox if m.to == [email])
    assert "You are invited to the campus portal as the company's owner" in invitation.body
    link = next(line for line in invitation.body.splitlines() if line.startswith(base))
    page.goto(link)
    page.wait_for_url(f"{base}/portal/sign-in/?next=/portal/")  # signed out: sign in first
    return email, PASSWORD


def let_an_office(company: Any) -> None:
    """Staff let the admitted company an office: an executed agreement and a current tenancy."""
    today = timezone.localdate()
    agreement = AgreementFactory(
        company=company,
        kind=AgreementKind.MEMBERSHIP,
        status=AgreementStatus.EXECUTED,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=365),
    )
    Tenancy.objects.create(
        company=company,
        agreement=agreement,
        status=TenancyStatus.ACTIVE,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        plan_schedule="24x7",
    )


def owner_invites_from_team_page(page: Any, base: str, shots: Path | None, *, email: str) -> str:
    """The signed-in owner invites ``email`` as a member from the Team page; returns the e-mail's link."""
    mail.outbox.clear()
    page.locator("nav").get_by_role("link", name="Team", exact=True).first.click()
    page.wait_for_url(f"{base}/portal/team/")
    assert "No open invitations." in page.inner_text("main")
    page.fill("#id_email", email)
    page.select_option("#id_role", "member")
    if shots:
        shot(page, shots, "00-team-invite")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"{base}/portal/team/")
    assert f"Invitation sent to {email}." in page.inner_text(".messages")
    assert email in page.locator("table", has_text="Expires").inner_text()
    if shots:
        shot(page, shots, "00-team-invited")
    message = next(m for m in mail.outbox if m.to == [email])
    assert "invites you to join Nebula Sensors on the campus portal as Member" in message.body
    return next(line for line in message.body.splitlines() if line.startswith(f"{base}/portal/invitations/"))


def cofounder_accepts_invitation(
    page: Any, base: str, shots: Path | None, *, link: str, full_name: str, password: str
) -> None:
    """Signed out, the co-founder opens the link, chooses a name and a password, accepts; then signs
    out and back in with that password (the account is theirs now)."""
    page.goto(link)
    page.wait_for_selector("#id_full_name")
    assert "Join Nebula Sensors" in page.inner_text("h1")
    page.fill("#id_full_name", full_name)
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)
    if shots:
        shot(page, shots, "00-invitation")
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_url(f"{base}/portal/")
    assert "Welcome to Nebula Sensors." in page.inner_text(".messages")
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)  # used once: the page says so and offers no form
    assert "This invitation has already been used or was withdrawn." in page.inner_text("main")
    assert page.locator("#id_full_name").count() == 0


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


def test_new_founder_walk_from_application(page, live_server, screenshot_dir, settings):
    # the e-mails' links point at this server; notifications and invitations e-mail through eager tasks
    settings.SITE_URL = live_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = True
    base = live_server.url
    room = boardroom()
    email, password = founder_from_application(page, base, screenshot_dir)
    sign_in_here(page, base, email, password)
    # the company home: the new company, its tenancy, its owner
    home = page.inner_text("main")
    assert "Nebula Sensors" in page.inner_text("body")
    assert "Lin Yue" in home
    shot(page, screenshot_dir, "00-home")

    # the owner invites the co-founder from the Team page; the co-founder accepts in the browser
    cofounder = "chen.hao@nebula.example.com"
    cofounder_password = "co-founder-pass-456"  # noqa: S105 (chosen on the invitation page)
    link = owner_invites_from_team_page(page, base, screenshot_dir, email=cofounder)
    page.get_by_role("button", name="Sign out").click()
    cofounder_accepts_invitation(
        page, base, screenshot_dir, link=link, full_name="Chen Hao", password=cofounder_password
    )
    invitation = Invitation.objects.get(email=cofounder)
    assert invitation.accepted_at is not None
    membership = invitation.company.memberships.get(user__email=cofounder, is_active=True)
    assert (membership.role, membership.user.full_name) == (MemberRole.MEMBER, "Chen Hao")
    sign_in(page, base, cofounder, cofounder_password)
    assert "Chen Hao" in page.inner_text("main")

    # the co-founder books the boardroom, sees it in the calendar, cancels it
    booking = book_see_cancel(page, base, screenshot_dir, room=room, day=a_working_day())
    assert booking.company.name == "Nebula Sensors"
    assert booking.booked_by.email == cofounder


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
