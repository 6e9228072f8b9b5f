"""KPI returns (submit the figures, see the status) and service requests (ask the park, follow it)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ActionForbidden
from portal.forms.company import KPIReturnForm, ServiceRequestForm
from portal.forms.errors import form_add_service_error
from portal.views.base import CompanyView
from tenants.models import KPIReturn, KPIReturnStatus
from tenants.models.incubation import KPI_FIGURES
from tenants.selectors.registration import service_request_list
from tenants.services import incubation as incubation_services
from tenants.services import registration as registration_services

KPI_EDITABLE = (KPIReturnStatus.REQUESTED, KPIReturnStatus.REJECTED)
SERVICE_REQUEST_CANCELLABLE = ("open", "acknowledged", "in_progress")


class KPIMixin(CompanyView):
    def returns(self) -> Any:
        return KPIReturn.objects.filter(incubation__company=self.company).select_related("incubation")


class KPIListView(KPIMixin):
    def get(self, request: HttpRequest) -> HttpResponse:
        returns = list(self.returns().order_by("-period_start", "pk"))
        return render(request, "portal/kpi/list.html", {"returns": returns, "editable": KPI_EDITABLE})


class KPIDetailView(KPIMixin):
    def _render(
        self, request: HttpRequest, kpi_return: KPIReturn, form: Any, status: int = 200
    ) -> HttpResponse:
        figures = [(KPIReturnForm.base_fields[n].label, getattr(kpi_return, n)) for n in KPI_FIGURES]
        return render(
            request,
            "portal/kpi/detail.html",
            {"kpi_return": kpi_return, "form": form, "figures": figures},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        kpi_return = get_object_or_404(self.returns(), pk=pk)
        form = KPIReturnForm(instance=kpi_return) if kpi_return.status in KPI_EDITABLE else None
        return self._render(request, kpi_return, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        kpi_return = get_object_or_404(self.returns(), pk=pk)
        form = KPIReturnForm(request.POST, instance=KPIReturn.objects.get(pk=kpi_return.pk))
        if kpi_return.status in KPI_EDITABLE and form.is_valid():
            try:
                incubation_services.kpi_return_submit(
                    kpi_return=kpi_return,
                    figures={n: form.cleaned_data[n] for n in KPI_FIGURES},
                    user=request.user,
                )
            except (ValidationError, ActionForbidden) as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("The figures are submitted; the park will verify them."))
                return redirect("portal:kpi_detail", pk=kpi_return.pk)
        elif kpi_return.status not in KPI_EDITABLE:
            form.add_error(
                None, ValidationError(_("This return cannot be changed any more."), code="kpi_locked")
            )
        return self._render(request, kpi_return, form, status=400)


class RequestMixin(CompanyView):
    def requests(self) -> Any:
        return service_request_list(user=self.request.user).filter(company=self.company)


class RequestListView(RequestMixin):
    def _render(self, request: HttpRequest, form: ServiceRequestForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "portal/requests/list.html",
            {"requests": list(self.requests()), "form": form},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ServiceRequestForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ServiceRequestForm(request.POST)
        if form.is_valid():
            try:
                created = registration_services.service_request_create(
                    company=self.company, requested_by=request.user, **form.cleaned_data
                )
            except (ValidationError, ActionForbidden) as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("Your request is sent to the park."))
                return redirect("portal:request_detail", pk=created.pk)
        return self._render(request, form, status=400)


class RequestDetailView(RequestMixin):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        service_request = get_object_or_404(self.requests(), pk=pk)
        return render(
            request,
            "portal/requests/detail.html",
            {
                "service_request": service_request,
                "cancellable": service_request.status in SERVICE_REQUEST_CANCELLABLE,
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Withdraw the request (the requester, while the park has not resolved it)."""
        service_request = get_object_or_404(self.requests(), pk=pk)
        try:
            registration_services.service_request_cancel(service_request=service_request, actor=request.user)
        except (ValidationError, ActionForbidden) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The request is withdrawn."))
        return redirect("portal:request_detail", pk=service_request.pk)
