"""Assessments in the Django admin: read-only. Clinical records are written only through
the services (prescriptions/services/assessments.py), which keep signed records unchanged, recompute
derived values and record amendments; an admin edit would bypass all of that. Outcome
responses and screenings are read-only too. The one thing edited here is the licensed
wording of instruments (InstrumentText), which the clinic admin loads."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from prescriptions.models import (
    Assessment,
    InstrumentText,
    Measurement,
    OutcomeResponse,
    PreExerciseScreening,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MeasurementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Measurement
    fields = ["test", "side", "measure", "number", "text", "unit", "derived", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessed_on", "patient", "practitioner", "status", "version", "clinic"]
    list_filter = ["status", "clinic"]
    date_hierarchy = "assessed_on"
    search_fields = ["patient__last_name", "patient__email", "code"]
    list_select_related = ["patient", "practitioner", "clinic"]
    inlines = [MeasurementInline]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assessment", "test", "side", "measure", "number", "text", "unit", "derived"]
    list_filter = ["test", "derived"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment"]


@admin.register(InstrumentText)
class InstrumentTextAdmin(admin.ModelAdmin):
    """Where the clinic admin loads licensed item text and instructions of an outcome
    measure or the APSS (CLINICAL.md §2.9, §5.1). The items are checked against the
    instrument's items and allowed answers before they are saved (InstrumentText.clean)."""

    list_display = ["code", "title", "version", "clinic", "is_active", "offer_online"]
    list_filter = ["code", "is_active", "clinic"]
    search_fields = ["title", "version", "source", "licence"]
    readonly_fields = ["loaded_by", "loaded_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["clinic", "code", "title", "version", "is_active"]}),
        ("Wording", {"fields": ["instructions", "items"]}),
        (
            "Source and licence",
            {"fields": ["source", "licence", "licence_reference", "licence_expires_on"]},
        ),
        ("Online before a visit", {"fields": ["offer_online", "offer_to_new_patients"]}),
        ("Loaded", {"fields": ["loaded_by", "loaded_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InstrumentText]:
        queryset = super().get_queryset(request).select_related("clinic")
        user = request.user
        if getattr(user, "is_superuser", False):
            return queryset
        return queryset.filter(clinic_id=getattr(user, "clinic_id", None))

    def save_model(
        self, request: HttpRequest, obj: InstrumentText, form: Any, change: bool
    ) -> None:
        if not change:
            obj.loaded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(OutcomeResponse)
class OutcomeResponseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["completed_on", "instrument", "patient", "total", "source", "assessment"]
    list_filter = ["instrument", "source"]
    list_select_related = ["patient", "assessment"]
    raw_id_fields = ["assessment", "patient"]


@admin.register(PreExerciseScreening)
class PreExerciseScreeningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["screened_on", "patient", "any_yes", "weighted_minutes", "source"]
    list_filter = ["any_yes", "source"]
    list_select_related = ["patient"]
