"""The rest of the job in the desktop app, driven through the real widgets offscreen: the evidence bundle
dialog, one writer per case (a second window or a CLI collect), the examiner asked on reopening, Qt's own
buttons in Vietnamese, the language switch keeping the page's results."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.desktop.test_app import new_case

REPO = Path(__file__).resolve().parents[2]


def _case_with_evidence(win, case_dir, shared_data):
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")


def test_bundle_dialog_builds_a_signed_bundle_and_verifies_what_was_received(make_win, case_dir, qtbot, shared_data,
                                                                            tmp_path):
    from reports.bundle import _load_public_key, generate_keypair, public_key_fingerprint

    win = make_win()
    _case_with_evidence(win, case_dir, shared_data)
    win.show_page("reports")
    qtbot.mouseClick(win.reports_page.bundle_btn, Qt.LeftButton)
    dlg = win.reports_page.bundle_dialog
    assert dlg.isVisible()
    priv, pub = generate_keypair(tmp_path / "lead.key", tmp_path / "lead.pub")
    out = tmp_path / "out" / "bundle.zip"
    out.parent.mkdir()
    dlg.out_edit.setText(str(out))
    dlg.key_edit.setText(str(priv))
    dlg.reports_box.setChecked(False)       # choose what goes in
    cmd = dlg.command.text()
    assert cmd.startswith("ungcuu bundle --case ") and "--sign-key" in cmd and "--no-reports" in cmd
    qtbot.mouseClick(dlg.build_btn, Qt.LeftButton)
    assert dlg.progress.maximum() == 0       # the busy bar while the worker thread builds
    qtbot.waitUntil(lambda: bool(dlg.result_sha) or "could not" in dlg.build_text.toPlainText(), timeout=60_000)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert dlg.result_sha == digest
    assert dlg.sha_label.text().replace(" ", "") == digest and dlg.sha_label.text().count(" ") == 15
    assert dlg.sha_label.font().pointSize() >= 14
    fpr = public_key_fingerprint(_load_public_key(str(pub)))
    assert dlg.fpr_label.text().replace(" ", "") == fpr
    assert "KiB" in dlg.build_text.toPlainText() and "bytes" not in dlg.build_text.toPlainText()
    assert dlg.progress.maximum() == 1
    import zipfile

    assert not any(n.startswith("reports/") and n.endswith(".pdf") for n in zipfile.ZipFile(out).namelist())

    # verify a bundle received from elsewhere: intact with a valid signature, then one changed byte
    dlg.tabs.setCurrentIndex(1)
    dlg.vpath.setText(str(out))
    dlg.vkey.setText(str(pub))
    assert dlg.command.text().startswith("ungcuu verify ") and "--public-key" in dlg.command.text()
    qtbot.mouseClick(dlg.verify_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.verify_result is not None, timeout=60_000)
    assert dlg.verify_result.ok and dlg.verify_result.signature == "valid"
    assert dlg.vsha.text().replace(" ", "") == digest
    assert dlg.vfpr.text().replace(" ", "") == fpr
    assert "NGUYÊN VẸN" in dlg.verify_text.toPlainText() and "chữ ký hợp lệ" in dlg.verify_text.toPlainText()

    bad = tmp_path / "bad.zip"          # the same bundle with one byte of one evidence file changed
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("evidence/"):
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            dst.writestr(info, data)
    dlg.verify_result = None
    dlg.vpath.setText(str(bad))
    qtbot.mouseClick(dlg.verify_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.verify_result is not None or "could not be read" in dlg.verify_text.toPlainText(),
                    timeout=60_000)
    assert dlg.verify_result is not None and not dlg.verify_result.ok
    assert "KHÔNG NGUYÊN VẸN" in dlg.verify_text.toPlainText()
    dlg.reject()


def test_bundle_passphrases_must_match_and_an_encrypted_bundle_is_a_7z(make_win, case_dir, qtbot, shared_data):
    win = make_win()
    _case_with_evidence(win, case_dir, shared_data)
    dlg = win.reports_page.open_bundle()
    dlg.passphrase.setText("mật khẩu dài 1")
    assert dlg.out_edit.text().endswith(".7z") and "--encrypt" in dlg.command.text()
    assert "mật khẩu" not in dlg.command.text()      # never on a command line
    dlg.passphrase2.setText("khác")
    assert not dlg.build()
    assert "khác nhau" in dlg.build_text.toPlainText()
    dlg.passphrase.clear()
    assert dlg.out_edit.text().endswith(".zip")
    dlg.reject()


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "UNGCUU_LANG": "vi", **(env or {})})


def test_a_case_open_in_one_window_is_read_only_in_another_and_refused_to_a_cli_collect(
        make_win, case_dir, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    first = make_win()
    new_case(first, case_dir)
    assert first.case_lock is not None and first.case_lock.held
    second = make_win(settings=QSettings(str(tmp_path / "s2.ini"), QSettings.IniFormat))
    asked = []
    monkeypatch.setattr(second, "ask_read_only", lambda holder: asked.append(holder) or True)
    monkeypatch.setattr(second, "ask_examiner", lambda cur: None)
    assert second.open_case(str(case_dir))
    assert asked and "ungcuu gui" in asked[0] and str(os.getpid()) in asked[0]
    assert second.read_only and not second.collection_page.start_btn.isEnabled()
    assert not second.intake_page.save_btn.isEnabled()
    assert not second.collection_page.start(only=["B1"])
    assert "chỉ đọc" in second.case_label.text().lower()

    # the command line honours the same lock
    res = _cli("collect", "--case", str(case_dir), "--only", "B1")
    assert res.returncode != 0
    assert "đang được ungcuu gui" in res.stderr, res.stderr

    # refused read-only: nothing opens
    third = make_win(settings=QSettings(str(tmp_path / "s3.ini"), QSettings.IniFormat))
    monkeypatch.setattr(third, "ask_read_only", lambda holder: False)
    assert not third.open_case(str(case_dir)) and third.case is None

    # the first window lets go: the second opens it for writing
    first.set_case(None)
    second.set_case(None)
    monkeypatch.setattr(second, "ask_read_only", lambda holder: pytest_fail("still locked"))
    assert second.open_case(str(case_dir))
    assert not second.read_only and second.collection_page.start_btn.isEnabled()


def pytest_fail(msg):
    raise AssertionError(msg)


def test_reopening_a_case_asks_the_examiner_and_remembers_it(make_win, case_dir, monkeypatch, settings):
    win = make_win()
    new_case(win, case_dir)
    assert win.case.examiner == "Nguyễn Văn An"
    win.set_case(None)
    asked = []
    monkeypatch.setattr(win, "ask_examiner", lambda cur: asked.append(cur) or "Trần Thị Bình")
    assert win.open_case(str(case_dir))
    assert asked == ["Nguyễn Văn An"]             # the case's own examiner is offered, not the login name
    assert win.case.examiner == "Trần Thị Bình"
    entries = [e for e in win.case.custody.entries() if e.get("action") == "examiner"]
    assert entries and entries[-1]["target"] == "Trần Thị Bình"
    assert settings.value("examiner") == "Trần Thị Bình"
    win.set_case(None)
    monkeypatch.setattr(win, "ask_examiner", lambda cur: asked.append(cur) or None)   # Cancel keeps it
    assert win.open_case(str(case_dir))
    assert asked[-1] == "Trần Thị Bình" and win.case.examiner == "Trần Thị Bình"


def test_qt_buttons_and_file_dialog_labels_are_vietnamese(make_win):
    from PySide6.QtWidgets import QFileDialog, QPushButton

    win = make_win("vi")
    box = QMessageBox(QMessageBox.Question, "UngCuu", "?", QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
    assert sorted(b.text() for b in box.buttons()) == ["Bỏ thay đổi", "Hủy", "Lưu"]
    box = QMessageBox(QMessageBox.Question, "UngCuu", "?", QMessageBox.Yes | QMessageBox.No)
    assert sorted(b.text() for b in box.buttons()) == ["&Có", "&Không"]
    bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Close)
    assert bb.button(QDialogButtonBox.Close).text() == "Đóng"
    fd = QFileDialog(win, "x")
    fd.setOption(QFileDialog.DontUseNativeDialog)
    texts = {b.text() for b in fd.findChildren(QPushButton)}
    assert "Hủy" in texts and "Cancel" not in texts
    win.set_language("en")
    box = QMessageBox(QMessageBox.Question, "UngCuu", "?", QMessageBox.Yes | QMessageBox.No)
    assert sorted(b.text() for b in box.buttons()) == ["&No", "&Yes"]


def test_switching_language_keeps_findings_rule_files_verify_results_and_the_page(make_win, case_dir, qtbot,
                                                                                 shared_data, tmp_path):
    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog_ssh.log", source="/var/log/auth.log",
                      name="auth.log", checklist_id="B10", collector="log_files")
    ev = win.evidence_page
    ev.verify_all()
    qtbot.waitUntil(lambda: ev.last_result is not None, timeout=60_000)
    page = win.findings_page
    ioc = tmp_path / "ioc.txt"
    ioc.write_text("203.0.113.9\n")
    page.ioc_edit.setText(str(ioc))
    win.show_page("findings")
    page.analyse()
    qtbot.waitUntil(lambda: page.run_btn.isEnabled() and page._ran, timeout=120_000)
    found = [(f.rule, f.summary_vi) for f in page.findings]
    assert found
    rows = page.table.rowCount()
    verified_vi = ev.summary.text()
    head = verified_vi.strip()[-64:]            # the custody head the verification printed
    assert len(head) == 64 and all(c in "0123456789abcdef" for c in head)
    win.set_language("en")
    assert win.stack.currentWidget() is win.findings_page
    page = win.findings_page
    assert [(f.rule, f.summary_vi) for f in page.findings] == found and page.table.rowCount() == rows
    assert page.ioc_edit.text() == str(ioc)
    assert page.status.text().startswith(f"{len(found)} finding")
    assert win.evidence_page.last_result is not None
    assert head in win.evidence_page.summary.text() and win.evidence_page.summary.text() != verified_vi
    assert win.step_states()["E"][0] == "done"


def test_the_deadline_banner_shows_every_applicable_regime(make_win, case_dir):
    import datetime as dt

    from reports.regimes import applicable_regimes, deadlines_all
    from tests.desktop.test_app import VN, fill_m03

    win = make_win()
    new_case(win, case_dir)
    t0 = (dt.datetime.now(VN) - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    fill_m03(win.intake_page, t0)
    assert win.intake_page.save()
    inc = win.case.incident()
    regimes = applicable_regimes(inc)
    want = deadlines_all(win.case, include_pending=True)
    assert len(win.banner.labels) == len(want)
    if len(regimes) > 1:
        for reg in regimes:
            assert any(lab.text().startswith(f"[{reg.name}]") for lab in win.banner.labels), reg.name


def test_detections_grouped_by_tactic_in_attack_order_with_rule_details_and_a_jump_to_the_events(
        make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl
    from analysis.findings import Finding

    win = make_win()
    _case_with_evidence(win, case_dir, shared_data)
    tl.build(win.case)
    db = tl.connect(win.case)
    rows = db.execute("SELECT evidence_id, locator, ts FROM events ORDER BY ts LIMIT 40").fetchall()
    db.close()
    late = {"evidence_id": rows[-3][0], "locator": rows[-3][1]}

    def finding(rule, sev, tags, events=(), checklist="C5", **kw):
        return Finding(kind="sigma", checklist_id=checklist, severity=sev, summary_vi="tóm tắt " + rule,
                       summary_en="summary " + rule, rule=rule, tags=list(tags), events=list(events), **kw)

    found = [
        finding("imp", "critical", ["attack.impact", "attack.t1486"]),
        finding("per", "high", ["attack.persistence", "attack.t1053.005"], [late],
                title_en="Scheduled task created", title_vi="Tạo tác vụ định kỳ", author="Florian Roth",
                references=["https://attack.mitre.org/techniques/T1053/005/"],
                explanation_vi="Kẻ tấn công tạo tác vụ định kỳ để chạy lại mã độc."),
        finding("ini", "medium", ["attack.initial_access", "attack.t1190"]),
        finding("exe2", "low", ["attack.execution"]),
        finding("exe1", "high", ["attack.execution", "attack.persistence"]),
        finding("none", "info", []),
        finding("orig", "medium", ["attack.initial_access"], checklist="C6"),
    ]
    page = win.findings_page
    win.show_page("findings")
    page._done(found)
    assert [f.rule for f in page.shown] == ["ini", "orig", "exe1", "exe2", "per", "imp", "none"]
    col0 = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert col0 == ["Xâm nhập ban đầu", "", "Thực thi mã", "", "Duy trì truy cập", "Phá hoại", "(không có chiến thuật ATT&CK)"]
    assert page.table.item(4, 3).text() == "Tạo tác vụ định kỳ"
    assert page.origin.isVisibleTo(page) and "tóm tắt orig" in page.origin.text()
    page.table.setCurrentCell(4, 3)
    text = page.details.toPlainText()
    assert "Florian Roth" in text and "https://attack.mitre.org/techniques/T1053/005/" in text
    assert "Kẻ tấn công tạo tác vụ định kỳ" in text and "attack.t1053.005" in text
    assert page.jump_btn.isEnabled()
    qtbot.mouseClick(page.jump_btn, Qt.LeftButton)
    tpage = win.timeline_page
    assert win.stack.currentWidget() is tpage
    flt = tpage.current_filter()
    assert flt.start <= rows[-3][2] < flt.end
    qtbot.waitUntil(lambda: tpage.model.rowCount() > 0, timeout=20_000)
    keys = {(r["evidence_id"], r["locator"]) for r in tpage.model.rows}
    assert (late["evidence_id"], late["locator"]) in keys


def test_reopening_the_open_case_in_the_same_window_keeps_its_lock(make_win, case_dir):
    win = make_win()
    new_case(win, case_dir)
    lock = win.case_lock
    assert win.open_case(str(case_dir))
    assert win.case_lock is lock and lock.held and not win.read_only
    win.set_case(None)
    assert not lock.held


def test_the_intake_has_every_field_the_closing_and_other_reports_read(make_win, case_dir, qtbot):
    import datetime as dt

    from tests.desktop.test_app import VN, fill_m03

    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    t0 = (dt.datetime.now(VN) - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    fill_m03(page, t0)
    for path in ("closing.resolution", "closing.response_ended_at", "closing.attachments", "reports.initial.number",
                 "reports.closing.number", "reports.closing.date", "progress", "plan.strategy", "plan.steps",
                 "direction.decision", "support.what", "helpers", "next_steps"):
        assert path in page.widgets, path
    page.widgets["reports.initial.number"].setText("12/BC-STTTT")
    page.widgets["reports.closing.number"].setText("30/BC-STTTT")
    page.widgets["reports.closing.date"].edit.setText((t0 + dt.timedelta(hours=2)).strftime("%d/%m/%Y %H:%M"))
    page.widgets["closing.resolution"].setPlainText("Đã gỡ mã độc, khôi phục từ bản sao lưu sạch.")
    page.widgets["closing.response_ended_at"].edit.setText((t0 + dt.timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"))
    page.widgets["plan.strategy"].setPlainText("Cô lập máy chủ web")
    page.widgets["support.what"].setPlainText("Đề nghị VNCERT/CC hỗ trợ phân tích mã độc")
    assert page.save()
    rec = win.case.incident()
    assert rec["reports"]["initial"]["number"] == "12/BC-STTTT"
    assert rec["reports"]["closing"]["number"] == "30/BC-STTTT"
    assert rec["reports"]["closing"]["date"].startswith((t0 + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    assert rec["closing"]["resolution"].startswith("Đã gỡ mã độc")
    assert rec["plan"]["strategy"] == "Cô lập máy chủ web"
    assert rec["support"]["what"].startswith("Đề nghị VNCERT/CC")
    assert not page.is_dirty()


def test_b5_progress_has_a_total_and_moves_the_overall_bar_and_the_sidebar_count(make_win, case_dir, qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    src = tmp_path / "to-add"
    src.mkdir()
    for i in range(300):
        (src / f"f{i:03d}.txt").write_bytes(bytes([i % 256]) * (20_000 + i))
    win = make_win()
    new_case(win, case_dir)
    win.show_page("evidence")
    page = win.collection_page
    seen = []

    def sample():          # on the GUI thread, while the run goes on
        if page.running:
            seen.append((page.overall.value(), page.overall.maximum(), page.overall.text(), page.current.text(),
                         win.nav_items["E"].text(0), win.evidence_page.progress.isVisibleTo(win.evidence_page)))

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(5)
    with qtbot.waitSignal(page.runEnded, timeout=120_000):
        assert win.evidence_page.add_paths([str(src)])
    timer.stop()
    assert len(win.case.evidence()) >= 300
    moving = [s for s in seen if 0 < s[0] < s[1]]
    assert moving, "the overall bar moved inside the one B5 item"
    value, maximum, text, current, sidebar, bar_shown = moving[-1]
    assert maximum == 1000 and "0 / 1 mục" in text and "%" in text
    assert "/300" in current                                   # B5 has a total now
    assert any(s[4].endswith(")") and not s[4].endswith("(0)") for s in moving)   # live sidebar count
    assert bar_shown
    assert not win.evidence_page.progress.isVisibleTo(win.evidence_page)   # hidden after the run
    assert win.nav_items["E"].text(0).endswith(f"({len(win.case.evidence())})")


def test_the_collection_page_shows_the_equivalent_command_to_copy(make_win, case_dir, qtbot):
    from PySide6.QtGui import QGuiApplication

    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    page.model.set_checked(["B1", "B2", "B8"])
    assert page.command.text() == f"ungcuu collect --case {case_dir.resolve()} --only B1,B2,B8"
    page.model.set_checked(["B2"])
    assert page.command.text().endswith("--only B2")
    qtbot.mouseClick(page.copy_btn, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == page.command.text()
