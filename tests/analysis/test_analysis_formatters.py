"""Messages come from formatters kept as data (resources/formatters/*.yaml): the parser stores the event's
fields and raw line, and the Vietnamese and English messages are made from one place."""
from __future__ import annotations

import pytest

from analysis import formatters
from analysis.events import ParseReport
from analysis.parsers import _text, syslog

B = "elastic-beats"


def _events(path, **kw):
    report = ParseReport()
    return list(syslog.parse(_text.iter_lines(str(path), report), report, **kw))


def test_a_real_ssh_login_reads_in_both_languages(logs):
    events = _events(logs / B / "system_auth_test.log", year=2019)
    accepted = next(e for e in events if e.fields.get("event") == "ssh_accepted" and e.fields.get("method") == "password")
    assert accepted.message == "sshd[7483]: Accepted password for vagrant from 192.168.33.1 port 58803 ssh2"
    assert formatters.message(accepted) == "Đăng nhập SSH thành công: vagrant từ 192.168.33.1 cổng 58803 (password)"
    assert formatters.message(accepted, "en") == "SSH login accepted: vagrant from 192.168.33.1 port 58803 (password)"
    assert all("event" in e.fields for e in events)  # every line of this log is a typed auth event
    assert formatters.message(events[4]) == "sudo: vagrant chạy với quyền root: /bin/ls"
    plain = {"parser": "syslog", "message": "kernel: eth0 up", "fields": {"program": "kernel"}}
    assert formatters.message(plain) == "kernel: eth0 up"  # no formatter for it: the raw line


def test_every_typed_syslog_event_has_its_messages():
    events = formatters.formatters()["syslog"]
    assert {name for name, _ in syslog.AUTH_RULES} <= set(events)


def test_a_missing_field_shows_the_raw_line():
    row = {"parser": "syslog", "message": "sudo: raw", "fields": {"event": "sudo", "user": "bob"}}
    assert formatters.message(row, "en") == "sudo: raw"


def test_a_formatter_without_english_is_named(tmp_path, monkeypatch):
    (tmp_path / "bad.yaml").write_text("data_type: x\nevents:\n  e:\n    vi: chỉ tiếng Việt\n", encoding="utf-8")
    monkeypatch.setattr(formatters, "FORMATTERS_DIR", tmp_path)
    formatters.formatters.cache_clear()
    try:
        with pytest.raises(formatters.FormatterError, match="bad.yaml: event 'e' needs a vi and an en message"):
            formatters.formatters()
    finally:
        formatters.formatters.cache_clear()


def test_the_cli_timeline_export_shows_the_formatters_messages(new_case, tmp_path, logs):
    import json

    from analysis_helpers import add_text

    from desktop.cli import main

    c = new_case("cli")
    raw = "sshd[7483]: Accepted password for vagrant from 192.168.33.1 port 58803 ssh2"
    add_text(c, tmp_path, "/var/log/auth.log", (logs / B / "system_auth_test.log").read_text(), mtime=1700000000)
    got = {}
    for lang in ("vi", "en"):
        out = tmp_path / f"{lang}.jsonl"
        assert main(["--lang", lang, "timeline", "--case", str(c.path), "--format", "jsonl", "--out", str(out),
                     "--source", "auth"]) == 0
        got[lang] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    def raw_of(r):   # the bounded jsonl keeps fields that are not common columns in `extra` (JSON text)
        return r.get("raw_message") or json.loads(r.get("extra") or "{}").get("raw_message")

    line = next(r for r in got["vi"] if raw_of(r) == raw)
    assert line["message"] == "Đăng nhập SSH thành công: vagrant từ 192.168.33.1 cổng 58803 (password)"
    line = next(r for r in got["en"] if raw_of(r) == raw)
    assert line["message"] == "SSH login accepted: vagrant from 192.168.33.1 port 58803 (password)"
    assert len(got["vi"]) == len(got["en"]) == 10
    out = tmp_path / "t.csv"
    assert main(["--lang", "en", "timeline", "--case", str(c.path), "--format", "csv", "--out", str(out)]) == 0
    assert "SSH login accepted: vagrant from 192.168.33.1 port 58803 (password)" in out.read_text(encoding="utf-8")
