"""KPI returns and service requests."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from tenants.models import KPIReturn, ServiceRequest
from tenants.models.incubation import KPI_FIGURES


class KPIReturnForm(forms.ModelForm):
    class Meta:
        model = KPIReturn
        fields = list(KPI_FIGURES)
        labels = {
            "revenue": _("Revenue (CNY)"),
            "rd_spend": _("R&D spend (CNY)"),
            "funding_raised": _("Funding raised (CNY)"),
            "tax_paid": _("Tax paid (CNY)"),
            "headcount": _("Headcount"),
            "rd_staff": _("R&D staff"),
            "patents_filed": _("Patents filed"),
            "patents_granted": _("Patents granted"),
            "software_copyrights": _("Software copyrights"),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in KPI_FIGURES:
            field = self.fields[name]
            field.required = True
            if isinstance(field, forms.DecimalField):
                field.validators.append(MinValueValidator(0))
                field.widget.attrs["min"] = 0


class ServiceRequestForm(forms.ModelForm):
    class Meta:
        model = ServiceRequest
        fields = ["category", "subject", "description"]
        labels = {"category": _("Category"), "subject": _("Subject"), "description": _("Details")}
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
