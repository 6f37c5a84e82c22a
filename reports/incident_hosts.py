"""The hosts of an incident case in the reports: the affected systems for Mẫu 03/04, and for the findings
report a section per host (its collection, custody head, events and findings) and the cross-host story
(analysis/correlate.py). A case with no imported host gets nothing from here."""
from __future__ import annotations

import sqlite3

from analysis import hosts as _hosts
from collectors.errors import UngCuuError

from .document import Bullets, Heading, Para, Table


def affected(case) -> list[dict]:
    if getattr(case, "path", None) is None:  # no case folder (a record alone): no imported host
        return []
    try:
        return _hosts.current(case)
    except OSError:
        return []


def affected_text(case, lang: str = "vi") -> str:
    """``các máy: web01, db01`` (one name per host, in order), or '' for a single-host case."""
    names = sorted({d["host"] for d in affected(case)})
    if not names:
        return ""
    return ("các máy bị ảnh hưởng: " if lang == "vi" else "affected hosts: ") + ", ".join(names)


def _host_of(evidence_id: str) -> str:
    return evidence_id.split("/", 1)[0] if "/" in evidence_id else ""


def add_sections(c, doc) -> None:
    """Per-host sections and the lateral-movement account, after the findings table."""
    cols = affected(c.case)
    if not cols:
        return
    L = c.L
    items, _ = c.findings()
    per_host: dict[str, list] = {}
    for f in items:
        for h in sorted({_host_of(e.get("evidence_id", "")) for e in f.events} - {""}):
            per_host.setdefault(h, []).append(f)
    doc.add(Heading(L("3a. Các máy trong sự cố", "3a. The hosts of the incident")))
    doc.add(Table([L("Máy", "Host"), L("Hồ sơ, chuỗi lưu giữ", "Case, custody head"), L("Sự kiện", "Events"),
                   L("Nhập từ", "Imported from")],
                  [[d["host"], f"{d.get('case_id', '')}\n{(d.get('custody_head') or '')[:16]}",
                    str(d.get("events", "")), f"{d.get('source', '')}\n{(d.get('bundle_sha256') or '')[:16]}"]
                   for d in cols], [0.18, 0.3, 0.12, 0.4], mono={1}))
    for d in cols:
        h = d["host"]
        doc.add(Heading(L(f"Máy {h}", f"Host {h}"), 2))
        fs = per_host.get(h, [])
        if fs:
            doc.add(Bullets([f"[{f.severity}] {f.summary(c.lang)}" for f in fs[:30]]))
        else:
            doc.add(Para(L("Không có phát hiện tự động trên máy này.", "No automatic findings on this host."),
                         "italic"))
    try:
        from analysis import correlate

        res = correlate.run(c.case)
    except (UngCuuError, OSError, sqlite3.Error) as exc:  # a damaged timeline must not stop the report
        doc.add(Para(L(f"Không đối chiếu được giữa các máy: {exc}", f"Cross-host correlation failed: {exc}"),
                     "italic"))
        return
    doc.add(Heading(L("3b. Di chuyển giữa các máy (C6)", "3b. Movement between hosts (C6)")))
    story = res.story(c.lang)
    doc.add(Bullets(story) if story else Para(L("Không thấy đăng nhập từ máy này sang máy khác.",
                                                "No logon from one host to another was seen."), "italic"))
    shared = [s for s in res.shared if s.kind in ("account", "address", "service", "task", "tool")][:20]
    if shared:
        doc.add(Heading(L("Giá trị chung của nhiều máy", "Values shared by several hosts"), 2))
        doc.add(Table([L("Loại", "Kind"), L("Giá trị", "Value"), L("Các máy", "Hosts")],
                      [[s.kind, s.value, ", ".join(s.hosts)] for s in shared], [0.15, 0.45, 0.4]))
