import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tenants.models import Invitation, MemberRole, Membership
from tenants.services.companies import invitation_create, invitation_email_send
from tests.accounts.factories import UserFactory
from tests.portal.a11y import assert_accessible
from tests.portal.world import founder, page

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # noqa: S105 - the factories' test password


# --- sign-in lockout ---------------------------------------------------------------------------------


def _sign_in(client, email, password, ip="10.0.0.1"):
    return client.post(reverse("portal:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_e_mail_from_that_address_even_with_the_right_password(client, user):
    # given four failures: not locked yet
    for _ in range(4):
        assert _sign_in(client, user.email, "wrong").status_code == 200
    # when the fifth fails
    response = _sign_in(client, user.email, "wrong")
    assert "Too many failed sign-in attempts" in page(response)
    # then even the right password is refused with the clear message, and the typed e-mail is kept
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in page(response)
    assert f'value="{user.email}"' in page(response)
    assert "_auth_user_id" not in client.session
    # and from another address the person still signs in (the lock is per e-mail + IP)
    assert _sign_in(client, user.email, PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_lock_is_shown_in_chinese(client, user):
    client.cookies["django_language"] = "zh-hans"
    for _ in range(5):
        _sign_in(client, user.email, "wrong")
    response = _sign_in(client, user.email, PASSWORD)
    assert "登录失败次数过多" in page(response)


def test_a_success_clears_the_failures(client, user):
    for _ in range(4):
        _sign_in(client, user.email, "wrong")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _sign_in(client, user.email, "wrong")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_the_lock_also_holds_for_the_api_sign_in(client, user):
    for _ in range(5):
        _sign_in(client, user.email, "wrong")
    response = client.post(
        "/api/auth/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200  # the form again, not a redirect
    assert "_auth_user_id" not in client.session


# --- sign-up -----------------------------------------------------------------------------------------


def test_sign_up_makes_an_account_signs_in_and_leads_to_apply(client):
    response = client.get(reverse("portal:signup"))
    assert_accessible(response)
    response = client.post(
        reverse("portal:signup"),
        {
            "full_name": "Wang Fang",
            "email": "Wang.Fang@Example.com",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "preferred_language": "zh-hans",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:apply")
    user = User.objects.get(email="wang.fang@example.com")
    assert user.check_password("a long passphrase 42")
    assert user.preferred_language == "zh-hans"
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["The two passwords differ.", "An account with this e-mail address exists."]),
     ("zh-hans", ["两次输入的密码不一致。", "该电子邮件地址已有账户。"])],
)  # fmt: skip
def test_sign_up_shows_field_errors_in_the_page_language_and_keeps_what_was_typed(
    client, user, language, expected
):
    client.cookies["django_language"] = language
    response = client.post(
        reverse("portal:signup"),
        {
            "full_name": "Wang Fang",
            "email": user.email,
            "password1": "a long passphrase 42",
            "password2": "other",
        },
    )
    html = page(response)
    assert response.status_code == 200
    for text in expected:
        assert text in html
    assert 'value="Wang Fang"' in html
    assert f'value="{user.email}"' in html
    assert not User.objects.filter(full_name="Wang Fang").exists()
    assert_accessible(response)


def test_sign_up_refuses_a_weak_password(client):
    response = client.post(
        reverse("portal:signup"),
        {"full_name": "A", "email": "a@example.com", "password1": "12345678", "password2": "12345678"},
    )
    assert "This password is too common." in page(response)
    assert not User.objects.filter(email="a@example.com").exists()


# --- password reset ----------------------------------------------------------------------------------


def test_password_reset_sends_a_link_in_the_persons_language_that_sets_a_new_password(client):
    user = UserFactory(preferred_language="zh-hans")
    assert_accessible(client.get(reverse("portal:password_reset")))
    response = client.post(reverse("portal:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert_accessible(client.get(response.url))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "新密码" in message.subject
    link = re.search(r"https?://[^/\s]+(/portal/password-reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert_accessible(response)
    form_url = response.redirect_chain[-1][0]
    # bad input: the errors show and nothing changes
    response = client.post(form_url, {"new_password1": "a long passphrase 42", "new_password2": "x"})
    assert "The two password fields didn’t match." in page(response)
    response = client.post(
        form_url, {"new_password1": "a long passphrase 42", "new_password2": "a long passphrase 42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a long passphrase 42")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_shows_the_field_error(client):
    response = client.post(reverse("portal:password_reset"), {"email": "not an address"})
    assert "Enter a valid email address." in page(response)
    assert 'value="not an address"' in page(response)


# --- profile and password ------------------------------------------------------------------------------


def test_profile_saves_name_phone_and_language_and_the_ui_switches(client):
    membership = founder(client)
    response = client.get(reverse("portal:profile"))
    assert_accessible(response)
    response = client.post(
        reverse("portal:profile"),
        {"full_name": "Li Wei", "phone": "+86 138 0000 0000", "preferred_language": "zh-hans"},
    )
    assert response.status_code == 302
    user = membership.user
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.preferred_language) == ("Li Wei", "+86 138 0000 0000", "zh-hans")
    response = client.get(reverse("portal:profile"))
    assert 'lang="zh-hans"' in page(response)
    assert "个人资料" in page(response)


def test_profile_errors_show_and_keep_what_was_typed(client):
    founder(client)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("portal:profile"), {"full_name": " ", "phone": "call me", "preferred_language": "en"}
    )
    html = page(response)
    assert response.status_code == 200
    assert "只能使用数字" in html
    assert 'value="call me"' in html


def test_change_password(client):
    membership = founder(client)
    assert_accessible(client.get(reverse("portal:password_change")))
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "a long passphrase 42",
            "new_password2": "a long passphrase 42",
        },
    )
    assert "Your old password was entered incorrectly." in page(response)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a long passphrase 42",
            "new_password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.check_password("a long passphrase 42")
    assert client.get(reverse("portal:profile")).status_code == 200  # still signed in


# --- invitations ---------------------------------------------------------------------------------------


def _invite(email="new.person@example.com", role=MemberRole.MEMBER):
    owner = founder()
    invitation, token = invitation_create(
        company=owner.company, email=email, role=role, invited_by=owner.user
    )
    return owner, invitation, token


def test_the_invitation_e_mail_links_to_the_acceptance_page(mocker, django_capture_on_commit_callbacks):
    delay = mocker.patch("tenants.tasks.invitation_email_send_task.delay")
    with django_capture_on_commit_callbacks(execute=True):
        owner, invitation, token = _invite()
    delay.assert_called_once_with(invitation.pk, token)
    invitation_email_send(invitation=invitation, token=token)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert owner.company.name in message.subject
    assert f"http://localhost:8000/portal/invitations/{token}/" in message.body
    assert reverse("portal:invitation_accept", kwargs={"token": token}) == f"/portal/invitations/{token}/"


def test_a_new_person_chooses_a_name_and_password_and_joins(client):
    owner, _invitation, token = _invite()
    url = reverse("portal:invitation_accept", kwargs={"token": token})
    response = client.get(url)
    assert response.status_code == 200
    assert owner.company.name in page(response)
    assert_accessible(response)
    # bad input: errors in the page, typed name kept, nothing written
    response = client.post(
        url, {"full_name": "Chen Jie", "password1": "a long passphrase 42", "password2": "nope"}
    )
    assert response.status_code == 400
    assert "The two passwords differ." in page(response)
    assert 'value="Chen Jie"' in page(response)
    assert not User.objects.filter(email="new.person@example.com").exists()
    # good input
    response = client.post(
        url,
        {"full_name": "Chen Jie", "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long passphrase 42")
    assert Membership.objects.get(company=owner.company, user=user).role == MemberRole.MEMBER
    assert client.get(reverse("portal:home")).context["company"] == owner.company
    # the link works once
    client.logout()
    response = client.get(url)
    assert "already been used" in page(response)


def test_a_signed_in_person_accepts_with_one_button(client):
    _owner, invitation, token = _invite(email="member@example.com")
    user = UserFactory(email="member@example.com")
    client.force_login(user)
    url = reverse("portal:invitation_accept", kwargs={"token": token})
    assert_accessible(client.get(url))
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(company=invitation.company, user=user, is_active=True).exists()


def test_someone_with_an_account_is_asked_to_sign_in_first(client):
    _owner, _invitation, token = _invite(email="member@example.com")
    UserFactory(email="member@example.com")
    url = reverse("portal:invitation_accept", kwargs={"token": token})
    response = client.get(url)
    assert f"{reverse('portal:login')}?next={url}" in page(response)
    assert 'name="password1"' not in page(response)


def test_an_invitation_for_another_address_is_refused_with_the_reason(client):
    _owner, invitation, token = _invite(email="member@example.com")
    founder(client)  # signed in as someone else
    response = client.post(reverse("portal:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 400
    assert "sent to another e-mail address" in page(response)
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_an_unknown_token_is_404(client):
    assert client.get(reverse("portal:invitation_accept", kwargs={"token": "nope"})).status_code == 404
