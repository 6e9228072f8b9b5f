import pytest
from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient

from core.exceptions import ActionForbidden


@api_view(["POST"])
@permission_classes([AllowAny])
def raise_service_error(request):  # type: ignore[no-untyped-def]
    kind = request.data.get("kind")
    if kind == "field":
        raise ValidationError({"starts_at": ValidationError("Too early.", code="too_early")})
    if kind == "overlap":
        raise ValidationError("This space is already booked for that time.", code="booking_overlap")
    if kind == "forbidden":
        raise ActionForbidden("Only the lead decides.", code="not_lead")
    return Response({"ok": True})


urlpatterns = [path("boom/", raise_service_error)]


@pytest.fixture
def client_with_boom(settings) -> APIClient:  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = __name__
    return APIClient()


def test_service_validation_error_becomes_400_with_field_errors_and_code(client_with_boom):
    response = client_with_boom.post("/boom/", {"kind": "field"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "too_early",
        "detail": "Invalid input.",
        "errors": {"starts_at": [{"message": "Too early.", "code": "too_early"}]},
    }


def test_object_level_conflict_becomes_409_with_its_message(client_with_boom):
    response = client_with_boom.post("/boom/", {"kind": "overlap"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "booking_overlap"
    assert body["detail"] == "This space is already booked for that time."


def test_action_forbidden_becomes_403_with_its_code(client_with_boom):
    response = client_with_boom.post("/boom/", {"kind": "forbidden"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"code": "not_lead", "detail": "Only the lead decides."}
