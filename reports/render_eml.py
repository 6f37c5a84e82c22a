"""The notification as an e-mail (.eml, RFC 5322): subject starting with "[TBSC]" (Mẫu 03 note 2), the
report as plain text in the body and attached as PDF (and DOCX when given). `X-Unsent: 1` makes Outlook
and Thunderbird open it as a draft, ready to send once a network is available."""
from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from email.message import EmailMessage
from pathlib import Path

from .document import Doc

SUBJECT_PREFIX = "[TBSC]"


def subject_for(doc: Doc, incident: dict) -> str:
    system = (incident.get("system") or {}).get("name") or incident.get("title") or ""
    reporter = (incident.get("reporter") or {}).get("name") or ""
    parts = [doc.title.capitalize() if doc.title.isupper() else doc.title]
    if system:
        parts.append(system)
    if reporter:
        parts.append(reporter)
    return f"{SUBJECT_PREFIX} " + " — ".join(parts)


def render_eml(doc: Doc, incident: dict, recipients: list[dict], *, pdf: bytes | None = None,
               docx: bytes | None = None, filename: str = "bao-cao", now: dt.datetime | None = None,
               out: str | Path | None = None) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    reporter = incident.get("reporter") or {}
    sender = reporter.get("email") or (incident.get("contact") or {}).get("email") or "ungcuu@localhost"
    msg["Subject"] = subject_for(doc, incident)
    msg["From"] = email.utils.formataddr((str(reporter.get("name") or ""), sender))
    to = [email.utils.formataddr((str(r.get("name") or ""), r["email"])) for r in recipients if r.get("email")]
    if to:
        msg["To"] = ", ".join(to)
    cc = (incident.get("contact") or {}).get("email")
    if cc and cc != sender:
        msg["Cc"] = cc
    msg["Date"] = email.utils.format_datetime(now or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = email.utils.make_msgid(domain=sender.split("@")[-1])
    msg["X-Unsent"] = "1"
    msg["X-Mailer"] = "UngCuu"
    body = doc.plain_text()
    if not to:
        body = ("(Chưa có địa chỉ người nhận: điền trong trình gửi thư / no recipient address set)\n\n") + body
    msg.set_content(body, subtype="plain", charset="utf-8")
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{filename}.pdf")
    if docx is not None:
        msg.add_attachment(docx, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename=f"{filename}.docx")
    data = msg.as_bytes()
    if out is not None:
        Path(out).write_bytes(data)
    return data
