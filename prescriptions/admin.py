"""Assessments in the Django admin: read-only. Clinical records are written only through
the services (prescriptions/services/assessments.py), which keep signed records unchanged, recompute
derived values and record amendments; an admin edit would bypass all of that."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prescriptions.models import Assessment, Measurement


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
