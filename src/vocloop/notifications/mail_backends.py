"""An email backend for the embedded set-up: one .eml file per message, for any mail reader."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        directory = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        if not directory:
            raise ImproperlyConfigured("EmlFileBackend needs EMAIL_FILE_PATH")
        self.directory = Path(directory)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            data = message.message().as_bytes(linesep="\n")
            digest = hashlib.sha256(data).hexdigest()[:12]
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}.eml"
            temporary = self.directory / (name + ".tmp")
            temporary.write_bytes(data)
            temporary.replace(self.directory / name)  # readers never see half a message
        return len(email_messages)
