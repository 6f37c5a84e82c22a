"""The notification as an e-mail (.eml, RFC 5322): subject starting with "[TBSC]" (Mẫu 03 note 2), the
report as plain text in the body and attached as PDF (and DOCX when given). `X-Unsent: 1` makes Outlook
and Thunderbird open it as a draft, ready to send once a network is available."""
from __future__ import annotations

import datetime as dt
import email.errors
import email.policy
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from .document import Doc

SUBJECT_PREFIX = "[TBSC]"


def _line(value) -> str:
    """A header value on one line: a line break typed in a name (or planted in the record) would otherwise
    stop the e-mail from being written (or, with an older library, inject a header)."""
    return " ".join(str(value or "").split())


def _address(name, addr) -> Address | None:
    """The address, or None when it is empty or not an e-mail address."""
    addr = _line(addr)
    if not addr:
        return None
    try:
        return Address(_line(name), addr_spec=addr)
    except (ValueError, IndexError, email.errors.MessageError):
        return None


def subject_for(doc: Doc, incident: dict) -> str:
    system = _line((incident.get("system") or {}).get("name") or incident.get("title"))
    reporter = _line((incident.get("reporter") or {}).get("name"))
    parts = [_line(doc.title.capitalize() if doc.title.isupper() else doc.title)]
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
    sender = _line(reporter.get("email") or (incident.get("contact") or {}).get("email")) or "ungcuu@localhost"
    msg["Subject"] = subject_for(doc, incident)
    msg["From"] = _address(reporter.get("name"), sender) or _address(reporter.get("name"), "ungcuu@localhost")
    # Address objects, not formatted strings: a comma or colon in an organisation's name must not split
    # the name into two addresses or a group
    to = [a for a in (_address(r.get("name"), r.get("email")) for r in recipients if isinstance(r, dict)) if a]
    if to:
        msg["To"] = to
    cc = _address("", (incident.get("contact") or {}).get("email"))
    if cc and cc.addr_spec != sender:
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
