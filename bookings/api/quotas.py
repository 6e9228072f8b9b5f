"""API for a company's monthly credits: ``GET /api/v1/credit-balances/?month=YYYY-MM``.

Members see their company's balance (a member of several names it with ``?company=``);
staff name any company. Another company's balance is a 403.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import ResourceKind
from bookings.selectors import company_credit_balance, current_month
from bookings.services.bookings import booking_company
from core.api.serializers import validated
from tenants.models import Company


class CreditBalanceQuerySerializer(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m"], required=False)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)


class CreditBalanceRowSerializer(serializers.Serializer):
    resource_kind = serializers.ChoiceField(choices=ResourceKind.choices)
    allowance = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="Null: not metered."
    )
    used = serializers.DecimalField(max_digits=10, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class CreditBalanceSerializer(serializers.Serializer):
    company = serializers.IntegerField()
    month = serializers.CharField(help_text="YYYY-MM")
    balances = CreditBalanceRowSerializer(many=True)


class CreditBalanceViewSet(viewsets.ViewSet):
    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM; this month if left out"),
            OpenApiParameter(
                "company", int, description="Required for staff and members of several companies"
            ),
        ],
        responses=CreditBalanceSerializer,
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = validated(CreditBalanceQuerySerializer, request.query_params)
        company = booking_company(user=request.user, company=query.get("company"))
        if company is None:  # staff without ?company=
            raise ValidationError(
                {"company": ValidationError(_("Say which company."), code="company_required")}
            )
        month = query.get("month") or current_month()
        balances = company_credit_balance(company=company, month=month)
        body = {
            "company": company.pk,
            "month": month.strftime("%Y-%m"),
            "balances": [vars(b) for b in balances],
        }
        return Response(CreditBalanceSerializer(body).data)
