"""Microsoft Defender detection history (ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\
DetectionHistory\\*\\<GUID>): a sequence of (length, type, value) fields padded to 8 bytes; type 0x15 is
UTF-16 text, 0x0A a FILETIME. The threat name follows the first ``Magic.Version`` marker, each resource
(file, containerfile, webfile, process...) is a kind followed by its path, and the first time after
the resources is the detection time. One event per file."""
from __future__ import annotations

import struct
from typing import Iterator

from analysis.events import Event, ParseReport, parse_iso
from collectors.artifacts._hives import filetime_iso

T_TEXT, T_FILETIME = 0x15, 0x0A


def fields_of(data: bytes) -> list[tuple[int, object]]:
    out: list[tuple[int, object]] = []
    off = 0
    while off + 8 <= len(data):
        n, t = struct.unpack_from("<II", data, off)
        if off + 8 + n > len(data):
            raise ValueError(f"field at offset {off} runs past the end ({n} bytes)")
        v = data[off + 8: off + 8 + n]
        if t == T_TEXT:
            out.append((t, v.decode("utf-16-le", "replace").rstrip("\0")))
        elif t == T_FILETIME and n == 8:
            out.append((t, struct.unpack("<Q", v)[0]))
        else:
            out.append((t, v))
        off += 8 + n + (-n % 8)
    return out


def detection(data: bytes) -> dict:
    f = fields_of(data)
    texts = [(i, v) for i, (t, v) in enumerate(f) if t == T_TEXT]
    marks = [i for i, v in texts if str(v).startswith("Magic.Version")]
    if not marks:
        raise ValueError("no Magic.Version marker: not a Defender detection history file")
    pos = [i for i, _ in texts]
    threat = next((v for j, v in texts if j > marks[0]), None)
    resources = []
    for m in marks[1:]:
        k = pos.index(m)
        if k + 2 < len(texts):
            resources.append({"kind": texts[k + 1][1], "path": texts[k + 2][1]})
    last_res = pos[min(pos.index(marks[-1]) + 2, len(pos) - 1)] if len(marks) > 1 else marks[-1]
    times = [v for i, (t, v) in enumerate(f) if t == T_FILETIME and i > last_res and v]
    tail = [v for i, v in texts if i > last_res]
    user = next((v for v in tail if "\\" in str(v) and not str(v).lower().endswith(".exe")), None)
    process = next((v for v in tail if str(v).lower().endswith(".exe")), None)
    first = times[0] if times else None  # a FILETIME field of another size stays bytes: no time
    return {"threat": threat, "resources": resources, "detected": filetime_iso(first if isinstance(first, int) else None),
            "user": user, "process": process}


def parse(path: str, report: ParseReport, *, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    report.parser = "defender"
    try:
        with open(path, "rb") as fh:
            d = detection(fh.read(8 << 20))
    except (OSError, ValueError, struct.error) as exc:
        report.fatal = f"not a readable Defender detection history: {exc}"
        return
    p = parse_iso(d["detected"] or "")
    if p is None:
        report.skip("file", "no detection time")
        return
    files = [r["path"].split("|", 1)[0] for r in d["resources"] if r["kind"] in ("file", "containerfile")]
    report.events += 1
    yield Event(p[0], "Detection Time", "defender", "defender",
                f"Defender detected {d['threat']} in {', '.join(dict.fromkeys(files)) or 'unknown file'}", host,
                d, 0, evidence_id, "detection")
