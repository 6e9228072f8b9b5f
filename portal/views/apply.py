"""Apply: a multi-step admission form over the applications services, and the application's status."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ActionForbidden
from portal.forms.apply import AnswerForm, CompanyStepForm, DocumentForm, FounderFormSet, NeedsStepForm
from portal.forms.errors import form_add_service_error
from portal.views.base import PortalView
from tenants.models import Application, ApplicationStatus, MoreInfoRequest
from tenants.models.applications import EDITABLE_STATUSES
from tenants.selectors.sla import sla_clock_open_for
from tenants.services import applications as services

STEPS = [
    ("company", gettext_lazy("Company")),
    ("founders", gettext_lazy("Founders")),
    ("needs", gettext_lazy("Needs")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]
STEP_NAMES = [name for name, _label in STEPS]
FOUNDER_ROWS = 3
# The steps of an application's SLA clocks, as the applicant reads them.
CLOCK_STEPS = {
    services.SLA_SCREENING: gettext_lazy("Screening"),
    services.SLA_DECISION: gettext_lazy("Decision"),
    services.SLA_AGREEMENT_SENT: gettext_lazy("Agreement"),
}


def applications_of(user: Any) -> Any:
    """The person's own applications (404 for anyone else's)."""
    return Application.objects.visible_to(user).select_related("sector")


class ApplyListView(PortalView):
    """My applications, and where to start or resume one."""

    def get(self, request: HttpRequest) -> HttpResponse:
        applications = list(applications_of(request.user).order_by("-created_at", "pk"))
        return render(request, "portal/apply/list.html", {"applications": applications})


class ApplyStepView(PortalView):
    """One step of the form. Each step saves the draft, so leaving and coming back resumes it."""

    def _application(self) -> Application | None:
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(applications_of(self.request.user), pk=pk)

    def _step(self) -> str:
        step = self.kwargs.get("step", "company")
        if step not in STEP_NAMES:
            raise Http404
        return step

    def _render(
        self,
        request: HttpRequest,
        application: Application | None,
        step: str,
        status: int = 200,
        **context: Any,
    ) -> HttpResponse:
        index = STEP_NAMES.index(step)
        return render(
            request,
            f"portal/apply/step_{step}.html",
            {
                "application": application,
                "step": step,
                "steps": [
                    {"name": n, "label": label, "number": i + 1, "current": n == step}
                    for i, (n, label) in enumerate(STEPS)
                ],
                "step_number": index + 1,
                "step_label": STEPS[index][1],
                "previous_step": STEP_NAMES[index - 1] if index else None,
                **context,
            },
            status=status,
        )

    def _forms(
        self, request: HttpRequest, application: Application | None, step: str, data: Any = None
    ) -> dict[str, Any]:
        if step == "company":
            initial = (
                {}
                if application
                else {"applicant_name": request.user.full_name, "applicant_phone": request.user.phone}
            )
            return {"form": CompanyStepForm(data, instance=application, initial=initial)}
        if step == "founders":
            if application is None:  # only the company step starts one
                raise Http404
            existing = [
                {"name": f.name, "email": f.email, "title": f.title, "is_returnee": f.is_returnee}
                for f in application.founders.all()
            ] or [{"name": request.user.full_name, "email": request.user.email}]
            initial = existing + [{}] * max(0, FOUNDER_ROWS - len(existing))
            return {
                "formset": FounderFormSet(data, initial=initial, prefix="founders"),
            }
        if step == "needs":
            return {"form": NeedsStepForm(data, instance=application)}
        if step == "documents":
            if application is None:  # only the company step starts one
                raise Http404
            return {
                "form": DocumentForm(*data) if data else DocumentForm(),
                "documents": list(application.documents.all()),
            }
        if application is None:  # only the company step starts one
            raise Http404
        return {
            "founders": list(application.founders.all()),
            "documents": list(application.documents.all()),
            "eligibility": services.application_eligibility(application=application),
        }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_staff:
            application = self._application()
            if application is not None and application.status not in EDITABLE_STATUSES:
                return redirect("portal:apply_status", pk=application.pk)
            if application is None and self._step() != "company":
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application, step = self._application(), self._step()
        return self._render(request, application, step, **self._forms(request, application, step))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application, step = self._application(), self._step()
        data = (request.POST, request.FILES) if step == "documents" else request.POST
        forms = self._forms(request, application, step, data)
        try:
            saved = self._save(request, application, step, forms)
        except (ValidationError, ActionForbidden) as exc:
            target = forms.get("form") or forms.get("formset")
            if target is None:  # the review step: the refusal goes on top of the page
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
                return redirect("portal:apply_step", pk=application.pk, step=step)  # type: ignore[union-attr]
            if hasattr(target, "add_error"):
                form_add_service_error(target, exc)
            else:
                target._non_form_errors = target.error_class(getattr(exc, "messages", [str(exc)]))
        else:
            if saved is not None and self._valid(forms):
                return self._next(request, saved, step)
        return self._render(request, application, step, status=400, **forms)

    @staticmethod
    def _valid(forms: dict[str, Any]) -> bool:
        for form in (forms.get("form"), forms.get("formset")):
            if form is not None and form.is_bound and not form.is_valid():
                return False
        return True

    def _next(self, request: HttpRequest, application: Application, step: str) -> HttpResponse:
        if step == "review":
            messages.success(request, _("Your application is submitted. We will be in touch."))
            return redirect("portal:apply_status", pk=application.pk)
        if step == "documents" and "next" not in request.POST:
            messages.success(request, _("The document is uploaded."))
            return redirect("portal:apply_step", pk=application.pk, step=step)
        messages.success(request, _("Saved."))
        return redirect("portal:apply_step", pk=application.pk, step=STEP_NAMES[STEP_NAMES.index(step) + 1])

    def _save(
        self, request: HttpRequest, application: Application | None, step: str, forms: dict[str, Any]
    ) -> Application | None:
        user = request.user
        if step == "company":
            form = forms["form"]
            if not form.is_valid():
                return application
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            if application is None:
                return services.application_create_draft(
                    actor=user,
                    applicant_email=user.email,
                    **data,  # type: ignore[arg-type]
                )
            return services.application_update_draft(application=application, actor=user, **data)
        if application is None:  # only the company step starts one
            raise Http404
        if step == "founders":
            formset = forms["formset"]
            if not formset.is_valid():
                return application
            founders = formset.founders()
            return services.application_update_draft(
                application=application,
                actor=user,
                founders=founders,
                is_returnee_founded=any(f.get("is_returnee") for f in founders),
            )
        if step == "needs":
            form = forms["form"]
            if not form.is_valid():
                return application
            return services.application_update_draft(
                application=application, actor=user, **{n: form.cleaned_data[n] for n in form.Meta.fields}
            )
        if step == "documents":
            if "next" in request.POST and not request.FILES:
                forms["form"] = DocumentForm()  # moving on without uploading more
                return application
            form = forms["form"]
            if form.is_valid():
                services.application_document_add(
                    application=application,
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            return application
        return services.application_submit(application=application, actor=user)


class ApplyStatusView(PortalView):
    """Where the application stands: state, eligibility with reasons, expected time to the next step
    (the open SLA clock on the working-day calendar), and questions from the park with an answer form."""

    def _application(self) -> Application:
        return get_object_or_404(
            applications_of(self.request.user).prefetch_related(
                Prefetch(
                    "more_info_requests", queryset=MoreInfoRequest.objects.order_by("requested_at", "pk")
                ),
                "founders",
                "documents",
            ),
            pk=self.kwargs["pk"],
        )

    def _render(
        self,
        request: HttpRequest,
        application: Application,
        form: AnswerForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        clock = sla_clock_open_for(subject=application) if application.submitted_at else None
        eligibility = application.eligibility if application.submitted_at else []
        questions = list(application.more_info_requests.all())
        open_question = next((q for q in questions if q.answered_at is None), None)
        if application.status == ApplicationStatus.MORE_INFO and form is None:
            form = AnswerForm()
        return render(
            request,
            "portal/apply/status.html",
            {
                "application": application,
                "clock": clock,
                "clock_step": CLOCK_STEPS.get(clock.step, clock.step) if clock else "",
                "eligibility": eligibility,
                "questions": questions,
                "open_question": open_question if application.status == ApplicationStatus.MORE_INFO else None,
                "form": form if application.status == ApplicationStatus.MORE_INFO else None,
                "editable": application.status in EDITABLE_STATUSES,
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(request, self._application())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Answer the open question: the application goes back to the park."""
        application = self._application()
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.application_resubmit(
                    application=application, actor=request.user, answer=form.cleaned_data["answer"]
                )
            except (ValidationError, ActionForbidden) as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("Your answer is sent. The park picks your application up again."))
                return redirect(reverse("portal:apply_status", kwargs={"pk": application.pk}))
        return self._render(request, application, form, status=400)
