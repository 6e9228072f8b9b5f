"""Repeat no-shows, per person and per company."""

from datetime import datetime
from typing import Any

from django.db.models import Count

from bookings.models import Booking, BookingStatus


def no_show_counts(*, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """No-shows of bookings starting at or after ``since``, most first: two queries whatever the data."""
    no_shows = Booking.objects.filter(status=BookingStatus.NO_SHOW, starts_at__gte=since).order_by()
    people = (
        no_shows.values("booked_by", "booked_by__email", "booked_by__full_name")
        .annotate(no_shows=Count("pk"))
        .order_by("-no_shows", "booked_by")
    )
    companies = (
        no_shows.filter(company__isnull=False)
        .values("company", "company__name")
        .annotate(no_shows=Count("pk"))
        .order_by("-no_shows", "company")
    )
    return {
        "people": [
            {
                "user": row["booked_by"],
                "email": row["booked_by__email"],
                "name": row["booked_by__full_name"] or row["booked_by__email"],
                "no_shows": row["no_shows"],
            }
            for row in people
        ],
        "companies": [
            {"company": row["company"], "name": row["company__name"], "no_shows": row["no_shows"]}
            for row in companies
        ],
    }
