"""Assessments in the Django admin: read-only. Clinical records are written only through
the services (prescriptions/assessments/services.py), which keep signed records unchanged, recompute
derived values and record amendments; an admin edit would bypass all of that. Outcome
responses and screenings are read-only too. Assessments and outcome responses show their
history (every saved version and who saved it, django-simple-history), never a revert.
Treatment notes (with their addenda), goals and note templates are read-only too (the
staff pages write them). Edited here: the licensed wording of
instruments (InstrumentText), which the clinic admin loads, and the clinic's own exercises
(through the library services; the shipped library is read-only, and images are uploaded
on the library page, which checks them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from simple_history.admin import SimpleHistoryAdmin

from clinic.access import is_clinician
from clinic.errors import DomainError
from prescriptions.library.services import (
    CLINIC_FIELDS,
    exercise_create,
    exercise_fields_check,
    exercise_update,
)
from prescriptions.models import (
    Assessment,
    Exercise,
    Goal,
    InstrumentText,
    Measurement,
    NoteAddendum,
    NoteTemplate,
    OutcomeResponse,
    PreExerciseScreening,
    TreatmentNote,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryToReadAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple-history has no types
    """A clinical record's history, to read. django-simple-history's version page would
    save a posted form (a revert) without asking for change permission, bypassing the
    services: it answers GET only, and offers no revert button."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(
            request, object_id, version_id, extra_context
        )
        return response

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class MeasurementInline(ReadOnlyAdminMixin, admin.TabularInline[Measurement, Assessment]):
    model = Measurement
    fields = ("test", "side", "measure", "number", "text", "unit", "derived", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, HistoryToReadAdmin):
    list_display = ["assessed_on", "patient", "practitioner", "status", "version", "clinic"]
    list_filter = ["status", "clinic"]
    date_hierarchy = "assessed_on"
    search_fields = ["patient__last_name", "patient__email", "code"]
    list_select_related = ["patient", "practitioner", "clinic"]
    inlines = [MeasurementInline]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Measurement]):
    list_display = ["assessment", "test", "side", "measure", "number", "text", "unit", "derived"]
    list_filter = ["test", "derived"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment"]


@admin.register(InstrumentText)
class InstrumentTextAdmin(admin.ModelAdmin[InstrumentText]):
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
        clinic_id = getattr(user, "clinic_id", None)
        return queryset.filter(clinic_id=clinic_id) if clinic_id else queryset.none()

    def save_model(
        self, request: HttpRequest, obj: InstrumentText, form: Any, change: bool
    ) -> None:
        if not change:
            obj.loaded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(OutcomeResponse)
class OutcomeResponseAdmin(ReadOnlyAdminMixin, HistoryToReadAdmin):
    list_display = ["completed_on", "instrument", "patient", "total", "source", "assessment"]
    list_filter = ["instrument", "source"]
    list_select_related = ["patient", "assessment"]
    raw_id_fields = ["assessment", "patient"]


@admin.register(PreExerciseScreening)
class PreExerciseScreeningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PreExerciseScreening]):
    list_display = ["screened_on", "patient", "any_yes", "weighted_minutes", "source"]
    list_filter = ["any_yes", "source"]
    list_select_related = ["patient"]


class ExerciseAdminForm(forms.ModelForm[Exercise]):
    """A clinic's own exercise: what the library page lets a clinic set, checked by the
    same rules (library vocabulary, instructions, an https video link)."""

    class Meta:
        model = Exercise
        fields = list(CLINIC_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            exercise_fields_check({k: data[k] for k in CLINIC_FIELDS if k in data})
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin[Exercise]):
    """The exercise library. Shipped rows (loaded from prescriptions/data/exercises.json)
    can only be viewed; a clinic admin or practitioner adds and edits their clinic's own,
    saved through the library services. Nothing is deleted here: untick "Offered when
    prescribing" to retire one (programmes that use it keep it)."""

    form = ExerciseAdminForm
    list_display = ["name", "ref", "level", "dose_type", "owner", "is_active"]
    list_filter = [("clinic", admin.EmptyFieldListFilter), "level", "dose_type", "is_active"]
    search_fields = ["name", "slug", "ref"]
    list_select_related = ["clinic"]
    readonly_fields = ["owner", "slug", "image", "image_alt"]
    ordering = ["clinic_id", "ref", "name"]

    @admin.display(description="Whose")
    def owner(self, obj: Exercise) -> str:
        return obj.clinic.name if obj.clinic is not None else "Shipped with Stance (read-only)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exercise]:
        queryset = super().get_queryset(request)
        if getattr(request.user, "is_superuser", False):
            return queryset
        clinic_id = getattr(request.user, "clinic_id", None)
        return queryset.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_clinician(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        clinic_id = getattr(request.user, "clinic_id", None)
        if obj is not None and (obj.is_shipped or obj.clinic_id != clinic_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Exercise, form: Any, change: bool) -> None:
        fields = {k: form.cleaned_data[k] for k in CLINIC_FIELDS if k in form.cleaned_data}
        user = request.user
        if not is_clinician(user) or user.clinic is None:
            raise PermissionDenied  # has_add/change_permission let only clinicians here
        if change:
            exercise_update(exercise=obj, by=user, **fields)
            return
        saved = exercise_create(clinic=user.clinic, by=user, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()


# --- Treatment notes and goals: read-only, with their history (services write them) ------


class NoteAddendumInline(ReadOnlyAdminMixin, admin.TabularInline[NoteAddendum, TreatmentNote]):
    model = NoteAddendum
    fields = ("kind", "text", "author", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(TreatmentNote)
class TreatmentNoteAdmin(ReadOnlyAdminMixin, HistoryToReadAdmin):
    list_display = ["started_at", "patient", "author", "status", "clinic"]
    list_filter = ["status", "clinic"]
    search_fields = ["patient__last_name", "patient__email", "code"]
    list_select_related = ["patient", "author", "clinic"]
    inlines = [NoteAddendumInline]


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdminMixin, HistoryToReadAdmin):
    list_display = ["activity", "patient", "status", "status_on", "target_date"]
    list_filter = ["status"]
    search_fields = ["patient__last_name", "patient__email", "code"]
    list_select_related = ["patient"]


@admin.register(NoteTemplate)
class NoteTemplateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[NoteTemplate]):
    list_display = ["name", "clinic"]
    list_filter = ["clinic"]
