"""``manage.py access_device_create --site <code> --name <name> [--door <code> ...]``: keys shown once."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access_control.models import Door, Site
from access_control.services.devices import device_create


class Command(BaseCommand):
    help = "Create an access-control device and print its key id, secret and the site's pepper (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="The site's code.")
        parser.add_argument("--name", required=True, help="The device's name.")
        parser.add_argument("--door", action="append", default=[], help="A door code (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(code=options["site"]).first()
        if site is None:
            raise CommandError(f"No site with code {options['site']!r}.")
        doors = list(Door.objects.filter(site=site, code__in=options["door"]))
        missing = set(options["door"]) - {door.code for door in doors}
        if missing:
            raise CommandError(f"No door(s) {', '.join(sorted(missing))} on site {site.code}.")
        try:
            keys = device_create(site=site, name=options["name"], doors=doors)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        values = keys.as_dict()
        self.stdout.write(f"device:     {keys.device.pk} ({keys.device.name})")
        self.stdout.write(f"key_id:     {values['key_id']}")
        self.stdout.write(f"secret:     {values['secret_hex']} (hex) {values['secret_base64']} (base64)")
        self.stdout.write(f"pepper_id:  {values['pepper_id']}")
        self.stdout.write(f"pepper:     {values['pepper_hex']} (hex)")
        self.stdout.write("Store these now: they are not shown again.")
