import pytest
from django.urls import reverse

from tests.tenants.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_staff_are_sent_to_the_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_the_front_door_leads_to_the_portal(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_a_member_sees_their_company_on_the_home_page(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert membership.company.name in response.content.decode()


def test_sign_in_with_e_mail_and_password(client, user):
    user.set_password("a long passphrase 42")
    user.save()
    response = client.post(
        reverse("portal:login"), {"username": user.email, "password": "a long passphrase 42"}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_sign_in_page_keeps_the_e_mail_and_shows_the_error_in_chinese(client, user):
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("portal:login"), {"username": user.email, "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{user.email}"' in page
    assert 'lang="zh-hans"' in page
    assert "请输入" in page or "正确" in page
