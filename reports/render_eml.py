"""A report as an e-mail (.eml, RFC 5322): subject starting with "[TBSC]" (Mẫu 03 note 2), the report as
plain text in the body, attached as PDF and DOCX, with the evidence bundle attached when the form says
logs or samples go with it and the bundle is small enough to mail (else the body names the bundle's
file, SHA-256 and signing key, to be sent by another channel). `X-Unsent: 1` makes Outlook and
Thunderbird open it as a draft, ready to send once a network is available.

Display names and the subject are encoded here (RFC 2047, one encoded word per run of whole words,
each ending with its space): the standard library's folder splits a phrase into encoded words and
drops the space between them, so a mail client shows "Trung tâmCông".
"""
from __future__ import annotations

import base64
import datetime as dt
import email.errors
import email.policy
import email.utils
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from .document import Doc

SUBJECT_PREFIX = "[TBSC]"
MAX_BUNDLE_ATTACHMENT = 10 << 20
_WORD_BYTES = 45        # 45 bytes -> 60 base64 characters -> a 72-character encoded word


def _line(value) -> str:
    """A header value on one line: a line break typed in a name (or planted in the record) would otherwise
    stop the e-mail from being written (or, with an older library, inject a header)."""
    return " ".join(str(value or "").split())


def encoded_words(text: str) -> list[str]:
    """RFC 2047 'B' encoded words for `text`, each holding whole words and the space after them (a long
    word is cut between characters), so a decoder that joins adjacent encoded words gets the text back."""
    chunks: list[bytes] = []
    cur = b""
    words = text.split(" ")
    for i, w in enumerate(words):
        piece = (w + (" " if i < len(words) - 1 else "")).encode("utf-8")
        if len(cur) + len(piece) <= _WORD_BYTES:
            cur += piece
            continue
        if cur:
            chunks.append(cur)
            cur = b""
        while len(piece) > _WORD_BYTES:
            cut = _WORD_BYTES
            while cut and (piece[cut] & 0xC0) == 0x80:    # never inside a UTF-8 sequence
                cut -= 1
            chunks.append(piece[:cut])
            piece = piece[cut:]
        cur = piece
    if cur:
        chunks.append(cur)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def _phrase(name: str) -> list[str]:
    """The display name as header tokens: plain atoms, a quoted string, or encoded words."""
    if not name:
        return []
    if name.isascii():
        if all(ch.isalnum() or ch in " !#$%&'*+-/=?^_`{|}~" for ch in name):
            return [name]
        return ['"' + email.utils.quote(name) + '"']
    return encoded_words(name)


def _fold(name: str, tokens: list[str]) -> str:
    """`Name: tok tok ...` folded before a token that would pass 78 characters."""
    lines, cur = [], f"{name}:"
    for tok in tokens:
        if len(cur) + 1 + len(tok) > 78 and cur != f"{name}:":
            lines.append(cur)
            cur = " " + tok
        else:
            cur += " " + tok
    lines.append(cur)
    return "\n".join(lines)[len(name) + 2:]


def address_header(name: str, addresses: list[Address]) -> str:
    tokens: list[str] = []
    for i, a in enumerate(addresses):
        words = _phrase(a.display_name)
        spec = f"<{a.addr_spec}>" if words else a.addr_spec
        tokens += words + [spec + ("," if i < len(addresses) - 1 else "")]
    return _fold(name, tokens)


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


def _wants_bundle(doc: Doc, incident: dict) -> bool:
    """Whether the form says evidence goes with it: Mẫu 03's "Thông tin gửi kèm" ticked, or Mẫu 04 (whose
    attachments list names the bundle)."""
    if doc.kind == "closing":
        return True
    if doc.kind != "initial":
        return False
    att = (incident.get("system_info") or {}).get("attachments") or []
    return bool(set(att if isinstance(att, list) else [att]) & {"system_log", "malware_sample", "other"})


def render_eml(doc: Doc, incident: dict, recipients: list[dict], *, pdf: bytes | None = None,
               docx: bytes | None = None, filename: str = "bao-cao", now: dt.datetime | None = None,
               out: str | Path | None = None, bundle: dict | None = None) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    reporter = incident.get("reporter") or {}
    sender = _line(reporter.get("email") or (incident.get("contact") or {}).get("email")) or "ungcuu@localhost"
    subject = subject_for(doc, incident)
    msg.set_raw("Subject", _fold("Subject", subject.split(" ")) if subject.isascii()
                else _fold("Subject", [SUBJECT_PREFIX] + encoded_words(subject[len(SUBJECT_PREFIX) + 1:])))
    frm = _address(reporter.get("name"), sender) or _address(reporter.get("name"), "ungcuu@localhost")
    msg.set_raw("From", address_header("From", [frm] if frm is not None else []))
    # Address objects: a comma or colon in an organisation's name must not split it into two addresses
    to = [a for a in (_address(r.get("name"), r.get("email")) for r in recipients if isinstance(r, dict)) if a]
    if to:
        msg.set_raw("To", address_header("To", to))
    cc = _address("", (incident.get("contact") or {}).get("email"))
    if cc and cc.addr_spec != sender:
        msg.set_raw("Cc", address_header("Cc", [cc]))
    msg["Date"] = email.utils.format_datetime(now or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = email.utils.make_msgid(domain=sender.split("@")[-1])
    msg["X-Unsent"] = "1"
    msg["X-Mailer"] = "UngCuu"

    attachments: list[tuple[bytes, str, str, str]] = []
    if pdf is not None:
        attachments.append((pdf, "application", "pdf", f"{filename}.pdf"))
    if docx is not None:
        attachments.append((docx, "application", "vnd.openxmlformats-officedocument.wordprocessingml.document",
                            f"{filename}.docx"))
    bundle_note = []
    if bundle is None and _wants_bundle(doc, incident):
        bundle_note = ["Chưa lập gói chứng cứ (nhật ký, mẫu mã độc) để gửi kèm: ungcuu bundle --case … "
                       "(no evidence bundle built yet)"]
    if bundle is not None and _wants_bundle(doc, incident):
        path = Path(bundle.get("path") or "")
        size = bundle.get("size") or 0
        fp = bundle.get("key_sha256") or "không ký (unsigned)"
        if path.is_file() and size <= MAX_BUNDLE_ATTACHMENT:
            attachments.append((path.read_bytes(), "application", "zip", bundle["name"]))
        else:
            bundle_note = [f"Gói chứng cứ {bundle['name']} ({size} byte) gửi riêng qua kênh an toàn "
                           "(quá lớn để gửi kèm thư / sent separately):"]
        bundle_note += [f"  Gói chứng cứ: {bundle['name']}", f"  SHA-256: {bundle['sha256']}",
                        f"  Khóa ký (SHA-256 khóa công khai): {fp}"]
    lines = ["", "Tệp đính kèm (attachments):"]
    lines += [f"  - {name} ({len(data)} byte, SHA-256 {hashlib.sha256(data).hexdigest()})"
              for data, _, _, name in attachments]
    body = doc.plain_text() + "\n".join(lines + bundle_note) + "\n"
    if not to:
        body = ("(Chưa có địa chỉ người nhận: điền trong trình gửi thư / no recipient address set)\n\n") + body
    msg.set_content(body, subtype="plain", charset="utf-8")
    for data, maintype, subtype, name in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    data = msg.as_bytes()
    if out is not None:
        Path(out).write_bytes(data)
    return data
