"""A letter as a PDF (fpdf2, its built-in Helvetica, as the programme handout): the
clinic's letterhead, the date, the recipient, the text, and the signature block."""

from __future__ import annotations

from io import BytesIO

from prescriptions.letters.models import Letter
from prescriptions.patient_programme.handout import pdf_text


def letter_pdf(letter: Letter, *, letterhead: str, signature: str, dated: str) -> bytes:
    """The letter as a PDF document. `letterhead` and `signature` are lines of text (the
    signed ones, or today's for a draft, which is marked as such)."""
    from fpdf import FPDF  # heavy: only the processes that make a PDF load it

    pdf = FPDF(format="A4")
    pdf.set_title(pdf_text(letter.subject))
    pdf.set_author(pdf_text(letter.clinic.name))
    pdf.set_creator("Stance")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    head, *rest = letterhead.splitlines() or [letter.clinic.name]
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, pdf_text(head), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)
    for line in rest:
        pdf.multi_cell(0, 4.5, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(120, 130, 135)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)
    pdf.set_font("helvetica", size=10)
    if not letter.is_signed:
        pdf.set_font("helvetica", "B", 10)
        pdf.multi_cell(0, 5.5, "DRAFT: not signed", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5.5, pdf_text(dated), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if letter.recipient_name:
        pdf.multi_cell(0, 5.5, pdf_text(letter.recipient_name), new_x="LMARGIN", new_y="NEXT")
    if letter.recipient_email:
        pdf.multi_cell(0, 5.5, pdf_text(letter.recipient_email), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 11)
    pdf.multi_cell(0, 6, pdf_text(letter.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5.5, pdf_text(letter.body.strip()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    if pdf.will_page_break(25):
        pdf.add_page()
    name, *details = signature.splitlines() or [""]
    pdf.set_font("helvetica", "B", 10)
    pdf.multi_cell(0, 5.5, pdf_text(name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    for line in details:
        pdf.multi_cell(0, 5.5, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
