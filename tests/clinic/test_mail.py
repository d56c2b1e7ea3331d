"""clinic/mail.py: `make run`'s mailer writes each email to a file of its own, also when
a batch sends several over one connection."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage, mailers


def test_the_file_mailer_writes_one_file_per_email(settings: Any, tmp_path: Path) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "clinic.mail.OneFilePerEmailBackend",
            "OPTIONS": {"file_path": str(tmp_path / "mail")},
        }
    }
    with mailers.default as connection:
        sent = connection.send_messages(
            [
                EmailMessage(f"Message {n}", "Body.", "clinic@example.org", ["pat@example.org"])
                for n in range(3)
            ]
        )
    assert sent == 3
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    subjects = {
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]
        for f in files
    }
    assert subjects == {"Message 0", "Message 1", "Message 2"}
