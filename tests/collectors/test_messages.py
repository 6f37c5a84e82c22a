"""collectors.messages: the English reasons and notes of the collectors shown in Vietnamese (paths, numbers and
ids kept; unknown text left as it is), checked on exact phrases, on real collections (live, offline Linux and
offline Windows roots) and on every phrase the collector sources write."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from collectors import checklist as checklist_mod
from collectors.case import Case
from collectors.messages import split_parts, time_desc, translate
from collectors.runner import run_checklist

REPO = Path(__file__).resolve().parents[2]
# English words that never survive a translated part (a path or an OS message in a list may keep others).
ENGLISH = re.compile(r"\b(not|the|of|and|is|are|could|found|denied|needs|no|only|was|were|yet|chosen|here|"
                     r"without|cannot|after|before|reached|collected|listed|installed|hidden|read)\b")


def english_left(text: str) -> list[str]:
    return [p for p in split_parts(text) if ENGLISH.search(re.sub(r"`[^`]*`|\([^()]*--\w+[^()]*\)", "", p))]


@pytest.mark.parametrize("en, vi", [
    ("not applicable to an offline root (needs the running system)",
     "không áp dụng cho thư mục gốc ngoại tuyến (cần hệ thống đang chạy)"),
    ("windows_config: not available on linux", "windows_config: không áp dụng cho Linux"),
    ("accounts: /etc/passwd: not found; accounts: /etc/group: permission denied",
     "accounts: /etc/passwd: không tìm thấy; accounts: /etc/group: không có quyền truy cập"),
    ("log_files: /var/log/private: permission denied (folder not listed)",
     "log_files: /var/log/private: không có quyền truy cập (không liệt kê được thư mục)"),
    ("log_files: /var/log/x: Input/output error (folder not listed)",
     "log_files: /var/log/x: lỗi vào/ra (I/O) (không liệt kê được thư mục)"),
    (r"scheduled_tasks: C:\Windows\System32\Tasks: permission denied (tasks not listed; needs Administrator)",
     r"scheduled_tasks: C:\Windows\System32\Tasks: không có quyền truy cập (không liệt kê được tác vụ; "
     r"cần quyền Administrator)"),
    ("process_maps: memory maps of 3 processes not read (needs root): 1 (systemd), 412 (sshd)",
     "process_maps: không đọc được bản đồ bộ nhớ của 3 tiến trình (cần quyền root): 1 (systemd), 412 (sshd)"),
    ("processes: executable, cwd or open files of 57 other users' processes hidden without root",
     "processes: không có quyền root nên không thấy tệp thực thi, thư mục làm việc hay tệp đang mở của 57 tiến "
     "trình thuộc người dùng khác"),
    ("B5 /srv/www/a.php: read error after 8192 bytes: Input/output error",
     "B5 /srv/www/a.php: lỗi đọc sau 8,0 KiB: lỗi vào/ra (I/O)"),
    ("/var/log/big.log: size cap of 1048576 bytes reached: only the first 1048576 bytes were copied",
     "/var/log/big.log: đạt giới hạn kích thước 1,0 MiB: chỉ sao chép 1,0 MiB đầu"),
    ("ss -tanp: exit code 2: ss: invalid option", "ss -tanp: mã thoát 2: ss: invalid option"),
    ("nft is not installed: nft list ruleset not run", "chưa cài nft: không chạy nft list ruleset"),
    ("contact_point: contact point lacks position, email", "contact_point: đầu mối liên hệ còn thiếu: chức vụ, email"),
    ("journal: no systemd journal here (no journal files under /var/log/journal or /run/log/journal)",
     "journal: không có systemd journal ở đây (không có tệp journal trong /var/log/journal hoặc /run/log/journal)"),
    ("cancelled by the responder; run the same command again to resume",
     "người ứng cứu đã hủy; chạy lại đúng lệnh đó để tiếp tục"),
    ("nothing found to collect: a: not found; b: not found; and 2 more",
     "không tìm thấy gì để thu thập: a: không tìm thấy; b: không tìm thấy; và 2 mục khác"),
    ("the disk holding the case folder /media/usb/C1 is full while storing /var/log/syslog: collection stopped; "
     "what was stored before stays valid",
     "ổ đĩa chứa thư mục hồ sơ /media/usb/C1 đã đầy khi đang lưu /var/log/syslog: đã dừng thu thập; "
     "những gì đã lưu trước đó vẫn hợp lệ"),
    ("/tmp/x exists and is not empty and not a case folder; choose an empty or new folder",
     "/tmp/x đã có dữ liệu và không phải thư mục hồ sơ; hãy chọn một thư mục trống hoặc tạo thư mục mới"),
    ("disk_image: /dev/sdb: 12 unreadable sectors zero-filled", "disk_image: /dev/sdb: 12 sector không đọc được, "
     "đã ghi số 0 thay thế"),
])
def test_known_phrases_in_vietnamese_keep_paths_and_numbers(en, vi):
    assert translate(en, "vi") == vi
    assert translate(en, "en") == en


def test_unknown_text_and_other_languages_stay_as_they_are():
    assert translate("grub: something new happened", "vi") == "grub: something new happened"
    assert translate("system_info: TypeError: boom (at x.py:3)", "vi") == "system_info: TypeError: boom (at x.py:3)"
    assert translate("đã thu thập ở lần chạy trước", "vi") == "đã thu thập ở lần chạy trước"
    assert translate(None, "vi") == "" and translate("", "vi") == ""
    assert translate("not chosen", "en") == "not chosen"


def test_parts_are_cut_outside_brackets_and_backticks_only():
    assert split_parts("a (b; c); `d; e`; f") == ["a (b; c)", "`d; e`", "f"]
    assert split_parts("x") == ["x"]


def test_timestamp_descriptions():
    assert time_desc("Content Modification Time", "vi") == "Thời điểm sửa nội dung"
    assert time_desc("Content Modification Time; Last Access Time", "vi") == \
        "Thời điểm sửa nội dung; Thời điểm truy cập gần nhất"
    assert time_desc("Content Modification Time", "en") == "Content Modification Time"
    assert time_desc("Something Else", "vi") == "Something Else"


def _run(case, **kw) -> list[str]:
    """Every reason and note a real run gives (outcomes, live Incomplete events, evidence notes)."""
    texts = []
    for ev in run_checklist(case, checklist_mod.load(), profile="full", **kw):
        reason = getattr(ev, "reason", None)
        if reason:
            texts.append(reason)
    texts += [n for rec in case.evidence() for n in rec.incomplete]
    return texts


def _windows_root(root: Path, shared: Path) -> None:
    logs = root / "Windows" / "System32" / "winevt" / "Logs"
    logs.mkdir(parents=True)
    src = next(iter(sorted((shared / "evtx").rglob("*.evtx"))))
    (logs / "Security.evtx").write_bytes(src.read_bytes())


def _linux_root(root: Path, shared: Path) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("web01\n")
    (root / "var" / "log").mkdir(parents=True)
    (root / "var" / "log" / "syslog").write_bytes((shared / "logs/plaso-test-data/syslog_syslog").read_bytes())


@pytest.mark.parametrize("kind", ["live", "linux_root", "windows_root"])
def test_every_reason_of_a_real_collection_reads_in_vietnamese(kind, tmp_path, shared_data):
    root = None
    if kind != "live":
        root = tmp_path / "root"
        (_linux_root if kind == "linux_root" else _windows_root)(root, shared_data)
    case = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    try:
        texts = _run(case, root=root)
    finally:
        case.close()
    assert texts, "a full run always says why something was skipped"
    left = {t: english_left(translate(t, "vi")) for t in texts}
    assert {t: parts for t, parts in left.items() if parts} == {}


# Phrases built from words in variables, that a scan of the source cannot rebuild (their real forms are checked
# above), and internal errors of the store API that a responder never sees.
NOT_SCANNED = ("is outside the case folder", "bytes that were hashed", "rpm -qa: x", "memory maps of 7",
               "open files of 7 7", "PROFILE_LIST", "HKLM\\7: 7")


def _samples(node) -> list[str]:
    """The text an expression builds, with 7 for each value it formats in (both branches of an if)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for v in node.values:
            parts = [v.value] if isinstance(v, ast.Constant) else (
                _samples(v.value) if isinstance(v.value, (ast.IfExp, ast.Constant)) else ["7"])
            out = [o + p for o in out for p in parts]
        return out
    if isinstance(node, ast.IfExp):
        return _samples(node.body) + _samples(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _samples(node.left), _samples(node.right) or ["x"]
        return [a + b for a in left for b in right]
    return []


def test_every_phrase_the_collectors_write_has_a_vietnamese_form():
    files = [REPO / "collectors" / n for n in ("runner.py", "base.py", "case.py")]
    files += sorted((REPO / "collectors" / "artifacts").glob("*.py")) + sorted((REPO / "collectors" / "acquire").glob("*.py"))
    errors = {"NotApplicable", "Incomplete", "SourceError", "AccessDenied", "DestinationFull", "DestinationUnwritable",
              "CaseError", "CaseNotFound"}
    seen, missing = 0, []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            exprs = []
            if isinstance(node, ast.Call) and node.args:
                fn = node.func
                if isinstance(fn, ast.Attribute) and (fn.attr in ("incomplete", "note") or (
                        fn.attr == "append" and "notes" in ast.unparse(fn.value))):
                    exprs = [node.args[0]]
                elif isinstance(fn, ast.Name) and fn.id in errors:
                    exprs = [node.args[0]]
            elif isinstance(node, ast.FunctionDef) and node.name in ("check", "why_not", "offline_reason"):
                exprs = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("_REASON")
                                                      for t in node.targets):
                exprs = [node.value]
            for e in exprs:
                for text in _samples(e):
                    if not re.search(r"[a-z]{3}", text) or re.search(r"[\u0300-\u1ef9]", text):
                        continue  # no words, or already Vietnamese (acquire/ writes Vietnamese)
                    seen += 1
                    if translate(text, "vi") == text and not any(s in text for s in NOT_SCANNED):
                        missing.append(f"{f.relative_to(REPO)}:{e.lineno}: {text!r}")
    assert seen > 80
    assert missing == [], "add these to collectors/messages.py:\n" + "\n".join(missing)
