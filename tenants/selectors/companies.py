"""Reads of companies on hot paths."""

from typing import Any

from tenants.models import Company

# A person's companies as ``Company.objects.visible_to(user)`` has them for a non-staff user (an
# active membership; a person is a member of a company once, so no DISTINCT), in one constant
# statement: every booking asks, and the ORM spent more time composing the question than the
# database spent answering it.
MEMBER_COMPANIES_SQL = """
    SELECT c.* FROM tenants_company c
    WHERE c.id IN (SELECT m.company_id FROM tenants_membership m WHERE m.user_id = %s AND m.is_active)
    ORDER BY c.id
    LIMIT %s
"""


def member_companies(user: Any, *, limit: int) -> list[Company]:
    """Up to ``limit`` companies ``user`` is an active member of, by id."""
    return list(Company.objects.raw(MEMBER_COMPANIES_SQL, [user.pk, limit]))
