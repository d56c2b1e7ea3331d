"""The raw admin, for the odd repair. Every date-time in it is shown and taken in the
zone of the place it belongs to (a visit's location, a practitioner's rooms), named next
to the field; lists show each row's times in its own zone."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from bookings.models import (
    Appointment,
    Notification,
    ScreeningQuestion,
    Service,
    TimeOff,
    WorkingHours,
)
from bookings.notifications import notification_retry
from bookings.selectors import annotated_zone, practitioner_zone, practitioner_zone_annotations
from clinic.lib.time import when_label, zone_label
from clinic.models import Location, Practitioner


def _local(instant: Any, zone: ZoneInfo) -> str:
    return f"{when_label(instant, zone)} ({zone_label(zone)})" if instant else "-"


def _posted_pk(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "") if request.method == "POST" else ""
    return int(value) if value.isdigit() else None


class LocalZoneAdmin[M: Any](admin.ModelAdmin[M]):
    """Activates the object's own zone around its change form, so Django's forms show
    and parse its date-times in that zone (the signed-in default is the clinic's:
    ClinicTimeZoneMiddleware), and names the zone beside each date-time field."""

    def object_zone(self, request: HttpRequest, obj: M | None) -> ZoneInfo | None:
        return None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        zone = self.object_zone(request, obj)
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, TemplateResponse):
                response.render()  # here, while the object's zone is active
            return response

    def get_form(
        self, request: HttpRequest, obj: M | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        zone = timezone.get_current_timezone()
        for field in form.base_fields.values():
            if isinstance(field, forms.SplitDateTimeField | forms.DateTimeField):
                field.help_text = f"{zone_label(zone)} time ({zone.key})."
        return form


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
class TimeOffAdmin(LocalZoneAdmin[TimeOff]):
    """Time off in the practitioner's own zone (bookings.selectors.practitioner_zones)."""

    list_display = ["practitioner", "local_start", "local_end", "reason"]
    list_filter = ["practitioner"]

    def object_zone(self, request: HttpRequest, obj: TimeOff | None) -> ZoneInfo | None:
        pk = obj.practitioner_id if obj else _posted_pk(request, "practitioner")
        if pk is None:
            return None
        who = Practitioner.objects.select_related("clinic").filter(pk=pk).first()
        return practitioner_zone(practitioner=who) if who else None

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimeOff]:
        rows = super().get_queryset(request).select_related("practitioner__clinic")
        return rows.annotate(**practitioner_zone_annotations("practitioner__"))

    def _zone(self, obj: TimeOff) -> ZoneInfo:
        return annotated_zone(obj, obj.practitioner.clinic.tz)

    @admin.display(description="start", ordering="start")
    def local_start(self, obj: TimeOff) -> str:
        return _local(obj.start, self._zone(obj))

    @admin.display(description="end", ordering="end")
    def local_end(self, obj: TimeOff) -> str:
        return _local(obj.end, self._zone(obj))


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
class AppointmentAdmin(LocalZoneAdmin[Appointment]):
    """A visit in its location's zone (the clinic's for telehealth without one)."""

    form = AppointmentAdminForm
    list_display = ["local_start", "practitioner", "patient", "service", "modality", "status"]
    list_select_related = ["location__clinic", "practitioner__clinic", "patient", "service"]
    list_filter = ["status", "modality", "practitioner", "source"]
    date_hierarchy = "start"
    raw_id_fields = ["patient"]
    search_fields = ["patient__last_name", "patient__email"]
    readonly_fields = ["code", "created_at", "updated_at", "sequence", "telehealth_url"]

    def object_zone(self, request: HttpRequest, obj: Appointment | None) -> ZoneInfo | None:
        if obj is not None:
            return obj.tz
        pk = _posted_pk(request, "location")
        if pk is None:
            return None
        place = Location.objects.select_related("clinic").filter(pk=pk).first()
        return place.tz if place else None

    @admin.display(description="start", ordering="start")
    def local_start(self, obj: Appointment) -> str:
        return _local(obj.start, obj.tz)


@admin.register(Notification)
class NotificationAdmin(LocalZoneAdmin[Notification]):
    """The outbox, read only: what was planned, sent, failed or not sent, and why. Rows
    change only through bookings/notifications.py; a failed one can be tried again."""

    list_display = [
        "id",
        "kind",
        "channel",
        "status",
        "local_due",
        "local_sent",
        "attempts",
        "appointment",
        "last_error",
    ]
    list_filter = ["status", "kind", "channel", "due_at", "sent_at"]
    list_select_related = [
        "appointment__location__clinic",
        "appointment__practitioner__clinic",
        "appointment__service",
    ]
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

    def object_zone(self, request: HttpRequest, obj: Notification | None) -> ZoneInfo | None:
        return obj.appointment.tz if obj and obj.appointment else None

    def _zone(self, obj: Notification) -> ZoneInfo:
        return obj.appointment.tz if obj.appointment else timezone.get_current_timezone()

    @admin.display(description="due", ordering="due_at")
    def local_due(self, obj: Notification) -> str:
        return _local(obj.due_at, self._zone(obj))

    @admin.display(description="sent", ordering="sent_at")
    def local_sent(self, obj: Notification) -> str:
        return _local(obj.sent_at, self._zone(obj))

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
