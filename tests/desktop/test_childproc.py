"""The findings run in a child process (desktop.childproc): real child processes, a real SIGKILL of the
child and of its parent, a hostile package in the current folder, the real findings over a real attack
sample compared with the same run in this process, and the findings page's Stop and close driving it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt

from collectors.case import Case
from collectors.errors import UngCuuError
from desktop.childproc import ChildFailed, finish, iter_in_child, run_in_child
from tests.desktop.test_app import new_case

REPO = Path(__file__).resolve().parents[2]
APPCMD = "Credential_Access/discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx"


def wait_for(predicate, timeout=20.0, what="the condition"):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"{what} did not happen within {timeout} s"
        time.sleep(0.02)


def test_items_and_result_come_back_and_the_child_writes_no_bytecode_and_ignores_the_current_folder(
        tmp_path, monkeypatch):
    # a hostile package in the current folder (as in a folder of the examined system) is never imported
    (tmp_path / "desktop").mkdir()
    (tmp_path / "desktop" / "__init__.py").write_text(f"open({str(tmp_path / 'PWNED')!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path)
    items, result = run_in_child("desktop.childproc:probe", ticks=5)
    assert items[0] == 1 and items[-1] == 5 and items == sorted(items)   # throttled: the first and the last
    assert result["ticks"] == 5 and not result["cancelled"] and result["pid"] != os.getpid()
    assert result["flag_B"] and result["dont_write_bytecode"]
    assert result["path"][0] == str(REPO) and "" not in result["path"] and str(tmp_path) not in result["path"]
    assert not (tmp_path / "PWNED").exists()


def test_a_stray_print_in_the_child_goes_to_stderr_not_into_the_channel(capfd):
    _, result = run_in_child("desktop.childproc:probe", ticks=2)
    assert result["ticks"] == 2
    out, err = capfd.readouterr()
    assert "a stray line on stdout" in err and "a stray line" not in out


def test_cancel_stops_the_job_and_its_result_says_so():
    cancel = threading.Event()
    gen = iter_in_child("desktop.childproc:probe", ticks=100_000, delay=0.005, cancel=cancel)
    seen = [next(gen), next(gen)]
    cancel.set()
    items, result = finish(gen)
    assert result["cancelled"] and seen[0] < result["ticks"] < 100_000


@pytest.mark.parametrize("fail, message", [
    ("ungcuu", "the probe failed on request"),
    ("bug", "ZeroDivisionError: division by zero on request (at childproc.py:"),
])
def test_an_error_in_the_child_arrives_with_its_message(fail, message):
    with pytest.raises(ChildFailed) as info:
        run_in_child("desktop.childproc:probe", ticks=1, fail=fail)
    assert message in str(info.value)


def test_an_unknown_case_folder_is_said_as_the_case_error(tmp_path):
    with pytest.raises(ChildFailed, match="no case folder at"):
        run_in_child("analysis.findings:iter_run_case", str(tmp_path / "NO-SUCH-CASE"))
    assert issubclass(ChildFailed, UngCuuError)  # the GUI shows its message as it is


def test_a_child_killed_midway_is_reported_not_waited_for(tmp_path):
    pid_file = tmp_path / "pid"
    gen = iter_in_child("desktop.childproc:probe", ticks=100_000, delay=0.01, pid_file=str(pid_file))
    next(gen)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    with pytest.raises(ChildFailed, match=r"ended without a result \(killed by signal 9\)"):
        finish(gen)


PARENT = """
import sys
sys.path.insert(0, sys.argv[1])
from desktop.childproc import iter_in_child
for _ in iter_in_child("desktop.childproc:probe", ticks=1_000_000, delay=0.01, pid_file=sys.argv[2]):
    pass
"""


def test_the_child_ends_by_itself_when_its_parent_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    parent = subprocess.Popen([sys.executable, "-B", "-c", PARENT, str(REPO), str(pid_file)])
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text(), what="the child's start")
        child = psutil.Process(int(pid_file.read_text()))
        parent.send_signal(signal.SIGKILL)
        parent.wait()

        def gone():
            try:
                return child.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return True
        wait_for(gone, what="the orphaned child's end")
    finally:
        parent.kill()
        parent.wait()


def test_the_findings_in_the_child_are_the_findings_in_this_process(tmp_path, shared_data):
    from analysis import findings
    from analysis import timeline as tl
    from collectors.custody import verify_chain

    def make(name):
        case = Case.create(tmp_path / name, examiner="Nguyễn Văn An", affected_root="")
        case.add_file(shared_data / "evtx" / "attack-samples" / APPCMD, checklist_id="B10", collector="test",
                      source="C:\\Windows\\System32\\winevt\\Logs\\x.evtx")
        return case

    here = make("HERE")
    expected = findings.run_report(here)
    here.close()
    there = make("THERE")
    before = there.custody.entries()
    items, report = run_in_child("analysis.findings:iter_run_case", str(there.path), there.examiner)
    stages = [i.name for i in items if isinstance(i, findings.Stage)]
    assert stages and stages[0] in ("timeline", "rules")
    assert [(f.rule, f.severity, f.time) for f in report.findings] == \
           [(f.rule, f.severity, f.time) for f in expected.findings]
    assert report.findings and report.rules["matched"] == expected.rules["matched"] >= 1
    # the child built the timeline in the case folder and left the custody chain as it was, unbroken
    assert tl.is_current(there)
    after = there.custody.entries()
    assert after == before and verify_chain(after) == []
    there.close()


def _children(marker: str) -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if any(marker in part for part in p.cmdline()):
                out.append(p)
        except psutil.Error:
            pass
    return out


def _syslog(path: Path, lines: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(lines):
            fh.write(f"Dec  1 0{i % 10}:{i % 60:02d}:{i % 60:02d} web01 sshd[{1000 + i % 500}]: "
                     f"Failed password for invalid user u{i % 97} from 10.0.{i % 250}.{i % 200} port {40000 + i % 999}"
                     " ssh2\n")


@pytest.fixture
def busy_case_window(make_win, case_dir, tmp_path):
    """A window on the findings page of a case whose analysis takes a few seconds (150,000 sshd lines)."""
    log = tmp_path / "auth.log"
    _syslog(log, 150_000)
    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(log, source="/var/log/auth.log", name="auth.log", checklist_id="B10", collector="log_files")
    win.show_page("findings")
    return win


def test_the_findings_page_runs_in_a_child_shows_its_progress_and_stop_keeps_what_was_found(
        busy_case_window, qtbot):
    page = busy_case_window.findings_page
    assert not page.stop_btn.isVisible()
    qtbot.mouseClick(page.run_btn, Qt.LeftButton)
    assert page.stop_btn.isVisible() and not page.run_btn.isEnabled() and page.working()
    qtbot.waitUntil(lambda: bool(_children("desktop.childproc")), timeout=20_000)
    qtbot.waitUntil(lambda: "đã xét" in page.status.text(), timeout=240_000)
    assert "Đang phân tích: luật Sigma trên dòng thời gian, đã xét " in page.status.text()
    qtbot.mouseClick(page.stop_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.run_btn.isEnabled(), timeout=60_000)
    assert not page.stop_btn.isVisible() and not page.working()
    assert page.report.detection["cancelled"] is True
    assert page.report.detection["events"] < 150_000
    assert page.status.text().startswith("Đã dừng trước khi xong")
    wait_for(lambda: not _children("desktop.childproc"), what="the child's end")


def test_closing_the_window_during_an_analysis_ends_its_child(busy_case_window, qtbot):
    win = busy_case_window
    qtbot.mouseClick(win.findings_page.run_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(_children("desktop.childproc")), timeout=20_000)
    kids = _children("desktop.childproc")
    win.close()
    for kid in kids:
        wait_for(lambda k=kid: not k.is_running() or k.status() == psutil.STATUS_ZOMBIE, what="the child's end")


def test_opening_another_case_during_an_analysis_stops_it_and_shows_none_of_its_findings(
        busy_case_window, qtbot, tmp_path):
    win = busy_case_window
    page = win.findings_page
    qtbot.mouseClick(page.run_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(_children("desktop.childproc")), timeout=20_000)
    kids = _children("desktop.childproc")
    assert win.open_case(str(tmp_path / "CASE-02"), create=True, examiner="Trần Thị Bình")
    assert page.case is win.case and not page.working() and page.run_btn.isEnabled()
    assert not page.stop_btn.isVisible()
    for kid in kids:
        wait_for(lambda k=kid: not k.is_running() or k.status() == psutil.STATUS_ZOMBIE, what="the child's end")
    qtbot.wait(300)   # the old run's result, had it been shown, would have arrived by now
    assert page.findings == [] and page.run_btn.isEnabled()
    assert page.status.text().startswith("Bấm “Phân tích chứng cứ”")   # not the old run's progress


def test_stop_while_the_timeline_is_built_says_nothing_was_analysed(busy_case_window, qtbot):
    page = busy_case_window.findings_page
    qtbot.mouseClick(page.run_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: "dựng dòng thời gian từ chứng cứ" in page.status.text(), timeout=60_000)
    qtbot.mouseClick(page.stop_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.run_btn.isEnabled(), timeout=60_000)
    assert page.status.text() == ("Đã dừng khi đang dựng dòng thời gian: chưa phân tích gì (dòng thời gian dựng "
                                  "trước đó, nếu có, vẫn được giữ).")
    assert page.findings == [] and not page.working()
