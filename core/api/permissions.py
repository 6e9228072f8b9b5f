from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class IsStaffOrReadOnly(permissions.BasePermission):
    """Any signed-in user reads; only staff write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or bool(user.is_staff)
