from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import MemberRole

ROLES = [(MemberRole.MEMBER, MemberRole.MEMBER.label), (MemberRole.ADMIN, MemberRole.ADMIN.label)]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=ROLES, initial=MemberRole.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLES)
