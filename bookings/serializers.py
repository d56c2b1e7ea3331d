"""Input and output serializers of the bookings JSON API (bookings/api.py).

Input serializers only validate the shape of a request; the rules of the clinic live in
bookings.services. Output serializers turn selector results into the documented JSON.
Instants go out in the clinic's time zone with its UTC offset (2026-03-03T10:15:00+11:00);
the zone comes from the serializer context ("tz"). An appointment's own times are in its
location's zone (a Perth visit at 09:00+08:00).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from bookings.models import Appointment, Modality, Service
from bookings.selectors import Slot
from bookings.tokens import manage_token_for
from clinic.lib.text import without_bidi_controls
from clinic.models import Practitioner

DATE_FORMAT = "%Y-%m-%d"
"""Dates in query strings and bodies: YYYY-MM-DD only."""

MAX_AVAILABILITY_DAYS = 62
"""The longest availability range one request may ask for, counting both end days."""

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

MAX_BOOKING_AHEAD = timedelta(days=731)
"""No clinic books further ahead than this (booking_horizon_days is at most 365)."""

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()\-]+$")
_BIG_INT = 2**63 - 1


# --- Fields ---------------------------------------------------------------------------


class ClinicDateTimeField(serializers.DateTimeField):
    """An instant shown in the clinic's time zone, with its UTC offset."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(self.context["tz"]).isoformat()


class VisitDateTimeField(serializers.DateTimeField):
    """An instant of an appointment in the visit's own zone, with its UTC offset: its
    location's (Perth rooms: +08:00), else the clinic's."""

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        if isinstance(value, datetime) and isinstance(instance, Appointment):
            return value.astimezone(instance.tz)
        return value

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry a UTC offset (or Z).

    DRF would quietly read a naive time as UTC; a patient's "10:00" would then be booked
    at 8 or 9 pm in Sydney, so a naive time is refused instead.
    """

    default_error_messages = {
        "naive": "Include the UTC offset, for example 2026-03-03T10:15:00+11:00.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


@extend_schema_field(
    # The same ModalityEnum component as the single `modality` fields; left to itself,
    # drf-spectacular would name this list's enum "ModalitiesEnum" (a second name).
    {"type": "array", "items": {"$ref": "#/components/schemas/ModalityEnum"}}
)
class ModalityListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Modality.choices)


class StrictDateField(serializers.DateField):
    """A date written exactly YYYY-MM-DD (strptime alone would take 2026-3-3)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=[DATE_FORMAT], **kwargs)

    def to_internal_value(self, value: Any) -> date:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


AnyField = serializers.Field[Any, Any, Any, Any]
"""Any serializer field (DRF's Field takes four type arguments)."""

_MESSAGES = {"type": "array", "items": {"type": "string"}}


def _nested_errors(serializer: serializers.Serializer[Any]) -> AnyField:
    """A nested object's errors: messages per inner field, or, when the object itself is
    missing or not an object, a plain list of messages ("This field is required.")."""
    inner = {
        "type": "object",
        "properties": {
            **dict.fromkeys(serializer.fields, _MESSAGES),
            "non_field_errors": _MESSAGES,
        },
    }
    field_class = extend_schema_field({"oneOf": [_MESSAGES, inner]})(
        type(f"{type(serializer).__name__}ErrorsField", (serializers.JSONField,), {})
    )
    field: AnyField = field_class(required=False)
    return field


def _field_errors(fields: Mapping[str, AnyField]) -> dict[str, AnyField]:
    """Documentation fields for a 400 body: each input field may carry a list of messages."""
    errors: dict[str, AnyField] = {}
    for name, field in fields.items():
        if isinstance(field, serializers.Serializer):
            errors[name] = _nested_errors(field)
        else:
            errors[name] = serializers.ListField(child=serializers.CharField(), required=False)
    errors["non_field_errors"] = serializers.ListField(
        child=serializers.CharField(), required=False
    )
    return errors


def validation_errors_for(
    serializer_class: type[serializers.Serializer[Any]], name: str
) -> serializers.Serializer[Any]:
    """A schema-only serializer describing the 400 response of `serializer_class`."""
    return inline_serializer(name=name, fields=_field_errors(dict(serializer_class().fields)))


# --- Errors ---------------------------------------------------------------------------


class DetailSerializer(serializers.Serializer[Any]):
    """The body of 401/403/404/409/429 answers."""

    detail = serializers.CharField(help_text="A message safe to show to a person.")


# --- Catalogue ------------------------------------------------------------------------


class ClinicOutputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA time zone, e.g. Australia/Sydney.")


class ServiceOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="code")
    name = serializers.CharField()
    description = serializers.CharField()
    duration_minutes = serializers.IntegerField(help_text="Length of the visit, in minutes.")
    buffer_after_minutes = serializers.IntegerField(
        help_text="Time the practitioner keeps free after the visit, in minutes."
    )
    modalities = ModalityListField(
        source="allowed_modalities",
        help_text="How the service can be delivered.",
    )
    audience = serializers.ChoiceField(choices=Service.Audience.choices)
    practitioners = serializers.SerializerMethodField(
        help_text="Codes of the active practitioners who offer the service."
    )
    clinic = ClinicOutputSerializer()

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_practitioners(self, service: Service) -> list[str]:
        # Prefetched; filtered here so the list costs no query per service.
        return [
            str(p.code)
            for p in service.practitioners.all()
            if p.is_active and p.clinic_id == service.clinic_id
        ]


class LocationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PractitionerOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="code")
    name = serializers.CharField(source="display_name")
    profession = serializers.ChoiceField(choices=Practitioner.Profession.choices)
    bio = serializers.CharField()
    services = serializers.SerializerMethodField(
        help_text="Codes of the active, bookable-online services the practitioner offers."
    )
    locations = serializers.SerializerMethodField(help_text="Active locations they work at.")

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_services(self, practitioner: Practitioner) -> list[str]:
        return [str(s.code) for s in practitioner.services.all()]

    @extend_schema_field(LocationOutputSerializer(many=True))
    def get_locations(self, practitioner: Practitioner) -> list[dict[str, Any]]:
        return [{"id": loc.id, "name": loc.name} for loc in practitioner.locations.all()]


# --- Availability ---------------------------------------------------------------------


class AvailabilityInputSerializer(serializers.Serializer[Any]):
    service = serializers.UUIDField(help_text="The service's id (see /api/v1/services/).")
    start = StrictDateField(help_text="First day, YYYY-MM-DD, in the clinic's time zone.")
    end = StrictDateField(help_text="Last day (included), YYYY-MM-DD; at most 62 days in all.")
    practitioner = serializers.UUIDField(
        required=False, help_text="Only this practitioner; default: anyone who offers it."
    )
    modality = serializers.ChoiceField(
        choices=Modality.choices, required=False, help_text="Only this way of meeting."
    )

    def validate_start(self, value: date) -> date:
        return _date_in_range(value)

    def validate_end(self, value: date) -> date:
        return _date_in_range(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": ["The end date must not be before the start."]}
            )
        if (attrs["end"] - attrs["start"]).days + 1 > MAX_AVAILABILITY_DAYS:
            raise serializers.ValidationError(
                {"end": [f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."]}
            )
        return attrs


def _date_in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError("Enter a date between 2000 and 2099.")
    return value


class SlotOutputSerializer(serializers.Serializer[Any]):
    start = ClinicDateTimeField()
    end = ClinicDateTimeField()
    practitioner = serializers.UUIDField(help_text="The practitioner's id.")
    modality = serializers.ChoiceField(choices=Modality.choices)
    location = serializers.IntegerField(
        allow_null=True, help_text="The location's id for a clinic visit; null for telehealth."
    )


class AvailabilityOutputSerializer(serializers.Serializer[Any]):
    slots = SlotOutputSerializer(many=True)


def slot_rows(
    slots: Iterable[Slot], codes: Mapping[int, uuid.UUID], tz: tzinfo
) -> list[dict[str, Any]]:
    """What `SlotOutputSerializer(many=True)` writes for these slots (the practitioners
    in `codes` only), made directly. A week holds hundreds of slots, and walking DRF's
    fields for each cost more than finding them; each instant is formatted once (a clinic
    visit and a telehealth one at the same time share it). tests/bookings/test_api.py
    checks that both write the same."""
    shown: dict[datetime, str] = {}

    def local(instant: datetime) -> str:
        text = shown.get(instant)
        if text is None:
            text = shown[instant] = instant.astimezone(tz).isoformat()
        return text

    return [
        {
            "start": local(s.start),
            "end": local(s.end),
            "practitioner": str(codes[s.practitioner_id]),
            "modality": s.modality,
            "location": s.location_id,
        }
        for s in slots
        if s.practitioner_id in codes
    ]


# --- Appointments ---------------------------------------------------------------------


class NameField(serializers.CharField):
    """A person's name: trimmed, without the invisible characters that reorder text."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        value = without_bidi_controls(value).strip()
        if not value:
            self.fail("blank")
        return value


class PatientInputSerializer(serializers.Serializer[Any]):
    first_name = NameField(min_length=1, max_length=80)
    last_name = NameField(min_length=1, max_length=80)
    email = serializers.EmailField(min_length=3, max_length=254)
    phone = serializers.CharField(
        min_length=6, max_length=30, help_text="Digits, spaces, +, ( ) and -."
    )
    date_of_birth = StrictDateField(help_text="YYYY-MM-DD.")

    def validate_phone(self, value: str) -> str:
        digits = sum(ch.isdigit() for ch in value)
        if not _PHONE_RE.match(value) or not 6 <= digits <= 15:
            raise serializers.ValidationError("Enter a phone number, for example 0400 000 000.")
        return value

    def validate_date_of_birth(self, value: date) -> date:
        # The latest calendar date anywhere (UTC+14), so nobody born "today" is refused.
        latest = (timezone.now() + timedelta(hours=14)).date()
        if value > latest:
            raise serializers.ValidationError("The date of birth cannot be in the future.")
        if value < date(1900, 1, 1):
            raise serializers.ValidationError("Enter a real date of birth.")
        return value


class BookingInputSerializer(serializers.Serializer[Any]):
    service = serializers.UUIDField(help_text="The service's id.")
    practitioner = serializers.UUIDField(help_text="The practitioner's id.")
    modality = serializers.ChoiceField(choices=Modality.choices)
    start = AwareDateTimeField(
        help_text="A free slot's start, ISO 8601 with its UTC offset (from availability)."
    )
    patient = PatientInputSerializer()
    location = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=_BIG_INT,
        help_text="For a clinic visit: the slot's location id. Default: the slot's location.",
    )
    booking_request_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A UUID the client makes up once per booking. Sending the same request "
        "again with it returns the booking already made (200) instead of a second one.",
    )

    def validate_start(self, value: datetime) -> datetime:
        if value > timezone.now() + MAX_BOOKING_AHEAD:
            raise serializers.ValidationError("That time is too far ahead.")
        return value


class CancelInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Optional."
    )


class AppointmentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="code")
    start = VisitDateTimeField()
    end = VisitDateTimeField()
    status = serializers.ChoiceField(choices=Appointment.Status.choices)
    modality = serializers.ChoiceField(choices=Modality.choices)
    service = serializers.UUIDField(source="service.code", help_text="The service's id.")
    practitioner = serializers.UUIDField(
        source="practitioner.code", help_text="The practitioner's id."
    )
    location = serializers.IntegerField(
        source="location_id", allow_null=True, help_text="Location id; null for telehealth."
    )
    video_url = serializers.SerializerMethodField(
        help_text="The video room of a telehealth visit that is not cancelled; else null."
    )
    manage_token = serializers.SerializerMethodField(
        help_text="Pass as ?token= or the X-Manage-Token header to read or cancel this "
        "appointment without logging in. Keep it secret."
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_video_url(self, appointment: Appointment) -> str | None:
        if appointment.modality != Modality.TELEHEALTH or not appointment.is_active:
            return None
        return appointment.telehealth_url or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_manage_token(self, appointment: Appointment) -> str:
        return str(self.context.get("manage_token") or manage_token_for(appointment))


class BookingConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    alternatives = SlotOutputSerializer(many=True, help_text="The nearest free times.")
