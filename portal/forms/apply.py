"""The admission form's steps: company, founders, needs, documents; and the answer to a question."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Application, DocumentKind, Sector
from tenants.models.applications import validate_document_file


class DateInput(forms.DateInput):
    input_type = "date"


class CompanyStepForm(forms.ModelForm):
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("name"))
    team_size = forms.IntegerField(label=_("Team size"), min_value=1, max_value=10000)

    class Meta:
        model = Application
        fields = [
            "applicant_name",
            "applicant_phone",
            "company_name",
            "company_name_zh",
            "sector",
            "founded_on",
            "team_size",
            "funding_stage",
            "is_high_tech",
            "summary",
        ]
        labels = {
            "applicant_name": _("Your name"),
            "applicant_phone": _("Your phone"),
            "company_name": _("Company name"),
            "company_name_zh": _("Chinese company name"),
            "founded_on": _("Founded on"),
            "team_size": _("Team size"),
            "funding_stage": _("Funding stage"),
            "is_high_tech": _("High-tech enterprise"),
            "summary": _("What the company does"),
        }
        widgets = {"founded_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}


class FounderForm(forms.Form):
    name = forms.CharField(label=_("Founder name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Founder e-mail"), required=False)
    title = forms.CharField(label=_("Founder title"), max_length=100, required=False)
    is_returnee = forms.BooleanField(label=_("Returned from studying or working abroad"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("name") and (data.get("email") or data.get("title") or data.get("is_returnee")):
            self.add_error("name", forms.ValidationError(_("Give the founder's name."), code="required"))
        return data


class BaseFounderFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(form.errors for form in self.forms):
            return
        if not [f for f in self.forms if f.cleaned_data.get("name")]:
            raise forms.ValidationError(_("Name at least one founder."), code="founders_required")

    def founders(self) -> list[dict[str, object]]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("name")]


FounderFormSet = forms.formset_factory(FounderForm, formset=BaseFounderFormSet, extra=0, max_num=10)


class NeedsStepForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["requested_space", "requested_desks", "requested_start_on"]
        labels = {
            "requested_space": _("Requested space"),
            "requested_desks": _("Desks needed"),
            "requested_start_on": _("Wanted from"),
        }
        widgets = {"requested_start_on": DateInput()}


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        validators=[validate_document_file],
        help_text=_("PDF, PNG, JPEG or Word (.docx), up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx"}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}))
