from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel
from tenants.validators import validate_uscc


class Sector(models.Model):
    """An industry the park classifies companies by; priority sectors may take the expedited track."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    is_priority = models.BooleanField(
        _("park priority"),
        default=False,
        help_text=_("Applicants in this sector qualify for the expedited track."),
    )
    incubation_limit_months = models.PositiveSmallIntegerField(
        _("incubation limit (months)"), default=48, help_text=_("How long a company may stay in incubation.")
    )

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]
        constraints = [
            check_constraint(
                condition=Q(incubation_limit_months__gt=0), name="tenants_sector_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    FORMER = "former", _("Former")


class CompanyQuerySet(models.QuerySet["Company"]):
    def active(self) -> "CompanyQuerySet":
        return self.filter(status=CompanyStatus.ACTIVE)

    def visible_to(self, user) -> "CompanyQuerySet":  # type: ignore[no-untyped-def]
        if user.is_staff:
            return self
        return self.filter(memberships__user=user, memberships__is_active=True)


class Company(TimeStampedModel):
    """A startup or company on the campus: the tenant of spaces and the member of programmes."""

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码: 18 characters, once the company is registered."),
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        related_name="companies",
        null=True,
        blank=True,
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_high_tech = models.BooleanField(_("high-tech enterprise"), default=False)
    is_returnee_founded = models.BooleanField(_("returnee-founded"), default=False)
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CompanyStatus, default=CompanyStatus.ACTIVE)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="tenants_company_uscc_unique",
                violation_error_message=_("Another company already has this unified social credit code."),
            ),
            check_constraint(condition=~Q(name=""), name="tenants_company_name_set"),
            check_constraint(
                condition=Q(status__in=CompanyStatus.values), name="tenants_company_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.uscc = self.uscc.strip().upper()

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(is_active=True)

    def managing(self) -> "MembershipQuerySet":
        """Active owners and admins: who may manage the company's team and its bookings."""
        return self.active().filter(role__in=(MemberRole.OWNER, MemberRole.ADMIN))


class Membership(TimeStampedModel):
    """A person's role in a company. One owner per company; admins manage the team."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=MemberRole, default=MemberRole.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["company", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="tenants_membership_unique_person"),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(role=MemberRole.OWNER, is_active=True),
                name="tenants_membership_one_owner",
                violation_error_message=_("A company has one owner."),
            ),
            check_constraint(condition=Q(role__in=MemberRole.values), name="tenants_membership_role_valid"),
            check_constraint(
                condition=Q(is_active=True, ended_at__isnull=True)
                | Q(is_active=False, ended_at__isnull=False),
                name="tenants_membership_ended_iff_inactive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    @property
    def can_manage_team(self) -> bool:
        return self.is_active and self.role in (MemberRole.OWNER, MemberRole.ADMIN)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """An invitation by e-mail to join a company in a role. Only a hash of the token is stored."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=MemberRole, default=MemberRole.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(
                condition=~Q(role=MemberRole.OWNER), name="tenants_invitation_not_owner",
                violation_error_message=_("Ownership is transferred, not invited."),
            ),
            models.UniqueConstraint(
                "company",
                Lower("email"),
                condition=Q(accepted_at=None, revoked_at=None),
                name="tenants_invitation_one_open_per_email",
                violation_error_message=_("This person already has an open invitation to the company."),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"
