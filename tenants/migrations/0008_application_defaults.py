"""Default eligibility rules and expedited-track criteria (staff change them in the admin)."""

from django.db import migrations

RULES = [
    (
        "max_company_age_months",
        {"months": 24},
        "The company was founded {actual} months ago; the park admits companies at most {limit} months old.",
        "公司成立已 {actual} 个月；园区仅接收成立不超过 {limit} 个月的公司。",
    ),
    (
        "min_team_size",
        {"min": 1},
        "The team has {actual} people; at least {limit} are needed.",
        "团队人数为 {actual} 人；至少需要 {limit} 人。",
    ),
    (
        "sector_allowed",
        {"sectors": []},
        "The sector “{actual}” is not among those the park admits.",
        "行业“{actual}”不在园区接收范围内。",
    ),
    (
        "documents_required",
        {"kinds": ["business_plan"]},
        "Missing documents: {actual}.",
        "缺少材料：{actual}。",
    ),
]
CRITERIA = ["returnee_founded", "high_tech", "priority_sector"]


def add_defaults(apps, schema_editor):
    EligibilityRule = apps.get_model("tenants", "EligibilityRule")
    ExpeditedCriterion = apps.get_model("tenants", "ExpeditedCriterion")
    for kind, parameter, message, message_zh in RULES:
        EligibilityRule.objects.get_or_create(
            kind=kind, defaults={"parameter": parameter, "message": message, "message_zh": message_zh}
        )
    for kind in CRITERIA:
        ExpeditedCriterion.objects.get_or_create(kind=kind)


def remove_defaults(apps, schema_editor):
    apps.get_model("tenants", "EligibilityRule").objects.filter(kind__in=[r[0] for r in RULES]).delete()
    apps.get_model("tenants", "ExpeditedCriterion").objects.filter(kind__in=CRITERIA).delete()


class Migration(migrations.Migration):
    dependencies = [("tenants", "0007_applications")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
