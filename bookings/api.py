"""Stance's JSON API, version 1 (Django REST framework, documented with drf-spectacular).

One APIView per endpoint (HackSoft styleguide): an input serializer validates the shape,
the view calls a selector or a service, an output serializer writes the answer. Objects
are addressed by their UUID `code`. An appointment can be read or cancelled by the
logged-in patient who owns it or with its signed manage token; anyone else gets 404.

Choices: the catalogue lists every clinic's services and practitioners (each service
names its clinic). An unknown or malformed service or practitioner in a query string or
body is a 400 with a field error (not a 404), like any other bad input. Replaying a
booking with a `booking_request_id` already used returns the existing appointment with
200 (a new booking is 201).

The human-readable documentation at /api/docs/ (`api_docs`) is rendered on the server from
the same OpenAPI schema that /api/schema/ serves.
"""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from bookings.models import Appointment, Modality, Service
from bookings.selectors import (
    Slot,
    appointment_list_for_patient,
    available_slots,
    bookable_practitioners,
    practitioner_list_active,
    service_bookable_online,
    service_list_bookable_online,
)
from bookings.serializers import (
    AppointmentOutputSerializer,
    AvailabilityInputSerializer,
    AvailabilityOutputSerializer,
    BookingConflictSerializer,
    BookingInputSerializer,
    CancelInputSerializer,
    DetailSerializer,
    PractitionerOutputSerializer,
    ServiceOutputSerializer,
    slot_rows,
    validation_errors_for,
)
from bookings.services import (
    TAKEN_MESSAGE,
    BookingKeyReused,
    PatientDetails,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
)
from bookings.tokens import appointment_code_from_manage_token, manage_link_usable
from bookings.week_cache import week_page_get, week_page_key, week_page_put
from clinic.access import own_record_or_404
from clinic.errors import DomainError
from clinic.models import Location, Practitioner, User
from clinic.parsers import SafeJSONParser
from clinic.ratelimit import parse_rate, rate_limit_exceeded
from clinic.selectors import patient_get_for_user

logger = logging.getLogger(__name__)


def _bookable_service(code: uuid.UUID) -> Service:
    service = service_bookable_online(code=code)
    if service is None:
        raise ValidationError({"service": ["Unknown service."]})
    return service


def _practitioner_offering(practitioners: list[Practitioner], code: uuid.UUID) -> Practitioner:
    for practitioner in practitioners:
        if practitioner.code == code:
            return practitioner
    raise ValidationError({"practitioner": ["That practitioner does not offer this service."]})


def _slot_rows(slots: list[Slot], practitioners: list[Practitioner]) -> list[dict[str, Any]]:
    codes = {p.pk: p.code for p in practitioners}
    return [
        {
            "start": s.start,
            "end": s.end,
            "practitioner": codes[s.practitioner_id],
            "modality": s.modality,
            "location": s.location_id,
        }
        for s in slots
        if s.practitioner_id in codes
    ]


def _appointment_data(appointment: Appointment, *, token: str = "") -> dict[str, Any]:
    """The appointment as the API shows it. A caller who came with a manage link gets that
    same link back (`token`), so showing it never extends its expiry."""
    context = {"tz": appointment.practitioner.clinic.tz, "manage_token": token}
    return AppointmentOutputSerializer(appointment, context=context).data


def _presented_token(request: Request) -> str:
    return str(request.query_params.get("token") or request.headers.get("X-Manage-Token") or "")


# --- Access -----------------------------------------------------------------------------


def _appointment_for_caller(request: Request, code: uuid.UUID) -> Appointment:
    """The appointment, for its own logged-in patient or the holder of its manage token.

    A token works until it expires, the visit is over or the patient deletes their
    account. Everybody else (other patients, staff, a bad or expired token) gets 404, so
    the answer never tells whether the code exists.
    """
    appointments = Appointment.objects.select_related("service", "practitioner__clinic", "patient")
    token = _presented_token(request)
    if token and appointment_code_from_manage_token(token) == str(code):
        appointment = appointments.filter(code=code).first()
        if appointment is not None and manage_link_usable(appointment, now=timezone.now()):
            return appointment
    return own_record_or_404(request, appointments, code)


class BookingRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle reading its rate at request time, keyed on the client address.

    DRF copies DEFAULT_THROTTLE_RATES into the class when it is imported, so a changed
    setting would be ignored; a missing or None rate turns the limit off. Without
    NUM_PROXIES, DRF would key on the X-Forwarded-For header as sent, which any client
    can change on every request; we use REMOTE_ADDR then.
    """

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate else None

    def get_ident(self, request: Request) -> str:
        if api_settings.NUM_PROXIES is None:
            return str(request.META.get("REMOTE_ADDR", ""))
        return super().get_ident(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        """As DRF's, but a booking never fails because the cache (Redis) is down."""
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("booking throttle not checked: the cache is unavailable")
            return True


def _signup_limit_check(request: Request) -> None:
    """Every API booking carries a new patient's details and may create an account, so a
    well-formed one also counts against the sign-up budget per client
    (STANCE_SIGNUP_RATE_LIMIT), shared with the booking flow's details step. Known and
    unknown addresses count alike, so the limit tells nothing about who has an account."""
    rate = settings.STANCE_SIGNUP_RATE_LIMIT
    if rate_limit_exceeded(request, "signup", rate):
        raise Throttled(wait=(parse_rate(rate) or (0, 60))[1])


# --- Schema fragments -----------------------------------------------------------------

CODE_PARAMETER = OpenApiParameter(
    "code", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The appointment's id."
)
TOKEN_PARAMETERS = [
    OpenApiParameter(
        "token",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=False,
        description="The appointment's manage token (from the booking answer).",
    ),
    OpenApiParameter(
        "X-Manage-Token",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="The manage token, as a header instead of ?token=.",
    ),
]
CSRF_FAILED = OpenApiResponse(
    DetailSerializer,
    description="A logged-in session without its CSRF token (anonymous callers need none).",
)
NOT_JSON = OpenApiResponse(DetailSerializer, description="The body is not JSON.")
NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="No such appointment, or not yours: not logged in as its patient and no "
    "valid manage token (other patients and staff get this too).",
)


# --- Views ------------------------------------------------------------------------------


class ServiceListApi(APIView):
    @extend_schema(
        operation_id="services_list",
        summary="List the services patients can book online",
        description="Active services that can be booked online, with the practitioners who "
        "offer them and the clinic (whose time zone availability uses).",
        tags=["Catalogue"],
        responses={200: ServiceOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        services = service_list_bookable_online()
        return Response(ServiceOutputSerializer(services, many=True).data)


class PractitionerListApi(APIView):
    @extend_schema(
        operation_id="practitioners_list",
        summary="List the practitioners",
        description="Active practitioners, the services they offer and where they work.",
        tags=["Catalogue"],
        responses={200: PractitionerOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        practitioners = practitioner_list_active()
        return Response(PractitionerOutputSerializer(practitioners, many=True).data)


class AvailabilityApi(APIView):
    @extend_schema(
        operation_id="availability_list",
        summary="Find free times for a service",
        description="Free slots for the service between two dates (clinic-local, both "
        "included, at most 62 days), within the clinic's booking notice and horizon. "
        "Without `practitioner`, every practitioner who offers the service is included; "
        "without `modality`, every way the service is offered. An unknown service or "
        "practitioner, or a modality the service does not offer, is a 400 with a field "
        "error.",
        tags=["Booking"],
        parameters=[AvailabilityInputSerializer],
        responses={
            200: AvailabilityOutputSerializer,
            400: OpenApiResponse(
                validation_errors_for(AvailabilityInputSerializer, "AvailabilityErrors"),
                description="Missing or malformed parameters; messages per parameter.",
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """Anonymous answers are cached like the week page (bookings/week_cache.py): for a
        minute at most, and forgotten the moment anything that changes free times is
        written."""
        key = week_page_key(request)
        cached = week_page_get(key, content_type="application/json")
        if cached is not None:
            return cached
        query = AvailabilityInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        service = _bookable_service(data["service"])
        practitioners = bookable_practitioners(service=service)
        practitioner = None
        if data.get("practitioner"):
            practitioner = _practitioner_offering(practitioners, data["practitioner"])
        modality = data.get("modality")
        if modality and modality not in service.allowed_modalities():
            raise ValidationError({"modality": [f"{service.name} is not offered as {modality}."]})
        slots = available_slots(
            service=service,
            start_date=data["start"],
            end_date=data["end"],
            now=timezone.now(),
            practitioner=practitioner,
            modality=modality,
            practitioners=practitioners,
        )
        # AvailabilityOutputSerializer's shape (the schema above), written by slot_rows.
        codes = {p.pk: p.code for p in practitioners}
        body = {"slots": slot_rows(slots, codes, service.clinic.tz)}
        response = HttpResponse(JSONRenderer().render(body), content_type="application/json")
        return week_page_put(key, response)


class AppointmentCreateApi(APIView):
    parser_classes = [SafeJSONParser]
    throttle_classes = [BookingRateThrottle]
    throttle_scope = "booking"

    @extend_schema(
        operation_id="appointment_create",
        summary="Book an appointment",
        description="Books a free slot for a patient, matched by email within the clinic "
        "or created. Open to anonymous callers (no CSRF token needed without a session) "
        "and rate-limited per client. The answer carries a `manage_token` for reading and "
        "cancelling the appointment later. Repeating a request with the same "
        "`booking_request_id` and the same booking returns the appointment already made "
        "(200, or 201 to a copy sent at the same moment); reusing it for a different "
        "booking is a 409 and books nothing.",
        tags=["Booking"],
        request=BookingInputSerializer,
        responses={
            201: OpenApiResponse(AppointmentOutputSerializer, description="Booked."),
            200: OpenApiResponse(
                AppointmentOutputSerializer,
                description="A repeated `booking_request_id`: the appointment already made.",
            ),
            400: OpenApiResponse(
                validation_errors_for(BookingInputSerializer, "BookingErrors"),
                description="Bad input (for example a time without a UTC offset, a time in "
                "the past, an unknown service, a date of birth in the future).",
            ),
            403: CSRF_FAILED,
            409: OpenApiResponse(
                BookingConflictSerializer,
                description="The time is not free (any more), or was being booked at the "
                "same moment; the nearest free times follow. A `booking_request_id` "
                "already used for a different booking answers 409 with no alternatives.",
            ),
            415: NOT_JSON,
            429: OpenApiResponse(
                DetailSerializer,
                description="Too many bookings, or new patients' details, from this client; "
                "retry later.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = BookingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        request_id = data.get("booking_request_id")
        repeated = (
            request_id is not None
            and Appointment.objects.filter(booking_request_id=request_id).exists()
        )
        if not repeated:
            _signup_limit_check(request)
        service = _bookable_service(data["service"])
        practitioners = bookable_practitioners(service=service)
        practitioner = _practitioner_offering(practitioners, data["practitioner"])
        location_id = _location_for(service, data["modality"], data.get("location"))
        try:
            appointment = appointment_book(
                service=service,
                practitioner=practitioner,
                modality=data["modality"],
                start=data["start"],
                patient=PatientDetails(**data["patient"]),
                source=Appointment.Source.API,
                booked_by=request.user if isinstance(request.user, User) else None,
                location_id=location_id,
                booking_request_id=request_id,
            )
        except SlotUnavailable as exc:
            return _conflict(service, exc.alternatives)
        except BookingKeyReused as exc:
            reused = {"detail": exc.message, "alternatives": []}
            return Response(reused, status=status.HTTP_409_CONFLICT)
        except DomainError as exc:
            raise ValidationError({exc.field or "non_field_errors": [exc.message]}) from exc
        answer = status.HTTP_200_OK if repeated else status.HTTP_201_CREATED
        return Response(_appointment_data(appointment), status=answer)


def _location_for(service: Service, modality: str, location_id: int | None) -> int | None:
    if location_id is None:
        return None
    if modality == Modality.TELEHEALTH:
        raise ValidationError({"location": ["A telehealth visit has no location."]})
    if not Location.objects.filter(
        pk=location_id, clinic_id=service.clinic_id, is_active=True
    ).exists():
        raise ValidationError({"location": ["Unknown location."]})
    return location_id


def _conflict(service: Service, alternatives: list[Slot]) -> Response:
    rows = _slot_rows(alternatives, bookable_practitioners(service=service))
    body = BookingConflictSerializer(
        {"detail": TAKEN_MESSAGE, "alternatives": rows}, context={"tz": service.clinic.tz}
    ).data
    return Response(body, status=status.HTTP_409_CONFLICT)


class AppointmentDetailApi(APIView):
    @extend_schema(
        operation_id="appointment_retrieve",
        summary="Read an appointment",
        description="For the logged-in patient who owns it, or with its manage token "
        "(until the visit is over).",
        tags=["Appointments"],
        parameters=[CODE_PARAMETER, *TOKEN_PARAMETERS],
        responses={200: AppointmentOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, code: uuid.UUID) -> Response:
        appointment = _appointment_for_caller(request, code)
        return Response(_appointment_data(appointment, token=_presented_token(request)))


class AppointmentCancelApi(APIView):
    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="appointment_cancel",
        summary="Cancel an appointment",
        description="For the logged-in patient who owns it (with a CSRF token, as for any "
        "session) or with its manage token. Patients can cancel online only outside the "
        "clinic's cancellation window.",
        tags=["Appointments"],
        parameters=[CODE_PARAMETER, *TOKEN_PARAMETERS],
        request=CancelInputSerializer,
        responses={
            200: OpenApiResponse(AppointmentOutputSerializer, description="Cancelled."),
            400: OpenApiResponse(
                validation_errors_for(CancelInputSerializer, "CancelErrors"),
                description="The reason is too long.",
            ),
            403: CSRF_FAILED,
            404: NOT_FOUND,
            409: OpenApiResponse(
                DetailSerializer,
                description="Already cancelled, or too close to the visit to cancel online "
                "(the message says whom to call).",
            ),
            415: NOT_JSON,
        },
    )
    def post(self, request: Request, code: uuid.UUID) -> Response:
        appointment = _appointment_for_caller(request, code)
        body = CancelInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if appointment.status == Appointment.Status.CANCELLED:
            return Response(
                {"detail": "This appointment is already cancelled."},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            cancelled = appointment_cancel(
                appointment=appointment,
                by_user=request.user if request.user.is_authenticated else None,
                reason=body.validated_data["reason"],
                as_staff=False,
            )
        except DomainError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(_appointment_data(cancelled, token=_presented_token(request)))


class MyAppointmentListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="my_appointments_list",
        summary="List my appointments",
        description="The logged-in patient's appointments, latest first (session login). "
        "Anonymous callers get 403; a logged-in user with no patient record gets [].",
        tags=["Appointments"],
        responses={
            200: AppointmentOutputSerializer(many=True),
            403: OpenApiResponse(DetailSerializer, description="Not logged in."),
        },
    )
    def get(self, request: Request) -> Response:
        user = request.user
        patient = patient_get_for_user(user) if isinstance(user, User) else None
        if patient is None:
            return Response([])
        appointments = appointment_list_for_patient(patient_id=patient.pk)
        serializer = AppointmentOutputSerializer(
            appointments, many=True, context={"tz": patient.clinic.tz}
        )
        return Response(serializer.data)


# --- Documentation page -----------------------------------------------------------------

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
TAG_ORDER = ("Catalogue", "Booking", "Appointments")
"""The order of the reference's sections: what there is, how to book, what happens next."""


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API reference as plain HTML, generated from the OpenAPI schema (no JavaScript)."""
    schema: dict[str, Any] = SchemaGenerator().get_schema(  # type: ignore[no-untyped-call]  # drf-spectacular has no types
        request=None, public=True
    )
    components: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    # Sections in TAG_ORDER; inside one, endpoints in the order urlpatterns lists them.
    url_order = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)): i
        for i, p in enumerate(urlpatterns)
    }
    paths = sorted(schema.get("paths", {}).items(), key=lambda kv: url_order.get(kv[0], 99))
    groups: dict[str, list[dict[str, Any]]] = {tag: [] for tag in TAG_ORDER}
    for path_name, item in paths:
        for method, operation in item.items():
            if method in HTTP_METHODS:
                tag = (operation.get("tags") or ["Other"])[0]
                groups.setdefault(tag, []).append(
                    _operation_doc(path_name, method, operation, components)
                )
    sections = [{"tag": tag, "operations": ops} for tag, ops in groups.items() if ops]
    return render(request, "api/docs.html", {"info": schema.get("info", {}), "sections": sections})


def _operation_doc(
    path_name: str, method: str, operation: dict[str, Any], components: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
    media_type: str | None = next(iter(body), None)
    media: dict[str, Any] = body[media_type] if media_type else {}
    return {
        "anchor": operation.get("operationId", f"{method}-{path_name}"),
        "method": method.upper(),
        "path": path_name,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "anonymous": {} in operation.get("security", [{}]),
        "parameters": [
            {
                "name": p["name"],
                "in": p["in"],
                "type": _type_label(p.get("schema", {}), components),
                "required": p.get("required", False),
                "description": p.get("description", ""),
            }
            for p in operation.get("parameters", [])
        ],
        "request": _body_doc(media.get("schema"), components, media_type) if media_type else None,
        "responses": [
            {
                "code": code,
                "description": response.get("description") or _status_phrase(code),
                "body": _body_doc(
                    response.get("content", {}).get("application/json", {}).get("schema"),
                    components,
                    "application/json",
                ),
            }
            for code, response in sorted(operation.get("responses", {}).items())
        ],
    }


def _status_phrase(code: str) -> str:
    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return ""


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and merge allOf, so a field's own description and type sit together."""
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, components))
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return merged
    return schema


def _type_label(schema: dict[str, Any], components: dict[str, Any]) -> str:
    schema = _resolve(schema, components)
    if "oneOf" in schema:
        labels = [_type_label(part, components) for part in schema["oneOf"]]
        return " or ".join(label for label in labels if label)
    if "enum" in schema:
        values = [str(v) for v in schema["enum"] if v not in (None, "")]
        return ("one of " + ", ".join(values)) if values else "null"
    kind = schema.get("type", "object")
    if kind == "array":
        label = "array of " + _type_label(schema.get("items", {}), components)
    else:
        label = f"{kind} ({schema['format']})" if "format" in schema else kind
    limits = []
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']} characters")
    if "minimum" in schema:
        limits.append(f"at least {schema['minimum']}")
    if schema.get("nullable"):
        limits.append("or null")
    return ", ".join([label, *limits])


def _body_doc(
    schema: dict[str, Any] | None, components: dict[str, Any], media_type: str | None
) -> dict[str, Any] | None:
    if not schema:
        return None
    schema = _resolve(schema, components)
    is_list = schema.get("type") == "array"
    if is_list:
        schema = _resolve(schema.get("items", {}), components)
    return {
        "media_type": media_type,
        "is_list": is_list,
        "fields": _fields(schema, components, prefix=""),
    }


def _fields(
    schema: dict[str, Any], components: dict[str, Any], prefix: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    required = set(schema.get("required", []))
    for name, raw in schema.get("properties", {}).items():
        prop = _resolve(raw, components)
        full_name = prefix + name
        rows.append(
            {
                "name": full_name,
                "type": _type_label(prop, components),
                "required": name in required,
                "read_only": prop.get("readOnly", False),
                "description": prop.get("description", ""),
            }
        )
        if prop.get("type") == "array":
            item = _resolve(prop.get("items", {}), components)
            if "properties" in item:
                rows.extend(_fields(item, components, prefix=f"{full_name}[]."))
        elif "properties" in prop:
            rows.extend(_fields(prop, components, prefix=f"{full_name}."))
    return rows


urlpatterns: list[URLPattern] = [
    path("api/v1/services/", ServiceListApi.as_view(), name="api-service-list"),
    path("api/v1/practitioners/", PractitionerListApi.as_view(), name="api-practitioner-list"),
    path("api/v1/availability/", AvailabilityApi.as_view(), name="api-availability"),
    path("api/v1/appointments/", AppointmentCreateApi.as_view(), name="api-appointment-create"),
    path(
        "api/v1/appointments/<uuid:code>/",
        AppointmentDetailApi.as_view(),
        name="api-appointment-detail",
    ),
    path(
        "api/v1/appointments/<uuid:code>/cancel/",
        AppointmentCancelApi.as_view(),
        name="api-appointment-cancel",
    ),
    path("api/v1/me/appointments/", MyAppointmentListApi.as_view(), name="api-my-appointments"),
]
