"""Trainings and qualifications: enrol, record results, grant and renew, revoke, expiry reminders.

Passing a session grants the course's qualification (or renews the live one) for
``validity_months`` from the end of the session; every prerequisite must be valid then.
Revoking cancels the person's bookings that have not started of the equipment (and, for
an induction, the labs) that need the course, and tells them, in the same transaction.
Every grant, renewal and revocation sends ``qualification_changed`` (lab doors follow).
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus, Resource
from bookings.services import bookings as booking_services
from core.workflow import transition_log
from hardware_labs.models import (
    Attendance,
    AttendanceResult,
    Course,
    Equipment,
    Qualification,
    TrainingSession,
)
from hardware_labs.signals import qualification_changed
from notifications.services import notify

REMINDER_DAYS = (30, 7)


def _staff(actor: Any) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only staff manage trainings and qualifications."))


@transaction.atomic
def session_enrol(*, session: TrainingSession, person: Any, actor: Any) -> Attendance:
    """Put ``person`` on the session's list (staff, or the person themself), within capacity."""
    if not (getattr(actor, "is_staff", False) or actor.pk == person.pk):
        raise PermissionDenied(_("You may only enrol yourself."))
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.results_recorded_at is not None:
        raise ValidationError(_("The results of this session are in."), code="session_closed")
    existing = Attendance.objects.filter(session=locked, person=person).first()
    if existing is not None:
        return existing
    if Attendance.objects.filter(session=locked).count() >= locked.capacity:
        raise ValidationError(_("This session is full."), code="session_full")
    return Attendance.objects.create(session=locked, person=person)


def _prerequisite_missing(*, person: Any, course: Course, at: datetime) -> Course | None:
    prerequisites = list(course.prerequisites.order_by("code", "pk"))
    if not prerequisites:
        return None
    valid = set(
        Qualification.objects.live()
        .filter(person=person, course__in=prerequisites, granted_at__lte=at, expires_at__gt=at)
        .values_list("course_id", flat=True)
    )
    return next((c for c in prerequisites if c.pk not in valid), None)


@transaction.atomic
def qualification_grant(
    *,
    person: Any,
    course: Course,
    granted_by: Any,
    at: datetime | None = None,
    session: TrainingSession | None = None,
) -> Qualification:
    """Grant ``course`` to ``person`` from ``at`` (or renew the live qualification from then on)."""
    at = at or timezone.now()
    missing = _prerequisite_missing(person=person, course=course, at=at)
    if missing is not None:
        raise ValidationError(
            _("%(person)s first needs a valid qualification in %(course)s.")
            % {"person": person.get_full_name() or person.email, "course": missing.name},
            code="prerequisite_missing",
            params={"course_id": missing.pk},
        )
    expires_at = at + relativedelta(months=course.validity_months)
    live = (
        Qualification.objects.select_for_update()
        .filter(person=person, course=course, revoked_at=None)
        .first()
    )
    by = granted_by if getattr(granted_by, "is_authenticated", False) else None
    if live is None:
        qualification = Qualification.objects.create(
            person=person, course=course, granted_at=at, expires_at=expires_at, granted_by=by, session=session
        )
        action = "grant"
    else:
        qualification = live
        if qualification.expires_at < at:  # lapsed: a fresh span, not one covering the gap
            qualification.granted_at = at
        qualification.renewed_at = at
        qualification.expires_at = max(expires_at, qualification.expires_at)
        qualification.granted_by = by or qualification.granted_by
        qualification.session = session or qualification.session
        qualification.reminder_30_sent_at = qualification.reminder_7_sent_at = None
        qualification.save()
        action = "renew"
    transition_log(
        obj=qualification,
        action=action,
        from_state="",
        to_state="valid",
        actor=granted_by,
        data={"expires_at": qualification.expires_at.isoformat(), "session": session.pk if session else None},
    )
    qualification_changed.send(sender=Qualification, qualification=qualification, action=action)
    return qualification


@transaction.atomic
def session_record_results(
    *, session: TrainingSession, results: Mapping[int, str], actor: Any, now: datetime | None = None
) -> list[Qualification]:
    """Record each attendee's result (person id → passed | failed | absent); passes grant the course.

    Refused as a whole (nothing written) if the session has not ended or a pass lacks a prerequisite.
    """
    _staff(actor)
    now = now or timezone.now()
    locked = TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    if locked.ends_at > now:
        raise ValidationError(_("Record results once the session has ended."), code="session_not_ended")
    attendances = {a.person_id: a for a in Attendance.objects.filter(session=locked).select_related("person")}
    unknown = set(results) - set(attendances)
    if unknown:
        raise ValidationError(_("Only attendees of the session get results."), code="not_an_attendee")
    granted = []
    for person_id, result in sorted(results.items()):
        if result not in (AttendanceResult.PASSED, AttendanceResult.FAILED, AttendanceResult.ABSENT):
            raise ValidationError(
                _("Unknown result “%(result)s”.") % {"result": result}, code="invalid_result"
            )
        attendance = attendances[person_id]
        attendance.result = result
        attendance.save(update_fields=["result"])
        if result == AttendanceResult.PASSED:
            granted.append(
                qualification_grant(
                    person=attendance.person,
                    course=locked.course,
                    granted_by=actor,
                    at=locked.ends_at,
                    session=locked,
                )
            )
    locked.results_recorded_at = now
    locked.save(update_fields=["results_recorded_at", "updated_at"])
    transition_log(
        obj=locked,
        action="record_results",
        from_state="",
        to_state="recorded",
        actor=actor,
        data={"results": {str(k): v for k, v in results.items()}},
    )
    return granted


def resources_needing(course: Course) -> list[int]:
    """Ids of the resources whose booking needs ``course``: its equipment; for an induction, its labs too."""
    if not course.is_lab_induction:
        return list(
            Equipment.objects.filter(required_courses=course, resource__isnull=False).values_list(
                "resource_id", flat=True
            )
        )
    in_labs = Q() if course.lab_id is None else Q(space_id=course.lab_id) | Q(equipment__lab_id=course.lab_id)
    return list(
        Resource.objects.filter(in_labs, Q(kind="lab") | Q(kind="equipment")).values_list("pk", flat=True)
    )


@transaction.atomic
def qualification_revoke(
    *, qualification: Qualification, actor: Any, reason: str, now: datetime | None = None
) -> Qualification:
    """Revoke, cancel the person's bookings that need it and have not started, and tell them."""
    _staff(actor)
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(_("Give a reason."), code="required")})
    now = now or timezone.now()
    locked = (
        Qualification.objects.select_for_update().select_related("course", "person").get(pk=qualification.pk)
    )
    if locked.revoked_at is not None:
        raise ValidationError(_("This qualification is already revoked."), code="already_revoked")
    locked.revoked_at = now
    locked.revoked_by = actor
    locked.revoke_reason = reason.strip()
    locked.save()
    transition_log(
        obj=locked, action="revoke", from_state="valid", to_state="revoked", actor=actor, reason=reason
    )
    cancel_reason = _("Qualification in %(course)s revoked: %(reason)s") % {
        "course": locked.course.name,
        "reason": locked.revoke_reason,
    }
    bookings = (
        Booking.objects.filter(
            booked_by=locked.person,
            resource_id__in=resources_needing(locked.course),
            status__in=(BookingStatus.PENDING_APPROVAL, BookingStatus.CONFIRMED),
            starts_at__gt=now,
        )
        .select_related("resource__campus", "resource__policy")
        .order_by("starts_at", "pk")
    )
    cancelled = [
        booking_services.booking_cancel(booking=b, actor=actor, reason=cancel_reason, now=now)
        for b in bookings
    ]
    tz = cancelled[0].resource.tzinfo if cancelled else timezone.get_current_timezone()
    notify(
        recipient=locked.person,
        kind="hardware_labs.qualification_revoked",
        context={
            "qualification": locked,
            "course": locked.course,
            "reason": locked.revoke_reason,
            "cancelled": [
                {
                    "resource": b.resource.name,
                    "starts": timezone.localtime(b.starts_at, tz).replace(tzinfo=None),
                }
                for b in cancelled
            ],
            "time_zone": str(tz),
        },
        subject_obj=locked,
        dedupe_key=f"qualification:{locked.pk}:revoked",
    )
    qualification_changed.send(sender=Qualification, qualification=locked, action="revoke")
    return locked


def qualification_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Remind people whose qualification expires within 30 days, and again within 7; each once.

    A conditional update claims each reminder, so a second run (or a second worker) sends nothing more.
    """
    now = now or timezone.now()
    sent = {}
    for days in sorted(REMINDER_DAYS):  # 7 first: it also stands in for a 30-day one not yet sent
        field = f"reminder_{days}_sent_at"
        due = (
            Qualification.objects.live()
            .filter(
                expires_at__gt=now, expires_at__lte=now + timedelta(days=days), **{f"{field}__isnull": True}
            )
            .select_related("person", "course")
            .order_by("expires_at", "pk")
        )
        count = 0
        for qualification in due[:1000]:
            with transaction.atomic():
                updates = {field: now}
                if days == 7:  # the 30-day one is no longer worth sending
                    updates["reminder_30_sent_at"] = now
                claimed = Qualification.objects.filter(
                    pk=qualification.pk, revoked_at__isnull=True, **{f"{field}__isnull": True}
                ).update(**updates)
                if not claimed:
                    continue
                notify(
                    recipient=qualification.person,
                    kind="hardware_labs.qualification_expiring",
                    context={
                        "course": qualification.course,
                        "expires": timezone.localtime(qualification.expires_at).replace(tzinfo=None),
                        "days": days,
                    },
                    subject_obj=qualification,
                    dedupe_key=f"qualification:{qualification.pk}:{qualification.expires_at:%Y%m%d}:{days}",
                )
                count += 1
        sent[f"{days}_days"] = count
    return sent
