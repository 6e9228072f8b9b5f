from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from core.admin import TransitionHistoryInline
from core.models import TransitionLog
from core.workflow import transition_log
from tests.accounts.factories import UserFactory
from tests.spaces.factories import SpaceFactory
from tests.workflow_app.models import Ticket

pytestmark = pytest.mark.django_db

# A throwaway admin site that shows the history inline on the test workflow model;
# tests that use it run with this module as their URLconf (@pytest.mark.urls(__name__)).
history_site = admin.AdminSite(name="history_admin")


class TicketAdmin(admin.ModelAdmin):
    fields = ("status", "note")
    inlines = [TransitionHistoryInline]


history_site.register(Ticket, TicketAdmin)
urlpatterns = [path("history-admin/", history_site.urls)]

CHANGELIST = "admin:core_transitionlog_changelist"


@pytest.fixture
def staff_browser(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


def _log(obj, action: str, from_state: str, to_state: str, **kwargs) -> TransitionLog:  # type: ignore[no-untyped-def]
    return transition_log(obj=obj, action=action, from_state=from_state, to_state=to_state, **kwargs)


def _ticket_permission(action: str) -> Permission:
    return Permission.objects.get(
        content_type=ContentType.objects.get_for_model(Ticket), codename=f"{action}_ticket"
    )


def _rows(response) -> list[TransitionLog]:  # type: ignore[no-untyped-def]
    return list(response.context["cl"].result_list)


# --- TransitionLogAdmin ------------------------------------------------------------------------------


def test_transition_log_changelist_shows_object_action_states_and_actor(staff_browser, staff_user):
    # given
    staff_user.full_name = "Wang Fang"
    staff_user.save()
    space = SpaceFactory()
    _log(space, "open", "", "active", actor=staff_user, reason="new floor")
    _log(Ticket.objects.create(), "expire", "open", "closed", actor_label="task:expire")
    # when
    response = staff_browser.get(reverse(CHANGELIST))
    # then
    assert response.status_code == 200
    assert len(_rows(response)) == 2
    space_url = reverse("admin:spaces_space_change", args=[space.pk])
    assertContains(response, f'<a href="{space_url}">{space.pk}</a>', html=True)
    assertContains(response, "Campus and spaces | space")
    assertContains(response, "∅ → active")
    assertContains(response, "open → closed")
    assertContains(response, "Wang Fang")
    assertContains(response, "task:expire")


def test_transition_log_changelist_leaves_unregistered_objects_unlinked(staff_browser):
    # given
    ticket = Ticket.objects.create()
    _log(ticket, "start", "open", "in_progress")
    # when
    response = staff_browser.get(reverse(CHANGELIST))
    # then
    assertContains(response, f'<td class="field-object_link">{ticket.pk}</td>', html=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda: {"action__exact": "close"}, ["ticket closed"]),
        (lambda: {"q": "duplicate"}, ["ticket closed"]),
        (
            lambda: {"content_type__id__exact": ContentType.objects.get_for_model(Ticket).pk},
            ["ticket started", "ticket closed"],
        ),
        (
            lambda: {"created_at__year": str(timezone.now().year)},
            ["space opened", "ticket started", "ticket closed"],
        ),
    ],
)
def test_transition_log_changelist_filters_and_search_narrow_the_rows(staff_browser, params, expected):
    # given
    ticket = Ticket.objects.create()
    _log(SpaceFactory(), "open", "", "active", reason="space opened")
    _log(ticket, "start", "open", "in_progress", reason="ticket started")
    _log(ticket, "close", "in_progress", "closed", reason="ticket closed as duplicate")
    # when
    response = staff_browser.get(reverse(CHANGELIST), params())
    # then
    assert [log.reason.removesuffix(" as duplicate") for log in _rows(response)] == expected


def test_transition_log_changelist_offers_only_logged_object_types(staff_browser):
    # given
    _log(Ticket.objects.create(), "start", "open", "in_progress")
    _log(SpaceFactory(), "open", "", "active")
    # when
    response = staff_browser.get(reverse(CHANGELIST))
    # then
    (content_types,) = [f for f in response.context["cl"].filter_specs if f.field_path == "content_type"]
    assert {label for _, label in content_types.lookup_choices} == {
        "Campus and spaces | space",
        "Workflow_App | ticket",
    }


def test_transition_log_admin_is_read_only(staff_browser):
    # given
    log = _log(Ticket.objects.create(), "start", "open", "in_progress", reason="picked up")
    change_url = reverse("admin:core_transitionlog_change", args=[log.pk])
    # when
    changelist = staff_browser.get(reverse(CHANGELIST))
    change = staff_browser.get(change_url)
    posted = staff_browser.post(change_url, {"reason": "rewritten"})
    add = staff_browser.get(reverse("admin:core_transitionlog_add"))
    delete = staff_browser.get(reverse("admin:core_transitionlog_delete", args=[log.pk]))
    # then
    assertNotContains(changelist, reverse("admin:core_transitionlog_add"))
    assertNotContains(changelist, 'name="action"')  # no bulk actions, so no delete_selected
    assert change.status_code == 200
    assertContains(change, "picked up")
    assertNotContains(change, 'name="_save"')
    assert posted.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    log.refresh_from_db()
    assert log.reason == "picked up"


def test_transition_log_changelist_runs_the_same_queries_for_3_and_30_rows(staff_browser, staff_user):
    # given
    url = reverse(CHANGELIST)

    def add_logs(count: int) -> None:
        for _ in range(count):
            _log(SpaceFactory(), "open", "", "active", actor=UserFactory())
            _log(Ticket.objects.create(), "start", "open", "in_progress", actor_label="system")

    add_logs(2)
    staff_browser.get(url)
    # when
    with CaptureQueriesContext(connection) as few:
        staff_browser.get(url)
    add_logs(13)
    with CaptureQueriesContext(connection) as many:
        response = staff_browser.get(url)
    # then
    assert len(_rows(response)) == 30
    assert len(many) == len(few)


def test_transition_log_changelist_query_count(staff_browser, django_assert_num_queries):
    # given
    for _ in range(3):
        _log(Ticket.objects.create(), "start", "open", "in_progress", actor=UserFactory())
    url = reverse(CHANGELIST)
    staff_browser.get(url)
    # when / then
    # session, user, content types that have rows, COUNT filtered and unfiltered,
    # rows with content type and actor, date hierarchy (range and days), actions that have rows
    with django_assert_num_queries(9):
        staff_browser.get(url)


def test_transition_log_admin_sends_non_staff_to_the_login_page(client, user):
    # given
    client.force_login(user)
    # when
    response = client.get(reverse(CHANGELIST))
    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- TransitionHistoryInline -------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_history_inline_lists_the_objects_transitions_oldest_first(staff_browser, staff_user):
    # given
    ticket = Ticket.objects.create(status="closed")
    started = _log(ticket, "start", "open", "in_progress", actor=staff_user, reason="picked up")
    closed = _log(ticket, "close", "in_progress", "closed", actor_label="task:expire", reason="went stale")
    _log(Ticket.objects.create(), "start", "open", "in_progress", reason="another ticket")
    # the later row by pk happened first
    TransitionLog.objects.filter(pk=started.pk).update(created_at=timezone.now())
    TransitionLog.objects.filter(pk=closed.pk).update(created_at=timezone.now() - timedelta(days=1))
    # when
    response = staff_browser.get(reverse("history_admin:workflow_app_ticket_change", args=[ticket.pk]))
    # then
    assert response.status_code == 200
    (history,) = response.context["inline_admin_formsets"]
    assert [form.instance for form in history.formset.forms] == [closed, started]
    content = response.content.decode()
    assert content.index("went stale") < content.index("picked up")
    assertContains(response, "in_progress → closed")
    assertContains(response, "task:expire")
    assertNotContains(response, "another ticket")


@pytest.mark.urls(__name__)
def test_history_inline_is_read_only(staff_browser):
    # given
    ticket = Ticket.objects.create()
    _log(ticket, "start", "open", "in_progress", reason="picked up")
    # when
    response = staff_browser.get(reverse("history_admin:workflow_app_ticket_change", args=[ticket.pk]))
    # then
    (history,) = response.context["inline_admin_formsets"]
    assert not history.has_add_permission
    assert not history.has_change_permission
    assert not history.has_delete_permission
    assert history.formset.max_num == 0
    assert all(not form.fields.keys() - {"id"} for form in history.formset.forms)


@pytest.mark.urls(__name__)
def test_history_inline_is_hidden_on_the_add_page(staff_browser):
    # when
    response = staff_browser.get(reverse("history_admin:workflow_app_ticket_add"))
    # then
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"] == []
    assertNotContains(response, "Transition history")


@pytest.mark.urls(__name__)
def test_history_inline_shows_to_staff_without_transition_log_permissions(client):
    # given
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(_ticket_permission("view"))
    client.force_login(clerk)
    ticket = Ticket.objects.create()
    _log(ticket, "start", "open", "in_progress", reason="picked up")
    # when
    response = client.get(reverse("history_admin:workflow_app_ticket_change", args=[ticket.pk]))
    # then
    assert response.status_code == 200
    assertContains(response, "picked up")


@pytest.mark.urls(__name__)
def test_history_inline_runs_the_same_queries_for_2_and_20_rows(staff_browser):
    # given
    ticket = Ticket.objects.create()

    def add_logs(count: int) -> None:
        for _ in range(count):
            _log(ticket, "start", "open", "in_progress", actor=UserFactory())

    add_logs(2)
    url = reverse("history_admin:workflow_app_ticket_change", args=[ticket.pk])
    staff_browser.get(url)
    # when
    with CaptureQueriesContext(connection) as few:
        staff_browser.get(url)
    add_logs(18)
    with CaptureQueriesContext(connection) as many:
        response = staff_browser.get(url)
    # then
    (history,) = response.context["inline_admin_formsets"]
    assert len(history.formset.forms) == 20
    assert len(many) == len(few)


def test_history_inline_matches_rows_logged_for_proxy_models(rf, staff_user):
    # given
    request = rf.get("/")
    request.user = staff_user
    inline = TransitionHistoryInline(Ticket, history_site)
    # when
    formset_class = inline.get_formset(request, Ticket.objects.create())
    # then: transition_log() stores a proxy's own content type, so the inline must look it up the same way
    assert formset_class.for_concrete_model is False


def test_calendar_day_admin_lists_overrides_and_what_the_package_says(client, staff_user):
    # given a staff override on the first day of the 2026 Spring Festival
    import datetime

    from core.models import CalendarDay

    CalendarDay.objects.create(date=datetime.date(2026, 2, 17), kind="holiday", name="Spring Festival")
    client.force_login(staff_user)
    # when
    response = client.get(reverse("admin:core_calendarday_changelist"))
    # then
    assert response.status_code == 200
    assert "Spring Festival" in response.text
    assert "day off (Chinese New Year (Spring Festival))" in response.text


def test_admin_has_a_language_switch_that_changes_the_page_language(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("admin:index"))
    assert 'name="language"' in response.text
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("admin:index")})
    response = client.get(reverse("admin:index"))
    assert response.headers["Content-Language"] == "zh-hans"
    assert "站点管理" in response.text  # Django's own "Site administration" in Chinese
