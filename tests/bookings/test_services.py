"""booking_create and friends: the policy rules, half-open ranges, buffers, linked spaces, audit."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from bookings.models import Audience, Booking, BookingClaim, BookingStatus
from bookings.services import bookings as services
from core.exceptions import ActionForbidden
from core.models import TransitionLog
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, area_with_desks, at, policy, room, tenant
from tests.spaces.factories import CampusFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def book(resource, user, start, end, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("now", NOW)
    return services.booking_create(resource=resource, booked_by=user, starts_at=start, ends_at=end, **kw)


def code_of(excinfo) -> str:  # type: ignore[no-untyped-def]
    exc = excinfo.value
    if hasattr(exc, "error_dict"):
        return next(iter(exc.error_dict.values()))[0].code
    return exc.code


def test_booking_create_confirms_holds_and_logs():
    # given
    resource = room()
    user, company = tenant()
    # when
    booking = book(resource, user, at(MONDAY, 10), at(MONDAY, 11), title="Stand-up")
    # then
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.company == company
    assert list(BookingClaim.objects.filter(booking=booking).values_list("unit_id", flat=True)) == [
        resource.pk
    ]
    log = TransitionLog.objects.for_object(booking).get()
    assert (log.action, log.from_state, log.to_state, log.actor) == ("create", "", "confirmed", user)


def test_back_to_back_bookings_do_not_conflict_half_open():
    resource = room()
    user, _ = tenant()
    book(resource, user, at(MONDAY, 9), at(MONDAY, 10))
    book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    with pytest.raises(ValidationError) as excinfo:
        book(resource, user, at(MONDAY, 9, 45), at(MONDAY, 10, 15))
    assert code_of(excinfo) == "booking_overlap"
    assert Booking.objects.count() == 2


def test_buffers_are_honoured_both_sides():
    # given: 15 minutes before and after every booking
    resource = room(policy(buffer_before_minutes=15, buffer_after_minutes=15))
    user, _ = tenant()
    first = book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    assert (first.blocked_from, first.blocked_until) == (at(MONDAY, 9, 45), at(MONDAY, 11, 15))
    # when / then: 11:00 and 11:15 starts clash with the after-buffer plus the new before-buffer
    for start in (at(MONDAY, 11), at(MONDAY, 11, 15)):
        with pytest.raises(ValidationError) as excinfo:
            book(resource, user, start, start + timedelta(hours=1))
        assert code_of(excinfo) == "booking_overlap"
    # 11:30 leaves 15 + 15 minutes between: fine
    book(resource, user, at(MONDAY, 11, 30), at(MONDAY, 12, 30))


def test_whole_area_and_desk_block_each_other():
    area, (desk1, desk2) = area_with_desks(2)
    user, _ = tenant()
    book(area, user, at(MONDAY, 9), at(MONDAY, 12))
    with pytest.raises(ValidationError) as excinfo:
        book(desk1, user, at(MONDAY, 11), at(MONDAY, 13))
    assert code_of(excinfo) == "booking_overlap"
    book(desk1, user, at(MONDAY, 12), at(MONDAY, 14))
    book(desk2, user, at(MONDAY, 12), at(MONDAY, 14))  # two desks side by side
    with pytest.raises(ValidationError):
        book(area, user, at(MONDAY, 13), at(MONDAY, 15))


def test_combined_room_blocks_its_parts_and_they_block_it():
    # given: rooms A and B with a movable wall are the parts of the combined room A+B
    pol = policy()
    combined = SpaceFactory(kind="event_hall", capacity=40, code="AB")
    a = SpaceFactory(parent=combined, floor=combined.floor, code="A")
    b = SpaceFactory(parent=combined, floor=combined.floor, code="B")
    from tests.bookings.factories import resource_of

    r_ab, r_a, r_b = resource_of(combined, pol), resource_of(a, pol), resource_of(b, pol)
    user, _ = tenant()
    # when: A is booked
    book(r_a, user, at(MONDAY, 9), at(MONDAY, 10))
    # then: A+B cannot be had then; B can
    with pytest.raises(ValidationError):
        book(r_ab, user, at(MONDAY, 9), at(MONDAY, 10))
    book(r_b, user, at(MONDAY, 9), at(MONDAY, 10))
    book(r_ab, user, at(MONDAY, 10), at(MONDAY, 12))
    with pytest.raises(ValidationError):
        book(r_b, user, at(MONDAY, 11), at(MONDAY, 12))


def test_opening_hours_are_checked_in_the_campus_local_time():
    # given: a campus in Berlin; the room opens 08:00–20:00 local time
    campus = CampusFactory(time_zone="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    resource = room(floor__building__campus=campus)
    resource.refresh_from_db()
    user, _ = tenant()
    # 08:00 Berlin = 07:00 UTC in winter: allowed; 07:45 Berlin is before opening
    book(resource, user, at(MONDAY, 8, tz=berlin), at(MONDAY, 9, tz=berlin))
    with pytest.raises(ValidationError) as excinfo:
        book(resource, user, at(MONDAY, 7, 45, tz=berlin), at(MONDAY, 8, 15, tz=berlin))
    assert code_of(excinfo) == "outside_opening_hours"
    # 19:00–20:00 Berlin is fine although it is 18:00–19:00 UTC, on another date in Shanghai
    book(resource, user, at(MONDAY, 19, tz=berlin), at(MONDAY, 20, tz=berlin))
    with pytest.raises(ValidationError):
        book(resource, user, at(MONDAY, 19, 30, tz=berlin), at(MONDAY, 20, 30, tz=berlin))


def test_closed_on_public_holiday_open_on_makeup_workday_unless_24x7():
    resource = room()
    always = room(policy(is_24x7=True))
    user, _ = tenant()
    national_day = date(2026, 10, 1)  # Thursday, a public holiday
    makeup = date(2026, 9, 28)  # Sunday, a make-up workday for the 2026 National Day holiday
    early = national_day - timedelta(days=10)
    with pytest.raises(ValidationError) as excinfo:
        book(resource, user, at(national_day, 10), at(national_day, 11), now=at(early, 9))
    assert code_of(excinfo) == "closed_holiday"
    book(always, user, at(national_day, 10), at(national_day, 11), now=at(early, 9))
    book(resource, user, at(makeup, 10), at(makeup, 11), now=at(early, 9))
    with pytest.raises(ValidationError) as excinfo:
        book(
            resource,
            user,
            at(makeup + timedelta(days=6), 10),
            at(makeup + timedelta(days=6), 11),
            now=at(early, 9),
        )
    assert code_of(excinfo) == "outside_opening_hours"  # an ordinary Saturday


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ((10, 0), (10, 10), "too_short"),
        ((8, 0), (17, 0), "too_long"),
        ((10, 5), (11, 5), "off_grid"),
        ((11, 0), (10, 0), "ends_before_start"),
    ],
)
def test_policy_rules_refuse_with_codes_and_write_nothing(start, end, code):
    resource = room(policy(max_duration_minutes=8 * 60))
    user, _ = tenant()
    with pytest.raises(ValidationError) as excinfo:
        book(resource, user, at(MONDAY, *start), at(MONDAY, *end))
    assert code_of(excinfo) == code
    assert not Booking.objects.exists()
    assert not BookingClaim.objects.exists()


def test_lead_time_horizon_and_past():
    resource = room(policy(lead_minutes=120, horizon_days=30))
    user, _ = tenant()
    now = at(MONDAY, 9)
    cases = [
        (at(MONDAY, 8), "in_past"),
        (at(MONDAY, 10), "lead_time"),
        (at(MONDAY + timedelta(days=35), 10), "beyond_horizon"),
    ]
    for start, code in cases:
        with pytest.raises(ValidationError) as excinfo:
            book(resource, user, start, start + timedelta(hours=1), now=now)
        assert code_of(excinfo) == code
    # staff skip lead time and horizon
    staff = UserFactory(is_staff=True)
    book(resource, staff, at(MONDAY, 10), at(MONDAY, 11), now=now)


def test_audience_rules():
    staff_only = room(policy(audience=Audience.STAFF))
    plans_only = room(policy(audience=Audience.PLANS, plans=["lab_access"]))
    chosen = room(policy(audience=Audience.COMPANIES))
    user, company = tenant(kind="membership")
    for resource in (staff_only, plans_only, chosen):
        with pytest.raises(ValidationError) as excinfo:
            book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
        assert code_of(excinfo) == "not_allowed_to_book"
    chosen.policy.companies.add(company)
    book(chosen, user, at(MONDAY, 10), at(MONDAY, 11))
    lab_user, _ = tenant(kind="lab_access")
    book(plans_only, lab_user, at(MONDAY, 10), at(MONDAY, 11))


def test_a_tenancy_is_current_from_its_first_day_to_the_day_before_it_ends_while_it_holds():
    from bookings.services.rules import has_current_tenancy
    from tenants.models import TenancyStatus

    # given: a membership tenancy from 2026-01-01 up to (not including) 2028-01-01
    _, company = tenant()
    tenancy = company.tenancies.get()
    # then
    assert not has_current_tenancy(company=company, on=date(2025, 12, 31))
    assert has_current_tenancy(company=company, on=date(2026, 1, 1))
    assert has_current_tenancy(company=company, on=date(2027, 12, 31))
    assert not has_current_tenancy(company=company, on=date(2028, 1, 1))
    assert has_current_tenancy(company=company, on=date(2027, 6, 1), plans=["membership", "lab_access"])
    assert not has_current_tenancy(company=company, on=date(2027, 6, 1), plans=["lab_access"])
    assert not has_current_tenancy(company=company, on=date(2027, 6, 1), plans=[])
    tenancy.status, tenancy.closed_on = TenancyStatus.CLOSED, date(2027, 1, 1)
    tenancy.save(update_fields=["status", "closed_on"])
    assert not has_current_tenancy(company=company, on=date(2027, 6, 1))


def test_a_company_without_a_current_tenancy_may_not_book_tenant_resources():
    from tests.tenants.factories import CompanyFactory, MembershipFactory

    membership = MembershipFactory(company=CompanyFactory())
    with pytest.raises(ValidationError) as excinfo:
        book(room(), membership.user, at(MONDAY, 10), at(MONDAY, 11))
    assert code_of(excinfo) == "not_allowed_to_book"


def test_the_company_a_booking_is_for_is_the_persons_only_active_membership():
    from tenants.models import Membership

    # given: a person in two companies, one membership since ended
    user, company = tenant()
    _, former = tenant()
    Membership.objects.create(company=former, user=user, is_active=False, ended_at=NOW)
    # when / then: the booking is for the one they are still in
    assert services.booking_company(user=user, company=None) == company
    # a second active membership: say which
    Membership.objects.filter(company=former, user=user).update(is_active=True, ended_at=None)
    with pytest.raises(ValidationError) as excinfo:
        services.booking_company(user=user, company=None)
    assert excinfo.value.error_dict["company"][0].code == "company_required"
    # none left: not a member of any
    Membership.objects.filter(user=user).update(is_active=False, ended_at=NOW)
    with pytest.raises(ActionForbidden) as refused:
        services.booking_company(user=user, company=None)
    assert refused.value.code == "not_a_member"


def test_someone_outside_the_company_cannot_book_for_it():
    _, company = tenant()
    stranger, _ = tenant()
    with pytest.raises(ActionForbidden):
        book(room(), stranger, at(MONDAY, 10), at(MONDAY, 11), company=company)


def test_over_capacity_is_refused():
    resource = room(capacity=4)
    user, _ = tenant()
    with pytest.raises(ValidationError) as excinfo:
        book(resource, user, at(MONDAY, 10), at(MONDAY, 11), attendees=5)
    assert code_of(excinfo) == "over_capacity"


def test_approval_flow_holds_time_while_pending():
    resource = room(policy(requires_approval=True))
    user, _ = tenant()
    staff = UserFactory(is_staff=True)
    booking = book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    assert booking.status == BookingStatus.PENDING_APPROVAL
    with pytest.raises(ValidationError):
        book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    with pytest.raises(ActionForbidden):
        services.booking_approve(booking=booking, actor=user)
    rejected = services.booking_reject(booking=booking, actor=staff, reason="Board meeting")
    assert rejected.status == BookingStatus.REJECTED
    assert not BookingClaim.objects.exists()
    again = book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    assert services.booking_approve(booking=again, actor=staff).status == BookingStatus.CONFIRMED
    assert book(resource, staff, at(MONDAY, 12), at(MONDAY, 13)).status == BookingStatus.CONFIRMED


def test_cancel_frees_the_time_and_only_managers_may_cancel():
    resource = room()
    owner, company = tenant()
    member, _ = tenant(company=company, role="member")
    other, _ = tenant()
    booking = book(resource, owner, at(MONDAY, 10), at(MONDAY, 11))
    with pytest.raises(ActionForbidden):
        services.booking_cancel(booking=booking, actor=other, now=NOW)
    with pytest.raises(ActionForbidden):
        services.booking_cancel(booking=booking, actor=member, now=NOW)
    cancelled = services.booking_cancel(booking=booking, actor=owner, reason="moved", now=NOW)
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_at == NOW
    book(resource, member, at(MONDAY, 10), at(MONDAY, 11))
    log = TransitionLog.objects.for_object(cancelled).filter(action="cancel").get()
    assert (log.from_state, log.to_state, log.reason) == ("confirmed", "cancelled", "moved")


def test_check_in_window_and_no_show_release():
    resource = room()
    user, _ = tenant()
    booking = book(resource, user, at(MONDAY, 10), at(MONDAY, 11))
    with pytest.raises(ValidationError) as excinfo:
        services.booking_check_in(booking=booking, actor=user, now=at(MONDAY, 9, 30))
    assert excinfo.value.code == "check_in_not_open"
    checked = services.booking_check_in(booking=booking, actor=user, via="portal", now=at(MONDAY, 9, 50))
    assert (checked.status, checked.checked_in_via) == (BookingStatus.CHECKED_IN, "portal")
    other = book(resource, user, at(MONDAY, 12), at(MONDAY, 13))
    released = services.booking_mark_no_show(booking=other, now=at(MONDAY, 12, 15))
    assert released.status == BookingStatus.NO_SHOW
    assert not BookingClaim.objects.filter(booking=other).exists()


def test_pool_books_one_free_member_and_reports_exhaustion():
    from bookings.models import ResourcePool

    pol = policy()
    r1, r2 = room(pol), room(pol)
    pool = ResourcePool.objects.create(campus=r1.campus, code="rooms", name="Any room")
    pool.members.set([r1, r2])
    user, _ = tenant()
    first = services.booking_create_from_pool(
        pool=pool, booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW
    )
    second = services.booking_create_from_pool(
        pool=pool, booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW
    )
    assert {first.resource, second.resource} == {r1, r2}
    with pytest.raises(ValidationError) as excinfo:
        services.booking_create_from_pool(
            pool=pool, booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW
        )
    assert excinfo.value.code == "pool_exhausted"
    assert Booking.objects.count() == 2
