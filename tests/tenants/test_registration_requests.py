import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import ServiceRequestCategory, ServiceRequestStatus
from tenants.selectors.registration import service_request_rates
from tenants.services import registration as services
from tests.accounts.factories import UserFactory
from tests.spaces.factories import CampusFactory
from tests.tenants.factories import MembershipFactory

pytestmark = pytest.mark.django_db

R = ServiceRequestStatus
T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


@pytest.fixture
def member():  # type: ignore[no-untyped-def]
    return MembershipFactory()


def _create(member, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("category", ServiceRequestCategory.FACILITIES)
    kwargs.setdefault("subject", "The lamp in room 301 flickers")
    return services.service_request_create(company=member.company, requested_by=member.user, **kwargs)


def test_service_request_create_is_for_the_companys_people(member):
    # given
    outsider = UserFactory()
    # when / then
    with pytest.raises(ActionForbidden) as exc:
        services.service_request_create(
            company=member.company, requested_by=outsider, category="mail", subject="Parcel"
        )
    assert exc.value.code == "not_company_member"
    request = _create(member)
    assert (request.status, request.requested_by) == (R.OPEN, member.user)
    assert TransitionLog.objects.for_object(request).get().action == "create"


def test_service_request_first_response_is_set_once_and_the_requester_told(member, staff):
    # given
    with time_machine.travel(T0, tick=False) as clock:
        request = _create(member)
        clock.shift(dt.timedelta(hours=2))
        # when
        request = services.service_request_acknowledge(service_request=request, actor=staff)
        clock.shift(dt.timedelta(hours=1))
        request = services.service_request_start(service_request=request, actor=staff)
        clock.shift(dt.timedelta(hours=1))
        request = services.service_request_resolve(service_request=request, actor=staff)
        request = services.service_request_close(service_request=request, actor=member.user, satisfaction=5)
    # then
    assert request.first_response_at == T0 + dt.timedelta(hours=2)
    assert request.resolved_at == T0 + dt.timedelta(hours=4)
    assert (request.status, request.assignee, request.satisfaction) == (R.CLOSED, staff, 5)
    kinds = set(Notification.objects.filter(recipient=member.user).values_list("kind", flat=True))
    assert kinds == {"tenants.registration.request_acknowledged", "tenants.registration.request_resolved"}


SOURCES = {
    R.OPEN: [],
    R.ACKNOWLEDGED: ["acknowledge"],
    R.IN_PROGRESS: ["start"],
    R.RESOLVED: ["resolve"],
    R.CLOSED: ["resolve", "close"],
    R.CANCELLED: ["cancel"],
}
ALLOWED = {
    ("acknowledge", R.OPEN),
    ("start", R.OPEN),
    ("start", R.ACKNOWLEDGED),
    ("resolve", R.OPEN),
    ("resolve", R.ACKNOWLEDGED),
    ("resolve", R.IN_PROGRESS),
    ("close", R.RESOLVED),
    ("cancel", R.OPEN),
    ("cancel", R.ACKNOWLEDGED),
    ("cancel", R.IN_PROGRESS),
}


@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize("action", ["acknowledge", "start", "resolve", "close", "cancel"])
def test_service_request_state_action_matrix(member, staff, source, action):
    # given
    request = _create(member)
    for step in SOURCES[source]:
        request = getattr(services, f"service_request_{step}")(service_request=request, actor=staff)
    logs = TransitionLog.objects.count()
    # when
    service = getattr(services, f"service_request_{action}")
    if (action, source) in ALLOWED:
        moved = service(service_request=request, actor=staff)
        assert moved.status != source
        assert TransitionLog.objects.count() == logs + 1
    else:
        with pytest.raises(ValidationError) as exc:
            service(service_request=request, actor=staff)
        # then
        assert exc.value.code == "transition_not_allowed"
        request.refresh_from_db()
        assert request.status == source
        assert TransitionLog.objects.count() == logs


@pytest.mark.parametrize(
    ("action", "allowed"),
    [("acknowledge", False), ("start", False), ("resolve", False), ("cancel", True)],
)
def test_service_request_role_action_matrix(member, action, allowed):
    # given a request by the member; a colleague of the same company
    request = _create(member)
    colleague = MembershipFactory(company=member.company).user
    service = getattr(services, f"service_request_{action}")
    # when / then: the colleague may do nothing, the requester only cancel
    with pytest.raises(ActionForbidden):
        service(service_request=request, actor=colleague)
    if allowed:
        assert service(service_request=request, actor=member.user).status == R.CANCELLED
    else:
        with pytest.raises(ActionForbidden):
            service(service_request=request, actor=member.user)


def test_service_request_close_refuses_a_rating_out_of_range(member, staff):
    request = services.service_request_resolve(service_request=_create(member), actor=staff)
    with pytest.raises(ValidationError) as exc:
        services.service_request_close(service_request=request, actor=staff, satisfaction=6)
    assert exc.value.error_dict["satisfaction"][0].code == "satisfaction_range"


def test_service_request_rates_match_a_hand_computed_example(member, staff, django_assert_num_queries):
    # given five requests on one campus, made at T0 (and one elsewhere, one cancelled, one outside the period)
    campus = CampusFactory()
    with time_machine.travel(T0, tick=False) as clock:
        facilities = [_create(member, campus=campus) for _ in range(3)]
        it = [_create(member, campus=campus, category="it_network") for _ in range(2)]
        _create(member, campus=CampusFactory())
        services.service_request_cancel(service_request=_create(member, campus=campus), actor=member.user)
        clock.shift(dt.timedelta(hours=1))
        services.service_request_acknowledge(service_request=facilities[0], actor=staff)  # 1 h
        services.service_request_resolve(service_request=it[0], actor=staff)  # responds and resolves, 1 h
        clock.shift(dt.timedelta(hours=2))
        services.service_request_start(service_request=facilities[1], actor=staff)  # 3 h
        clock.shift(dt.timedelta(hours=3))
        services.service_request_resolve(service_request=facilities[0], actor=staff)  # resolved at 6 h
        clock.shift(dt.timedelta(days=2))
        _create(member, campus=campus)  # after the period
    # when
    with django_assert_num_queries(1):
        rates = service_request_rates(since=T0, until=T0 + dt.timedelta(days=1), campus=campus)
    # then: 5 counted; responded 3 (1 h, 3 h, 1 h); completed 2 (6 h, 1 h)
    assert rates["overall"] == {
        "total": 5,
        "responded": 3,
        "response_rate": 0.6,
        "first_response_median_seconds": 3600,
        "first_response_avg_seconds": 5 * 3600 / 3,
        "completed": 2,
        "completion_rate": 0.4,
        "resolve_median_seconds": 3.5 * 3600,
    }
    by_category = {row["category"]: row for row in rates["by_category"]}
    assert set(by_category) == {"facilities", "it_network"}
    assert by_category["facilities"]["response_rate"] == round(2 / 3, 4)
    assert by_category["facilities"]["first_response_median_seconds"] == 2 * 3600
    assert by_category["it_network"]["completion_rate"] == 0.5
    assert by_category["it_network"]["resolve_median_seconds"] == 3600


def test_service_request_rates_of_an_empty_period_are_none():
    rates = service_request_rates(since=T0, until=T0 + dt.timedelta(days=1))
    assert rates["overall"]["total"] == 0
    assert rates["overall"]["response_rate"] is None
    assert rates["by_category"] == []
