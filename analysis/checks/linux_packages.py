"""A file a package installed no longer matches the package database's digest (a trojaned ls, ps, sshd
or library), and executables in PATH folders no package owns."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.package_integrity import PackageFileCheck, UnownedExecutable

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
UNOWNED = CheckRule(
    id="ungcuu.linux.unowned_executable_in_path",
    title_en="Executable in a system PATH folder owned by no package",
    title_vi="Tệp thực thi trong thư mục PATH hệ thống không thuộc gói phần mềm nào",
    explanation_vi=("Tệp thực thi nằm trong /usr/bin, /usr/sbin, /bin... nhưng không gói nào cài đặt nó. Có thể "
                    "là phần mềm cài tay hợp lệ, nhưng cũng là nơi kẻ tấn công đặt công cụ hoặc cửa hậu để lẫn "
                    "với lệnh hệ thống. Cần xác minh nguồn gốc từng tệp với quản trị viên."),
    level="low", tags=["attack.persistence", "attack.t1036.005"], checklist_id="C5")
RULES = [CHANGED, UNOWNED]
SYSTEM_DIRS = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/")


def run(case, db):
    for rec, r in rows(case, "package_files.json", PackageFileCheck):
        if r.status != "changed" or r.config:
            continue
        yield CHANGED.finding(
            summary_vi=f"{r.path} (gói {r.package}) không khớp mã băm {r.algorithm} của gói: "
                       f"mong đợi {r.expected}, thực tế {r.actual}",
            summary_en=f"{r.path} (package {r.package}) does not match the package's {r.algorithm}: "
                       f"expected {r.expected}, found {r.actual}",
            evidence_ids=[rec.id], time=when(r.mtime),
            details={"path": r.path, "package": r.package, "manager": r.manager, "expected": r.expected,
                     "actual": r.actual, "sha256": r.sha256, "ctime": r.ctime})
    for rec, u in rows(case, "unowned_executables.json", UnownedExecutable):
        if not u.path.startswith(SYSTEM_DIRS):
            continue  # /usr/local is where local software belongs
        yield UNOWNED.finding(
            summary_vi=f"{u.path} không thuộc gói nào (SHA-256 {u.sha256})",
            summary_en=f"{u.path} belongs to no package (SHA-256 {u.sha256})",
            evidence_ids=[rec.id], time=when(u.mtime), details={"path": u.path, "sha256": u.sha256, "ctime": u.ctime})
