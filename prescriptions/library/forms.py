"""A clinic's own exercise: the form that adds or edits one. Codes come from the shipped
library's vocabulary (muscles, equipment, load types, conditions), so searching, dosing
and the warnings read a clinic's exercise as they read a shipped one."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from clinic.forms import InlineRadioSelect, StaffForm
from prescriptions.library import shipped as library
from prescriptions.library.services import IMAGE_MAX_BYTES
from prescriptions.models import Exercise

CAUTION_KINDS = [
    (library.CautionKind.AVOID_EARLY.value, "Avoid in the early stage"),
    (library.CautionKind.MODIFY.value, "Do it differently (say how)"),
    (library.CautionKind.PRECAUTION.value, "Check before prescribing"),
]
EXTRA_CAUTION_ROWS = 2
"""Empty caution rows offered below the filled ones."""

IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def checked_image(image: UploadedFile[bytes] | None) -> UploadedFile[bytes] | None:
    """The upload when it is a JPEG, PNG or WebP image of 5 MB or less (by its first bytes,
    not its name); ValidationError otherwise."""
    if not image:
        return None
    if image.size and image.size > IMAGE_MAX_BYTES:
        raise forms.ValidationError("Choose an image of 5 MB or less.")
    head = image.read(16)
    image.seek(0)
    if not (any(head.startswith(sig) for sig, _ in IMAGE_SIGNATURES) or _is_webp(head)):
        raise forms.ValidationError("Choose a JPEG, PNG or WebP image.")
    return image


def checked_video_url(url: str | None) -> str:
    if url and not url.startswith("https://"):
        raise forms.ValidationError("Enter a video link that starts with https://")
    return url or ""


def _image_field() -> forms.FileField:
    return forms.FileField(
        label="Image (optional)",
        required=False,
        help_text="A photo or drawing: JPEG, PNG or WebP, up to 5 MB.",
        # A plain file input: the current image is shown above it, with its own checkbox.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def _image_alt_field() -> forms.CharField:
    return forms.CharField(
        label="Image description",
        max_length=200,
        required=False,
        help_text="What the image shows, for people who cannot see it. Needed with an image.",
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )


def _video_url_field() -> forms.URLField:
    return forms.URLField(
        label="Video link (optional)",
        required=False,
        assume_scheme="https",
        help_text="An https:// address, for example a clinic video.",
        max_length=200,
        error_messages={
            "invalid": "Enter a video link that starts with https://",
            "max_length": "Keep the link to %(limit_value)d characters or fewer.",
        },
    )


def _checkboxes(label: str, choices: Any, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=list(choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"invalid_choice": "Choose from the list."},
    )


def _lines(label: str, help_text: str, *, required: bool, message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=help_text,
        max_length=4000,
        error_messages={
            "required": message,
            "max_length": "Keep it to %(limit_value)d characters or fewer.",
        },
    )


class ExerciseForm(StaffForm):
    name = forms.CharField(
        label="Name",
        max_length=120,
        error_messages={
            "required": "Enter the name of the exercise.",
            "max_length": "Keep the name to %(limit_value)d characters or fewer.",
        },
    )
    instructions = _lines(
        "Instructions for the patient",
        "One step a line, in order. Plain words: the patient reads them at home.",
        required=True,
        message="Write at least one step of the instructions.",
    )
    cues = _lines("Cues (optional)", "One short cue a line.", required=False)
    primary_muscles = _checkboxes("Main muscles", [], "Choose at least one.")
    level = forms.ChoiceField(
        label="Level",
        choices=Exercise.Level.choices,
        error_messages={"required": "Choose the level.", "invalid_choice": "Choose the level."},
    )
    equipment = _checkboxes("Equipment needed (optional)", [])
    load_types = _checkboxes("Ways to load it", [], "Choose at least one; the usual one first.")
    weight_bearing = forms.ChoiceField(
        label="Done standing (weight-bearing)?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=InlineRadioSelect,
        error_messages={"required": "Say whether it is done standing."},
    )
    dose_type = forms.ChoiceField(
        label="Dosed by",
        choices=Exercise.DoseType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is dosed."},
    )
    per_side = forms.BooleanField(label="Done on each side in turn", required=False)
    distance_m = forms.IntegerField(
        label="Usual distance (metres)",
        required=False,
        min_value=1,
        max_value=2000,
        help_text="For an exercise dosed by distance.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input-measure"}),
        error_messages={
            "invalid": "Enter the distance in metres, from 1 to 2000.",
            "min_value": "Enter the distance in metres, from 1 to 2000.",
            "max_value": "Enter the distance in metres, from 1 to 2000.",
        },
    )
    load_note = forms.CharField(
        label="How heavy, in words (optional)",
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    suits = _checkboxes("Suits these conditions (optional)", [])
    image = _image_field()
    image_alt = _image_alt_field()
    remove_image = forms.BooleanField(label="Remove the image", required=False)
    video_url = _video_url_field()
    is_active = forms.BooleanField(label="Offer it when prescribing", required=False, initial=True)

    def __init__(self, *args: Any, exercise: Exercise | None = None, **kwargs: Any) -> None:
        if exercise is not None and "initial" not in kwargs:
            kwargs["initial"] = exercise_initial(exercise)
        super().__init__(*args, **kwargs)
        self.exercise = exercise
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
        lib = library.default_library()
        cast(forms.ChoiceField, self.fields["primary_muscles"]).choices = list(lib.muscles.items())
        cast(forms.ChoiceField, self.fields["equipment"]).choices = list(lib.equipment.items())
        cast(forms.ChoiceField, self.fields["load_types"]).choices = list(lib.load_types.items())
        cast(forms.ChoiceField, self.fields["suits"]).choices = list(lib.conditions.items())
        filled = len(exercise.cautions) if exercise else 0
        self.caution_count = self._caution_rows(filled)
        conditions = [("", "Everyone"), *lib.conditions.items()]
        for i in range(self.caution_count):
            self.fields[f"caution_{i}_condition"] = forms.ChoiceField(
                label="For", choices=conditions, required=False
            )
            self.fields[f"caution_{i}_kind"] = forms.ChoiceField(
                label="Kind", choices=CAUTION_KINDS, required=False
            )
            self.fields[f"caution_{i}_text"] = forms.CharField(
                label="Caution", max_length=400, required=False
            )
            for part in ("condition", "kind", "text"):
                widget = self.fields[f"caution_{i}_{part}"].widget
                css = "form-select" if part != "text" else "form-control"
                widget.attrs["class"] = css
        if exercise is not None:
            for i, c in enumerate(exercise.cautions):
                self.initial[f"caution_{i}_condition"] = c.get("condition") or ""
                self.initial[f"caution_{i}_kind"] = c["kind"]
                self.initial[f"caution_{i}_text"] = c["text"]

    def _caution_rows(self, filled: int) -> int:
        if self.is_bound:
            posted = [k for k in self.data if k.startswith("caution_") and k.endswith("_text")]
            return max(len(posted), filled + EXTRA_CAUTION_ROWS)
        return filled + EXTRA_CAUTION_ROWS

    def caution_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField, Any]]:
        return [
            (
                i,
                self[f"caution_{i}_condition"],
                self[f"caution_{i}_kind"],
                self[f"caution_{i}_text"],
            )
            for i in range(self.caution_count)
        ]

    def clean_image(self) -> UploadedFile[bytes] | None:
        return checked_image(self.cleaned_data.get("image"))

    def clean_video_url(self) -> str:
        return checked_video_url(self.cleaned_data.get("video_url"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("primary_muscles") and "primary_muscles" not in self.errors:
            self.add_error("primary_muscles", "Choose at least one muscle.")
        if not data.get("load_types") and "load_types" not in self.errors:
            self.add_error("load_types", "Choose at least one way to load it.")
        distance = data.get("dose_type") == Exercise.DoseType.DISTANCE_M
        if distance and not data.get("distance_m") and "distance_m" not in self.errors:
            self.add_error("distance_m", "Enter the usual distance in metres, from 1 to 2000.")
        has_image = data.get("image") or (
            self.exercise is not None and self.exercise.image and not data.get("remove_image")
        )
        if has_image and not (data.get("image_alt") or "").strip():
            self.add_error(
                "image_alt",
                "Describe the image for people who cannot see it (alternative text).",
            )
        for i in range(self.caution_count):
            text = (data.get(f"caution_{i}_text") or "").strip()
            kind = data.get(f"caution_{i}_kind")
            if text and not kind:
                self.add_error(f"caution_{i}_kind", "Choose the kind of caution.")
            no_condition = not data.get(f"caution_{i}_condition")
            if kind == library.CautionKind.AVOID_EARLY and text and no_condition:
                self.add_error(
                    f"caution_{i}_condition",
                    "Choose the condition in whose early stage to avoid it.",
                )
        return data

    def exercise_fields(self) -> dict[str, Any]:
        """Keyword arguments for exercise_create / exercise_update."""
        d = self.cleaned_data
        cautions = []
        for i in range(self.caution_count):
            text = (d.get(f"caution_{i}_text") or "").strip()
            if text:
                cautions.append(
                    {
                        "condition": d.get(f"caution_{i}_condition") or None,
                        "kind": d.get(f"caution_{i}_kind"),
                        "text": text,
                    }
                )
        return {
            "name": d["name"],
            "instructions": d["instructions"].splitlines(),
            "cues": (d.get("cues") or "").splitlines(),
            "primary_muscles": d["primary_muscles"],
            "level": int(d["level"]),
            "equipment": d.get("equipment") or [],
            "load_types": d["load_types"],
            "weight_bearing": d["weight_bearing"] == "yes",
            "dose_type": d["dose_type"],
            "per_side": d.get("per_side", False),
            "distance_m": d.get("distance_m"),
            "load_note": d.get("load_note") or "",
            "cautions": cautions,
            "suits": d.get("suits") or [],
            "video_url": d.get("video_url") or "",
            "is_active": d.get("is_active", False),
        }


def exercise_initial(exercise: Exercise) -> dict[str, Any]:
    return {
        "name": exercise.name,
        "instructions": "\n".join(exercise.instructions),
        "cues": "\n".join(exercise.cues),
        "primary_muscles": list(exercise.primary_muscles),
        "level": str(exercise.level),
        "equipment": list(exercise.equipment),
        "load_types": list(exercise.load_types),
        "weight_bearing": "yes" if exercise.weight_bearing else "no",
        "dose_type": exercise.dose_type,
        "per_side": exercise.per_side,
        "distance_m": exercise.distance_m,
        "load_note": exercise.load_note,
        "suits": list(exercise.suits),
        "image_alt": exercise.image_alt,
        "video_url": exercise.video_url,
        "is_active": exercise.is_active,
    }


class ExerciseMediaForm(StaffForm):
    """The clinic's own picture and video for a shipped exercise."""

    image = _image_field()
    image_alt = _image_alt_field()
    remove_image = forms.BooleanField(label="Remove the image", required=False)
    video_url = _video_url_field()

    def __init__(self, *args: Any, has_image: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_image = has_image
        self.fields["remove_image"].widget.attrs["class"] = "form-check-input"

    def clean_image(self) -> UploadedFile[bytes] | None:
        return checked_image(self.cleaned_data.get("image"))

    def clean_video_url(self) -> str:
        return checked_video_url(self.cleaned_data.get("video_url"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        keeps = self.has_image and not data.get("remove_image")
        if (data.get("image") or keeps) and not (data.get("image_alt") or "").strip():
            self.add_error(
                "image_alt",
                "Describe the image for people who cannot see it (alternative text).",
            )
        return data
