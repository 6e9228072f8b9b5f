"""Portal routes for booking, the calendar and access (included from portal/urls.py)."""

from django.urls import path

from portal.views import access, book, calendar, labs

urlpatterns = [
    path("book/", book.BookSearchView.as_view(), name="book"),
    path("book/resources/<int:pk>/", book.ResourceDayView.as_view(), name="resource-day"),
    path("book/resources/<int:pk>/series/", book.SeriesCreateView.as_view(), name="series-create"),
    path("book/resources/<int:pk>/waitlist/", book.WaitlistJoinView.as_view(), name="waitlist-join"),
    path("bookings/", book.BookingListView.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", book.BookingDetailView.as_view(), name="booking-detail"),
    path("bookings/<int:pk>/cancel/", book.BookingActionView.as_view(action="cancel"), name="booking-cancel"),
    path(
        "bookings/<int:pk>/check-in/",
        book.BookingActionView.as_view(action="check_in"),
        name="booking-check-in",
    ),
    path("waitlist/", book.WaitlistView.as_view(), name="waitlist"),
    path(
        "waitlist/<int:pk>/accept/", book.WaitlistActionView.as_view(action="accept"), name="waitlist-accept"
    ),
    path("waitlist/<int:pk>/leave/", book.WaitlistActionView.as_view(action="leave"), name="waitlist-leave"),
    path("calendar/", calendar.CalendarWeekView.as_view(), name="calendar"),
    path("calendar/feeds/", calendar.FeedListView.as_view(), name="calendar-feeds"),
    path("calendar/feeds/<int:pk>/revoke/", calendar.FeedRevokeView.as_view(), name="calendar-feed-revoke"),
    path("access/", access.AccessView.as_view(), name="access"),
    path("access/qr/<int:pk>/", access.AccessQrView.as_view(), name="access-qr"),
    path("trainings/", labs.TrainingsView.as_view(), name="trainings"),
]
