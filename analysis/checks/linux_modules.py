"""A loaded kernel module that no package installed, that the kernel's own module tree does not ship, or
that tainted the kernel as out-of-tree or unsigned (how kernel rootkits such as Diamorphine and Reptile
load)."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.kernel_state import KernelModule

from ._linux import rows

MODULE = CheckRule(
    id="ungcuu.linux.module_not_from_package",
    title_en="Loaded kernel module not from a package",
    title_vi="Mô-đun nhân đang nạp không thuộc gói phần mềm nào",
    explanation_vi=("Mô-đun nhân đang chạy trong nhân nhưng không có tệp trong cây mô-đun của nhân đang chạy, "
                    "hoặc tệp không thuộc gói nào, hoặc đã đánh dấu nhân là 'ngoài cây' (O) hay 'chưa ký' (E). "
                    "Rootkit mức nhân nạp theo cách này để ẩn tiến trình, tệp, kết nối. Khi nghi ngờ, kết quả "
                    "thu thập trực tiếp trên máy có thể bị che giấu: cần thu bộ nhớ vật lý (B6) và phân tích "
                    "ngoại tuyến (C5)."),
    level="high", tags=["attack.persistence", "attack.defense_evasion", "attack.t1547.006", "attack.t1014"],
    checklist_id="C5")
RULES = [MODULE]


def run(case, db):
    for rec, m in rows(case, "kernel_modules.json", KernelModule):
        why_vi, why_en = [], []
        if m.file is None:
            why_vi.append("không có trong modules.dep của nhân đang chạy")
            why_en.append("not in the running kernel's modules.dep")
        elif m.owned is False:
            why_vi.append(f"tệp {m.file} không thuộc gói nào")
            why_en.append(f"file {m.file} belongs to no package")
        if "O" in m.taint or "E" in m.taint:
            why_vi.append(f"đánh dấu nhân '{m.taint}' (ngoài cây/chưa ký)")
            why_en.append(f"taints the kernel '{m.taint}' (out-of-tree/unsigned)")
        if not why_vi:
            continue
        yield MODULE.finding(
            summary_vi=f"Mô-đun {m.name}: " + "; ".join(why_vi),
            summary_en=f"Module {m.name}: " + "; ".join(why_en),
            evidence_ids=[rec.id], level="critical" if m.file is None and m.taint else None,
            details={"module": m.name, "file": m.file, "owned": m.owned, "taint": m.taint, "sha256": m.sha256,
                     "state": m.state})
