"""Staff pages of the exercise library: search and filter, one exercise, and a clinic's
own exercises (add, edit, copy a shipped one) and its own picture and video for a shipped
one. The shipped library is read-only.

Every view's first line is an access helper: practitioners and clinic admins only, and
only the shipped library and their own clinic's exercises; anyone else gets 404.
"""

from __future__ import annotations

import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import clinician_or_404, record_for_clinician_or_404, staff_clinic_or_404
from clinic.errors import DomainError
from prescriptions.figures import figure_for, side_or_default
from prescriptions.library.forms import ExerciseForm, ExerciseMediaForm
from prescriptions.library.selectors import (
    chain_positions,
    exercise_links,
    exercise_media,
    exercise_media_row,
    exercise_search_for_clinic,
    labels,
)
from prescriptions.library.services import (
    exercise_copy,
    exercise_create,
    exercise_media_set,
    exercise_update,
)
from prescriptions.models import Exercise, ExerciseMedia
from prescriptions.programmes.forms import ExerciseSearchForm


@login_required
def exercise_list(request: HttpRequest) -> HttpResponse:
    """The library: the shipped exercises and the clinic's own, searched and filtered."""
    clinician_or_404(request)
    clinic = staff_clinic_or_404(request)
    form = ExerciseSearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    exercises = exercise_search_for_clinic(clinic_id=clinic.pk, include_inactive=True, **filters)
    return render(
        request,
        "prescriptions/exercise_list.html",
        {
            "form": form,
            "rows": [(e, labels("muscles", e.primary_muscles)) for e in exercises],
            "filtered": form.is_bound and form.is_filtered,
            "clear_url": reverse("prescriptions:exercise-list") if form.is_bound else "",
        },
    )


@login_required
def exercise_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    clinic = staff_clinic_or_404(request)
    links = exercise_links(exercise=exercise, clinic_id=clinic.pk)
    cautions = [
        {
            "for": labels("conditions", [c.condition])[0] if c.condition else "Everyone",
            "kind": c.kind,
            "text": c.text,
        }
        for c in exercise.caution_list
    ]
    media = exercise_media(exercise, clinic)
    return render(
        request,
        "prescriptions/exercise_detail.html",
        {
            "exercise": exercise,
            "muscles": labels("muscles", exercise.primary_muscles),
            "equipment": labels("equipment", exercise.equipment),
            "load_types": labels("load_types", exercise.load_types),
            "suits": labels("conditions", exercise.suits),
            "cautions": cautions,
            "links": links,
            "chains": chain_positions(exercise),
            "can_edit": exercise.clinic_id == clinic.pk,
            # Per-side exercises are drawn for the right side; ?side=left mirrors them.
            "side": side_or_default(request.GET.get("side")),
            "has_figure": exercise.clinic_id is None and figure_for(exercise.slug) is not None,
            "clinic_media": media,
            "clinic_media_shown": {
                "image_url": _clinic_image_url(exercise, clinic.pk) if media.image else "",
                "image_alt": media.image_alt,
                "video_url": media.video_url,
            }
            if media
            else None,
        },
    )


def _clinic_image_url(exercise: Exercise, clinic_id: int) -> str:
    if exercise.clinic_id == clinic_id:
        return exercise_image_url(exercise)
    if exercise.is_shipped:
        return reverse("prescriptions:exercise-media-image", args=[exercise.code])
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def exercise_media_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The clinic's own picture and video for a shipped exercise."""
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    if not exercise.is_shipped:
        return redirect("prescriptions:exercise-edit", code=exercise.code)
    user = clinician_or_404(request)
    clinic = staff_clinic_or_404(request)
    current = exercise_media_row(exercise=exercise, clinic_id=clinic.pk)
    initial = {"image_alt": current.image_alt, "video_url": current.video_url} if current else {}
    form = ExerciseMediaForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        has_image=bool(current and current.image),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exercise_media_set(
                exercise=exercise,
                clinic=clinic,
                by=user,
                image=data.get("image"),
                image_alt=data.get("image_alt", ""),
                remove_image=data.get("remove_image", False),
                video_url=data.get("video_url", ""),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Saved your clinic's picture and video for {exercise.name}.")
            return redirect("prescriptions:exercise-detail", code=exercise.code)
    return render(
        request,
        "prescriptions/exercise_media_form.html",
        {"form": form, "exercise": exercise, "current": current},
    )


@login_required
def exercise_media_image(request: HttpRequest, code: uuid.UUID) -> FileResponse:
    """The clinic's own image for a shipped exercise, to that clinic's staff only."""
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    clinic = staff_clinic_or_404(request)
    media = ExerciseMedia.objects.filter(clinic=clinic, exercise=exercise).first()
    if media is None or not media.image:
        raise Http404
    return _file_response(media.image)


def _save_exercise(
    request: HttpRequest, form: ExerciseForm, exercise: Exercise | None
) -> Exercise | None:
    user = clinician_or_404(request)
    data = form.cleaned_data
    try:
        if exercise is None:
            return exercise_create(
                clinic=staff_clinic_or_404(request),
                by=user,
                image=data.get("image"),
                image_alt=data.get("image_alt", ""),
                **form.exercise_fields(),
            )
        return exercise_update(
            exercise=exercise,
            by=user,
            image=data.get("image"),
            image_alt=data.get("image_alt", ""),
            remove_image=data.get("remove_image", False),
            **form.exercise_fields(),
        )
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        if exc.field == "cautions":
            field = None
        form.add_error(field, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def exercise_new(request: HttpRequest) -> HttpResponse:
    clinician_or_404(request)
    form = ExerciseForm(
        request.POST or None,
        request.FILES or None,
        initial={"level": "1", "dose_type": "reps", "is_active": True},
    )
    if request.method == "POST" and form.is_valid():
        exercise = _save_exercise(request, form, None)
        if exercise is not None:
            messages.success(request, f"Added {exercise.name} to your clinic's library.")
            return redirect("prescriptions:exercise-detail", code=exercise.code)
    return render(request, "prescriptions/exercise_form.html", {"form": form, "exercise": None})


@login_required
@require_http_methods(["GET", "POST"])
def exercise_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    if exercise.is_shipped:
        messages.info(
            request, "The shipped library cannot be changed. Copy the exercise to edit your own."
        )
        return redirect("prescriptions:exercise-detail", code=exercise.code)
    form = ExerciseForm(request.POST or None, request.FILES or None, exercise=exercise)
    if request.method == "POST" and form.is_valid():
        saved = _save_exercise(request, form, exercise)
        if saved is not None:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("prescriptions:exercise-detail", code=saved.code)
    return render(request, "prescriptions/exercise_form.html", {"form": form, "exercise": exercise})


@login_required
@require_POST
def exercise_copy_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    user = clinician_or_404(request)
    try:
        copy = exercise_copy(exercise=exercise, clinic=staff_clinic_or_404(request), by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("prescriptions:exercise-detail", code=exercise.code)
    messages.success(request, f"Copied into your clinic's library as {copy.name}. Edit it below.")
    return redirect("prescriptions:exercise-edit", code=copy.code)


@login_required
def exercise_image(request: HttpRequest, code: uuid.UUID) -> FileResponse:
    """The uploaded image of an exercise, to the staff who may see the exercise."""
    exercise = record_for_clinician_or_404(request, Exercise.objects.all(), code, shared=True)
    return exercise_image_response(exercise)


def exercise_image_response(exercise: Exercise, clinic_id: int | None = None) -> FileResponse:
    """An exercise's uploaded image, for someone already allowed to see it: the clinic's
    staff here, or the patient whose programme holds it (views/patient_programme.py). For
    a shipped exercise, `clinic_id`'s own picture of it (ExerciseMedia) when it has one."""
    if exercise.image:
        return _file_response(exercise.image)
    if clinic_id is not None and exercise.clinic_id is None:
        media = ExerciseMedia.objects.filter(clinic_id=clinic_id, exercise=exercise).first()
        if media is not None and media.image:
            return _file_response(media.image)
    raise Http404


def _file_response(image: FieldFile) -> FileResponse:
    content_type = mimetypes.guess_type(image.name or "")[0] or "application/octet-stream"
    response = FileResponse(image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def exercise_image_url(exercise: Exercise) -> str:
    return reverse("prescriptions:exercise-image", args=[exercise.code]) if exercise.image else ""


urlpatterns: list[URLPattern] = [
    path("staff/exercises/", exercise_list, name="exercise-list"),
    path("staff/exercises/new/", exercise_new, name="exercise-new"),
    path("staff/exercises/<uuid:code>/", exercise_detail, name="exercise-detail"),
    path("staff/exercises/<uuid:code>/edit/", exercise_edit, name="exercise-edit"),
    path("staff/exercises/<uuid:code>/copy/", exercise_copy_view, name="exercise-copy"),
    path("staff/exercises/<uuid:code>/image/", exercise_image, name="exercise-image"),
    path("staff/exercises/<uuid:code>/media/", exercise_media_edit, name="exercise-media"),
    path(
        "staff/exercises/<uuid:code>/media/image/",
        exercise_media_image,
        name="exercise-media-image",
    ),
]
