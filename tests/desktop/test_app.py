"""The desktop app end to end, offscreen: case, intake (Mẫu 03), a real collection, cancel and resume,
the evidence table, Verify all, the timeline, languages, fonts, window state, keyboard."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit

REPO = Path(__file__).resolve().parents[2]
VN = dt.timezone(dt.timedelta(hours=7))


# ------------------------------------------------------------------------------------------ helpers
def fill(page, path, value):
    w = page.widgets[path]
    if isinstance(w, QLineEdit):
        w.setText(value)
    elif isinstance(w, QPlainTextEdit):
        w.setPlainText(value)
    elif isinstance(w, QComboBox):
        i = w.findData(value)
        assert i >= 0, (path, value)
        w.setCurrentIndex(i)
    elif hasattr(w, "edit"):
        w.edit.setText(value)
    elif hasattr(w, "boxes"):
        for c, cb in w.boxes.items():
            cb.setChecked(c in value)
    else:  # pragma: no cover
        raise AssertionError(path)


def fill_m03(page, t0: dt.datetime) -> None:
    """Every mandatory field of Mẫu 03, the way a technician types them."""
    fill(page, "reporter.name", "Trung tâm CNTT và Truyền thông tỉnh Hà Tĩnh")
    fill(page, "reporter.address", "Số 2 Nguyễn Chí Thanh, Hà Tĩnh")
    fill(page, "reporter.phone", "0239 3856 789")
    fill(page, "reporter.email", "ungcuu@stttt.hatinh.gov.vn")
    fill(page, "contact.name", "Nguyễn Văn Đức")
    fill(page, "contact.phone", "0912 345 678")
    fill(page, "contact.email", "ducnv@stttt.hatinh.gov.vn")
    fill(page, "contact.position", "Đội trưởng Đội ứng cứu sự cố")
    fill(page, "contact.unit", "Trung tâm CNTT và Truyền thông")
    fill(page, "system.operator", "Văn phòng UBND huyện Cẩm Xuyên")
    fill(page, "system.domains", "camxuyen.hatinh.gov.vn, www.camxuyen.hatinh.gov.vn")
    fill(page, "system.level", 2)
    fill(page, "description", "Trang chủ bị thay đổi giao diện; phát hiện webshell.")
    fill(page, "detection.detected_at", t0.strftime("%d/%m/%Y %H:%M"))
    fill(page, "detection.handled", False)
    fill(page, "detection.methods", ["log_file", "notified_by"])
    fill(page, "notified_to", ["coordinator"])
    fill(page, "reported_at", (t0 + dt.timedelta(minutes=30)).strftime("%d/%m/%Y %H:%M"))
    fill(page, "origin", "cyber_attack")
    fill(page, "categories", [4, 5])


def new_case(win, case_dir) -> None:
    win.start_page.folder_edit.setText(str(case_dir))
    win.start_page.examiner_edit.setText("Nguyễn Văn An")
    assert win.start_page.create_case()
    assert (case_dir / "case.sqlite").is_file()


def run(qtbot, win, only, **kw):
    page = win.collection_page
    with qtbot.waitSignal(page.runEnded, timeout=120_000) as blocker:
        assert page.start(only=only, **kw)
    return blocker.args[0]


# ------------------------------------------------------------------------------------------ Qt itself
def test_pyside_does_not_leak_references_on_emit(qapp):
    """PySide6 6.12.0 on Python 3.11 drops a reference to True on every emit() and to None on every slot
    call, and the app aborts after a few thousand signals ("deallocating True"). The app needs a build
    without that bug (6.11.3 is fine)."""
    from PySide6.QtCore import QObject, Signal, Slot

    class Src(QObject):
        sig = Signal(object)

    class Dst(QObject):
        n = 0

        @Slot(object)
        def got(self, v):
            Dst.n += 1

    s, d = Src(), Dst()
    s.sig.connect(d.got)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(500):
        s.sig.emit(i)
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert Dst.n == 500
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)


# ------------------------------------------------------------------------------------------ start, case
def test_start_page_warns_about_the_affected_disk_and_creates_a_case(make_win, case_dir, settings):
    from desktop.ui.start import same_disk_as_system

    win = make_win()
    sp = win.start_page
    sp.folder_edit.setText(str(case_dir))
    # tmp_path is on the same file system as / here unless /tmp is its own mount: the warning follows the truth.
    assert sp.warning.isVisibleTo(sp) == same_disk_as_system(str(case_dir))
    new_case(win, case_dir)
    assert win.case is not None and win.case.examiner == "Nguyễn Văn An"
    assert win.stack.currentWidget() is win.intake_page
    assert settings.value("recent_cases")[0] == str(case_dir.resolve())
    assert sp.recent.count() == 1 and sp.recent.item(0).data(Qt.UserRole) == str(case_dir.resolve())


def test_opening_a_folder_that_is_not_a_case_says_so(make_win, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    win = make_win()
    (tmp_path / "empty").mkdir()
    assert not win.open_case(str(tmp_path / "empty"))
    assert win.case is None and len(shown) == 1 and str(tmp_path / "empty") in shown[0]


# ------------------------------------------------------------------------------------------ intake
def test_intake_covers_every_m03_field(make_win, case_dir):
    from reports.incident import FIELDS

    win = make_win()
    new_case(win, case_dir)
    m03 = [f.path for f in FIELDS if "[]" not in f.path and f.type not in ("records", "dict")
           and not f.path.startswith(("closing.", "progress", "plan", "direction", "support", "next_steps",
                                                   "helpers"))]
    missing = [p for p in m03 if p not in win.intake_page.widgets]
    assert not missing
    # the mandatory ones are marked with a red star
    required = [f for f in FIELDS if "m03" in f.required]
    assert len(required) >= 14
    assert all(f.path in win.intake_page.widgets for f in required)


def test_intake_validates_saves_and_drives_the_banner(make_win, case_dir):
    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    t0 = (dt.datetime.now(VN) - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    fill_m03(page, t0)
    fill(page, "reporter.email", "not-an-email")
    assert not page.save()
    assert page.field_errors["reporter.email"].isVisibleTo(page)
    assert "not-an-email" in page.field_errors["reporter.email"].text()
    assert win.case.incident() == {}  # nothing stored
    fill(page, "reporter.email", "ungcuu@stttt.hatinh.gov.vn")
    fill(page, "__status__", "analysing")
    assert page.save()
    rec = win.case.incident()
    assert rec["detection"]["detected_at"] == t0.isoformat(timespec="seconds")  # +07:00 made explicit
    assert rec["system"]["domains"] == ["camxuyen.hatinh.gov.vn", "www.camxuyen.hatinh.gov.vn"]
    assert rec["system"]["level"] == 2 and rec["categories"] == [4, 5] and rec["detection"]["handled"] is False
    assert rec["status_history"][-1]["status"] == "analysing"
    assert page.show_missing() == []
    # Hà Tĩnh: notify within 3 days of T0 -> on time, about 71 h left.
    states = dict(zip([lab.text().split(":")[0] for lab in win.banner.labels], win.banner.states))
    assert "on_time" in win.banner.states, states
    assert any("còn 70 giờ" in lab.text() or "còn 71 giờ" in lab.text() for lab in win.banner.labels)
    # four days later the same deadline is overdue and the banner turns red
    win.banner.refresh(win.case, now=t0 + dt.timedelta(days=4))
    assert "overdue" in win.banner.states
    lab = win.banner.labels[win.banner.states.index("overdue")]
    assert "#b3261e" in lab.styleSheet() and "Quá hạn" in lab.text()
    # reopening shows the stored values
    win.set_case(None)
    assert win.open_case(str(case_dir))
    assert win.intake_page.widgets["contact.name"].text() == "Nguyễn Văn Đức"
    assert win.intake_page.widgets["detection.detected_at"].edit.text() == t0.strftime("%d/%m/%Y %H:%M")


# ------------------------------------------------------------------------------------------ collection
def test_collect_b1_b2_b8_fills_the_evidence_table_and_verifies(make_win, case_dir, qtbot):
    win = make_win()
    new_case(win, case_dir)
    fill_m03(win.intake_page, dt.datetime.now(VN) - dt.timedelta(hours=3))
    assert win.intake_page.save()
    page = win.collection_page
    assert run(qtbot, win, ["B1", "B2", "B8"]) == "completed"
    outcomes = win.case.outcomes()
    assert outcomes["B1"]["state"] == "collected" and outcomes["B2"]["state"] == "collected"
    assert outcomes["B8"]["state"] in ("collected", "partial")
    m = page.model
    for cid in ("B1", "B2", "B8"):
        assert m.state[cid] == outcomes[cid]["state"]
        assert m.count[cid] == outcomes[cid]["evidence_count"] >= 1
    assert page.overall.value() == page.overall.maximum() == 3
    stored = win.case.evidence()
    ev = win.evidence_page
    assert [r.id for r in ev.model.records] == [r.id for r in stored]
    assert {r.checklist_id for r in stored} == {"B1", "B2", "B8"}
    names = {r.name for r in stored}
    assert {"contact.json", "system.json", "processes.json"} <= names
    # preview of a JSON item is pretty-printed text
    row = next(i for i, r in enumerate(ev.model.records) if r.name == "contact.json")
    ev.view.setCurrentIndex(ev.proxy.mapFromSource(ev.model.index(row, 0)))
    assert '"name": "Nguyễn Văn Đức"' in ev.preview.toPlainText()
    # Verify all: every row intact
    with qtbot.waitSignal(ev.verified, timeout=60_000) as blocker:
        ev.verify_all()
    assert blocker.args[0].ok
    assert all(ev.model.verify[r.id] == "nguyên vẹn" for r in stored)
    # no head noted earlier: "self-consistent", and the head to note is shown
    assert "Nhất quán nội bộ, chưa có mốc đối chiếu" in ev.summary.text()
    assert blocker.args[0].head in ev.summary.text()
    # the sidebar knows: collection partly done, evidence verified
    states = win.step_states()
    assert states["E"][0] == "done" and states["B"] == ("partial", f"3/{len(page.model.items)}")
    # Tampering is reported on the item it concerns.
    rec = next(r for r in stored if r.name == "system.json")
    p = win.case.evidence_path(rec)
    os.chmod(p, 0o644)
    p.write_bytes(p.read_bytes() + b" ")
    with qtbot.waitSignal(ev.verified, timeout=60_000) as blocker:
        ev.verify_all()
    assert not blocker.args[0].ok
    assert "content changed" in ev.model.verify[rec.id]
    # shown in Vietnamese, the hashes kept; verify's own words in the tooltip
    row = next(i for i, r in enumerate(ev.model.records) if r.id == rec.id)
    cell = ev.model.item(row, 7)
    assert "nội dung đã thay đổi" in cell.text() and p.name[:16] in cell.text() and "content changed" in cell.toolTip()
    assert "nội dung đã thay đổi" in ev.summary.text()
    assert all(ev.model.verify[r.id] == "nguyên vẹn" for r in stored if r.sha256 != rec.sha256)


def test_suggestions_from_the_evidence_carry_their_evidence_id(make_win, case_dir, qtbot):
    win = make_win()
    new_case(win, case_dir)
    assert run(qtbot, win, ["B2"]) == "completed"
    win.intake_page.set_case(win.case)
    page = win.intake_page
    assert page.suggestions, "system.json should suggest the OS (Mẫu 03 section H)"
    path, pf = next(iter(sorted(page.suggestions.items())))
    assert page.suggestion_labels[path].isVisibleTo(page)
    assert pf.evidence[0] in page.suggestion_labels[path].text()
    page.take_suggestion(path)
    assert page.save()
    rec = win.case.incident()
    assert rec["evidence_refs"][path] == pf.evidence
    from reports.incident import get

    assert get(rec, path) == pf.value


def test_cancel_mid_run_keeps_a_valid_case_and_start_resumes(make_win, case_dir, tmp_path, qtbot):
    from collectors.verify import verify_case

    src = tmp_path / "webroot"
    src.mkdir()
    for i in range(120):
        (src / f"page{i:03d}.php").write_text(f"<?php echo {i}; ?>\n" * (i + 1))
    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    cancelled = []

    def cancel_on_first_batch(batch):  # runs on the worker thread, right after the first evidence
        if not cancelled:
            cancelled.append(len(batch))
            page.worker.cancel_event.set()

    with qtbot.waitSignal(page.runEnded, timeout=120_000) as blocker:
        assert win.evidence_page.add_paths([str(src)])
        page.worker.storedBatch.connect(cancel_on_first_batch, Qt.DirectConnection)
    assert blocker.args[0] == "cancelled"
    first = win.case.evidence("B5")
    assert 1 <= len(first) < 120
    assert page.model.state["B5"] == "interrupted"
    assert len(win.evidence_page.model.records) == len(first)
    assert verify_case(case_dir).ok  # what was stored is valid
    # Start again: the rest is collected, nothing twice.
    assert run(qtbot, win, ["B5"], options={"paths": [str(src)]}, again=True) == "completed"
    allb5 = win.case.evidence("B5")
    assert len(allb5) == 120 and len({r.source for r in allb5}) == 120
    assert page.model.state["B5"] == "collected"
    assert len(win.evidence_page.model.records) == 120
    assert verify_case(case_dir).ok


def test_a_full_disk_stops_the_run_with_a_clear_message(make_win, case_dir, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from collectors.case import Case
    from collectors.errors import DestinationFull

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    win = make_win()
    new_case(win, case_dir)

    def full(self, *a, **k):
        raise DestinationFull(f"the disk holding {self.path} is full", path=str(self.path))

    monkeypatch.setattr(Case, "add_json", full)
    state = run(qtbot, win, ["B2"])
    assert state == "failed"
    # stopped by the case folder, not the source: resumable, not done
    assert win.collection_page.model.state["B2"] == "interrupted"
    assert "is full" in win.collection_page.model.detail["B2"]  # stored as the collector said it
    # shown in Vietnamese, the collector's own words in the tooltip
    cell = win.collection_page.model.item(win.collection_page.model.row_of["B2"], 5)
    assert "đã đầy" in cell.text() and "is full" not in cell.text() and "is full" in cell.toolTip()
    assert "đã đầy" in win.collection_page.current.text()


# ------------------------------------------------------------------------------------------ models
def test_models_pass_qtmodeltester(make_win, case_dir, qtbot, qtmodeltester, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    assert run(qtbot, win, ["B2"]) == "completed"
    qtmodeltester.check(win.collection_page.model)
    win.evidence_page.set_case(win.case)
    assert win.evidence_page.model.rowCount() == 2
    qtmodeltester.check(win.evidence_page.model)
    qtmodeltester.check(win.evidence_page.proxy)
    tl.build(win.case)
    win.timeline_page.set_case(win.case)
    assert win.timeline_page.model.rowCount() > 0
    qtmodeltester.check(win.timeline_page.model)


def test_timeline_page_filters_like_the_core(make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    page = win.timeline_page
    win.show_page("timeline")
    page.set_case(win.case)
    assert not page.apply_btn.isEnabled() and "Chưa có dòng thời gian" in page.status.text()
    with qtbot.waitSignal(page.count_label.windowTitleChanged, timeout=100, raising=False):
        pass
    page.build()
    qtbot.waitUntil(lambda: page.build_btn.isEnabled() and page.apply_btn.isEnabled(), timeout=60_000)
    total = tl.count(win.case)
    assert total > 0
    qtbot.waitUntil(lambda: page.count_label.text().startswith(f"{total:,}".replace(",", ".")), timeout=20_000)
    page.text_edit.setText("CRON")
    page.apply_filter()
    want = tl.count(win.case, tl.Filter(text="CRON"))
    assert 0 < want < total
    while page.model.canFetchMore():
        page.model.fetchMore()
    assert page.model.rowCount() == want
    assert all("cron" in r["message"].lower() for r in page.model.rows)
    qtbot.waitUntil(lambda: page.count_label.text().startswith(f"{want} "), timeout=20_000)
    assert sum(c for _, c in page.histogram.buckets) == want
    # A filter too slow for the GUI thread (budget forced to 0 here) is finished on a worker thread.
    import desktop.ui.timeline as tlui

    budget, steps = tlui.BUDGET_S, tlui.PROGRESS_STEPS
    tlui.BUDGET_S, tlui.PROGRESS_STEPS = 0.0, 1
    try:
        page.apply_filter()
        assert page.model.rowCount() == 0 and page.model.pending
        qtbot.waitUntil(lambda: not page.model.pending and page.model.exhausted, timeout=20_000)
    finally:
        tlui.BUDGET_S, tlui.PROGRESS_STEPS = budget, steps
    assert page.model.rowCount() == want
    # mark the first event with a note: it is stored in the case (for the reports)
    page.view.setCurrentIndex(page.model.index(0, 0))
    from PySide6.QtWidgets import QInputDialog

    orig = QInputDialog.getText
    QInputDialog.getText = staticmethod(lambda *a, **k: ("điểm truy cập đầu tiên", True))
    try:
        page.toggle_mark()
    finally:
        QInputDialog.getText = orig
    marks = tl.marks(win.case)
    assert len(marks) == 1 and marks[0]["note"] == "điểm truy cập đầu tiên"
    assert page.model.data(page.model.index(0, 5)) == "★"


# ------------------------------------------------------------------------------------------ language, fonts
def test_every_ui_string_has_a_vietnamese_translation():
    from desktop.i18n_build import extract_strings, untranslated
    from desktop.ui.i18n import I18N_DIR

    strings = extract_strings()
    assert len(strings) > 150
    assert untranslated(I18N_DIR / "ungcuu_vi.ts", strings) == []


def test_the_ts_source_alone_gives_vietnamese(qapp, tmp_path):
    from desktop.ui.i18n import I18N_DIR, TsTranslator, tr

    t = TsTranslator(I18N_DIR / "ungcuu_vi.ts")
    assert QCoreApplication.installTranslator(t)
    try:
        assert tr("&Start collection") == "&Bắt đầu thu thập"
        assert tr("Analyse and notify") == "Phân tích và thông báo"
    finally:
        QCoreApplication.removeTranslator(t)


def test_lrelease_builds_a_qm_with_the_same_strings(qapp, tmp_path):
    from PySide6.QtCore import QTranslator

    from desktop.i18n_build import compile_ts
    from desktop.ui.i18n import I18N_DIR, read_ts

    qm = compile_ts(I18N_DIR / "ungcuu_vi.ts", tmp_path / "vi.qm")
    if qm is None:
        pytest.skip("pyside6-lrelease is not installed")
    t = QTranslator()
    assert t.load(str(qm))
    ts = read_ts(I18N_DIR / "ungcuu_vi.ts")
    assert all(t.translate(ctx, src) == vi for (ctx, src), vi in ts.items())


def test_shipped_font_has_every_vietnamese_glyph(qapp):
    from PySide6.QtGui import QFont, QRawFont

    from desktop.app import load_fonts
    from desktop.ui.i18n import I18N_DIR, read_ts

    families = load_fonts()
    assert "DejaVu Sans" in families
    assert qapp.font().family() == "DejaVu Sans"
    raw = QRawFont.fromFont(QFont("DejaVu Sans", 10))
    assert raw.familyName() == "DejaVu Sans"
    text = "".join(read_ts(I18N_DIR / "ungcuu_vi.ts").values())
    text += "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹĐđƠơƯư"
    missing = sorted({ch for ch in text if not ch.isspace() and not raw.supportsCharacter(ord(ch))})
    assert missing == []


def test_switching_to_english_keeps_the_case_and_the_draft(make_win, case_dir, settings):
    win = make_win()
    new_case(win, case_dir)
    win.intake_page.widgets["contact.name"].setText("Trần Thị Bình")  # typed, not saved
    win.show_page("collection")
    win.set_language("en")
    assert win.lang == "en" and settings.value("language") == "en"
    assert win.menuBar().actions()[0].text() == "&Case"
    assert win.collection_page.start_btn.text() == "&Start collection"
    assert win.case is not None and win.stack.currentWidget() is win.collection_page
    assert win.intake_page.widgets["contact.name"].text() == "Trần Thị Bình"
    assert win.collection_page.model.headerData(1, Qt.Horizontal) == "What is collected"
    win.set_language("vi")
    assert win.collection_page.start_btn.text() == "&Bắt đầu thu thập"


def test_window_state_and_language_are_remembered(make_win, settings):
    win = make_win()
    win.resize(1111, 777)
    win.set_language("en")
    win.save_state()
    win2 = make_win(lang=None)  # the remembered language is used when none is given
    assert win2.lang == "en"
    # restored from QSettings (the offscreen platform may take a few pixels of frame)
    assert settings.value("window/geometry") is not None
    assert abs(win2.width() - 1111) <= 30 and abs(win2.height() - 777) <= 30, (win2.width(), win2.height())
    assert win2.width() != 1280  # not the default size


def test_keyboard_alone_reaches_every_page(make_win, case_dir, qtbot):
    from PySide6.QtTest import QTest

    win = make_win()
    new_case(win, case_dir)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    for n, key in enumerate(("start", "intake", "collection", "evidence", "timeline", "findings", "phase3", "reports"), 1):
        QTest.keyClick(win, getattr(Qt, f"Key_{n}"), Qt.ControlModifier)
        assert win.stack.currentWidget() is win.pages[key], key
    # the reports page lists the report kinds, Mẫu 03 and Mẫu 04 among them; Enter on one makes it
    kinds = [win.reports_page.kinds.item(i).text() for i in range(win.reports_page.kinds.count())]
    assert any("Mẫu 03" in k for k in kinds) and any("Mẫu 04" in k for k in kinds)


def test_gui_without_a_display_explains_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "desktop", "gui"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "không tìm thấy màn hình" in proc.stderr and "ungcuu collect" in proc.stderr  # Vietnamese by default


# ------------------------------------------------------------------------------------------ findings, reports
def test_findings_page_shows_what_the_core_finds(make_win, case_dir, qtbot, shared_data):
    from analysis import findings

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog_ssh.log", source="/var/log/auth.log",
                      name="auth.log", checklist_id="B10", collector="log_files")
    assert run(qtbot, win, ["B2", "B8"]) == "completed"
    page = win.findings_page
    win.show_page("findings")
    page.analyse()
    qtbot.waitUntil(lambda: page.run_btn.isEnabled(), timeout=120_000)
    want = findings.run(win.case)
    assert want, "the ssh log and the process list give at least one finding"
    assert [(f.rule, f.summary_vi) for f in page.findings] == [(f.rule, f.summary_vi) for f in want]
    assert page.table.rowCount() == len(want)
    assert page.status.text().startswith(f"{len(want)} kết quả")
    top = max(findings.SEV_RANK[f.severity] for f in want)
    page.sev_combo.setCurrentIndex(top)  # only the most severe
    assert page.table.rowCount() == sum(1 for f in want if findings.SEV_RANK[f.severity] == top)
    page.table.setCurrentCell(0, 0)
    assert page.shown[0].rule in page.details.toPlainText()
    assert win.step_states()["C5"] == ("done", str(len(want)))


def test_reports_page_makes_the_initial_report(make_win, case_dir, qtbot):
    import hashlib

    win = make_win()
    new_case(win, case_dir)
    fill_m03(win.intake_page, dt.datetime.now(VN) - dt.timedelta(hours=5))
    assert win.intake_page.save()
    page = win.reports_page
    win.show_page("reports")
    names = [page.kinds.item(i).data(Qt.UserRole) for i in range(page.kinds.count())]
    page.kinds.setCurrentRow(names.index("initial"))
    page.fmt.setCurrentIndex(page.fmt.findData("pdf"))
    page.make()
    qtbot.waitUntil(lambda: page.last is not None, timeout=120_000)
    res = page.last
    assert res.path.parent == case_dir / "exports" and res.path.suffix == ".pdf"
    assert hashlib.sha256(res.path.read_bytes()).hexdigest() == res.sha256
    assert res.sha256 in page.result.toPlainText() and str(res.path) in page.result.toPlainText()
    exports = [e for e in win.case.custody.entries() if e["action"] == "export"]
    assert exports[-1]["details"]["sha256"] == res.sha256


def test_phase3_marks_start_the_closing_report_clock(make_win, case_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[-1]) or QMessageBox.Yes)
    win = make_win()
    new_case(win, case_dir)
    fill_m03(win.intake_page, dt.datetime.now(VN) - dt.timedelta(days=1))
    assert win.intake_page.save()
    assert any("tính từ khi kết thúc ứng phó" in lab.text() for lab in win.banner.labels)
    win.show_page("phase3")
    win.phase3_page.eradicated_btn.click()
    win.phase3_page.recovered_btn.click()
    hist = [h["status"] for h in win.case.incident()["status_history"]]
    assert hist[-2:] == ["eradicated", "recovered"]
    assert asked == [QMessageBox.No]  # the end of the response is confirmed; Enter alone says no
    # marked once: a second press cannot move the clock (the first entry is the one the deadline counts from)
    assert not win.phase3_page.recovered_btn.isEnabled() and not win.phase3_page.eradicated_btn.isEnabled()
    win.phase3_page.mark("recovered")
    assert [h["status"] for h in win.case.incident()["status_history"]] == hist
    assert win.step_states()["R"][0] == "done"
    win.refresh_banner()
    # Hà Tĩnh: closing report (Mẫu 04) within 10 days after the response ends -> now on time, ~240 h left
    closing = [lab.text() for lab, st in zip(win.banner.labels, win.banner.states) if "Mẫu 04" in lab.text()]
    assert closing and "Còn hạn" in closing[0] and ("còn 239 giờ" in closing[0] or "còn 240 giờ" in closing[0])


def test_closing_while_a_verification_runs_waits_for_it(make_win, case_dir, qtbot, tmp_path):
    win = make_win()
    new_case(win, case_dir)
    src = tmp_path / "files"
    src.mkdir()
    for i in range(50):
        (src / f"f{i}.txt").write_text("x" * 1000 * i)
    with qtbot.waitSignal(win.collection_page.runEnded, timeout=60_000):
        win.evidence_page.add_paths([str(src)])
    win.evidence_page.verify_all()  # on a worker thread
    win.set_language("en")  # rebuilds the pages: must wait for the thread, not abort the process
    win.close()
    assert not win.isVisible()
    from collectors.verify import verify_case

    assert verify_case(case_dir).ok


def test_b5_in_a_checklist_run_points_to_the_evidence_page(make_win, case_dir, qtbot):
    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    page.model.set_checked(["B2", "B5"])
    with qtbot.waitSignal(page.runEnded, timeout=60_000):
        assert page.start()
    assert "B5" not in win.case.outcomes() and win.case.outcomes()["B2"]["state"] == "collected"
    assert page.notes.item(0).text().startswith("B5: chọn tệp hoặc thư mục ở trang Chứng cứ")
