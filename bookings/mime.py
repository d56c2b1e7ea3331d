"""The bytes Django's SMTP backend sends for an email, written with less work.

Django's SMTP backend sends `message.message(policy=email.policy.SMTP).as_bytes()`: it
builds an email package message (parsing every header as it is set, and the Content-Type
again for each parameter added) and then writes it out (folding every header). That is
most of the CPU a reminder costs the worker. `message_bytes` writes the same bytes for
the emails this app sends (a plain text body with text alternatives, and calendar parts
as attachments) in one pass:

- each header is still parsed and folded by the email package, one header at a time, as
  the generator would (`policy.header_store_parse`, then `policy.fold_binary`), so
  RFC 2047 encoding and folding stay the email package's own; headers that are the same
  in every email (MIME-Version, a text part's Content-Type, the clinic's From) are folded
  once per process;
- bodies are encoded by the email package's own `_encode_text` (what `set_content`
  calls), and written with its line endings;
- boundaries are made as the generator makes them (same random draws, in the same order),
  checked against the parts' text without compiling a regular expression per boundary
  unless the text holds one (then exactly the generator's loop).

Anything else (other message classes, attachments that are not email package parts,
a header Django would reject or change) goes the usual way, through Django.
tests/bookings/test_mime.py checks the bytes against Django's for each kind of email.
"""

from __future__ import annotations

import email.charset
import email.generator
import email.message
import functools
import random
import re
import sys
from datetime import UTC, datetime
from email.contentmanager import _encode_text  # what set_content encodes a text body with
from email.headerregistry import AddressHeader
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.utils.encoding import force_str
from django.utils.timezone import get_current_timezone

_NL = "\r\n"
_BNL = b"\r\n"
_ADDRESS_HEADERS = ("from", "to", "cc", "reply-to")
_ANY_CONTENT_HEADER = "content-"


def message_bytes(message: EmailMessage, policy: email.policy.EmailPolicy) -> bytes:
    """`message.message(policy=policy).as_bytes()`, for a policy that writes CRLF lines
    (email.policy.SMTP and its clones)."""
    fast = _fast_bytes(message, policy) if policy.linesep == _NL else None
    return fast if fast is not None else message.message(policy=policy).as_bytes()


def _plain_multipart(message: EmailMessage) -> bool:
    """An EmailMultiAlternatives that Django writes as text plus text alternatives
    (multipart/alternative), with email package parts as any attachments."""
    cls = type(message)
    return (
        isinstance(message, EmailMultiAlternatives)
        and cls.message is EmailMessage.message
        and cls._add_bodies is EmailMultiAlternatives._add_bodies
        and cls._add_attachments is EmailMessage._add_attachments
        and cls._set_list_header_if_not_empty is EmailMessage._set_list_header_if_not_empty
        and cls._idna_encode_address_header_domains
        is EmailMessage._idna_encode_address_header_domains
        and not hasattr(message, "alternative_subtype")
        and not hasattr(message, "mixed_subtype")
        and bool(message.body)
        and bool(message.alternatives)
        and all(
            alternative.mimetype.split("/", 1)[0] == "text"
            and isinstance(alternative.content, str | bytes)
            for alternative in message.alternatives
        )
        and all(
            isinstance(part, email.message.MIMEPart)
            and not part.is_multipart()
            and isinstance(part._payload, str)
            and part.get_content_maintype() != "message"
            for part in message.attachments
        )
    )


def _fast_bytes(message: EmailMessage, policy: email.policy.EmailPolicy) -> bytes | None:
    if not _plain_multipart(message):
        return None
    extra = {name.lower() for name in message.extra_headers}
    if len(extra) != len(message.extra_headers) or "bcc" in extra:
        return None
    if extra & {*_ADDRESS_HEADERS, "subject"} or any(
        name.startswith(_ANY_CONTENT_HEADER) or name == "mime-version" for name in extra
    ):
        return None  # Django sets these itself: its own way decides what happens
    encoding = message.encoding or settings.DEFAULT_CHARSET

    # The message's headers, in the order `EmailMessage.message` sets them.
    headers: list[tuple[str, object]] = [("MIME-Version", "1.0")]  # then Content-Type
    headers.append(("Subject", str(message.subject)))
    headers.append(("From", str(message.from_email)))
    for name, values in (("To", message.to), ("Cc", message.cc), ("Reply-To", message.reply_to)):
        if values:
            headers.append((name, ", ".join(str(v) for v in values)))
    if "date" not in extra:
        tz = get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
        headers.append(("Date", datetime.now(tz)))
    if "message-id" not in extra:
        headers.append(("Message-ID", make_msgid(domain=DNS_NAME)))
    seen = {name.lower() for name, _ in headers}
    for name, value in message.extra_headers.items():
        if policy.header_max_count(name) is not None and name.lower() in seen:
            return None  # Django raises (at most one of these)
        headers.append((name, force_str(value, strings_only=True)))
        seen.add(name.lower())

    # Folded before the bodies are written: a message that goes through Django instead
    # has not used up any random boundaries.
    written = []
    for name, value in headers:
        folded = _as_is(name, value, policy)
        if folded is None:
            if name in _CONSTANT and type(value) is str:
                folded, ascii_domains = _constant(name, value, policy)
            else:
                folded, ascii_domains = _fold(name, value, policy)
            if not ascii_domains:
                return None  # Django IDNA-encodes the domain
        written.append(folded)
    # The bodies, as `_add_bodies` sets them (set_content, then add_alternative).
    parts = [
        _text_part(
            force_str(message.body, encoding=encoding, errors="surrogateescape"),
            message.content_subtype,
            encoding,
            policy,
            mime_version=False,  # it stays on the message when the body becomes a part
        )
    ]
    for alternative in message.alternatives:
        content = alternative.content
        if isinstance(content, bytes):
            content = content.decode()
        subtype = alternative.mimetype.split("/", 1)[1]
        parts.append(_text_part(content, subtype, encoding, policy, mime_version=True))
    body = _multipart("alternative", parts, policy)
    if message.attachments:
        attached = [_multipart_content_type(*body[0], policy) + _BNL + body[1]]
        attached += [_attachment(part, policy) for part in message.attachments]
        body = _multipart("mixed", attached, policy)

    content_type = _multipart_content_type(*body[0], policy)
    return written[0] + content_type + b"".join(written[1:]) + _BNL + body[1]


_CONSTANT = frozenset({"MIME-Version", "From", "Reply-To", "List-Unsubscribe-Post"})
"""Headers the same in every email of a clinic: folded once per process."""

_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*")
"""Printable ASCII words with one space between them."""
_DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
ADDR_SPEC = re.compile(f"{_DOT_ATOM}@{_DOT_ATOM}")
"""A bare ASCII address (dot-atom local part and domain), which parsing gives back as is."""
_MSG_ID = re.compile(f"<{_DOT_ATOM}@{_DOT_ATOM}>")
_AS_IS = {"Subject": _WORDS, "To": ADDR_SPEC, "Cc": ADDR_SPEC, "Message-ID": _MSG_ID}
"""Headers whose value the email package writes exactly as given when it is one of these
and fits on a line: parsing it gives back the same text, with nothing to encode or fold."""


def _as_is(name: str, value: object, policy: email.policy.EmailPolicy) -> bytes | None:
    """`_fold(name, value)` for the values it writes unchanged (a one-line ASCII Subject,
    a bare address, a plain Message-ID, a Date from a datetime), without parsing them;
    None for anything else. tests/bookings/test_mime.py compares the two."""
    if type(value) is datetime and name == "Date" and value.tzinfo is not None:
        value = format_datetime(value)  # what DateHeader.parse writes for a datetime
    elif type(value) is not str or (pattern := _AS_IS.get(name)) is None:
        return None
    elif "=?" in value or not pattern.fullmatch(value):
        return None  # "=?" could open an encoded word, which the parser decodes
    line = f"{name}: {value}"
    if policy.max_line_length is not None and len(line) > policy.max_line_length:
        return None
    return (line + _NL).encode("ascii")


_BOUNDARY = re.compile(rf"={{15}}\d{{{len(email.generator._fmt % 0)}}}==")
"""A boundary as the generator draws it (without the suffix a collision adds)."""


def _multipart_content_type(name: str, value: str, policy: email.policy.EmailPolicy) -> bytes:
    """The multipart Content-Type header, folded: every drawn boundary is the same length
    and made of the same characters, so it folds the same way; one fold per subtype, with
    the boundary put in its place."""
    subtype, _, boundary = value.partition("; boundary=")
    if _BOUNDARY.fullmatch(boundary.strip('"')):
        before, after = _content_type_around_boundary(name, subtype, policy)
        if before is not None:
            return before + boundary.strip('"').encode("ascii") + after
    return _fold(name, value, policy)[0]


@functools.lru_cache(maxsize=8)
def _content_type_around_boundary(
    name: str, subtype: str, policy: email.policy.EmailPolicy
) -> tuple[bytes | None, bytes]:
    sample = "=" * 15 + email.generator._fmt % 0 + "=="
    folded = _fold(name, f'{subtype}; boundary="{sample}"', policy)[0]
    before, found, after = folded.partition(sample.encode("ascii"))
    if not found or sample.encode("ascii") in after:
        return None, b""  # folded inside the boundary: fold each one
    return before, after


def _fold(name: str, value: object, policy: email.policy.EmailPolicy) -> tuple[bytes, bool]:
    """The header as the generator writes it, and whether its addresses' domains are
    ASCII (`EmailMessage._idna_encode_address_header_domains` changes them otherwise)."""
    name, header = policy.header_store_parse(name, value)
    ascii_domains = not isinstance(header, AddressHeader) or all(
        address.domain.isascii() for address in header.addresses
    )
    return policy.fold_binary(name, header), ascii_domains


_constant = functools.lru_cache(maxsize=64)(_fold)


@functools.lru_cache(maxsize=32)
def _text_headers(
    subtype: str, charset: str, cte: str, mime_version: bool, policy: email.policy.EmailPolicy
) -> bytes:
    """A text part's headers, as `set_text_content` (and EmailMessage.set_content) set them."""
    part = email.message.EmailMessage(policy=policy)
    part["Content-Type"] = f"text/{subtype}"
    part.set_param("charset", email.charset.ALIASES.get(charset, charset), replace=True)
    part["Content-Transfer-Encoding"] = cte
    if mime_version:
        part["MIME-Version"] = "1.0"
    return _header_items(part, policy)


def _text_part(
    text: str, subtype: str, charset: str, policy: email.policy.EmailPolicy, *, mime_version: bool
) -> bytes:
    cte, payload = _encode_text(text, charset, None, policy)
    return _text_headers(subtype, charset, cte, mime_version, policy) + _BNL + _lines(payload)


def _attachment(part: email.message.MIMEPart, policy: email.policy.EmailPolicy) -> bytes:
    """A (non-multipart) part as the generator writes it: its headers, then its payload."""
    return _header_items(part, policy) + _BNL + _lines(part._payload)


def _header_items(part: email.message.Message, policy: email.policy.EmailPolicy) -> bytes:
    return b"".join(policy.fold_binary(name, value) for name, value in part.raw_items())


def _lines(payload: str) -> bytes:
    """A payload with the generator's line endings (`Generator._write_lines`)."""
    return _NL.join(email.generator.NLCRE.split(payload)).encode("ascii", "surrogateescape")


def _multipart(
    subtype: str, parts: list[bytes], policy: email.policy.EmailPolicy
) -> tuple[tuple[str, str], bytes]:
    """(its Content-Type header, its body) for a multipart of written parts, as
    `Generator._handle_multipart` writes it."""
    boundary = _boundary(_BNL.join(parts))
    delimiter = f"--{boundary}".encode("ascii")
    body = (
        delimiter + _BNL + (_BNL + delimiter + _BNL).join(parts) + _BNL + delimiter + b"--" + _BNL
    )
    # What Message.set_boundary leaves in the header.
    return ("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'), body


def _boundary(text: bytes) -> str:
    """`Generator._make_boundary`: the same random draw; the regular expression only when
    the text holds the candidate at all."""
    token = random.randrange(sys.maxsize)  # noqa: S311 - as the email package draws it
    boundary = ("=" * 15) + (email.generator._fmt % token) + "=="
    if b"--" + boundary.encode("ascii") not in text:
        return boundary
    b = boundary
    counter = 0
    while True:
        cre = re.compile(("^--" + re.escape(b) + "(--)?$").encode("ascii"), re.MULTILINE)
        if not cre.search(text):
            break
        b = boundary + "." + str(counter)
        counter += 1
    return b
