"""The one mail helper. Development writes mail to the log; tests keep it in memory."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import current_app


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def outbox() -> list[Mail]:
    return current_app.extensions.setdefault("mail_outbox", [])


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    headers = headers or {}
    if backend == "memory":
        outbox().append(Mail(to, subject, body, headers))
        return
    if backend == "log":
        current_app.logger.info("Email to %s\nSubject: %s\n\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    cfg = current_app.config
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
