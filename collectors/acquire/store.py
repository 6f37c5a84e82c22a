"""Acquisitions wired to the case: every byte lands in the evidence store (hashed as written, indexed,
custody-logged). Each function is a generator (Progress items; the result is its return value) and
honours a cancel Event.

Checklist ids: B6 memory, B7 packet capture, B9 disk image, H4 recovery (deleted, carved, open-deleted).
Recovered and carved files carry their times in `orig_meta` (mtime/atime/ctime/btime/dtime, ISO 8601 UTC)
and every recovery run stores `recovered.json` (all deleted files, recoverable or not, with their times
and the verdict) for the timeline and the report.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Generator

from collectors.acquire import carve as carve_mod
from collectors.acquire import capture as capture_mod
from collectors.acquire import imaging, memory, openfiles, recover
from collectors.acquire.common import TOOL_VERSION, Incomplete, Progress, human_size, now_iso
from collectors.errors import (
    DestinationFull,
    NotApplicable,
    NoSuchProcess,
    SourceError,
)

COLLECTOR_VERSION = TOOL_VERSION


# ---------------------------------------------------------------------------------------------
# registering a file that is already inside the case folder


def adopt_file(case, path: str | os.PathLike, sha256: str, size: int, **kw):
    """Index a file written inside the case folder as evidence, without copying it (see Case.adopt_file)."""
    return case.adopt_file(path, sha256=sha256, size=size, **kw)


def free_space(path: str | os.PathLike) -> int:
    return shutil.disk_usage(path).free


def ensure_space(case, needed: int, what: str) -> None:
    free = free_space(case.path)
    if needed > free:
        raise DestinationFull(
            f"Không đủ chỗ trống cho {what}: cần khoảng {human_size(needed)}, ổ chứa vụ việc chỉ còn "
            f"{human_size(free)}. Hãy chọn ổ đích lớn hơn.", needed=needed, free=free)


# ---------------------------------------------------------------------------------------------
# B9 disk image


def image_into_case(case, source: str, *, name: str | None = None, verify: bool = False,
                    part_size: int = imaging.FAT32_PART, cancel: threading.Event | None = None,
                    run_id: str | None = None, check_space: bool = True,
                    algorithms=("sha256", "md5")) -> Generator[Any, None, dict]:
    src = imaging.Source(source)
    try:
        # First, before anything is written (not even a custody note): the case must not live on the source.
        imaging.check_not_same_device(src, case.path)
        name = _image_name(case, src, name or imaging._default_name(src))
        out_dir = case.path / "images" / name
        if check_space:
            have = sum(p.stat().st_size for p in out_dir.glob(f"{name}.[0-9][0-9][0-9]")) if out_dir.exists() else 0
            ensure_space(case, max(0, src.size - have) + (1 << 20), f"ảnh {source} ({human_size(src.size)})")
        case.custody.append("note", f"image {source}", {
            "event": "image-start", "source": source, "size": src.size, "out_dir": str(out_dir),
            "verify": verify, "part_size": part_size})
        result = yield from imaging.image_source(src, out_dir, name=name, part_size=part_size, verify=verify,
                                                 cancel=cancel, algorithms=algorithms)
    finally:
        src.close()
    records = []
    manifest = json.loads(Path(result.manifest_path).read_text(encoding="utf-8"))
    registered = {p.get("file"): p.get("evidence_id") for p in manifest.get("parts", []) if p.get("evidence_id")}
    common = dict(checklist_id="B9", collector="acquire.image", collector_version=COLLECTOR_VERSION, run_id=run_id)
    for i, part in enumerate(result.parts):
        fname = os.path.basename(part.path)
        if registered.get(fname):
            continue  # an earlier run already registered it (resumed or repeated run)
        rec = adopt_file(case, part.path, part.sha256, part.size, name=fname, source=f"{source} (phần {i + 1})",
                         media_type="application/octet-stream",
                         orig_meta={"image_part": i + 1, "parts": len(result.parts), "image_sha256": result.hashes["sha256"],
                                    "image_md5": result.hashes.get("md5"), "offset": i * part_size,
                                    "source": result.source_meta},
                         **common)
        records.append(rec)
        for p in manifest["parts"]:
            if p["file"] == fname:
                p["evidence_id"] = rec.id
                p["evidence_sha256"] = rec.sha256
        yield Progress("register", i + 1, len(result.parts), "parts", f"Đã đăng ký {fname} là {rec.id}")
    if not records and registered:
        prior = case.latest(f"{name}.manifest.json", checklist_id="B9")
        if prior is not None:
            return {"result": result, "records": [], "manifest": prior}  # imaged and registered earlier
    manifest["registered_at"] = now_iso()
    Path(result.manifest_path).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    incomplete = []
    if result.bad_sectors:
        incomplete.append(f"{len(result.bad_sectors)} sector không đọc được đã được ghi bằng 0 "
                          f"(offset trong manifest, bad_sectors)")
    if result.verified is False:
        incomplete.append("đọc lại nguồn cho giá trị băm khác: nguồn thay đổi hoặc có lỗi đọc không ổn định")
    mrec = case.add_json(manifest, name=f"{name}.manifest.json", source=f"image manifest of {source}",
                         kind="api", incomplete=incomplete, **common)
    records.append(mrec)
    case.custody.append("note", mrec.id, {
        "event": "image-done", "source": source, "sha256": result.hashes["sha256"], "md5": result.hashes.get("md5"),
        "size": result.size, "parts": len(result.parts), "bad_sectors": len(result.bad_sectors),
        "verified": result.verified, "resumed_from": result.resumed_from})
    return {"result": result, "records": records, "manifest": mrec}


def _image_name(case, src: imaging.Source, base: str) -> str:
    """`base`, unless images/<base>/ holds an image (or an interrupted one) of another source: then
    base-2, base-3... (two sources called disk.img must not overwrite each other)."""
    ident = src.identity()
    for i in range(1, 1000):
        name = base if i == 1 else f"{base}-{i}"
        folder = case.path / "images" / name
        known = None
        for fname in (f"{name}.state.json", f"{name}.manifest.json"):
            try:
                known = json.loads((folder / fname).read_text(encoding="utf-8")).get("source_identity")
                break
            except (OSError, ValueError):
                continue
        if known is None and folder.exists() and any(folder.glob(f"{name}.[0-9][0-9][0-9]")):
            continue  # parts of unknown origin: leave them alone
        if known is None or known == ident:
            return name
    raise imaging.ImageError(f"Quá nhiều ảnh tên {base} trong vụ việc.", name=base)


# ---------------------------------------------------------------------------------------------
# H4 recovery


def resolve_source(case, source: str) -> tuple[Any, str]:
    """An image path, a device, or an evidence id (a part or an image manifest) -> (pytsk3 image, label)."""
    if source and source[0] == "E" and source[1:].isdigit():
        rec = case.get_evidence(source)
        if rec.name.endswith(".manifest.json"):
            manifest = case.read_json(rec)
            parts = []
            for p in manifest.get("parts", []):
                if p.get("evidence_sha256"):
                    parts.append(str(case.evidence_path(p["evidence_sha256"])))
                elif p.get("sha256"):
                    parts.append(str(case.evidence_path(p["sha256"])))
            if not parts:
                raise SourceError(f"{source}: manifest không liệt kê phần ảnh nào.", path=source)
            return recover.open_image(parts), f"{source} ({manifest.get('source', rec.source)})"
        return recover.open_image(str(case.evidence_path(rec))), f"{source} ({rec.name})"
    return recover.open_image(source), source


def recover_into_case(case, source: str, *, carve: bool = True, include_partial: bool = True,
                      cancel: threading.Event | None = None, run_id: str | None = None,
                      carve_kinds=None) -> Generator[Any, None, dict]:
    img, label = resolve_source(case, source)
    common = dict(checklist_id="H4", collector="acquire.recover", collector_version=COLLECTOR_VERSION, run_id=run_id,
                  custody_action="derive")
    scan = yield from recover.scan_deleted(label, cancel=cancel, img=img)
    fs_cache: dict = {}
    listing = []
    records = []
    wanted = [d for d in scan.deleted if not d.is_dir and d.size > 0 and
              (d.status == recover.RECOVERABLE or (include_partial and d.status == recover.PARTIAL))]
    for i, d in enumerate(wanted):
        incomplete = [d.reason] if d.status == recover.PARTIAL else []
        with case.writer(name=d.name, source=f"{label}:{d.path} (inode {d.inode}, {d.fs_type} @ {d.fs_offset})",
                         kind="file", orig_meta=d.orig_meta(), incomplete=incomplete, **common) as w:
            recover.read_deleted(img, d, w.write, fs_cache=fs_cache, cancel=cancel)
        rec = w.record
        records.append(rec)
        listing.append((d, rec))
        yield Progress("recover", i + 1, len(wanted), "files", f"Khôi phục {d.path} -> {rec.id}")
    recovered_ids = {id(d): rec for d, rec in listing}
    rows = []
    for d in scan.deleted:
        row = d.to_json()
        row.pop("runs", None)
        rec = recovered_ids.get(id(d))
        row["evidence_id"] = rec.id if rec else None
        row["sha256"] = rec.sha256 if rec else None
        rows.append(row)
    carved_rows = []
    if carve:
        carved_rows = yield from _carve_into_case(case, img, scan, label, common, cancel, carve_kinds, records)
    doc = {
        "format": "ungcuu-recovered",
        "version": 1,
        "source": label,
        "scanned_at": now_iso(),
        "filesystems": [fs.__dict__ for fs in scan.filesystems],
        "deleted": rows,
        "carved": carved_rows,
        "counts": {
            "deleted": len(rows),
            "recovered": sum(1 for r in rows if r["evidence_id"]),
            "unrecoverable": sum(1 for r in rows if r["status"] == recover.UNRECOVERABLE),
            "partial": sum(1 for r in rows if r["status"] == recover.PARTIAL),
            "carved": len(carved_rows),
        },
        "errors": scan.errors,
        "note": ("Thời điểm xóa (dtime) chỉ có trên ext2/3/4; FAT và NTFS không lưu thời điểm xóa. "
                 "Các tệp 'unrecoverable' là tệp đã xóa không thể khôi phục (có lý do)."),
    }
    listing_rec = case.add_json(doc, name="recovered.json", source=f"deleted-file scan of {label}", kind="derived",
                                **common)
    case.custody.append("note", listing_rec.id, {"event": "recover", "source": label, **doc["counts"]})
    return {"scan": scan, "records": records, "listing": listing_rec, "doc": doc}


def unallocated_ranges(scan: recover.ScanResult, image_size: int) -> list[tuple[int, int]]:
    """Byte ranges (offset, length) to carve: free clusters of each file system, or everything."""
    ranges: list[tuple[int, int]] = []
    if not scan.filesystems:
        return [(0, image_size)]
    for fs in scan.filesystems:
        alloc = scan.allocated.get(fs.offset)
        if alloc is None:
            continue
        for start, length in alloc.gaps(0, fs.block_count):
            ranges.append((fs.offset + start * fs.block_size, length * fs.block_size))
    return ranges


def _carve_into_case(case, img, scan, label, common, cancel, kinds, records):
    size = img.get_size()
    reader = carve_mod.RangeReader(lambda off, n: img.read(off, n), unallocated_ranges(scan, size))
    found = []
    gen = carve_mod.carve(reader, kinds=kinds, cancel=cancel)
    try:
        while True:
            item = next(gen)
            if isinstance(item, carve_mod.Carved):
                found.append(item)
            else:
                yield item
    except StopIteration:
        pass
    rows = []
    for c in found:
        meta = {"carved_offset": c.offset, "size": c.size, "kind": c.kind, "carved_from": label,
                "note": "Khắc từ vùng chưa cấp phát: không có tên và thời gian gốc."}
        with case.writer(name=c.name, source=f"{label}: carved at byte {c.offset}", kind="derived",
                         media_type=c.media_type, orig_meta=meta, **common) as w:
            carve_mod.read_carved(reader, c, w.write)
        records.append(w.record)
        rows.append({**c.to_json(), "evidence_id": w.record.id, "sha256": w.record.sha256})
    return rows


# ---------------------------------------------------------------------------------------------
# B6 memory


def memory_into_case(case, pids: list[int], *, cancel: threading.Event | None = None, run_id: str | None = None,
                     check_space: bool = True) -> Generator[Any, None, dict]:
    common = dict(checklist_id="B6", collector="acquire.memory", collector_version=COLLECTOR_VERSION, run_id=run_id)
    records, notes = [], []
    for pid in pids:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                rec = _windows_dump_into_case(case, pid, common)
                records.append(rec)
                continue
            est = memory.estimate_process(pid)
            if check_space:
                ensure_space(case, est + (16 << 20), f"bộ nhớ tiến trình {pid} ({human_size(est)})")
            yield Progress("dump", 0, est, "bytes", f"PID {pid}: khoảng {human_size(est)}; "
                                                   f"ổ đích còn {human_size(free_space(case.path))}")
            with case.writer(name=f"pid{pid}.mem", source=f"/proc/{pid}/mem", kind="api",
                             media_type="application/octet-stream", **common) as w:
                dump = yield from memory.dump_process_linux(pid, w.write, cancel=cancel)
                w.kw["name"] = f"pid{pid}_{_safe(dump.name)}.mem"
                w.kw["orig_meta"] = {"pid": pid, "process": dump.name, "regions": dump.readable_regions,
                                     "unreadable_bytes": dump.unreadable_bytes}
                if dump.unreadable_bytes:
                    w.kw["incomplete"] = [f"{dump.unreadable_bytes} byte không đọc được (ghi bằng 0, xem map)"]
            records.append(w.record)
            mp = dump.map_json()
            mp["dump_evidence_id"] = w.record.id
            records.append(case.add_json(mp, name=f"pid{pid}_{_safe(dump.name)}.maps.json",
                                         source=f"/proc/{pid}/maps", **common))
        except (NoSuchProcess, SourceError, NotApplicable) as exc:
            notes.append(str(exc))
            yield Incomplete(str(exc), {"pid": pid})
    return {"records": records, "notes": notes}


def _hash_file(path: Path) -> tuple[str, int]:
    import hashlib

    h = hashlib.sha256()
    size = 0
    with open(path, "rb", buffering=0) as fh:
        for block in iter(lambda: fh.read(4 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _windows_dump_into_case(case, pid, common):  # pragma: no cover - Windows
    tmp = case.tmp_dir / f"{uuid.uuid4().hex}.dmp"
    memory.dump_process_windows(pid, str(tmp))
    sha256, size = _hash_file(tmp)
    privilege = memory._DEBUG_PRIVILEGE[0] if memory._DEBUG_PRIVILEGE else None
    return case._commit_tmp(tmp, sha256, size, name=f"pid{pid}.dmp", source=f"MiniDumpWriteDump({pid})",
                            kind="api", orig_meta={"pid": pid, "se_debug_privilege": privilege or "enabled"},
                            incomplete=[], media_type="application/x-dmp", **common)


def physical_into_case(case, *, cancel: threading.Event | None = None, run_id: str | None = None,
                       acquirer: str | None = None, acquirer_args: list[str] | None = None,
                       check_space: bool = True) -> Generator[Any, None, dict]:
    common = dict(checklist_id="B6", collector="acquire.memory", collector_version=COLLECTOR_VERSION, run_id=run_id)
    total = memory.physical_memory_size() or 0
    reasons = [] if acquirer else memory.physical_memory_blockers()
    if reasons:
        case.custody.append("note", "physical memory", {"event": "physical-memory-refused", "reasons": reasons})
        raise NotApplicable(
            "Không thu được toàn bộ bộ nhớ vật lý: " + " ".join(reasons)
            + " Có thể dùng công cụ mang theo (avml, winpmem) với --acquirer ĐƯỜNG_DẪN.", reasons=reasons)
    if check_space and total:
        ensure_space(case, total + (64 << 20), f"toàn bộ bộ nhớ vật lý ({human_size(total)})")
    if acquirer:
        out = case.tmp_dir / f"{uuid.uuid4().hex}.mem"
        case.tmp_dir.mkdir(exist_ok=True)
        yield Progress("external", 0, total, "bytes", f"Chạy {acquirer} ...")
        run = memory.run_external_acquirer(acquirer, list(acquirer_args or []), str(out))
        run_doc = run.__dict__.copy()
        records = []
        if out.exists() and out.stat().st_size:
            # The output is already inside the case: hash it where it lies and adopt it (a copy would need
            # twice the size of the RAM free on the case drive).
            sha256, size = _hash_file(out)
            rec = adopt_file(case, out, sha256, size, name=f"physical_memory_{os.path.basename(acquirer)}.raw",
                             source=f"{run.tool} (sha256 {run.tool_sha256})", kind="api",
                             media_type="application/octet-stream", orig_meta={"acquirer": run.tool},
                             incomplete=[] if run.returncode == 0 else [f"mã thoát {run.returncode}"], **common)
            records.append(rec)
            run_doc["evidence_id"] = rec.id
            with contextlib.suppress(OSError):
                out.unlink()  # the name left behind when the store holds a hard link
        records.append(case.add_json(run_doc, name="external_acquirer.json", source=run.tool, kind="api", **common))
        return {"records": records, "reasons": []}
    with case.writer(name="physical_memory.lime", source="/proc/kcore", kind="api",
                     media_type="application/x-lime", **common) as w:
        info = yield from memory.acquire_kcore_lime(w.write, cancel=cancel)
        w.kw["orig_meta"] = {"format": "LiME", "ranges": info["ranges"], "unreadable": info["unreadable"]}
    return {"records": [w.record], "reasons": []}


def open_deleted_into_case(case, *, cancel: threading.Event | None = None, run_id: str | None = None,
                           pids: list[int] | None = None) -> Generator[Any, None, dict]:
    common = dict(checklist_id="H4", collector="acquire.open_deleted", collector_version=COLLECTOR_VERSION,
                  run_id=run_id)
    items, notes = openfiles.find_open_deleted(pids=pids)
    records = []
    rows = []
    for item in items:
        free = free_space(case.path)
        if item.size + (16 << 20) > free:
            # A deleted log still held by a daemon can be tens of GB: name it instead of filling the drive.
            reason = (f"Không đủ chỗ trống trên ổ chứa vụ việc để sao chép {item.path} ({human_size(item.size)}; "
                      f"còn {human_size(free)}); tệp vẫn còn mở tại {item.fd_path}.")
            notes.append(reason)
            rows.append({**item.to_json(), "evidence_id": None, "status": recover.UNRECOVERABLE, "reason": reason})
            yield Incomplete(reason, {"pid": item.pid, "fd": item.fd})
            continue
        try:
            with case.writer(name=os.path.basename(item.path) or f"inode{item.inode}",
                             source=f"{item.fd_path} -> {item.path} (deleted)", kind="file",
                             orig_meta=item.orig_meta(), **common) as w:
                yield from openfiles.copy_open_deleted(item, w.write, cancel=cancel)
            records.append(w.record)
            rows.append({**item.to_json(), "evidence_id": w.record.id, "sha256": w.record.sha256,
                         "status": recover.RECOVERABLE, "dtime": item.ctime})
        except (NoSuchProcess, SourceError) as exc:
            notes.append(str(exc))
            rows.append({**item.to_json(), "evidence_id": None, "status": recover.UNRECOVERABLE, "reason": str(exc)})
    doc = {"format": "ungcuu-recovered", "version": 1, "source": "/proc/*/fd (deleted but open)",
           "scanned_at": now_iso(), "deleted": rows, "carved": [], "notes": notes,
           "note": "dtime = ctime của inode (lệnh unlink cập nhật ctime): gần đúng thời điểm xóa."}
    records.append(case.add_json(doc, name="recovered.json", source="/proc/*/fd", kind="derived", **common))
    return {"records": records, "items": items, "notes": notes}


# ---------------------------------------------------------------------------------------------
# B7 capture


def capture_into_case(case, interfaces: list[str], *, seconds: float | None = 30, count: int | None = None,
                      bpf: str | None = None, cancel: threading.Event | None = None, run_id: str | None = None,
                      on_started=None) -> Generator[Any, None, dict]:
    common = dict(checklist_id="B7", collector="acquire.capture", collector_version=COLLECTOR_VERSION, run_id=run_id)
    reason = capture_mod.capture_blocker()
    if reason:
        case.custody.append("note", "packet capture", {"event": "capture-refused", "reason": reason})
        raise capture_mod.AccessDenied(reason, interfaces=interfaces)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    ng = len(interfaces) > 1  # several interfaces: pcapng (per-packet interface and link type)
    name = f"capture_{'_'.join(_safe(i) for i in interfaces)}_{stamp}.{'pcapng' if ng else 'pcap'}"
    with case.writer(name=name, source=f"scapy sniff on {', '.join(interfaces)}", kind="api",
                     media_type="application/x-pcapng" if ng else "application/vnd.tcpdump.pcap", **common) as w:
        result = yield from capture_mod.capture(interfaces, w.write, seconds=seconds, count=count, bpf=bpf,
                                                cancel=cancel, on_started=on_started)
        w.kw["orig_meta"] = {"interfaces": interfaces, "packets": result.packets, "bytes": result.bytes,
                             "started_at": result.started_at, "finished_at": result.finished_at,
                             "stopped_by": result.stopped_by}
        if result.stopped_by == "cancel":
            w.kw["incomplete"] = ["bắt gói bị hủy trước thời hạn"]
    summary = result.to_json()
    summary["pcap_evidence_id"] = w.record.id
    srec = case.add_json(summary, name="conversations.json", source=f"summary of {w.record.id}", kind="derived",
                         **common)
    return {"records": [w.record, srec], "result": result}


def _safe(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)[:60] or "x"
