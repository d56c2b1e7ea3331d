"""The exercise's picture on any page: `{% load figures %}{% exercise_figure exercise side %}`
draws Stance's figure of a shipped exercise (nothing for an exercise without one), and
`{% exercise_media_for exercise media as m %}` finds the clinic's own picture or video,
which `prescriptions/includes/exercise_media.html` shows first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from prescriptions.figures import figure_html

register = template.Library()

VIDEO_FILE_ENDINGS = (".mp4", ".webm", ".ogg", ".m4v")
"""A video link ending so plays in the page; any other link is a link to another site."""


@dataclass(frozen=True)
class ExerciseMedia:
    image_url: str = ""
    image_alt: str = ""
    video_url: str = ""

    @property
    def video_file(self) -> bool:
        return self.video_url.lower().split("?")[0].endswith(VIDEO_FILE_ENDINGS)


def _get(obj: Any, name: str) -> str:
    value = obj.get(name, "") if isinstance(obj, dict) else getattr(obj, name, "")
    return str(value or "")


@register.simple_tag(takes_context=True)
def exercise_media_for(
    context: template.Context, exercise: Any, media: Any = None
) -> ExerciseMedia:
    """The clinic's own picture and video of `exercise`: `media` when given (an object
    or dict with image_url, image_alt or alt, video_url), else the exercise's own image
    (served under the patient's programme pages when the page has `links`, else the
    staff library's address) and video link."""
    if media:
        return ExerciseMedia(
            image_url=_get(media, "image_url"),
            image_alt=_get(media, "image_alt") or _get(media, "alt"),
            video_url=_get(media, "video_url"),
        )
    own = getattr(exercise, "shown_media", None)  # a clinic's own, for a shipped exercise
    if own is not None and (own.image or own.video_url):
        base = getattr(context.get("links"), "detail", "")
        return ExerciseMedia(
            image_url=f"{base}exercises/{exercise.code}/image/" if own.image and base else "",
            image_alt=own.image_alt,
            video_url=own.video_url,
        )
    image_url = ""
    if getattr(exercise, "image", None):
        links = context.get("links")
        base = getattr(links, "detail", "")
        if base:
            image_url = f"{base}exercises/{exercise.code}/image/"
        else:
            image_url = reverse("prescriptions:exercise-image", args=[exercise.code])
    return ExerciseMedia(
        image_url=image_url,
        image_alt=str(getattr(exercise, "image_alt", "") or ""),
        video_url=str(getattr(exercise, "video_url", "") or ""),
    )


@register.simple_tag
def exercise_figure(exercise: Any, side: Any = "") -> SafeString:
    """Stance's drawn figure of a shipped exercise, for `side` ("left" mirrors a
    per-side one): the animated figure and the still start-and-end pair."""
    if exercise is None or getattr(exercise, "clinic_id", None) is not None:
        return mark_safe("")
    svg = figure_html(exercise.slug, exercise.name, side, per_side=bool(exercise.per_side))
    # figure_html escapes every text it puts in the SVG.
    return mark_safe(f'<div class="exercise-figure">{svg}</div>' if svg else "")  # noqa: S308
