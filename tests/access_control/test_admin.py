"""Admin: every changelist renders; a credential is issued from a uid and shows only its label;
grants are revoked through the service."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessGrant, Credential, GrantSource, SiteChange
from access_control.services import grants as grant_services
from access_control.services.credentials import credential_issue
from tests.access_control.factories import DoorFactory
from tests.accounts.factories import UserFactory
from tests.bookings.factories import room

pytestmark = pytest.mark.django_db

MODELS = [
    "site",
    "door",
    "credential",
    "accessgrant",
    "resourceaccesspolicy",
    "allowlistentry",
    "sitechange",
    "accessevent",
]


@pytest.fixture
def browser(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders(browser, model):  # type: ignore[no-untyped-def]
    assert browser.get(reverse(f"admin:access_control_{model}_changelist")).status_code == 200


def test_credential_issued_from_the_admin_shows_only_the_label(browser):  # type: ignore[no-untyped-def]
    # given
    person = UserFactory()
    # when
    response = browser.post(
        reverse("admin:access_control_credential_add"),
        {
            "person": person.pk,
            "kind": "card",
            "uid": "04:a1:b2:c3",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
        },
    )
    # then
    assert response.status_code == 302, response.content
    credential = Credential.objects.get(person=person)
    assert (credential.identifier, credential.label) == ("04A1B2C3", "B2C3")
    page = browser.get(
        reverse("admin:access_control_credential_change", args=[credential.pk])
    ).content.decode()
    assert "B2C3" in page
    assert "04A1B2C3" not in page


@pytest.mark.parametrize(("kind", "issued"), [("qr", True), ("card", False)])
def test_a_qr_credential_needs_no_uid_in_the_admin_a_card_does(browser, kind, issued):  # type: ignore[no-untyped-def]
    # given
    person = UserFactory()
    form = {"person": person.pk, "kind": kind, "uid": "", "valid_from_0": "2026-01-01"}
    form["valid_from_1"] = "00:00"
    # when
    response = browser.post(reverse("admin:access_control_credential_add"), form)
    # then
    assert Credential.objects.filter(person=person).exists() is issued
    if issued:
        assert response.status_code == 302, response.content
        assert len(Credential.objects.get(person=person).identifier) == 40
    else:
        assert response.status_code == 200
        assert "Give the card UID or PIN." in response.content.decode()


def test_grant_revoke_action_goes_through_the_service(browser, staff_user):  # type: ignore[no-untyped-def]
    # given
    person = UserFactory()
    door = DoorFactory(space=room().space)
    credential_issue(person=person, kind="card", uid="ABCD", actor=staff_user)
    grant = grant_services.grant_create(
        person=person,
        doors=[door],
        source=GrantSource.VISITOR,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
        created_by=staff_user,
        reason="Visit",
    )
    # when
    browser.post(
        reverse("admin:access_control_accessgrant_changelist"),
        {"action": "revoke", "_selected_action": [grant.pk]},
    )
    # then
    assert AccessGrant.objects.get(pk=grant.pk).revoked_at is not None
    assert SiteChange.objects.filter(site=door.site).order_by("-v").first().op == "delete"
