from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bookings.models import (
    Appointment,
    Notification,
    ScreeningQuestion,
    Service,
    TimeOff,
    WorkingHours,
)
from bookings.notifications import notification_retry


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ["name", "clinic", "duration_minutes", "modalities", "bookable_online"]
    list_filter = ["clinic", "modalities", "bookable_online", "is_active"]
    filter_horizontal = ["practitioners"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin[WorkingHours]):
    list_display = ["practitioner", "weekday", "start_time", "end_time", "location"]
    list_filter = ["practitioner", "location", "weekday"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin[TimeOff]):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin[ScreeningQuestion]):
    list_display = ["text", "clinic", "on_yes", "display_order", "is_active"]
    list_filter = ["clinic", "on_yes", "is_active"]


class AppointmentAdminForm(forms.ModelForm[Appointment]):
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
        data = super().clean() or {}
        # The held time always follows from the visit and its service's buffer.
        if data.get("end") and data.get("service"):
            self.instance.blocked_until = data["end"] + data["service"].buffer
        return data


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin[Appointment]):
    form = AppointmentAdminForm
    list_display = ["start", "practitioner", "patient", "service", "modality", "status"]
    list_filter = ["status", "modality", "practitioner", "source"]
    date_hierarchy = "start"
    raw_id_fields = ["patient"]
    search_fields = ["patient__last_name", "patient__email"]
    readonly_fields = ["code", "created_at", "updated_at", "sequence", "telehealth_url"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """The outbox, read only: what was planned, sent, failed or not sent, and why. Rows
    change only through bookings/notifications.py; a failed one can be tried again."""

    list_display = [
        "id",
        "kind",
        "channel",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "appointment",
        "last_error",
    ]
    list_filter = ["status", "kind", "channel", "due_at", "sent_at"]
    list_select_related = ["appointment"]
    date_hierarchy = "due_at"
    search_fields = ["=id", "=appointment__code", "=patient__code"]
    ordering = ["-due_at", "-pk"]
    actions = ["retry_failed"]
    fields = (
        "kind",
        "channel",
        "status",
        "patient",
        "appointment",
        "lead_minutes",
        "due_at",
        "appointment_start_snapshot",
        "claimed_at",
        "attempts",
        "sent_at",
        "last_error",
        "context",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Try the selected failed messages again")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        retried = sum(notification_retry(notification=row) for row in queryset)
        skipped = queryset.count() - retried
        messages.info(
            request,
            f"{retried} failed message(s) will be tried again within a minute"
            + (f"; {skipped} not failed, left as they were." if skipped else "."),
        )
