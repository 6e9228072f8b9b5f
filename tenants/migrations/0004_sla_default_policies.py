"""Install the default SLA policies of the onboarding domain (staff may edit them in the admin)."""

from decimal import Decimal

from django.db import migrations

# (subject_type, step, name, name_zh, {track: (working days, hours)})
DEFAULTS = [
    (
        "application",
        "screening",
        "Application submitted → screening done",
        "申请提交 → 完成初筛",
        {"standard": (5, None), "expedited": (1, None)},
    ),
    (
        "application",
        "decision",
        "Screening → decision",
        "初筛 → 评审决定",
        {"standard": (15, None), "expedited": (5, None)},
    ),
    (
        "application",
        "agreement_sent",
        "Approved → agreement sent",
        "批准 → 发出协议",
        {"standard": (3, None), "expedited": (1, None)},
    ),
    (
        "registration_case",
        "registration_precheck",
        "Registration pre-check by the park",
        "园区注册预审",
        {"standard": (2, None), "expedited": (0, None)},
    ),
    (
        "service_request",
        "first_response",
        "Service request first response",
        "服务请求首次响应",
        {"standard": (None, Decimal(24)), "expedited": (None, Decimal(4))},
    ),
]


def install_defaults(apps, schema_editor):
    SLAPolicy = apps.get_model("tenants", "SLAPolicy")
    for subject_type, step, name, name_zh, budgets in DEFAULTS:
        for track, (days, hours) in budgets.items():
            SLAPolicy.objects.get_or_create(
                subject_type=subject_type,
                step=step,
                track=track,
                defaults={
                    "name": name,
                    "name_zh": name_zh,
                    "budget_working_days": days,
                    "budget_hours": hours,
                },
            )


def remove_defaults(apps, schema_editor):
    SLAPolicy = apps.get_model("tenants", "SLAPolicy")
    SLAClock = apps.get_model("tenants", "SLAClock")
    for subject_type, step, _name, _name_zh, budgets in DEFAULTS:
        policies = SLAPolicy.objects.filter(subject_type=subject_type, step=step, track__in=list(budgets))
        # Policies that clocks already ran against stay (PROTECT); only unused defaults go.
        policies.exclude(pk__in=SLAClock.objects.values("policy")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_sla"),
    ]

    operations = [
        migrations.RunPython(install_defaults, remove_defaults),
    ]
