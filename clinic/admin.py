from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from clinic.models import (
    AccessLog,
    Clinic,
    DeletionRequest,
    Location,
    Patient,
    Practitioner,
    Referral,
    Referrer,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "clinic", "is_active"]
    list_filter = ["role", "clinic", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "role", "clinic")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )


class LocationInline(admin.StackedInline[Location, Clinic]):
    model = Location
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    list_display = ["name", "timezone", "phone", "cancellation_notice_hours"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LocationInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name", "clinic", "is_active"]
    list_filter = ["clinic"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin[Practitioner]):
    list_display = ["display_name", "profession", "provider_number", "clinic", "is_active"]
    list_filter = ["clinic", "profession", "is_active"]
    filter_horizontal = ["locations"]
    search_fields = ["display_name", "user__email"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin[Patient]):
    list_display = ["last_name", "first_name", "email", "clinic", "created_at"]
    list_filter = ["clinic"]
    search_fields = ["last_name", "first_name", "email", "phone"]
    readonly_fields = ["code", "created_at"]


@admin.register(Referrer)
class ReferrerAdmin(admin.ModelAdmin[Referrer]):
    list_display = ["name", "kind", "practice", "provider_number", "clinic", "is_active"]
    list_filter = ["clinic", "kind", "is_active"]
    search_fields = ["name", "practice", "provider_number"]
    readonly_fields = ["code", "created_at"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin[Referral]):
    """Read only: referrals are clinical records, changed on the staff pages (audited)."""

    list_display = ["patient", "funder", "referral_date", "valid_until", "clinic"]
    list_filter = ["clinic", "funder"]
    search_fields = ["patient__last_name", "claim_number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin[AccessLog]):
    """Read-only: the log is append-only (clinic.audit); reports are under /staff/audit/."""

    list_display = ["at", "user", "role", "action", "record_type", "patient", "ip_address"]
    list_filter = ["action", "role", "clinic"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin[DeletionRequest]):
    list_display = ["patient", "requested_at", "retain_until", "cancelled_appointments"]
    readonly_fields = [
        "patient",
        "requested_by",
        "requested_at",
        "retain_until",
        "cancelled_appointments",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
