"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, to: str, subject_part: str, timeout: float = 15) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if message["To"] == to and subject_part in str(message["Subject"]):
                        self.messages.remove(message)
                        return message
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} about {subject_part!r}")

    def for_address(self, to: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == to]


def code_in_text(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, "no code in the mail"
    return found.group(1)


def code_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return code_in_text(body.get_content())


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
