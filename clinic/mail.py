"""The development mailer (`make run` without EMAIL_HOST): each email a file of its own
under var/mail/, named by the local time it was written (`20261202-091500-….eml`: the raw
message, for a text editor or a mail app). Django's file backend writes all the emails of
one connection into one file, and a batch sends many over one connection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class OneFilePerEmailBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_path = Path(file_path)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.file_path.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")  # local time
            name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            (self.file_path / name).write_bytes(message.message().as_bytes())
        return len(email_messages)
