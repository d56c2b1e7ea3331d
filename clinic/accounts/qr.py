"""QR codes as inline SVG: no image files, no JavaScript, nothing leaves the page."""

from __future__ import annotations

from base64 import b32encode

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, label: str) -> SafeString:
    """An accessible <svg> QR code for `data` (white background, quiet zone included)."""
    # Imported here: qrcode brings Pillow (about 4 MiB) into every worker that imports
    # it, and only the two-step set-up page draws a code (docs/BENCHMARKS.md).
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    image = qrcode.make(
        data,
        image_factory=SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg = str(image.to_string(encoding="unicode"))
    # The SVG is qrcode's own output (path data only); the label is escaped.
    attributes = f'<svg class="qr-code" role="img" aria-label="{escape(label)}" focusable="false" '
    return mark_safe(svg.replace("<svg ", attributes, 1))  # noqa: S308


def totp_secret_text(key: bytes) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    secret = b32encode(key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
