"""A file a package installed no longer matches the package database's digest (a trojaned ls, ps, sshd
or library), and executables in PATH folders no package owns.

One finding per rule and evidence item, listing the files (the first FILES_SHOWN, programs and libraries
first, with the total count). The severity follows what changed: a program or library is high (what a
user-level rootkit replaces); interpreter code and startup files (units, PAM, udev, cron) medium;
configuration and data low. A missing program or library is medium, anything else missing low."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.package_integrity import PackageFileCheck, UnownedExecutable, file_kind

from ._linux import rows, when

CHANGED = CheckRule(
    id="ungcuu.linux.package_file_changed",
    title_en="Installed program or library differs from its package's digest",
    title_vi="Chương trình hoặc thư viện đã cài khác với mã băm của gói phần mềm",
    explanation_vi=("Tệp do gói dpkg/rpm cài đặt không còn khớp mã băm trong cơ sở dữ liệu gói. Kẻ tấn công "
                    "thường thay thế ls, ps, netstat, sshd hoặc thư viện hệ thống bằng bản cài cửa hậu để che "
                    "giấu hoạt động (rootkit mức người dùng). Cần đối chiếu mã băm SHA-256 với bản gốc của gói, "
                    "giữ nguyên tệp làm chứng cứ (C5) và đưa vào kế hoạch khôi phục (H2)."),
    level="high", tags=["attack.defense_evasion", "attack.persistence", "attack.t1036.005", "attack.t1554"],
    checklist_id="C5")
CHANGED_OTHER = CheckRule(
    id="ungcuu.linux.package_other_file_changed",
    title_en="Packaged script, startup, configuration or data file differs from its package's digest",
    title_vi="Tệp mã kịch bản, khởi động, cấu hình hoặc dữ liệu của gói khác với mã băm của gói",
    explanation_vi=("Tệp không phải chương trình hay thư viện do gói cài đặt đã bị sửa. Mã kịch bản (Python, "
                    "Perl, shell) và tệp khởi động (unit systemd, PAM, udev, cron) có thể bị sửa để duy trì "
                    "truy cập (H2); tệp cấu hình và dữ liệu thường do quản trị viên hoặc trình cập nhật riêng "
                    "của phần mềm thay đổi. Cần xác minh từng thay đổi với quản trị viên."),
    level="medium", tags=["attack.persistence", "attack.t1554"], checklist_id="C5")
MISSING = CheckRule(
    id="ungcuu.linux.package_file_missing",
    title_en="Files installed by a package are missing",
    title_vi="Tệp do gói phần mềm cài đặt bị mất",
    explanation_vi=("Tệp có trong danh sách của gói dpkg/rpm nhưng không còn trên đĩa. Kẻ tấn công có thể xoá "
                    "công cụ ghi nhật ký hay giám sát; quản trị viên cũng có thể xoá tệp cấu hình hoặc tài liệu. "
                    "Cần xác minh với quản trị viên và ghi nhận trong kế hoạch khôi phục (H2)."),
    level="medium", tags=["attack.defense_evasion", "attack.t1070.004"], checklist_id="C5")
UNOWNED = CheckRule(
    id="ungcuu.linux.unowned_executable_in_path",
    title_en="Executable in a system PATH folder owned by no package",
    title_vi="Tệp thực thi trong thư mục PATH hệ thống không thuộc gói phần mềm nào",
    explanation_vi=("Tệp thực thi nằm trong /usr/bin, /usr/sbin, /bin... nhưng không gói nào cài đặt nó. Có thể "
                    "là phần mềm cài tay hợp lệ, nhưng cũng là nơi kẻ tấn công đặt công cụ hoặc cửa hậu để lẫn "
                    "với lệnh hệ thống. Cần xác minh nguồn gốc từng tệp với quản trị viên."),
    level="low", tags=["attack.persistence", "attack.t1036.005"], checklist_id="C5")
RULES = [CHANGED, CHANGED_OTHER, MISSING, UNOWNED]
SYSTEM_DIRS = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/")
FILES_SHOWN = 50
BINARY_KINDS = ("program", "library")
ORDER = {"program": 0, "library": 1, "startup": 2, "module": 3, "config": 4, "data": 5}


def _kind(r: PackageFileCheck) -> str:
    return r.kind or file_kind(r.path, 0, r.config)


def _file(r: PackageFileCheck) -> dict:
    out: dict[str, object] = {"path": r.path, "package": r.package, "kind": _kind(r), "expected": r.expected,
                              "actual": r.actual, "sha256": r.sha256, "mtime": r.mtime, "ctime": r.ctime}
    if r.checked_path:
        out["checked_path"] = r.checked_path
    if r.owners:
        out["owners"] = r.owners
    return out


def _listing(files: list[PackageFileCheck]) -> tuple[str, str]:
    """The first few names for the summary (Vietnamese, English)."""
    shown = ", ".join(f"{r.path} ({r.package})" for r in files[:5])
    more = len(files) - 5
    return (shown + (f" và {more} tệp khác" if more > 0 else ""), shown + (f" and {more} more" if more > 0 else ""))


def _finding(rule: CheckRule, rec, files: list[PackageFileCheck], level: str, what_vi: str, what_en: str):
    files.sort(key=lambda r: (ORDER.get(_kind(r), 9), r.path))
    vi, en = _listing(files)
    kinds: dict[str, int] = {}
    for r in files:
        kinds[_kind(r)] = kinds.get(_kind(r), 0) + 1
    first = files[0]
    times = sorted(t for r in files if (t := when(r.mtime)))
    return rule.finding(
        summary_vi=f"{len(files)} tệp {what_vi}: {vi}", summary_en=f"{len(files)} files {what_en}: {en}",
        evidence_ids=[rec.id], time=times[-1] if times else None, level=level, event_count=len(files),
        first_match={"path": first.path, "package": first.package},
        details={"path": first.path, "package": first.package, "actual": first.actual, "count": len(files),
                 "kinds": kinds, "files": [_file(r) for r in files[:FILES_SHOWN]],
                 "files_shown": min(len(files), FILES_SHOWN)})


def run(case, db):
    by_rec: dict[str, tuple[object, list]] = {}
    for rec, r in rows(case, "package_files.json", PackageFileCheck):
        by_rec.setdefault(rec.id, (rec, []))[1].append(r)
    for rec, items in by_rec.values():
        changed = [r for r in items if r.status == "changed"]
        binaries = [r for r in changed if _kind(r) in BINARY_KINDS and not r.config]
        if binaries:
            yield _finding(CHANGED, rec, binaries, "high", "chương trình/thư viện không khớp mã băm của gói",
                           "of programs or libraries do not match their package's digest")
        other = [r for r in changed if r not in binaries]
        if other:
            level = "medium" if any(_kind(r) in ("module", "startup") for r in other) else "low"
            yield _finding(CHANGED_OTHER, rec, other, level, "khác (mã kịch bản, khởi động, cấu hình, dữ liệu) "
                           "không khớp mã băm của gói", "of scripts, startup, configuration or data do not match "
                           "their package's digest")
        missing = [r for r in items if r.status == "missing"]
        if missing:
            level = "medium" if any(_kind(r) in BINARY_KINDS for r in missing) else "low"
            yield _finding(MISSING, rec, missing, level, "của gói không còn trên đĩa",
                           "installed by packages are missing")
    by_unowned: dict[str, tuple[object, list]] = {}
    for rec, u in rows(case, "unowned_executables.json", UnownedExecutable):
        if u.path.startswith(SYSTEM_DIRS):  # /usr/local is where local software belongs
            by_unowned.setdefault(rec.id, (rec, []))[1].append(u)
    for rec, us in by_unowned.values():
        us.sort(key=lambda u: u.path)
        names = ", ".join(u.path for u in us[:5]) + (f" (+{len(us) - 5})" if len(us) > 5 else "")
        times = sorted(t for u in us if (t := when(u.mtime)))
        yield UNOWNED.finding(
            summary_vi=f"{len(us)} tệp thực thi không thuộc gói nào: {names}",
            summary_en=f"{len(us)} executables belong to no package: {names}",
            evidence_ids=[rec.id], time=times[-1] if times else None, event_count=len(us),
            first_match={"path": us[0].path},
            details={"path": us[0].path, "sha256": us[0].sha256, "count": len(us),
                     "files": [{"path": u.path, "sha256": u.sha256, "mtime": u.mtime, "ctime": u.ctime}
                               for u in us[:FILES_SHOWN]], "files_shown": min(len(us), FILES_SHOWN)})
