from typing import Any

from django import forms
from django.contrib import admin

from bookings.models import Appointment, ScreeningQuestion, Service, TimeOff, WorkingHours


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "duration_minutes", "modalities", "bookable_online"]
    list_filter = ["clinic", "modalities", "bookable_online", "is_active"]
    filter_horizontal = ["practitioners"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "weekday", "start_time", "end_time", "location"]
    list_filter = ["practitioner", "location", "weekday"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "clinic", "display_order", "is_active"]
    list_filter = ["clinic", "is_active"]


class AppointmentAdminForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = [
            "patient",
            "practitioner",
            "service",
            "modality",
            "location",
            "start",
            "end",
            "status",
            "source",
            "booked_by",
            "cancelled_by",
            "cancelled_at",
            "cancellation_reason",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The held time always follows from the visit and its service's buffer.
        if data.get("end") and data.get("service"):
            self.instance.blocked_until = data["end"] + data["service"].buffer
        return data


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentAdminForm
    list_display = ["start", "practitioner", "patient", "service", "modality", "status"]
    list_filter = ["status", "modality", "practitioner", "source"]
    date_hierarchy = "start"
    raw_id_fields = ["patient"]
    search_fields = ["patient__last_name", "patient__email"]
    readonly_fields = ["code", "created_at", "updated_at", "sequence", "telehealth_url"]
