import factory
from factory.django import DjangoModelFactory

from notifications.models import Notification
from tests.accounts.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    """A stored notification, as ``notify()`` would leave it (without rendering templates)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "generic.message"
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Hello,\n\nSomething happened."
    language = "en"
