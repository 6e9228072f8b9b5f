"""The lab trainings page, and the booking refusal that links a missing course to it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.services.bookings import booking_create
from portal.views.book import training_link
from tests.bookings.factories import MONDAY, NOW, at, tenant
from tests.hardware_labs.factories import course, equipment, lab, qualify
from tests.portal.a11y import assert_accessible

pytestmark = pytest.mark.django_db


@pytest.fixture
def founder(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)
    user, _company = tenant()
    return user


def test_a_missing_qualification_links_its_row_on_the_trainings_page(founder):
    # given: the founder holds the induction, not the oven's own course
    space, _lab = lab()
    induction, oven_course = course("lab-safety", induction=True), course("reflow-oven")
    oven = equipment(space, courses=(oven_course,))
    qualify(founder, induction)
    # when
    with pytest.raises(ValidationError) as refused:
        booking_create(
            resource=oven.resource, booked_by=founder, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
        )
    # then
    assert training_link(refused.value) == {
        "url": "/portal/trainings/#course-reflow-oven",
        "name": "Reflow Oven",
    }


def test_the_trainings_page_shows_my_qualifications_and_runs_constant_queries(client, founder):
    # given
    induction = course("lab-safety", induction=True)
    course("reflow-oven")
    qualify(founder, induction)
    client.force_login(founder)

    def counted() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("portal:trainings"))
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    page, few = counted()
    # then
    assert 'id="course-reflow-oven"' in page
    assert "Not qualified" in page
    assert "Valid until" in page
    assert_accessible(page)
    for n in range(5):
        course(f"extra-{n}")
    _page, many = counted()
    assert few == many


def test_the_trainings_page_speaks_chinese(client, founder):
    course("lab-safety", induction=True)
    client.force_login(founder)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("portal:trainings")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "Lab trainings" not in page
