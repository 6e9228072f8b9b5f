"""The lab trainings a founder can take: each course, my qualification in it, and its next sessions."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.views.generic import TemplateView

from hardware_labs.models import Course, Qualification, TrainingSession
from portal.views.base import PortalView


class TrainingsView(PortalView, TemplateView):
    """Courses with my live qualification and upcoming sessions; three queries whatever the numbers."""

    template_name = "portal/labs/trainings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        upcoming = TrainingSession.objects.filter(starts_at__gt=now).order_by("starts_at", "pk")
        courses = list(
            Course.objects.order_by("-is_lab_induction", "name", "pk").prefetch_related(
                Prefetch("sessions", queryset=upcoming, to_attr="upcoming")
            )
        )
        mine = {
            q.course_id: q
            for q in Qualification.objects.live().filter(person=self.request.user).order_by("expires_at")
        }
        context["rows"] = [{"course": c, "qualification": mine.get(c.pk)} for c in courses]
        context["now"] = now
        return context
