"""Public (token-only) views of the bookings app."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from bookings.services import feeds


@login_not_required
@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: the feed for calendar apps; the token is the only credential."""
    feed = feeds.calendar_feed_for_token(token=token)
    if feed is None:
        raise Http404
    response = HttpResponse(
        feeds.calendar_feed_render(feed=feed), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
