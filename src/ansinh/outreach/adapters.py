"""Delivery adapters: how a message in the outbox leaves the office.

- ``file`` (default without a gateway): appends one JSON line per message to var/outbox/messages.jsonl, for an
  office that prints the list or sends the texts by hand; ``console`` prints the same line.
- ``smtp``: e-mail through the office's mail server (``ANSINH_SMTP_*``), e.g. to an e-mail-to-SMS gateway.
- ``http``: POSTs JSON to an SMS/Zalo gateway (``ANSINH_SMS_GATEWAY_URL``).

An adapter returns when the message has been accepted, or raises ``DeliveryError``; ``permanent=True`` means
trying again cannot help (the gateway rejected the request), otherwise the outbox retries with backoff. Each
message carries its outbox id (HTTP ``Idempotency-Key``, e-mail ``Message-ID``): delivery is at least once, so
a gateway that honours the key never shows the same reminder twice after a crash mid-send.
"""

from __future__ import annotations

import json
import os
import smtplib
import sys
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from django.conf import settings

TIMEOUT = 15  # seconds for a gateway or a mail server to answer


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def _payload(message) -> dict:
    return {
        "id": f"outbox-{message.pk}",
        "to": message.recipient,
        "channel": message.channel,
        "kind": message.kind,
        "due_date": message.due_date.isoformat(),
        "text": message.body,
    }


class FileAdapter:
    name = "file"

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(
            path
            or os.environ.get("ANSINH_OUTBOX_FILE")
            or Path(settings.VAR_DIR) / "outbox" / "messages.jsonl"
        )

    def send(self, message) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(_payload(message), ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise DeliveryError(f"cannot write {self.path}: {e}") from None


class ConsoleAdapter:
    name = "console"

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message) -> None:
        print(json.dumps(_payload(message), ensure_ascii=False), file=self.stream or sys.stdout, flush=True)


class SMTPAdapter:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        user: str = "",
        password: str = "",
        sender: str = "",
        to: str = "{phone}",
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = TIMEOUT,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender = sender or "ansinh@localhost"
        self.to = to  # "{phone}@sms.example.vn" for an e-mail-to-SMS gateway, or one office mailbox
        self.starttls, self.ssl, self.timeout = starttls, ssl, timeout

    @classmethod
    def from_env(cls) -> SMTPAdapter:
        env = os.environ.get
        return cls(
            host=env("ANSINH_SMTP_HOST", "localhost"),
            port=int(env("ANSINH_SMTP_PORT", "25")),
            user=env("ANSINH_SMTP_USER", ""),
            password=env("ANSINH_SMTP_PASSWORD", ""),
            sender=env("ANSINH_SMTP_FROM", ""),
            to=env("ANSINH_SMTP_TO", "{phone}"),
            starttls=env("ANSINH_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            ssl=env("ANSINH_SMTP_SSL", "") in ("1", "true", "yes"),
        )

    def send(self, message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = self.to.format(phone=message.recipient)
        email["Subject"] = {"hi_expiry": "Nhắc gia hạn thẻ BHYT", "vsi_due": "Nhắc đóng BHXH tự nguyện"}.get(
            message.kind, "BHXH"
        )
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = f"<outbox-{message.pk}@ansinh>"
        email.set_content(message.body)
        client = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        try:
            with client(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _msg in e.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {e.recipients}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(
                f"SMTP {e.smtp_code}: {_text(e.smtp_error)}", permanent=e.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"SMTP server unavailable: {e}") from None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class HTTPAdapter:
    name = "http"

    def __init__(self, *, url: str, token: str = "", timeout: float = TIMEOUT):
        self.url, self.token, self.timeout = url, token, timeout

    @classmethod
    def from_env(cls) -> HTTPAdapter:
        return cls(
            url=os.environ["ANSINH_SMS_GATEWAY_URL"], token=os.environ.get("ANSINH_SMS_GATEWAY_TOKEN", "")
        )

    def send(self, message) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise DeliveryError(f"the gateway address is not an http(s) URL: {self.url}", permanent=True)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": f"outbox-{message.pk}",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(_payload(message), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                response.read()
        except urllib.error.HTTPError as e:
            # 408 (timeout) and 429 (slow down) and 5xx are worth another try; other 4xx are not.
            permanent = 400 <= e.code < 500 and e.code not in (408, 429)
            raise DeliveryError(f"gateway answered HTTP {e.code}", permanent=permanent) from None
        except (urllib.error.URLError, OSError) as e:
            raise DeliveryError(f"gateway unavailable: {getattr(e, 'reason', e)}") from None


ADAPTERS = ("file", "console", "smtp", "http")


def adapter_from_settings(name: str | None = None):
    """``ANSINH_OUTBOX_ADAPTER`` names the adapter; without it, the HTTP gateway if one is configured, then SMTP,
    then the file."""
    name = name or os.environ.get("ANSINH_OUTBOX_ADAPTER", "")
    if not name:
        if os.environ.get("ANSINH_SMS_GATEWAY_URL"):
            name = "http"
        elif os.environ.get("ANSINH_SMTP_HOST"):
            name = "smtp"
        else:
            name = "file"
    if name == "http":
        if not os.environ.get("ANSINH_SMS_GATEWAY_URL"):
            raise ValueError("ANSINH_SMS_GATEWAY_URL is not set")
        return HTTPAdapter.from_env()
    if name == "smtp":
        return SMTPAdapter.from_env()
    if name == "console":
        return ConsoleAdapter()
    if name == "file":
        return FileAdapter()
    raise ValueError(f"unknown outbox adapter {name!r} (choose from {', '.join(ADAPTERS)})")
