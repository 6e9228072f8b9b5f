"""Booking gates: booking equipment (or a lab) needs valid qualifications; maintenance blocks bookings.

Registered with ``bookings.checks`` in ``HardwareLabsConfig.ready()``, so every path that books
runs them: the API, staff booking on a person's behalf (the person's qualifications count), series,
pools, waitlist offers accepted and pilot runs. A lab booking needs the lab's safety induction;
an equipment booking needs that plus every course the equipment requires, each valid for the
whole booked time. Staff may override a missing qualification with a recorded reason
(``bookings.checks.staff_override``); nobody overrides maintenance.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import checks
from bookings.models import Resource, ResourceKind
from hardware_labs.models import Course, Equipment, MaintenanceWindow, Qualification


def induction_courses(*, lab_id: int) -> list[Course]:
    return list(
        Course.objects.filter(Q(lab__isnull=True) | Q(lab_id=lab_id), is_lab_induction=True).order_by(
            "code", "pk"
        )
    )


def courses_required(*, equipment: Equipment) -> list[Course]:
    """The lab's induction first, then the equipment's own courses (each once)."""
    courses = induction_courses(lab_id=equipment.lab_id)
    seen = {c.pk for c in courses}
    courses += [c for c in equipment.required_courses.order_by("code", "pk") if c.pk not in seen]
    return courses


def courses_for_resource(resource: Resource) -> list[Course]:
    """What booking ``resource`` requires: nothing unless it is a piece of equipment or a lab."""
    if resource.kind == ResourceKind.EQUIPMENT:
        equipment = Equipment.objects.filter(resource=resource).first()
        return courses_required(equipment=equipment) if equipment is not None else []
    if resource.kind == ResourceKind.LAB and resource.space_id:
        return induction_courses(lab_id=resource.space_id)
    return []


def missing_course(
    *, person: Any, courses: list[Course], starts_at: datetime, ends_at: datetime
) -> Course | None:
    """The first of ``courses`` the person holds no qualification in valid over all of
    [starts_at, ends_at)."""
    if not courses:
        return None
    valid = set(
        Qualification.objects.valid_over(starts_at, ends_at)
        .filter(person=person, course__in=courses)
        .values_list("course_id", flat=True)
    )
    return next((c for c in courses if c.pk not in valid), None)


def qualification_error(*, person: Any, course: Course, ends_at: datetime) -> ValidationError:
    """``qualification_missing`` naming the course; the API body carries the course too."""
    live = Qualification.objects.live().filter(person=person, course=course).first()
    if live is not None and live.expires_at < ends_at and live.expires_at > timezone.now():
        message = _("Your qualification in %(course)s expires on %(date)s, before the booking ends.") % {
            "course": course.name,
            "date": timezone.localtime(live.expires_at).strftime("%Y-%m-%d"),
        }
    else:
        message = _("This needs a valid qualification in %(course)s.") % {"course": course.name}
    error = ValidationError(
        message,
        code="qualification_missing",
        params={"course_id": course.pk, "course_code": course.code, "course": course.name},
    )
    error.api_extra = {"course": {"id": course.pk, "code": course.code, "name": course.name}}  # type: ignore[attr-defined]
    return error


def qualification_check(request: checks.BookingRequest) -> str | None:
    courses = courses_for_resource(request.resource)
    course = missing_course(
        person=request.booked_by, courses=courses, starts_at=request.starts_at, ends_at=request.ends_at
    )
    if course is None:
        return None
    if checks.current_override() is not None:
        return f"qualification_missing:{course.code}"
    raise qualification_error(person=request.booked_by, course=course, ends_at=request.ends_at)


def maintenance_meeting(
    *, resource: Resource, starts_at: datetime, ends_at: datetime
) -> MaintenanceWindow | None:
    if resource.kind == ResourceKind.EQUIPMENT:
        windows = MaintenanceWindow.objects.filter(equipment__resource=resource)
    elif resource.kind == ResourceKind.LAB and resource.space_id:
        windows = MaintenanceWindow.objects.filter(equipment__lab_id=resource.space_id)
    else:
        return None
    return (
        windows.filter(cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("equipment")
        .order_by("starts_at", "pk")
        .first()
    )


def maintenance_error(window: MaintenanceWindow, tz: Any) -> ValidationError:
    return ValidationError(
        _("%(equipment)s is under maintenance from %(start)s to %(end)s.")
        % {
            "equipment": window.equipment.name,
            "start": timezone.localtime(window.starts_at, tz).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(window.ends_at, tz).strftime("%Y-%m-%d %H:%M"),
        },
        code="maintenance",
    )


def maintenance_check(request: checks.BookingRequest) -> str | None:
    window = maintenance_meeting(
        resource=request.resource, starts_at=request.starts_at, ends_at=request.ends_at
    )
    if window is not None:
        raise maintenance_error(window, request.resource.tzinfo)
    return None
