"""A real SMTP server for the tests (aiosmtpd on a free port): it keeps what it is sent, and can
be told to refuse (any reply, such as 550 or 451), or be stopped and started again on its port."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []  # (envelope recipients, message)
        self.refuse_with: str | None = None  # e.g. "550 5.7.1 Refused": the answer to DATA
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self, to: str | None = None, subject_has: str = "") -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if (to is None or to in rcpt) and subject_has in m["Subject"]]


def sending_to(server: SMTPServer) -> dict:
    """The app's settings for sending through `server` at once (no grace period)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "PLAUDIT_WEBHOOK_GRACE_SECONDS": 0}
