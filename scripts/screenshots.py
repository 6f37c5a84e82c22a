"""Take a PNG of each screen of the desktop app into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang vi|en] [--case DIR]

Runs under Xvfb (it re-runs itself with `xvfb-run -a` when there is no display and xvfb-run is
installed; otherwise it uses Qt's offscreen platform). Without --case it makes a demo case in a temporary
folder: the example incident (resources/incident_example.yaml) with T0 set two days ago, a triage
subset collected from this machine (B1-B4, B8, B10, B11), a text file added as B5, the Windows attack
samples of ../shared/data/evtx/attack-samples added as B10 (so the detection rules have something to find),
everything verified, the timeline built and the findings run — so every screen shows real data, the
timeline with its activity strip marked by tactic. The case is on a file system of its own (/dev/shm
standing for the responder's drive), so no affected-disk warning shows. Nothing outside the temporary
folder and the output folder is written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _wait(qtbot_like, predicate, timeout_s=120):
    import time

    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout_s
    while not predicate():
        QApplication.processEvents()
        time.sleep(0.01)
        if time.monotonic() > end:
            raise TimeoutError("the app did not finish in time")


def demo_case(path: Path) -> None:
    """Create the demo case with the core API (the same calls the app makes)."""
    from collectors.case import Case
    from reports.incident import check_incident, load_incident_file

    case = Case.create(path, examiner="Nguyễn Văn An")
    rec = load_incident_file(REPO / "resources" / "incident_example.yaml")
    t0 = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))) - dt.timedelta(days=2, hours=3)
    rec.setdefault("detection", {})["detected_at"] = t0.isoformat(timespec="seconds")
    rec["reported_at"] = (t0 + dt.timedelta(hours=2)).isoformat(timespec="seconds")   # never before T0
    for key in ("reports", "status_history", "closing"):
        rec.pop(key, None)
    rec["status_history"] = [{"status": "detected", "at": t0.isoformat(timespec="seconds"), "by": "Nguyễn Văn An"}]
    case.set_incident(check_incident(rec))
    case.close()


def add_attack_samples(case_dir: Path) -> int:
    """The Windows attack samples (shared data) as B10 event logs of the demo case; how many were added."""
    from collectors.case import Case

    shared = Path(os.environ.get("UNGCUU_SHARED_DATA") or REPO.parent / "shared" / "data")
    samples = sorted((shared / "evtx" / "attack-samples").rglob("*.evtx"))
    if not samples:
        return 0
    case = Case.open(case_dir)
    try:
        for f in samples:
            case.add_file(f, source="C:\\Windows\\System32\\winevt\\Logs\\" + f.name, name=f.name,
                          checklist_id="B10", collector="log_files")
    finally:
        case.close()
    return len(samples)


def shoot(out: Path, lang: str, case_dir: str | None) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    from PySide6.QtCore import QSettings

    from desktop.app import create_app, make_window

    app = create_app()
    # the demo case on a file system of its own (a tmpfs stands for the responder's USB drive), so the
    # pictures show no affected-disk warning
    shm = Path("/dev/shm")
    separate = shm.is_dir() and os.access(shm, os.W_OK) and os.stat(shm).st_dev != os.stat("/").st_dev
    tmp = Path(tempfile.mkdtemp(prefix="ungcuu-shots-", dir=str(shm) if separate else None))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    win = make_window(app, lang=lang, settings=settings)
    win.resize(1360, 880)
    win.show()
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def grab(name: str) -> None:
        for _ in range(5):
            app.processEvents()
        p = out / f"{name}.png"
        win.grab().save(str(p))
        shots.append(p)

    path = Path(case_dir) if case_dir else tmp / "CASE-EXAMPLE"
    if not case_dir:
        demo_case(path)  # before the start page, so its recent list shows a case that is there
    settings.setValue("recent_cases", [str(path)])
    win.start_page.refresh_recent()
    if separate:   # the start page as on the responder's machine: the new case goes on the separate drive
        sp = win.start_page
        free = shutil.disk_usage(shm).free / (1 << 30)
        sp.drive_combo.insertItem(0, f"{shm}  (USB, {free:.1f} GiB {'trống' if lang == 'vi' else 'free'})", str(shm))
        sp.drive_combo.setCurrentIndex(0)
    grab("01-start")
    win.open_case(str(path), ask=False)
    grab("02-intake")
    page = win.collection_page
    if not case_dir:
        win.show_page("collection")
        page.model.set_checked(["B1", "B2", "B3", "B4", "B8", "B10", "B11"])
        page.start()
        _wait(None, lambda: not page.running or page.finished_items >= 2)
        if page.running:
            grab("03a-collection-running")
        _wait(None, lambda: not page.running)
        # a cancelled run: B10 again, cancelled as soon as it starts
        page.model.set_checked(["B10"])
        page.start(again=True)
        page.cancel()
        _wait(None, lambda: not page.running)
        grab("03b-collection-cancelled")
        page.model.set_checked(["B1", "B2", "B3", "B4", "B8", "B10", "B11"])
    win.show_page("collection")
    grab("03-collection")
    ev = win.evidence_page
    if not case_dir:
        win.set_case(None)                 # the samples are added with the core API, as `ungcuu add` would
        add_attack_samples(path)
        win.open_case(str(path), ask=False)
        note = tmp / "ghi-chu-hien-truong.txt"
        note.write_text("Ghi chú hiện trường: máy chủ web cổng thông tin, phát hiện tệp lạ trong /var/www.\n",
                        encoding="utf-8")
        ev.add_paths([str(note)])
        _wait(None, lambda: not page.running)
    win.show_page("evidence")
    ev.verify_all()
    _wait(None, lambda: ev.verify_btn.isEnabled())
    if ev.model.rowCount():
        ev.view.selectRow(0)
    grab("04-evidence")
    tl = win.timeline_page
    win.show_page("timeline")
    if not case_dir:
        tl.build()
        _wait(None, lambda: tl.build_btn.isEnabled(), 300)
    _wait(None, lambda: tl.count_label.text() not in ("", "counting…", "đang đếm…"), 60)
    if tl.model.rowCount():
        tl.view.selectRow(0)  # the detail pane shows the event's provenance and fields
    grab("05-timeline")
    win.show_page("findings")
    fp = win.findings_page
    if hasattr(fp, "analyse"):
        fp.analyse()
        _wait(None, lambda: fp.run_btn.isEnabled(), 300)
        if fp.table.rowCount():
            fp.table.setCurrentCell(0, 0)
    grab("06-findings")
    # the timeline again, its activity strip now marking the findings by tactic
    win.show_page("timeline")
    if fp.findings:
        _wait(None, lambda: tl.strip.strip is not None and bool(tl.strip.strip.marks), 120)
    grab("05-timeline")
    win.show_page("phase3")
    grab("07-remediation")
    win.show_page("reports")
    rp = win.reports_page
    if hasattr(rp, "make"):
        rp.make()
        _wait(None, lambda: rp.last is not None or "không" in rp.result.toPlainText().lower(), 300)
    grab("08-reports")
    if hasattr(rp, "open_bundle"):
        dlg = rp.open_bundle()
        dlg.resize(900, 680)
        dlg.build()
        _wait(None, lambda: not dlg.busy, 300)
        for _ in range(5):
            app.processEvents()
        p = out / "10-bundle.png"
        dlg.grab().save(str(p))
        shots.append(p)
        dlg.reject()
    win.show_page("intake")
    win.intake_page.scroll.verticalScrollBar().setValue(win.intake_page.scroll.verticalScrollBar().maximum() // 2)
    grab("09-intake-more")
    win.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return shots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--lang", default="vi", choices=("vi", "en"))
    ap.add_argument("--case", help="photograph this case instead of a demo case (not modified)")
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM") and shutil.which("xvfb-run") \
            and not os.environ.get("UNGCUU_SHOTS_CHILD"):
        env = dict(os.environ, UNGCUU_SHOTS_CHILD="1")
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, __file__]
                               + (argv if argv is not None else sys.argv[1:]), env=env)
    for p in shoot(Path(args.out), args.lang, args.case):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
