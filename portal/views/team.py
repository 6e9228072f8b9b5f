"""Team: the company's people and open invitations; owners and admins invite, change roles, remove."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ActionForbidden
from portal.forms.errors import form_add_service_error
from portal.forms.team import InviteForm, RoleForm
from portal.views.base import CompanyView
from tenants.models import Invitation, Membership
from tenants.services import companies as services


class TeamMixin(CompanyView):
    def members(self) -> Any:
        return (
            Membership.objects.active()
            .filter(company=self.company)
            .select_related("user")
            .order_by("role", "pk")
        )

    def invitations(self) -> Any:
        return Invitation.objects.pending().filter(company=self.company).select_related("invited_by")

    def require_manager(self) -> None:
        if not (self.membership and self.membership.can_manage_team):
            raise PermissionDenied(_("Only the company's owner and admins manage its team."))

    def render_team(
        self, request: HttpRequest, invite_form: InviteForm | None = None, status: int = 200
    ) -> HttpResponse:
        manages = bool(self.membership and self.membership.can_manage_team)
        return render(
            request,
            "portal/team/team.html",
            {
                "members": list(self.members()),
                "invitations": list(self.invitations()) if manages else [],
                "manages": manages,
                "invite_form": invite_form or InviteForm(),
                "role_choices": RoleForm.base_fields["role"].choices,
                "company": self.company,
                "membership": self.membership,
            },
            status=status,
        )


class TeamView(TeamMixin):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_team(request)


class InviteView(TeamMixin):
    def post(self, request: HttpRequest) -> HttpResponse:
        self.require_manager()
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(
                    company=self.company,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                )
            except (ValidationError, ActionForbidden) as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
                )
                return redirect("portal:team")
        return self.render_team(request, form, status=400)


class MemberRoleView(TeamMixin):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = get_object_or_404(self.members(), pk=pk)
        self.require_manager()
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a role."))
            return redirect("portal:team")
        try:
            services.membership_change_role(
                membership=member, role=form.cleaned_data["role"], actor=request.user
            )
        except (ValidationError, ActionForbidden) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {
                    "person": member.user,
                    "role": dict(form.fields["role"].choices)[form.cleaned_data["role"]],
                },
            )
        return redirect("portal:team")


class MemberRemoveView(TeamMixin):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = get_object_or_404(self.members(), pk=pk)
        self.require_manager()
        try:
            services.membership_end(
                membership=member, actor=request.user, reason=request.POST.get("reason", "")
            )
        except (ValidationError, ActionForbidden) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("%(person)s is removed: their access and future bookings for the company have ended.")
                % {"person": member.user},
            )
        return redirect("portal:team")


class InvitationRevokeView(TeamMixin):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invitation = get_object_or_404(self.invitations(), pk=pk)
        self.require_manager()
        services.invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
        return redirect("portal:team")
