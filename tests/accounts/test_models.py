import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_signs_in_by_email_case_insensitively():
    User.objects.create_user("Li.Wei@Example.com", password="s3cret-pass!")
    assert authenticate(username="li.wei@example.com", password="s3cret-pass!") is not None
    assert authenticate(username="LI.WEI@EXAMPLE.COM", password="s3cret-pass!") is not None


def test_email_is_unique_whatever_its_case():
    UserFactory(email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="A@example.com")


def test_preferred_language_is_used_unless_a_language_was_chosen(client):
    # given
    person = UserFactory(preferred_language="zh-hans")
    client.force_login(person)
    # when / then: the admin renders in the person's language
    response = client.get(reverse("admin:password_change"))
    assert response.headers["Content-Language"] == "zh-hans"
    # when they switch the language for this browser, that wins
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("admin:password_change"))
    assert response.headers["Content-Language"] == "en"
