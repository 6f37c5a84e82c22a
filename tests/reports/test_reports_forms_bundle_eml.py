"""What the forms and the e-mail say about the evidence bundle (file name, SHA-256, signing key), the CSV
annexes in the bundle, and e-mail headers a mail client decodes letter for letter (RFC 2047)."""
from __future__ import annotations

import csv
import email
import email.header
import email.policy
import hashlib
import io
import zipfile

from reports.bundle import build_bundle, generate_keypair, public_key_fingerprint, _load_public_key
from reports.render import render_report
from reports.render_docx import docx_text
from reports.render_eml import encoded_words

from reports_helpers import norm


def _signed_bundle(case, tmp_path):
    priv, pub = generate_keypair(tmp_path / "team.key", tmp_path / "team.pub")
    out = tmp_path / "bundle.zip"
    sha = build_bundle(case, out, signing_key=priv)
    return out, sha, public_key_fingerprint(_load_public_key(pub))


def test_form04_and_email_carry_the_bundle_name_hash_and_key(case, tmp_path):
    out, sha, fp = _signed_bundle(case, tmp_path)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    text = norm(docx_text(render_report(case, "closing", "docx", tmp_path / "m04.docx").path.read_bytes()))
    section = text[text.index("CÁC TÀI LIỆU ĐÍNH KÈM"):text.index("CÁ NHÂN/NGƯỜI ĐẠI DIỆN")]
    assert f"Gói chứng cứ UngCuu: tệp bundle.zip ({out.stat().st_size:,} byte)".replace(",", ".") in section
    assert f"SHA-256: {sha}" in section and f"Khóa ký (SHA-256 khóa công khai Ed25519): {fp}" in section

    msg = email.message_from_bytes(render_report(case, "closing", "eml", tmp_path / "m04.eml").path.read_bytes(),
                                   policy=email.policy.default)
    atts = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert set(atts) == {"closing-152-BC-TTCNTT.pdf", "closing-152-BC-TTCNTT.docx", "bundle.zip"}
    assert hashlib.sha256(atts["bundle.zip"]).hexdigest() == sha          # the very file the form names
    body = msg.get_body(("plain",)).get_content()
    assert f"SHA-256: {sha}" in body and fp in body
    for name, data in atts.items():
        assert f"{name} ({len(data)} byte, SHA-256 {hashlib.sha256(data).hexdigest()})" in body


def test_bundle_holds_the_evidence_and_custody_annexes(case, tmp_path):
    out, _, _ = _signed_bundle(case, tmp_path)
    with zipfile.ZipFile(out) as z:
        ev = list(csv.DictReader(io.StringIO(z.read("reports/annex/evidence.csv").decode("utf-8-sig"))))
        cu = list(csv.DictReader(io.StringIO(z.read("reports/annex/custody.csv").decode("utf-8-sig"))))
    recs = case.evidence()
    assert [(r["id"], r["sha256"], r["source"]) for r in ev] == [(r.id, r.sha256, r.source) for r in recs]
    assert cu[0]["action"] == "create" and all(len(r["hash"]) == 64 for r in cu)


def test_unsigned_or_missing_bundle_said_so(case, tmp_path):
    text = norm(docx_text(render_report(case, "closing", "docx", tmp_path / "a.docx").path.read_bytes()))
    assert "Gói chứng cứ UngCuu: chưa lập" in text
    sha = build_bundle(case, tmp_path / "plain.zip")
    text = norm(docx_text(render_report(case, "closing", "docx", tmp_path / "b.docx").path.read_bytes()))
    assert f"SHA-256: {sha}" in text and "Khóa ký (SHA-256 khóa công khai Ed25519): không ký" in text


def test_display_names_decode_letter_for_letter(case, tmp_path):
    """A mail client joins adjacent encoded words (RFC 2047 §6.2): each must end with its own space, or it
    shows 'Trung tâmCông'."""
    raw = render_report(case, "notification", "eml", tmp_path / "a.eml").path.read_bytes()
    head = raw.split(b"\r\n\r\n")[0].decode("ascii")
    assert all(len(line) <= 78 for line in head.split("\r\n"))
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)

    def client(h):
        return str(email.header.make_header(email.header.decode_header(msg[h])))

    assert client("From") == ("Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh "
                              "<ungcuusuco@stttt.hatinh.gov.vn>")
    assert client("To") == ("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh <vanthu@skhcn.hatinh.gov.vn>, "
                            "Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh <ungcuusuco@stttt.hatinh.gov.vn>")
    assert client("Subject") == ("[TBSC] Thông báo sự cố — Cổng thông tin điện tử huyện Cẩm Xuyên — "
                                 "Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)     # Python's own parser agrees
    assert [(" ".join(a.display_name.split()), a.addr_spec) for a in parsed["To"].addresses] == [
        ("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", "vanthu@skhcn.hatinh.gov.vn"),
        ("Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh", "ungcuusuco@stttt.hatinh.gov.vn")]


def test_encoded_words_never_cut_a_letter():
    words = encoded_words("Nghiêng" * 20 + " ứng cứu")
    assert all(len(w) <= 75 for w in words)
    text = "".join(t.decode() for t, _ in email.header.decode_header(" ".join(words)))
    assert text == "Nghiêng" * 20 + " ứng cứu"


def test_cli_report_writes_the_annexes_and_prints_the_deadlines(case, tmp_path, capsys):
    import argparse

    from desktop.commands import report as cmd

    parser = argparse.ArgumentParser()
    cmd.add_arguments(parser)
    args = parser.parse_args(["--case", str(case.path), "--kind", "initial", "--out", str(tmp_path / "m03.pdf"),
                              "--annex", str(tmp_path / "annex")])
    assert cmd.run(args) == 0
    out = capsys.readouterr().out
    data = (tmp_path / "annex" / "evidence.csv").read_bytes()
    assert f"SHA-256: {hashlib.sha256(data).hexdigest()}" in out
    assert data.decode("utf-8-sig").splitlines()[1].startswith("E000001,B2,system.json,platform,")
    assert ("Thời hạn: Luật An ninh mạng 2025 — chế độ 24 giờ / 72 giờ (TẠM THỜI): Báo cáo ban đầu sự cố (72 giờ) "
            "(tạm thời): Đã thực hiện (hạn 23/11/2026 07:40 +07:00)") in out
    assert [e["details"].get("annex") for e in case.custody.entries()[-2:]] == ["evidence.csv", "custody.csv"]


def test_form04_inside_the_bundle_names_the_bundle_it_travels_in(case, tmp_path):
    build_bundle(case, tmp_path / "first.zip")
    inc = case.incident()
    assert inc["closing"]["resolution"]
    build_bundle(case, tmp_path / "second.zip")
    with zipfile.ZipFile(tmp_path / "second.zip") as z:
        pdf = z.read("reports/closing.pdf")
    (tmp_path / "m04.pdf").write_bytes(pdf)
    from reports_helpers import pdftotext

    text = norm(pdftotext(tmp_path / "m04.pdf"))
    assert "Gói chứng cứ UngCuu: tệp second.zip (chứa báo cáo này)" in text and "first.zip" not in text


def test_prefill_reads_the_evidence_index_once(case, monkeypatch):
    from reports.prefill import prefill

    calls = []
    real = case.evidence
    monkeypatch.setattr(case, "evidence", lambda *a, **k: calls.append(a) or real(*a, **k))
    found = prefill(case)
    assert calls == [()]                              # was 11 reads of the whole index
    assert found["system_info.os"].value == "Ubuntu" and found["system_info.os"].evidence == ["E000001"]
