"""Libraries forced into processes: /etc/ld.so.preload (every process) and LD_PRELOAD in a running
process's environment (the user-mode rootkit technique: libprocesshider, Azazel, Jynx)."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.kernel_state import PreloadLibrary
from collectors.artifacts.proc_state import ProcessEnviron

from ._linux import in_temp, rows, when

SYSTEM = CheckRule(
    id="ungcuu.linux.ld_so_preload",
    title_en="Library preloaded into every process (/etc/ld.so.preload)",
    title_vi="Thư viện được nạp sẵn vào mọi tiến trình (/etc/ld.so.preload)",
    explanation_vi=("/etc/ld.so.preload khiến trình nạp động nạp thư viện này vào mọi chương trình, trước cả "
                    "thư viện C. Hệ thống bình thường hầu như không dùng tệp này; rootkit mức người dùng dùng nó "
                    "để ẩn tiến trình, tệp và kết nối khỏi ps, ls, netstat. Khi có phát hiện này, kết quả các "
                    "lệnh trên máy không còn đáng tin: cần phân tích từ bản sao ổ đĩa hoặc bộ nhớ (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.defense_evasion", "attack.t1574.006"], checklist_id="C5")
PROCESS = CheckRule(
    id="ungcuu.linux.ld_preload_env",
    title_en="Process started with LD_PRELOAD",
    title_vi="Tiến trình được khởi chạy với biến LD_PRELOAD",
    explanation_vi=("Biến môi trường LD_PRELOAD của tiến trình buộc nạp một thư viện trước mọi thư viện khác, "
                    "cho phép chặn và sửa hàm hệ thống trong tiến trình đó. Cần xác định thư viện, ai khởi chạy "
                    "tiến trình và thu thập thư viện làm chứng cứ."),
    level="medium", tags=["attack.defense_evasion", "attack.t1574.006"], checklist_id="C5")
RULES = [SYSTEM, PROCESS]


def run(case, db):
    for rec, p in rows(case, "ld_preload.json", PreloadLibrary):
        yield SYSTEM.finding(
            summary_vi=f"/etc/ld.so.preload nạp {p.library}" + ("" if p.exists else " (tệp không còn trên đĩa)")
                       + (f", SHA-256 {p.sha256}" if p.sha256 else ""),
            summary_en=f"/etc/ld.so.preload loads {p.library}" + ("" if p.exists else " (file no longer on disk)")
                       + (f", SHA-256 {p.sha256}" if p.sha256 else ""),
            evidence_ids=[rec.id], time=when(p.mtime), level="critical" if p.owned is False and p.exists else None,
            details={"library": p.library, "sha256": p.sha256, "owned_by_package": p.owned})
    by_lib: dict[str, list] = {}
    for rec, e in rows(case, "process_environ.json", ProcessEnviron):
        lib = e.loader.get("LD_PRELOAD")
        if lib:
            by_lib.setdefault(lib, []).append((rec, e))
    for lib, procs in sorted(by_lib.items()):
        names = ", ".join(f"{e.name}[{e.pid}]" for _r, e in procs[:10])
        yield PROCESS.finding(
            summary_vi=f"LD_PRELOAD={lib} trong {len(procs)} tiến trình: {names}",
            summary_en=f"LD_PRELOAD={lib} in {len(procs)} processes: {names}",
            evidence_ids=[r.id for r, _e in procs], level="high" if any(in_temp(x) for x in lib.split(":")) else None,
            details={"library": lib, "pids": [e.pid for _r, e in procs]})
