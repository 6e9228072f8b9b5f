from django.dispatch import Signal

incubation_ended = Signal()  # sender=Incubation, incubation=..., status=graduated|expired|withdrawn, on=date
