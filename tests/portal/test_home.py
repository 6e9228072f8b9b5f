import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.services import bookings as booking_services
from notifications.models import Notification
from tenants.models import Checklist, ChecklistItem, Membership, Tenancy
from tenants.models.registration import RegistrationStepStatus
from tenants.services.registration import registration_case_open
from tests.bookings.factories import at, room, tenant
from tests.notifications.factories import NotificationFactory
from tests.portal.a11y import assert_accessible
from tests.portal.world import founder, page
from tests.tenants.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _company_with_everything(staff_user, bookings=1, notifications=1, members=1):
    from datetime import timedelta

    from django.utils import timezone

    owner_user, company = tenant()
    tenancy = Tenancy.objects.get(company=company)
    checklist = Checklist.objects.create(tenancy=tenancy, kind="move_in")
    ChecklistItem.objects.create(
        checklist=checklist, code="issue_card_1", title="Issue card", done_at=timezone.now()
    )
    ChecklistItem.objects.create(checklist=checklist, code="wifi", title="Wi-Fi")
    case = registration_case_open(company=company, actor=staff_user)
    first = case.steps.order_by("order").first()
    first.status, first.waiting_on, first.completed_at = RegistrationStepStatus.DONE, "", timezone.now()
    first.save()
    resource = room()
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(resource.tzinfo).date()
    for n in range(bookings):
        booking_services.booking_create(
            resource=resource, booked_by=owner_user, company=company,
            starts_at=at(tomorrow, 8 + n), ends_at=at(tomorrow, 8 + n, 30), now=timezone.now(),
        )  # fmt: skip
    NotificationFactory.create_batch(notifications, recipient=owner_user)
    MembershipFactory.create_batch(members, company=company)
    return owner_user, company


def test_the_home_page_shows_the_company_at_a_glance(client, staff_user):
    owner_user, company = _company_with_everything(staff_user)
    client.force_login(owner_user)
    response = client.get(reverse("portal:home"))
    html = page(response)
    assert response.status_code == 200
    assert_accessible(response)
    assert company.name in html
    assert "Bookings in the next 7 days" in html
    assert "1 of 2 done" in html  # the move-in checklist
    assert "Company registration" in html
    assert "1 of 9 steps finished" in html
    assert "Name declaration" in html
    assert "/portal/bookings/" in html


def test_the_home_page_runs_constant_queries(client, staff_user):
    owner_user, _company = _company_with_everything(staff_user, bookings=1, notifications=1, members=1)
    client.force_login(owner_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:home"))
    resource_bookings = 4
    other_user, _other = _company_with_everything(
        staff_user, bookings=resource_bookings, notifications=6, members=5
    )
    client.force_login(other_user)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert len(many) == len(few)


def test_an_applicant_without_a_company_is_led_to_apply(client, user):
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert_accessible(response)
    assert reverse("portal:apply") in page(response)


def test_the_home_page_in_chinese(client):
    founder(client)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("portal:home"))
    assert 'lang="zh-hans"' in page(response)
    assert "团队" in page(response)


def test_notifications_list_and_mark_read(client):
    membership = founder(client)
    mine = NotificationFactory.create_batch(3, recipient=membership.user)
    theirs = NotificationFactory()
    response = client.get(reverse("portal:notifications"))
    assert_accessible(response)
    assert theirs.subject not in page(response)
    client.post(reverse("portal:notification_read", kwargs={"pk": mine[0].pk}))
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert client.post(reverse("portal:notification_read", kwargs={"pk": theirs.pk})).status_code == 404
    client.post(reverse("portal:notifications_read_all"))
    assert not Notification.objects.filter(recipient=membership.user, read_at=None).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_notifications_page_runs_constant_queries(client):
    membership = founder(client)
    NotificationFactory(recipient=membership.user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:notifications"))
    NotificationFactory.create_batch(10, recipient=membership.user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:notifications"))
    assert len(many) == len(few)
    assert Membership.objects.filter(user=membership.user).count() == 1
