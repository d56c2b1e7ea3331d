"""Today's session as a player: one exercise per page, then a finish page that records
the session through `session_log_record` (so the pain rule runs and a flag reaches the
practitioner).

Works without JavaScript: each exercise is a plain form; its answers are kept in the
server session (`PlayerState`) and each page is a GET after a POST-redirect, so Back
shows what was typed and nothing is lost. `static/js/programme-player.js` adds the hold
and rest timers, the set counter, and keeps answers on the phone (localStorage) so a
phone that sleeps or loses the network sends them when it is back. The session carries
an id made when it starts (`client_id`): sent twice, it is recorded once.

The same two doors as the other patient pages (views.py): the account and the signed link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.errors import DomainError
from clinic.forms import ErrorSummaryMixin
from prescriptions.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion, SessionLog
from prescriptions.models import SessionLogEntry as Entry
from prescriptions.patient_programme.forms import ACHIEVED_RANGES, COMMENT_MAX, day_choices
from prescriptions.patient_programme.selectors import (
    ItemView,
    ProgrammeView,
    achieved_label,
    programme_start,
    programme_view,
    version_items,
)
from prescriptions.patient_programme.services import (
    EntryInput,
    VersionChanged,
    session_log_record,
)
from prescriptions.patient_programme.views import (
    ProgrammeLinks,
    _audit,
    _context,
    _link_view,
    _linked_programme,
    _own_published,
)
from prescriptions.programmes.models import ITEM_RANGES

PAIN_CHOICES = [(str(n), str(n)) for n in range(11)]

# --- State in the server session -------------------------------------------------------


@dataclass
class PlayerState:
    """One session in progress: its id (made when it starts), the version it is of, and
    the answers given so far per item order (strings, as typed)."""

    client_id: str
    version: int
    answers: dict[str, dict[str, str]]

    @staticmethod
    def key(programme: Programme) -> str:
        return f"programme-player:{programme.code}"

    @classmethod
    def load(cls, request: HttpRequest, programme: Programme, version: ProgrammeVersion) -> Any:
        raw = request.session.get(cls.key(programme))
        if isinstance(raw, dict) and raw.get("version") == version.number:
            return cls(str(raw["client_id"]), int(raw["version"]), dict(raw.get("answers", {})))
        state = cls(str(uuid.uuid4()), version.number, {})
        state.save(request, programme)
        return state

    def save(self, request: HttpRequest, programme: Programme) -> None:
        request.session[self.key(programme)] = {
            "client_id": self.client_id,
            "version": self.version,
            "answers": self.answers,
        }

    @classmethod
    def clear(cls, request: HttpRequest, programme: Programme) -> None:
        request.session.pop(cls.key(programme), None)


# --- Forms -----------------------------------------------------------------------------


def _number(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "class": "form-control input-width-4",
            }
        ),
    )


class PlayerStepForm(ErrorSummaryMixin, forms.Form):
    """One exercise: done or skipped, sets done, what the last set achieved, pain during
    (0 to 10) and how the dose felt."""

    done = forms.ChoiceField(
        label="Did you do this exercise?",
        choices=[("yes", "Yes, I did it"), ("no", "No, I skipped it")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Say whether you did this exercise."},
    )

    def __init__(self, *args: Any, item: ProgrammeItem, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.item = item
        low, high = ITEM_RANGES["sets"]
        self.fields["sets_done"] = _number(
            "Sets done", f"Your programme has {item.sets} set{'s' if item.sets != 1 else ''}."
        )
        self.fields["achieved"] = _number(achieved_label(item))
        self.fields["pain"] = forms.ChoiceField(
            label="Pain during it, 0 to 10",
            help_text="0 is no pain, 10 the worst pain you can imagine.",
            choices=PAIN_CHOICES,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )
        self.fields["feel"] = forms.ChoiceField(
            label="How did it feel? (optional)",
            choices=Entry.Feel.choices,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )
        self.sets_range = (low, high)

    def _whole(self, name: str, low: int, high: int, message: str) -> int | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.add_error(name, message)
            return None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("done") != "yes":
            return data
        name = self.item.exercise.name
        low, high = self.sets_range
        self._whole("sets_done", low, high, f"Enter the sets you did, from {low} to {high}.")
        a_low, a_high, unit = ACHIEVED_RANGES[Exercise.DoseType(self.item.dose_type)]
        self._whole(
            "achieved",
            a_low,
            a_high,
            f"Enter the {unit} of your last set as a whole number from {a_low} to {a_high}.",
        )
        if not data.get("pain"):
            self.add_error("pain", f"Choose your pain during {name}, from 0 to 10.")
        return data

    def answer(self) -> dict[str, str]:
        """What to keep: the raw answers (a skipped exercise keeps only that)."""
        data = self.cleaned_data
        if data["done"] != "yes":
            return {"done": "no"}
        keys = ("done", "sets_done", "achieved", "pain", "feel")
        return {k: str(data.get(k) or "").strip() for k in keys}


def prescribed_answer(item: ProgrammeItem) -> dict[str, str]:
    """The first values a step shows: the prescribed sets and reps (or hold, distance)."""
    achieved = {
        Exercise.DoseType.HOLD_SECONDS: item.hold_seconds,
        Exercise.DoseType.DISTANCE_M: item.distance_m,
    }.get(Exercise.DoseType(item.dose_type), item.reps)
    return {"sets_done": str(item.sets), "achieved": str(achieved or "")}


def entry_from_answer(item: ProgrammeItem, answer: dict[str, str] | None) -> EntryInput:
    """An answer kept in the state (checked when it was given) as the service's input."""
    if not answer or answer.get("done") != "yes":
        return EntryInput(item=item, done=False)
    achieved = int(answer["achieved"])
    dose = item.dose_type
    return EntryInput(
        item=item,
        done=True,
        sets_done=int(answer["sets_done"]),
        reps=achieved if dose in ("reps", "steps") else None,
        hold_seconds=achieved if dose == "hold_seconds" else None,
        distance_m=achieved if dose == "distance_m" else None,
        pain_during=int(answer["pain"]),
        feel=answer.get("feel", ""),
    )


class PlayerFinishForm(ErrorSummaryMixin, forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Anything to tell your practitioner? (optional)",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"max_length": f"Your comment must be {COMMENT_MAX} characters or fewer."},
    )

    def __init__(self, *args: Any, days: list[tuple[date, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["day"] = forms.ChoiceField(
            label="When did you do it?",
            choices=[(d.isoformat(), label) for d, label in days],
            initial=days[0][0].isoformat() if days else None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={
                "required": "Choose the day you did the session.",
                "invalid_choice": "Choose the day you did the session.",
            },
        )
        self.order_fields(["day", "comment"])


# --- Pages -----------------------------------------------------------------------------


def _play_links(links: ProgrammeLinks) -> dict[str, str]:
    base = f"{links.detail}play/"
    return {"start": base, "finish": f"{base}finish/", "step_base": base}


def _steps(view: ProgrammeView) -> list[ItemView]:
    if view.is_ended or not view.items:
        raise Http404("Nothing to play.")
    return view.items


def _play_start(
    request: HttpRequest, programme: Programme, version: ProgrammeVersion, links: ProgrammeLinks
) -> HttpResponse:
    """Start (or go on with) today's session: the first exercise not answered yet."""
    view = programme_view(programme, version, programme.patient)
    if view.is_ended or not view.items:
        messages.info(request, "There are no exercises to do today.")
        return HttpResponseRedirect(links.detail)
    steps = view.items
    state = PlayerState.load(request, programme, version)
    for number, iv in enumerate(steps, start=1):
        if str(iv.item.order) not in state.answers:
            return HttpResponseRedirect(f"{links.detail}play/{number}/")
    return HttpResponseRedirect(f"{links.detail}play/finish/")


def _play_step(
    request: HttpRequest,
    programme: Programme,
    version: ProgrammeVersion,
    links: ProgrammeLinks,
    step: int,
) -> HttpResponse:
    view = programme_view(programme, version, programme.patient)
    steps = _steps(view)
    if not 1 <= step <= len(steps):
        raise Http404("No such exercise in today's session.")
    iv = steps[step - 1]
    state = PlayerState.load(request, programme, version)
    key = str(iv.item.order)
    initial = state.answers.get(key) or prescribed_answer(iv.item)
    form = PlayerStepForm(
        request.POST if request.method == "POST" else None, item=iv.item, initial=initial
    )
    status = 200
    if form.is_bound:
        if form.is_valid():
            state.answers[key] = form.answer()
            state.save(request, programme)
            after = f"{step + 1}/" if step < len(steps) else "finish/"
            return HttpResponseRedirect(f"{links.detail}play/{after}")
        status = 400
    _audit(request, "view", programme)
    context = _context(
        view,
        links,
        form=form,
        iv=iv,
        step=step,
        total=len(steps),
        state=state,
        play=_play_links(links),
        previous=f"{links.detail}play/{step - 1}/" if step > 1 else links.detail,
    )
    return render(request, "prescriptions/patient_programme_player.html", context, status=status)


def _play_finish(
    request: HttpRequest, programme: Programme, version: ProgrammeVersion, links: ProgrammeLinks
) -> HttpResponse:
    view = programme_view(programme, version, programme.patient)
    steps = _steps(view)
    if request.method == "POST":
        done = _already_recorded(request, programme)
        if done is not None:
            return HttpResponseRedirect(links.session(done.code))
    state = PlayerState.load(request, programme, version)
    days = day_choices(view.today, programme_start(programme, view.tz))
    form = PlayerFinishForm(
        request.POST if request.method == "POST" else None,
        days=days,
        initial={"client_id": state.client_id},
    )
    missing = [n for n, iv in enumerate(steps, 1) if str(iv.item.order) not in state.answers]
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid() and str(form.cleaned_data["client_id"]) != state.client_id:
            form.add_error(None, "This session was started again: check your answers below.")
        elif form.is_valid() and missing:
            form.add_error(None, "Some exercises have no answer yet: go back to them below.")
        elif form.is_valid():
            response = _record(request, programme, version, links, view, state, form)
            if response is not None:
                return response
    _audit(request, "view", programme)
    rows = [(n, iv, state.answers.get(str(iv.item.order))) for n, iv in enumerate(steps, 1)]
    context = _context(
        view, links, form=form, rows=rows, missing=missing, play=_play_links(links), state=state
    )
    template = "prescriptions/patient_programme_player_finish.html"
    return render(request, template, context, status=status)


def _already_recorded(request: HttpRequest, programme: Programme) -> SessionLog | None:
    """A finish sent again (the phone resent it) after the session was recorded."""
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None
    return SessionLog.objects.filter(
        client_id=client_id, patient_id=programme.patient_id, version__programme=programme
    ).first()


def _record(
    request: HttpRequest,
    programme: Programme,
    version: ProgrammeVersion,
    links: ProgrammeLinks,
    view: ProgrammeView,
    state: PlayerState,
    form: PlayerFinishForm,
) -> HttpResponse | None:
    """Record the session; None (with the form's error) when the service refuses it."""
    entries = [
        entry_from_answer(item, state.answers.get(str(item.order)))
        for item in version_items(version)
    ]
    try:
        session, _check = session_log_record(
            patient=programme.patient,
            version=version,
            performed_on=date.fromisoformat(form.cleaned_data["day"]),
            entries=entries,
            comment=form.cleaned_data["comment"],
            today=view.today,
            client_id=uuid.UUID(state.client_id),
        )
    except VersionChanged as exc:
        PlayerState.clear(request, programme)
        messages.error(request, exc.message)
        return HttpResponseRedirect(links.detail)
    except DomainError as exc:
        form.add_error("day" if exc.field == "day" else None, exc.message)
        return None
    _audit(request, "change", session, patient=programme.patient)
    PlayerState.clear(request, programme)
    messages.success(request, "Session saved. Well done.")
    return HttpResponseRedirect(links.session(session.code))


# --- The two doors ---------------------------------------------------------------------


@never_cache
@login_required
def my_play(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _play_start(request, programme, version, ProgrammeLinks.for_account(programme))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_play_step(request: HttpRequest, code: uuid.UUID, step: int) -> HttpResponse:
    programme, version = _own_published(request, code)
    links = ProgrammeLinks.for_account(programme)
    return _play_step(request, programme, version, links, step)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_play_finish(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _play_finish(request, programme, version, ProgrammeLinks.for_account(programme))


@never_cache
@_link_view
def link_play(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _play_start(request, programme, version, ProgrammeLinks.for_token(token))


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def link_play_step(request: HttpRequest, token: str, step: int) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _play_step(request, programme, version, ProgrammeLinks.for_token(token), step)


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def link_play_finish(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _play_finish(request, programme, version, ProgrammeLinks.for_token(token))


urlpatterns: list[URLPattern] = [
    path("me/programmes/<uuid:code>/play/", my_play, name="my-programme-play"),
    path("me/programmes/<uuid:code>/play/<int:step>/", my_play_step, name="my-programme-play-step"),
    path("me/programmes/<uuid:code>/play/finish/", my_play_finish, name="my-programme-play-finish"),
    path("programme/<str:token>/play/", link_play, name="programme-link-play"),
    path("programme/<str:token>/play/<int:step>/", link_play_step, name="programme-link-play-step"),
    path("programme/<str:token>/play/finish/", link_play_finish, name="programme-link-play-finish"),
]
