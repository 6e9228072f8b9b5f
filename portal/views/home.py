"""The company's home: tenancy, team, the week's bookings, credits, open checklists, registration
progress step by step, and the latest notifications. A constant number of queries."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from bookings.models import HOLDING_STATUSES, Booking, ResourceKind
from bookings.selectors.credits import company_credit_balance
from notifications.models import Notification
from notifications.services import notification_mark_all_read, notification_mark_read
from portal.views.base import PortalView
from tenants.models import (
    Checklist,
    Membership,
    RegistrationCase,
    RegistrationStep,
    Tenancy,
    TenancySpace,
)
from tenants.models.registration import RegistrationStepKind, RegistrationStepStatus, WaitingOn
from tenants.models.tenancy import TenancyStatus
from tenants.selectors.registration import registration_case_progress

UPCOMING_DAYS = 7
UPCOMING_LIMIT = 20
LATEST_NOTIFICATIONS = 5


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class HomeView(PortalView, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        notifications = Notification.objects.filter(recipient=user)
        context["notifications"] = list(notifications.order_by("-created_at", "-pk")[:LATEST_NOTIFICATIONS])
        context["unread_count"] = notifications.filter(read_at=None).count()
        company = context["company"]
        if company is None:
            from tenants.models import Application

            context["applications"] = list(
                Application.objects.visible_to(user).order_by("-created_at", "pk")[:10]
            )
            return context
        context.update(self._company(company))
        return context

    def _company(self, company: Any) -> dict[str, Any]:
        now = timezone.now()
        tenancies = list(
            Tenancy.objects.filter(company=company)
            .exclude(status=TenancyStatus.CLOSED)
            .prefetch_related(
                Prefetch(
                    "tenancy_spaces",
                    queryset=TenancySpace.objects.select_related("space__floor__building").order_by(
                        "space__code"
                    ),
                )
            )
            .order_by("starts_on", "pk")
        )
        bookings = list(
            Booking.objects.filter(
                company=company,
                status__in=HOLDING_STATUSES,
                ends_at__gt=now,
                starts_at__lt=now + timedelta(days=UPCOMING_DAYS),
            )
            .select_related("resource", "booked_by")
            .order_by("starts_at", "pk")[:UPCOMING_LIMIT]
        )
        checklists = list(
            Checklist.objects.filter(tenancy__company=company, completed_at=None)
            .annotate(
                items_total=Count("items"),
                items_done=Count("items", filter=Q(items__done_at__isnull=False)),
            )
            .order_by("created_at", "pk")
        )
        cases = list(
            RegistrationCase.objects.filter(company=company)
            .prefetch_related(Prefetch("steps", queryset=RegistrationStep.objects.order_by("order")))
            .order_by("-opened_at", "pk")
        )
        registration = []
        for case in cases:
            progress = registration_case_progress(case=case, now=now)
            for row in progress["steps"]:
                row["kind_label"] = _label(RegistrationStepKind, row["kind"])
                row["status_label"] = _label(RegistrationStepStatus, row["status"])
                row["waiting_on_label"] = _label(WaitingOn, row["waiting_on"]) if row["waiting_on"] else ""
            registration.append({"case": case, **progress})
        credits = [
            {"kind": _label(ResourceKind, b.resource_kind), "balance": b}
            for b in company_credit_balance(company=company, now=now)
        ]
        team = list(
            Membership.objects.active().filter(company=company).select_related("user").order_by("role", "pk")
        )
        return {
            "tenancies": tenancies,
            "bookings": bookings,
            "upcoming_days": UPCOMING_DAYS,
            "checklists": checklists,
            "registration": registration,
            "credits": credits,
            "team": team,
        }


class NotificationListView(PortalView):
    """All my notifications, newest first, 20 a page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import render

        queryset = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
        page = Paginator(queryset, 20).get_page(request.GET.get("page"))
        return render(request, "portal/notifications.html", {"page_obj": page, "notifications": list(page)})


class NotificationReadView(PortalView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)
        notification_mark_read(notification=notification, user=request.user)
        return redirect("portal:notifications")


class NotificationReadAllView(PortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        count = notification_mark_all_read(user=request.user)
        messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
        return redirect("portal:notifications")
