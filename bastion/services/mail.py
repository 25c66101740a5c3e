"""Sending mail: over SMTP (aiosmtplib) when ``BASTION_SMTP_URL`` is set, otherwise into the
outbox, a table `bastion mail outbox` reads (bodies sealed under the master key, since they
carry one-time codes), with a log line that names the message but never its content.

Mail leaves in a background task, so a request that sends mail takes as long as one that does
not (sign-up and password reset must not reveal which accounts exist by their timing).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from bastion.crypto.envelope import Sealer
from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.store.db import Database
from bastion.store.repositories import interactions
from bastion.store.schema import OutboxMessage

log = logging.getLogger("bastion.mail")


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str
    tenant: Tenant | None = None


class Transport(Protocol):
    async def deliver(self, mail: Mail) -> None: ...


def _aad(message_id: str) -> bytes:
    return f"bastion/outbox/{message_id}".encode()


def mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


class SmtpTransport:
    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        options = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.hostname = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.start_tls: bool | None = False if options.get("tls") == ["none"] else None
        self.sender = sender

    async def deliver(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=None if self.implicit_tls else self.start_tls,
            timeout=30,
        )


class OutboxTransport:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self.sealer = sealer

    async def deliver(self, mail: Mail) -> None:
        message_id = new_id()
        async with self.db.write() as session:
            session.add(
                OutboxMessage(
                    id=message_id,
                    workspace_id=mail.tenant.workspace_id if mail.tenant else None,
                    app_id=mail.tenant.app_id if mail.tenant else None,
                    recipient=mail.to,
                    subject=mail.subject[:200],
                    sealed_body=self.sealer.seal(mail.body.encode(), _aad(message_id)),
                )
            )
        log.info(
            "mail kept in the outbox (no SMTP server configured); read it with "
            "`bastion mail outbox`",
            extra={"message_id": message_id, "to": mask(mail.to)},
        )

    async def read(self, limit: int = 20) -> list[dict[str, str]]:
        async with self.db.read() as session:
            rows = await interactions.outbox(session, limit)
        return [
            {
                "id": row.id,
                "to": row.recipient,
                "subject": row.subject,
                "created_at": row.created_at.isoformat(),
                "body": self.sealer.open(row.sealed_body, _aad(row.id)).decode(),
            }
            for row in rows
        ]


class Mailer:
    """Queues mail for delivery in the background and keeps the tasks until they finish."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._pending: set[asyncio.Task[None]] = set()

    def send(self, mail: Mail) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(mail))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, mail: Mail) -> None:
        try:
            await self.transport.deliver(mail)
        except Exception:
            log.exception("could not deliver mail", extra={"to": mask(mail.to)})

    async def drain(self) -> None:
        """Wait for mail already queued (at shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
