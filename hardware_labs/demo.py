"""Demo labs: equipment in the pilot lab building, the courses, qualified and unqualified founders,
training sessions, a maintenance window and a pilot run.

``manage.py seed_demo`` calls ``demo_seed`` after ``bookings`` (INSTALLED_APPS order). Everything is
made through the labs services, as staff would, so equipment gets its resource and policy and the
transition log is written. Told once: if the lab safety course exists, a second run writes nothing.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone

from accounts.models import User
from core.calendar import working_calendar
from hardware_labs.models import Attendance, Course, MaintenanceMode, TrainingSession
from hardware_labs.services import equipment as equipment_services
from hardware_labs.services import maintenance, pilot_runs, trainings
from spaces.models import Campus, Space
from tenants.models import Membership

CAMPUS_CODE = "etown"
STAFF_EMAIL = "staff@etown.example"

# code, name, name_zh, months, induction, prerequisites
COURSES = [
    ("lab-safety", "Lab safety induction", "实验室安全入门", 12, True, ()),
    ("smt-operation", "SMT line operation", "SMT产线操作", 12, False, ("lab-safety",)),
    ("reflow-oven", "Reflow oven operation", "回流焊炉操作", 12, False, ("lab-safety",)),
    ("emc-chamber", "EMC chamber operation", "EMC暗室操作", 12, False, ("lab-safety",)),
    ("env-chamber", "Environmental chamber operation", "环境试验箱操作", 12, False, ("lab-safety",)),
    ("printer-3d", "3D printer operation", "3D打印机操作", 24, False, ()),
    ("laser-cutter", "Laser cutter safety", "激光切割机安全", 12, False, ("lab-safety",)),
]
# lab space code, asset tag, name, name_zh, kind, make, model, hazard, rate, courses, consumables
EQUIPMENT = [
    (
        "L1-1F-SMT",
        "smt-01",
        "SMT pick-and-place line",
        "SMT贴片线",
        "smt_line",
        "Yamaha",
        "YSM20R",
        "high",
        "600",
        ("smt-operation",),
        [("Solder paste", "g"), ("Nozzle cleaner", "ml")],
    ),
    (
        "L1-1F-REFLOW",
        "reflow-01",
        "Reflow oven",
        "回流焊炉",
        "reflow_oven",
        "Heller",
        "1809 MK5",
        "high",
        "300",
        ("reflow-oven",),
        [("Nitrogen", "L")],
    ),
    (
        "L1-1F-EMC",
        "emc-01",
        "EMC pre-compliance chamber",
        "EMC预兼容暗室",
        "emc_chamber",
        "ETS-Lindgren",
        "SMART 80",
        "medium",
        "800",
        ("emc-chamber",),
        [],
    ),
    (
        "L1-1F-ENV",
        "env-01",
        "Temperature-humidity chamber",
        "温湿度试验箱",
        "environmental_chamber",
        "ESPEC",
        "SH-662",
        "medium",
        "200",
        ("env-chamber",),
        [],
    ),
    (
        "L1-2F-PRINT",
        "print-01",
        "3D printer (FDM) 1",
        "3D打印机(FDM)1",
        "printer_3d",
        "Bambu Lab",
        "X1E",
        "low",
        "60",
        ("printer-3d",),
        [("PLA filament", "g")],
    ),
    (
        "L1-2F-PRINT",
        "print-02",
        "3D printer (resin)",
        "3D打印机(光固化)",
        "printer_3d",
        "Formlabs",
        "Form 4",
        "medium",
        "90",
        ("printer-3d",),
        [("Resin", "ml")],
    ),
    (
        "L1-2F-LASER",
        "laser-01",
        "CO2 laser cutter",
        "CO2激光切割机",
        "laser_cutter",
        "Trotec",
        "Speedy 400",
        "high",
        "250",
        ("laser-cutter",),
        [("Acrylic sheet", "sheet")],
    ),
    (
        "L1-2F-ELEC",
        "scope-01",
        "Oscilloscope 1 GHz",
        "1GHz示波器",
        "oscilloscope",
        "Keysight",
        "MSOX4104A",
        "low",
        "40",
        (),
        [],
    ),
]
# who holds what: the qualified founders; Chen Jing and Wang Lei hold nothing yet
QUALIFIED = {
    "anna.schmidt@sensorlab.example": ("lab-safety", "reflow-oven", "emc-chamber", "env-chamber"),
    "li.wei@deeprobotics.example": ("lab-safety", "printer-3d", "laser-cutter"),
}
UNQUALIFIED = ("chen.jing@ginkgoprecision.example", "wang.lei@polarischips.example")


class Output(Protocol):
    def write(self, msg: str = "", style_func: Any = None, ending: str | None = None) -> None: ...


def _working_days(start: datetime, n: int) -> list[datetime]:
    calendar = working_calendar()
    days, day = [], timezone.localdate(start)
    while len(days) < n:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return days


def demo_seed(*, scale: int, stdout: Output) -> None:
    campus = Campus.objects.filter(code=CAMPUS_CODE).first()
    if campus is None:
        raise LookupError(f"No demo campus “{CAMPUS_CODE}”: spaces' demo seed runs first.")
    if Course.objects.filter(code="lab-safety").exists():
        stdout.write("Demo labs: already there; rows written: 0.")
        return
    staff = User.objects.get(email=STAFF_EMAIL)
    tz = campus.tzinfo
    now = timezone.now()
    courses: dict[str, Course] = {}
    for code, name, name_zh, months, induction, prerequisites in COURSES:
        courses[code] = Course.objects.create(
            code=code, name=name, name_zh=name_zh, validity_months=months, is_lab_induction=induction
        )
        courses[code].prerequisites.set([courses[p] for p in prerequisites])
    labs = {s.code: s for s in Space.objects.filter(floor__building__campus=campus, code__startswith="L1-")}
    made = []
    for lab, tag, name, name_zh, kind, make, model, hazard, rate, needs, consumables in EQUIPMENT:
        if lab not in labs:
            continue
        made.append(
            equipment_services.equipment_create(
                lab=labs[lab],
                asset_tag=tag,
                name=name,
                name_zh=name_zh,
                kind=kind,
                make=make,
                model_name=model,
                hazard_level=hazard,
                hourly_rate=Decimal(rate),
                required_courses=[courses[c] for c in needs],
                consumables=consumables,
                actor=staff,
            )
        )
    # a past induction passed by the qualified founders, and their equipment trainings
    days_ago = now - timedelta(days=40)
    people = {u.email: u for u in User.objects.filter(email__in=[*QUALIFIED, *UNQUALIFIED])}
    induction = TrainingSession.objects.create(
        course=courses["lab-safety"],
        trainer=staff,
        location=labs.get("L1-2F-ELEC"),
        starts_at=days_ago,
        ends_at=days_ago + timedelta(hours=3),
        capacity=12,
    )
    for email in QUALIFIED:
        if email in people:
            Attendance.objects.create(session=induction, person=people[email])
    trainings.session_record_results(
        session=induction,
        results={people[e].pk: "passed" for e in QUALIFIED if e in people},
        actor=staff,
        now=now,
    )
    for email, codes in QUALIFIED.items():
        for code in codes:
            if email in people and code != "lab-safety":
                trainings.qualification_grant(
                    person=people[email],
                    course=courses[code],
                    granted_by=staff,
                    at=days_ago + timedelta(days=1),
                )
    # next week's induction, with the unqualified founders enrolled
    days = _working_days(now, 6)
    upcoming = TrainingSession.objects.create(
        course=courses["lab-safety"],
        trainer=staff,
        location=labs.get("L1-2F-ELEC"),
        starts_at=datetime.combine(days[4], time(14), tzinfo=tz),
        ends_at=datetime.combine(days[4], time(17), tzinfo=tz),
        capacity=12,
    )
    for email in UNQUALIFIED:
        if email in people:
            trainings.session_enrol(session=upcoming, person=people[email], actor=staff)
    # planned maintenance of the laser cutter on the second working day
    laser = next((e for e in made if e.asset_tag == "laser-01"), None)
    windows = 0
    if laser is not None:
        maintenance.maintenance_window_create(
            equipment=laser,
            starts_at=datetime.combine(days[1], time(8), tzinfo=tz),
            ends_at=datetime.combine(days[1], time(12), tzinfo=tz),
            reason="Annual laser tube and optics service",
            actor=staff,
            mode=MaintenanceMode.OFFER_MOVE,
            now=now,
        )
        windows = 1
    # SensorLab's pilot run: reflow and thermal cycling of a prototype batch, awaiting review
    anna = people.get("anna.schmidt@sensorlab.example")
    runs = 0
    membership = (
        Membership.objects.filter(user=anna, is_active=True).select_related("company").first()
        if anna
        else None
    )
    reflow = next((e for e in made if e.asset_tag == "reflow-01"), None)
    if membership is not None and reflow is not None:
        day = days[5]
        pilot_runs.pilot_run_create(
            company=membership.company,
            lab=reflow.lab,
            title="Sensor module prototype batch",
            plan="Reflow 50 boards of the v3 sensor module, then inspect the batch in the room.",
            requested_by=anna,
            items=[
                {
                    "equipment": reflow,
                    "operator": anna,
                    "starts_at": datetime.combine(day, time(9), tzinfo=tz),
                    "ends_at": datetime.combine(day, time(12), tzinfo=tz),
                },
                {  # then the whole room, for inspection of the batch
                    "equipment": None,
                    "operator": anna,
                    "starts_at": datetime.combine(day, time(13), tzinfo=tz),
                    "ends_at": datetime.combine(day, time(17), tzinfo=tz),
                },
            ],
        )
        runs = 1
    qualified = len([e for e in QUALIFIED if e in people])
    unqualified = len([e for e in UNQUALIFIED if e in people])
    stdout.write(
        f"Demo labs: {len(courses)} courses, {len(made)} pieces of equipment, qualified founders "
        f"{qualified}, unqualified {unqualified}, maintenance windows {windows}, pilot runs {runs}."
    )
