"""The programme handout as a PDF (fpdf2: pure Python, its built-in Helvetica, no system
libraries). The printable web page (`patient_programme_handout.html` with the print
stylesheet) shows the same sections in the same order.

Sections: today's exercises (no phase, or the current phase), then each phase still to
come. Each exercise: its drawn figure (the start and end positions, for the programme's
side; not for an exercise with the clinic's own picture, which the PDF leaves out), dose,
load, tempo, rest, how often, why it is there, the steps, the cues, the practitioner's
notes, the video link. The pain-monitoring rule closes it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from django.db.models.fields.files import FieldFile
from django.utils import timezone

from prescriptions.figures import figure_still
from prescriptions.models import Phase, Programme, ProgrammeItem, ProgrammeVersion
from prescriptions.patient_programme.selectors import (
    GOAL_WORDS,
    ItemView,
    item_view,
    patient_tz,
    programme_side,
    split_by_phase,
    version_items,
)

if TYPE_CHECKING:  # imported by programme_pdf: fpdf brings fontTools and Pillow, ~16 MiB
    from fpdf import FPDF

PAIN_RULE_WORDS = (
    "Pain during an exercise is fine up to 5 out of 10, and it should settle by the next "
    "morning. If it goes above 5, or your pain in the morning is worse than the morning "
    "before, ease the load: do fewer repetitions, use less weight or the easier version, "
    "and let your practitioner know."
)
"""CLINICAL.md §4.3 (Silbernagel 2007 pain-monitoring model) in the patient's words."""

_LATIN1 = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2192": "->",
        "\u2022": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def pdf_text(text: str) -> str:
    """Text the PDF's built-in font can show (Latin-1): typographic signs become plain
    ones, accents that Latin-1 lacks are dropped, anything else becomes '?'."""
    text = str(text).translate(_LATIN1)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


@dataclass(frozen=True)
class HandoutSection:
    heading: str
    phase: Phase | None
    items: tuple[ItemView, ...]


def handout_sections(version: ProgrammeVersion, today: object) -> list[HandoutSection]:
    items = version_items(version)
    phases = list(version.phases.all())
    now_items, upcoming = split_by_phase(items, phases, today)  # type: ignore[arg-type]
    number = 0

    def views(chosen: tuple[ProgrammeItem, ...] | list[ProgrammeItem]) -> tuple[ItemView, ...]:
        nonlocal number
        out = []
        for item in chosen:
            number += 1
            out.append(item_view(item, number))
        return tuple(out)

    sections = [HandoutSection("Your exercises now", None, views(now_items))]
    for plan in upcoming:
        phase = plan.phase
        assert phase is not None  # noqa: S101 - upcoming plans always have a phase
        heading = f"From {phase.starts_on.day} {phase.starts_on:%B %Y}: {phase.name}"
        sections.append(HandoutSection(heading, phase, views(plan.items)))
    return sections


def _line(pdf: FPDF, label: str, value: str) -> None:
    if not value:
        return
    pdf.set_font("helvetica", "B", 10)
    pdf.write(5.5, pdf_text(f"{label}: "))
    pdf.set_font("helvetica", size=10)
    pdf.write(5.5, pdf_text(value))
    pdf.ln(6)


FIGURE_MAX_MM = (110.0, 38.0)
"""The largest a figure is drawn in the PDF (width, height)."""

_SIZE = re.compile(r'width="([\d.]+)" height="([\d.]+)"')
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


def _picture(pdf: FPDF, image: FieldFile) -> bool:
    """The clinic's own picture, up to FIGURE_MAX_MM; False when it cannot be read."""
    try:
        with image.open("rb") as f:
            data = f.read()
        if pdf.will_page_break(FIGURE_MAX_MM[1] + 2):
            pdf.add_page()
        pdf.image(BytesIO(data), h=FIGURE_MAX_MM[1], keep_aspect_ratio=True, w=FIGURE_MAX_MM[0])
    except (OSError, ValueError, RuntimeError):  # missing or unreadable: the text still goes
        return False
    pdf.ln(2)
    return True


def _figure(pdf: FPDF, view: ItemView, side: str) -> None:
    """The clinic's own picture of the exercise when there is one (as on the pages), else
    its drawn figure (start and end positions side by side), when it has one."""
    exercise = view.item.exercise
    own = exercise.shown_media.image if exercise.shown_media else None
    if own or exercise.image:
        _picture(pdf, own or exercise.image)
        return
    if exercise.clinic_id is not None:
        return
    svg = figure_still(exercise.slug, exercise.name, side, per_side=exercise.per_side)
    size = _SIZE.search(svg or "")
    if svg is None or size is None:
        return
    width, height = float(size.group(1)), float(size.group(2))
    scale = min(FIGURE_MAX_MM[0] / width, FIGURE_MAX_MM[1] / height)
    if pdf.will_page_break(height * scale + 2):
        pdf.add_page()
    # fpdf2 draws no <title> (the PDF's text says which exercise it is) and warns about it.
    svg = _TITLE.sub("", svg)
    pdf.image(BytesIO(svg.encode()), w=width * scale, h=height * scale)
    pdf.ln(2)


def _item(pdf: FPDF, view: ItemView, side: str = "") -> None:
    item = view.item
    exercise = item.exercise
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    pdf.multi_cell(0, 7, pdf_text(f"{view.number}. {exercise.name}"), new_x="LMARGIN", new_y="NEXT")
    _figure(pdf, view, side)
    _line(pdf, "Dose", view.dose)
    _line(pdf, "Load", view.load)
    _line(pdf, "Tempo", item.tempo)
    _line(pdf, "Rest", view.rest)
    _line(pdf, "How often", view.how_often)
    _line(pdf, "Why", item.reason)
    if exercise.instructions:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(0, 6, "How to do it", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        for n, step in enumerate(exercise.instructions, start=1):
            pdf.multi_cell(0, 5.5, pdf_text(f"{n}. {step}"), new_x="LMARGIN", new_y="NEXT")
    if exercise.cues:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(0, 6, "Tips", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        for cue in exercise.cues:
            pdf.multi_cell(0, 5.5, pdf_text(f"- {cue}"), new_x="LMARGIN", new_y="NEXT")
    _line(pdf, "Notes from your practitioner", item.notes)
    _line(pdf, "Video", exercise.video_url)
    pdf.ln(3)


def programme_pdf(programme: Programme, version: ProgrammeVersion) -> bytes:
    """The current version of `programme` as a PDF document."""
    # Imported here, not at the top: with fontTools and Pillow it adds about 16 MiB to
    # a process, which only the workers that make a PDF should carry (docs/BENCHMARKS.md).
    from fpdf import FPDF

    class Handout(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("helvetica", size=8)
            self.set_text_color(80, 90, 95)
            self.cell(
                0, 6, pdf_text(f"{self.footer_text}   Page {self.page_no()} of {{nb}}"), align="C"
            )

    patient = programme.patient
    clinic = programme.clinic
    tz = patient_tz(patient, programme)
    today = timezone.now().astimezone(tz).date()
    pdf = Handout(format="A4")
    pdf.set_title(pdf_text(programme.display_title))
    pdf.set_author(pdf_text(clinic.name))
    pdf.set_creator("Stance")
    pdf.footer_text = clinic.name + (f", phone {clinic.phone}" if clinic.phone else "")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.multi_cell(0, 9, pdf_text(programme.display_title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    published = version.published_at.astimezone(tz) if version.published_at else None
    since = f", from {published.day} {published:%B %Y}" if published else ""
    pdf.multi_cell(
        0,
        5.5,
        pdf_text(
            f"For {patient.full_name}. Prescribed by {programme.practitioner.display_name}, "
            f"{clinic.name}. Version {version.number}{since}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    _line(pdf, "Your goal", GOAL_WORDS.get(programme.goal, programme.goal_label))
    pdf.set_fill_color(255, 247, 191)
    pdf.set_font("helvetica", "B", 10)
    pdf.multi_cell(0, 5.5, "Pain: your guide", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5.5, pdf_text(PAIN_RULE_WORDS), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    side = programme_side(programme)
    for section in handout_sections(version, today):
        if not section.items:
            continue
        pdf.set_font("helvetica", "B", 14)
        pdf.multi_cell(0, 8, pdf_text(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for view in section.items:
            _item(pdf, view, side)
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
