from django.db import models


class Ticket(models.Model):
    """A throwaway workflow object for testing ``core.workflow`` (test settings only)."""

    status = models.CharField(max_length=16, default="open")
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        app_label = "workflow_app"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Ticket {self.pk} ({self.status})"
