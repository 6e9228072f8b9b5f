"""Keep each bookable space's resource in step with the space (wired in ``BookingsConfig.ready``)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from spaces.models import Space


@receiver(post_save, sender=Space, dispatch_uid="bookings_space_resource_sync")
def space_saved(sender: Any, instance: Space, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from bookings.services.resources import resource_sync_for_space

    resource_sync_for_space(space=instance)
