"""Database helpers shared by the domain apps."""

from typing import Any

from django.db import models


def check_constraint(*, condition: models.Q, name: str, **kwargs: Any) -> models.CheckConstraint:
    """A ``CheckConstraint`` whose violation, caught by ``full_clean()``, carries its name as the code.

    Django's default code is ``None``; an API client needs something to switch on.
    """
    kwargs.setdefault("violation_error_code", name)
    return models.CheckConstraint(condition=condition, name=name, **kwargs)
