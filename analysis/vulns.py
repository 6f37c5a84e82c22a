"""H3 "kiểm tra lỗ hổng sau khi vá": the installed packages matched against an offline vulnerability feed.

Feeds the team carries on the drive, read as they are:

- OSV (https://ossf.github.io/osv-schema/): one advisory per JSON file, a folder of them, a JSON list, or
  the per-ecosystem ``all.zip`` dumps (e.g. ``Debian/all.zip``); ECOSYSTEM ranges (introduced / fixed /
  last_affected / limit) and exact ``versions`` lists;
- the Debian security tracker JSON (``{package: {CVE: {releases: {codename: {status, fixed_version,
  urgency}}}}}``);
- Microsoft's monthly security-update document, the MSRC CVRF JSON
  (https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2024-Jan with ``Accept: application/json``; schema in
  github.com/microsoft/MSRC-Microsoft-Security-Updates-API): ``ProductTree`` names each ProductID,
  each ``Vulnerability[]`` has its ``CVE``, ``Threats`` (Type 3 / "Severity": Critical, Important...
  per ProductID) and ``Remediations`` (Type 2 / "Vendor Fix": the KB number in Description.Value or the
  catalog URL, the ProductIDs it fixes, FixedBuild, Supercedence).

Versions are compared by each ecosystem's rules: dpkg (epoch, upstream, revision; ``~`` sorts before
everything, even the end) and rpm (rpmvercmp: alphanumeric segments, ``~`` before and ``^`` after the
end). The installed packages come from the case's package snapshots (packages.json: dpkg, rpm, Windows
uninstall keys); Windows KBs and the OS build from the installed-updates snapshot (windows_hotfixes.json,
collectors/artifacts/windows_hotfixes.py) or the update events of the timeline. A Windows CVE of an MSRC
document is reported when it applies to the host's product and none of its fixing KBs (nor a KB that
supersedes one) is in effect and the host's build is below the fix's FixedBuild.

    feed = load_feed([path, ...])                 # Feed: index + {path, format, sha256, date, advisories}
    result = check(case, feed)                    # the latest package snapshot
    result = compare(case, feed)                  # first snapshot vs latest (before / after patching)
    record(case, result)                          # custody + analysis_vulns (what the report reads)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import records
from collectors.errors import UnreadableInput
from collectors.util import utc_now_iso

RPM_ECOSYSTEMS = ("red hat", "almalinux", "rocky linux", "opensuse", "suse", "mageia", "openeuler", "fedora",
                  "centos", "oracle linux", "amazon linux")
DEB_ECOSYSTEMS = ("debian", "ubuntu")
DEBIAN_CODENAMES = {"9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie",
                    "14": "forky"}
NO_FEED_VI = ("Chưa có nguồn dữ liệu lỗ hổng ngoại tuyến (OSV hoặc Debian security tracker): chưa kiểm tra "
              "lỗ hổng. Chép bản tải về vào ổ đĩa của đội và chạy lại với --feed.")
NO_FEED_EN = ("No offline vulnerability feed (OSV or the Debian security tracker) given: vulnerabilities were "
              "not checked. Copy a downloaded feed to the team's drive and run again with --feed.")


# ------------------------------------------------------------------------------- version ordering
def _dpkg_order(c: str) -> int:
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isascii() and c.isalpha():
        return ord(c)
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _dpkg_order(a[i]) if i < len(a) else 0
            bc = _dpkg_order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _evr_split(v: str) -> tuple[int, str, str]:
    """epoch, version, revision/release of dpkg's and rpm's "epoch:version-revision" (the last '-')."""
    v = v.strip()
    epoch = 0
    if ":" in v:
        e, v = v.split(":", 1)
        epoch = int(e) if e.isdigit() else 0  # "(none)" from rpm -qa is no epoch
    up, sep, rev = v.rpartition("-")
    if not sep:
        up, rev = v, ""
    return epoch, up, rev


def dpkg_compare(a: str, b: str) -> int:
    """<0, 0, >0 as dpkg --compare-versions orders a and b."""
    ea, ua, ra = _evr_split(a)
    eb, ub, rb = _evr_split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    c = _verrevcmp(ua, ub)
    if c:
        return -1 if c < 0 else 1
    c = _verrevcmp(ra, rb)
    return (c > 0) - (c < 0)


def _alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def rpmvercmp(a: str, b: str) -> int:
    if a == b:
        return 0
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        while i < la and not _alnum(a[i]) and a[i] not in "~^":
            i += 1
        while j < lb and not _alnum(b[j]) and b[j] not in "~^":
            j += 1
        if (i < la and a[i] == "~") or (j < lb and b[j] == "~"):
            if not (i < la and a[i] == "~"):
                return 1
            if not (j < lb and b[j] == "~"):
                return -1
            i += 1
            j += 1
            continue
        if (i < la and a[i] == "^") or (j < lb and b[j] == "^"):
            if i >= la:
                return -1
            if j >= lb:
                return 1
            if a[i] != "^":
                return 1
            if b[j] != "^":
                return -1
            i += 1
            j += 1
            continue
        if not (i < la and j < lb):
            break
        si, sj = i, j
        if a[i].isdigit():
            while i < la and a[i].isascii() and a[i].isdigit():
                i += 1
            while j < lb and b[j].isascii() and b[j].isdigit():
                j += 1
            isnum = True
        else:
            while i < la and a[i].isascii() and a[i].isalpha():
                i += 1
            while j < lb and b[j].isascii() and b[j].isalpha():
                j += 1
            isnum = False
        s1, s2 = a[si:i], b[sj:j]
        if not s2:
            return 1 if isnum else -1
        if isnum:
            s1, s2 = s1.lstrip("0"), s2.lstrip("0")
            if len(s1) != len(s2):
                return 1 if len(s1) > len(s2) else -1
        if s1 != s2:
            return 1 if s1 > s2 else -1
    if i >= la and j >= lb:
        return 0
    return -1 if i >= la else 1


def rpm_compare(a: str, b: str) -> int:
    """<0, 0, >0 as rpm orders epoch:version-release a and b (a missing release matches any)."""
    ea, va, ra = _evr_split(a)
    eb, vb, rb = _evr_split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    c = rpmvercmp(va, vb)
    if c or not ra or not rb:
        return c
    return rpmvercmp(ra, rb)


COMPARE = {"deb": dpkg_compare, "rpm": rpm_compare}


def family_of_ecosystem(eco: str) -> str | None:
    e = eco.lower()
    if e.startswith(DEB_ECOSYSTEMS):
        return "deb"
    if e.startswith(RPM_ECOSYSTEMS):
        return "rpm"
    return None


def family_of_manager(manager: str) -> str | None:
    return {"dpkg": "deb", "rpm": "rpm"}.get(manager or "")


# ------------------------------------------------------------------------------------------ feeds
@dataclass
class Advisory:
    id: str
    cves: list[str]
    severity: str | None
    release: str | None                 # "12" of "Debian:12", "bookworm" of the tracker; None: any
    ranges: list[list[tuple[str, str]]]  # [[("introduced", "0"), ("fixed", "1.2-3")], ...]
    versions: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class Feed:
    index: dict = field(default_factory=dict)   # (family, name) -> [Advisory]
    sources: list[dict] = field(default_factory=list)
    advisories: int = 0
    problems: list[str] = field(default_factory=list)
    msrc_products: dict = field(default_factory=dict)   # MSRC ProductID -> product name
    msrc: list = field(default_factory=list)            # MsrcFix of each Vendor Fix remediation

    def info(self) -> dict:
        return {"sources": self.sources, "advisories": self.advisories, "problems": self.problems}


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _list(x) -> list:
    return x if isinstance(x, list) else []


def _dict(x) -> dict:
    return x if isinstance(x, dict) else {}


def _severity(adv: dict, aff: dict) -> str | None:
    for d in (aff.get("ecosystem_specific"), aff.get("database_specific"), adv.get("database_specific")):
        if isinstance(d, dict):
            for k in ("severity", "urgency"):
                if d.get(k) and isinstance(d[k], (str, int, float)):
                    return str(d[k])
    for s in _list(adv.get("severity")):
        if isinstance(s, dict) and s.get("score"):
            return f"{s.get('type')}: {s['score']}"
    return None


def _add_osv(feed: Feed, adv: dict, dates: list[str]) -> None:
    """One OSV advisory; fields of the wrong type are skipped (a damaged dump loses only what is damaged)."""
    if not isinstance(adv, dict) or not isinstance(adv.get("id"), str) or not adv["id"]:
        return
    if adv.get("withdrawn"):
        return
    feed.advisories += 1
    if adv.get("modified"):
        dates.append(str(adv["modified"]))
    cves = sorted({x for x in [adv["id"], *_list(adv.get("aliases")), *_list(adv.get("upstream"))]
                   if isinstance(x, str) and x.startswith("CVE-")})
    for aff in _list(adv.get("affected")):
        if not isinstance(aff, dict):
            continue
        pkg = _dict(aff.get("package"))
        eco, name = str(pkg.get("ecosystem") or ""), pkg.get("name")
        fam = family_of_ecosystem(eco)
        if not fam or not isinstance(name, str) or not name:
            continue
        release = eco.split(":")[1].strip() if ":" in eco else None  # "Ubuntu:22.04:LTS" -> 22.04
        ranges = []
        for r in _list(aff.get("ranges")):
            if isinstance(r, dict) and r.get("type") in ("ECOSYSTEM", "SEMVER"):
                ranges.append([(str(k), str(v)) for e in _list(r.get("events")) if isinstance(e, dict)
                               for k, v in e.items() if isinstance(v, (str, int, float))])
        feed.index.setdefault((fam, name), []).append(Advisory(
            adv["id"], cves, _severity(adv, aff), release, ranges,
            [str(v) for v in _list(aff.get("versions")) if isinstance(v, (str, int, float))],
            str(adv.get("summary") or "")[:300]))


def _add_debian_tracker(feed: Feed, data: dict) -> None:
    for name, cves in data.items():
        if not isinstance(cves, dict):
            continue
        for cve, info in cves.items():
            if not isinstance(info, dict):
                continue
            feed.advisories += 1
            releases = info.get("releases")
            for release, st in (releases.items() if isinstance(releases, dict) else ()):
                if not isinstance(st, dict):
                    continue
                status, fixed = st.get("status"), st.get("fixed_version")
                if status == "resolved" and fixed and fixed != "0":
                    ranges = [[("introduced", "0"), ("fixed", str(fixed))]]
                elif status == "open":
                    ranges = [[("introduced", "0")]]
                else:
                    continue  # not affected, or undetermined
                feed.index.setdefault(("deb", name), []).append(Advisory(
                    cve, [cve] if cve.startswith("CVE-") else [], st.get("urgency"), release, ranges, [],
                    str(info.get("description") or "")[:300]))


# ------------------------------------------------------------------------------------ MSRC CVRF
@dataclass
class MsrcFix:
    """One "Vendor Fix" remediation of an MSRC CVRF vulnerability: the KB that fixes `cve` on products."""
    cve: str
    title: str
    kb: str                       # "KB5034127"
    product_ids: list[str]
    fixed_build: str | None       # "10.0.17763.5329"
    supersedes: list[str]         # KBs this one replaces
    severity: dict                # ProductID -> "Critical", "Important", ...
    subtype: str = ""


MSRC_KB_RE = re.compile(r"(?:KB)?(\d{6,8})\b", re.I)
_VENDOR_FIX = (2, "2", "Vendor Fix", "VendorFix")
_SEVERITY = (3, "3", "Severity")


def _cvrf_value(x) -> str:
    if isinstance(x, dict):
        return str(x.get("Value") or "")
    return str(x or "")


def _ids(x) -> list[str]:
    """A CVRF ProductID list (a single id is accepted too)."""
    if isinstance(x, (list, tuple)):
        return [str(p) for p in x if isinstance(p, (str, int))]
    return [str(x)] if isinstance(x, (str, int)) and not isinstance(x, bool) else []


def is_cvrf(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Vulnerability"), list) and (
        "ProductTree" in data or "DocumentTracking" in data)


def _cvrf_products(tree, out: dict) -> None:
    if isinstance(tree, list):
        for x in tree:
            _cvrf_products(x, out)
    elif isinstance(tree, dict):
        if tree.get("ProductID") is not None and tree.get("Value"):
            out[str(tree["ProductID"])] = str(tree["Value"])
        for k in ("Branch", "Items", "FullProductName"):
            if k in tree:
                _cvrf_products(tree[k], out)


def _add_msrc(feed: Feed, doc: dict, dates: list[str]) -> None:
    _cvrf_products(doc.get("ProductTree") or {}, feed.msrc_products)
    raw_tracking = doc.get("DocumentTracking")
    tracking = raw_tracking if isinstance(raw_tracking, dict) else {}
    for k in ("CurrentReleaseDate", "InitialReleaseDate"):
        if tracking.get(k):
            dates.append(str(tracking[k]))
            break
    for v in doc.get("Vulnerability") or []:
        if not isinstance(v, dict) or not isinstance(v.get("CVE"), str) or not v["CVE"]:
            continue
        feed.advisories += 1
        severity: dict[str, str] = {}
        threats, remediations = v.get("Threats"), v.get("Remediations")
        for t in threats if isinstance(threats, list) else []:
            if isinstance(t, dict) and t.get("Type") in _SEVERITY:
                for pid in _ids(t.get("ProductID")):
                    severity.setdefault(pid, _cvrf_value(t.get("Description")))
        for r in remediations if isinstance(remediations, list) else []:
            if not isinstance(r, dict) or r.get("Type") not in _VENDOR_FIX:
                continue
            m = MSRC_KB_RE.fullmatch(_cvrf_value(r.get("Description")).strip()) or \
                re.search(r"KB(\d{6,8})", str(r.get("URL") or ""), re.I)
            if m is None:
                continue  # a fix that is a product version, not a KB (Edge, Office click-to-run)
            sup = MSRC_KB_RE.findall(str(r.get("Supercedence") or ""))
            feed.msrc.append(MsrcFix(str(v["CVE"]), _cvrf_value(v.get("Title"))[:300], f"KB{m.group(1)}",
                                     _ids(r.get("ProductID")),
                                     str(r["FixedBuild"]) if r.get("FixedBuild") else None,
                                     [f"KB{x}" for x in sup], severity, str(r.get("SubType") or "")))


ARCH_NAMES = {"amd64": "x64-based Systems", "x86": "32-bit Systems", "arm64": "ARM64-based Systems"}


def host_products(os_info: dict) -> list[str]:
    """The MSRC product names of a Windows host (ProductName, DisplayVersion, CurrentBuild,
    InstallationType, PROCESSOR_ARCHITECTURE): "Windows Server 2019", "Windows Server 2019 (Server Core
    installation)", "Windows 10 Version 22H2 for x64-based Systems", ... Every architecture when unknown."""
    name = str(os_info.get("product_name") or "")
    arch = ARCH_NAMES.get(str(os_info.get("arch") or "").lower())
    archs = [arch] if arch else list(ARCH_NAMES.values())
    build = str(os_info.get("build") or "")
    dv = str(os_info.get("display_version") or "")
    out: list[str] = []
    m = re.match(r"(Windows Server \d{4}(?: R2)?)", name, re.I)
    if m:
        base = m.group(1)
        core = "core" in str(os_info.get("installation_type") or "").lower()
        out += [f"{base} (Server Core installation)"] if core else [base]
        out += [f"{base} for {a}" for a in archs]
        return out
    if name.lower().startswith("windows 10") or name.lower().startswith("windows 11"):
        family = "Windows 11" if build.isdigit() and int(build) >= 22000 else "Windows 10"
        if dv:
            out += [f"{family} Version {dv} for {a}" for a in archs]
        else:
            out += [f"{family} for {a}" for a in archs]
        return out
    m = re.match(r"(Windows (?:8\.1|RT 8\.1|7))", name, re.I)
    if m:
        out += [f"{m.group(1)} for {a}" for a in archs]
    return out


def _build_tuple(v: str | None) -> tuple[int, ...] | None:
    parts = str(v or "").split(".")
    if len(parts) < 3 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def match_msrc(win: dict, feed: Feed, products: list[str] | None = None) -> dict:
    """The CVEs of the MSRC documents that apply to the host's product and are not fixed on it.

    Fixed means: a fixing KB in effect (installed, permanent or superseded), or a KB in effect that the
    feed says supersedes a fixing one, or the host's build (10.0.CurrentBuild.UBR) at or above the fix's
    FixedBuild for the same base build. A fixing KB only pending a restart does not count (said per CVE)."""
    os_info = win.get("os") or {}
    names = products or host_products(os_info)
    wanted = {n.lower() for n in names}
    pids = {pid for pid, n in feed.msrc_products.items() if n.lower() in wanted}
    in_effect = {k.upper() for k in win.get("kbs_in_effect") or win.get("kbs") or []}
    pending = {k.upper() for k in win.get("kbs_pending") or []}
    superseded_by: dict[str, set[str]] = {}
    for f in feed.msrc:
        for old in f.supersedes:
            superseded_by.setdefault(old, set()).add(f.kb)

    memo: dict[str, bool] = {}

    def covered(kb: str) -> bool:
        """The KB, or one that supersedes it (transitively), is in effect."""
        if kb not in memo:
            todo, seen, found = [kb], set(), False
            while todo and not found:
                k = todo.pop()
                found = k in in_effect
                if k not in seen:
                    seen.add(k)
                    todo += superseded_by.get(k, ())
            memo[kb] = found
        return memo[kb]

    host_build = None
    if os_info.get("build") and os_info.get("ubr") is not None:
        host_build = _build_tuple(f"10.0.{os_info['build']}.{os_info['ubr']}")
    by_cve: dict[str, list[MsrcFix]] = {}
    for f in feed.msrc:
        if pids.intersection(f.product_ids):
            by_cve.setdefault(f.cve, []).append(f)
    vulnerable: list[dict[str, Any]] = []
    fixed = 0
    for cve, fixes in sorted(by_cve.items()):
        done = False
        for f in fixes:
            fb = _build_tuple(f.fixed_build)
            if covered(f.kb) or (host_build and fb and fb[:3] == host_build[:3] and host_build >= fb):
                done = True
                break
        if done:
            fixed += 1
            continue
        sev = sorted({f.severity[p] for f in fixes for p in pids & set(f.product_ids) if f.severity.get(p)})
        kbs = sorted({f.kb for f in fixes})
        vulnerable.append({"cve": cve, "title": fixes[0].title, "severity": ", ".join(sev) or None, "kbs": kbs,
                           "fixed_build": sorted({f.fixed_build for f in fixes if f.fixed_build}) or None,
                           "products": sorted({feed.msrc_products[p] for f in fixes
                                               for p in pids & set(f.product_ids)}),
                           "pending_restart": sorted(set(kbs) & pending)})
    rank = {"critical": 0, "important": 1, "moderate": 2, "low": 3}
    vulnerable.sort(key=lambda v: (min((rank.get(s.strip().lower(), 9) for s in (v["severity"] or "").split(",")),
                                       default=9), v["cve"]))
    return {"products": names, "product_ids": sorted(pids), "applicable": len(by_cve), "fixed": fixed,
            "vulnerable": vulnerable, "host_build": ".".join(map(str, host_build)) if host_build else None}


def _add_json(feed: Feed, data, dates: list[str]) -> str:
    if isinstance(data, list):
        for adv in data:
            _add_osv(feed, adv, dates)
        return "osv"
    if isinstance(data, dict) and "affected" in data and "id" in data:
        _add_osv(feed, data, dates)
        return "osv"
    if is_cvrf(data):
        _add_msrc(feed, data, dates)
        return "msrc-cvrf"
    if isinstance(data, dict):
        _add_debian_tracker(feed, data)
        return "debian-tracker"
    raise UnreadableInput("not an OSV advisory, list of advisories, Debian security tracker or MSRC CVRF JSON")


def _zip_json_members(path: Path):
    """(name, bytes) of each .json member: stored and deflated members read straight from the mapped file
    (an OSV dump has a hundred thousand small members; zipfile's per-member objects would dominate), each
    checked against its CRC-32; other methods through zipfile."""
    import mmap
    import struct
    import zlib

    with zipfile.ZipFile(path) as z, open(path, "rb") as fh, \
            mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for info in z.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            off = info.header_offset
            if mm[off:off + 4] != b"PK\x03\x04" or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                    or info.flag_bits & 0x1:
                yield info.filename, z.read(info)
                continue
            n, m = struct.unpack_from("<HH", mm, off + 26)
            start = off + 30 + n + m
            raw = mm[start:start + info.compress_size]
            data = zlib.decompress(raw, -15) if info.compress_type == zipfile.ZIP_DEFLATED else raw
            if zlib.crc32(data) != info.CRC:
                raise zipfile.BadZipFile(f"{info.filename}: CRC-32 mismatch")
            yield info.filename, data


@dataclass
class FeedProgress:
    advisories: int
    source: str


def load_feed(paths) -> Feed:
    """Read feed files, folders of OSV JSON and OSV zip dumps; each source's SHA-256 and date recorded."""
    feed = Feed()  # replaced by the loaded one: without a cancel flag the last item is always the Feed
    for ev in iter_load_feed(paths):
        if isinstance(ev, Feed):
            feed = ev
    return feed


def iter_load_feed(paths, cancel=None):
    """load_feed as a generator for the GUI: FeedProgress every 10,000 advisories, then the Feed (None when
    cancelled)."""
    feed = Feed()
    for p in [Path(x) for x in ([paths] if isinstance(paths, (str, Path)) else paths)]:
        yield FeedProgress(feed.advisories, str(p))
        dates: list[str] = []
        formats: set[str] = set()
        before = feed.advisories
        if p.is_dir():
            lines = []
            for n, f in enumerate(sorted(p.rglob("*.json")), 1):
                if n % 10000 == 0:
                    if cancel is not None and cancel.is_set():
                        return
                    yield FeedProgress(feed.advisories, str(p))
                try:
                    data = json.loads(f.read_bytes())
                    formats.add(_add_json(feed, data, dates))
                except (OSError, ValueError, UnreadableInput) as exc:
                    feed.problems.append(f"{f}: {exc}")
                    continue
                lines.append(f"{f.relative_to(p).as_posix()} {_sha256_file(f)}\n")
            sha = hashlib.sha256("".join(lines).encode()).hexdigest()
            kind = "folder"
        elif p.is_file():
            sha = _sha256_file(p)
            kind = "file"
            try:
                if zipfile.is_zipfile(p):
                    kind = "zip"
                    for n, (member, data) in enumerate(_zip_json_members(p), 1):
                        if n % 10000 == 0:
                            if cancel is not None and cancel.is_set():
                                return
                            yield FeedProgress(feed.advisories, str(p))
                        try:
                            formats.add(_add_json(feed, json.loads(data), dates))
                        except (ValueError, UnreadableInput) as exc:
                            feed.problems.append(f"{p}!{member}: {exc}")
                else:
                    formats.add(_add_json(feed, json.loads(p.read_bytes()), dates))
            except (OSError, ValueError, zipfile.BadZipFile, UnreadableInput) as exc:
                raise UnreadableInput(f"vulnerability feed {p}: {exc}") from exc
        else:
            raise UnreadableInput(f"vulnerability feed {p}: no such file or folder")
        mtime = utc_iso(os.stat(p).st_mtime)
        feed.sources.append({"path": str(p), "kind": kind, "format": ",".join(sorted(formats)) or "empty",
                             "sha256": sha, "date": max(dates) if dates else mtime, "file_mtime": mtime,
                             "advisories": feed.advisories - before})
    yield feed


def utc_iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------- matching
def affected(adv: Advisory, version: str, cmp) -> bool:
    if version in adv.versions:
        return True
    for events in adv.ranges:
        inside = False
        for kind, v in events:
            if kind == "introduced":
                inside = v == "0" or cmp(version, v) >= 0
            elif kind == "fixed" and inside and cmp(version, v) >= 0:
                inside = False
            elif kind == "last_affected" and inside and cmp(version, v) > 0:
                inside = False
            elif kind == "limit" and inside and cmp(version, v) >= 0:
                inside = False
        if inside:
            return True
    return False


def _fixed(adv: Advisory) -> str | None:
    for events in adv.ranges:
        for kind, v in events:
            if kind == "fixed":
                return v
    return None


def _releases(os_release: dict | None) -> set[str]:
    r = os_release or {}
    out = {str(r.get(k)) for k in ("VERSION_ID", "version_id", "VERSION_CODENAME", "version_codename") if r.get(k)}
    for v in list(out):
        major = v.split(".", 1)[0]
        out.add(major)  # "AlmaLinux:8" applies to 8.9
        if major in DEBIAN_CODENAMES:
            out.add(DEBIAN_CODENAMES[major])
    return out


def feed_key(p: dict) -> tuple[str, str | None, str | None] | None:
    """(family, name, version) a feed names an installed package by: a dpkg package by its source package
    (Debian's tracker and OSV Debian entries are keyed by source, one source builds many binaries) with the
    source's version; an rpm package by itself. None for what no feed covers (Windows programs)."""
    fam = family_of_manager(p.get("manager") or "")
    if not fam:
        return None
    name, version = p.get("name"), p.get("version")
    if fam == "deb" and p.get("source"):
        return fam, p["source"], p.get("source_version") or version
    return fam, name, version


def match(packages: list[dict], feed: Feed, os_release: dict | None = None, entry: set[str] | None = None) -> list[dict]:
    """Each vulnerable installed (binary) package with its advisories (id, CVEs, severity, fixed version),
    matched on its source package and the source's version; binaries of one source are matched once."""
    from analysis.remediation import ENTRY_PACKAGES

    releases = _releases(os_release)
    entry_names = {n for e in entry or () for n in ENTRY_PACKAGES.get(e, ())}
    seen_source: dict[tuple, list[dict]] = {}
    out = []
    for p in packages:
        key = feed_key(p)
        if key is None or p.get("installed") is False:
            continue
        fam, src, src_version = key
        if not src or not src_version or not p.get("name") or not p.get("version"):
            continue
        hits = seen_source.get(key)
        if hits is None:
            hits = []
            advs = feed.index.get((fam, src)) or ()
            cmp = COMPARE[fam]
            ids = set()
            for a in advs:
                if a.release and releases and a.release not in releases:
                    continue
                if a.id in ids or not affected(a, src_version, cmp):
                    continue
                ids.add(a.id)
                hits.append({"id": a.id, "cves": a.cves, "severity": a.severity, "fixed": _fixed(a),
                             "summary": a.summary})
            seen_source[key] = hits
        if not hits:
            continue
        name = p["name"]
        v = {"package": name, "version": p["version"], "manager": p.get("manager"), "arch": p.get("arch"),
             "advisories": hits, "cves": sorted({c for h in hits for c in h["cves"]}),
             "entry_point": any(x == n or x.startswith(n + "-") for x in {name, src} for n in entry_names)}
        if src != name or src_version != p["version"]:
            v |= {"source": src, "source_version": src_version}
        out.append(v)
    out.sort(key=lambda v: (not v["entry_point"], -len(v["advisories"]), v["package"]))
    return out


def by_source(vulnerable: list[dict]) -> list[dict]:
    """The vulnerable packages grouped by the source package the feed names: source, its version, the
    binary packages installed from it, the CVEs."""
    groups: dict[tuple, dict] = {}
    for v in vulnerable:
        src = v.get("source") or v["package"]
        g = groups.setdefault((v["manager"], src, v.get("source_version") or v["version"]), {
            "source": src, "version": v.get("source_version") or v["version"], "manager": v["manager"],
            "binaries": [], "cves": v["cves"], "advisories": len(v["advisories"]), "entry_point": False})
        g["binaries"].append(f"{v['package']} {v['version']}")
        g["entry_point"] = g["entry_point"] or v["entry_point"]
    return list(groups.values())


# ------------------------------------------------------------------------------------ the case side
def _json(case, rec):
    try:
        data = case.read_json(rec)
    except (OSError, ValueError):
        return None
    return records.rows_of(data) if isinstance(data, dict) and "records" in data else data


def package_snapshots(case) -> list:
    return [r for r in case.evidence() if r.name == "packages.json"]


def packages_of(case, rec) -> list[dict]:
    rows = _json(case, rec)
    return [p for p in rows if isinstance(p, dict)] if isinstance(rows, list) else []


def os_release(case) -> dict | None:
    rec = case.latest("os_release.json")
    data = records.row_of(_json(case, rec)) if rec is not None else None   # the record envelope or a bare object
    if isinstance(data, dict) and isinstance(data.get("os_release"), dict):
        return data["os_release"]
    return data if isinstance(data, dict) else None


KB_RE = re.compile(r"\bKB\d{6,8}\b", re.I)


def hotfix_snapshots(case) -> list:
    return [r for r in case.evidence() if r.name in ("windows_hotfixes.json", "hotfixes.json")]


def _hotfix_record(case, rec) -> tuple[dict | None, set[str], set[str], set[str]]:
    """(os info, every KB named, KBs in effect, KBs pending a restart) of an installed-updates snapshot."""
    data = _json(case, rec) if rec is not None else None
    if rec is not None and rec.name == "windows_hotfixes.json":
        try:
            raw = case.read_json(rec)
            from collectors.artifacts.windows_hotfixes import WindowsUpdates

            upd = records.load_one(raw, WindowsUpdates)
        except (OSError, ValueError, records.RecordError):
            upd = None
        if upd is not None:
            os_info = {k: getattr(upd, k) for k in ("product_name", "edition", "display_version",
                                                    "installation_type", "build", "ubr", "arch")}
            rows = [u for u in upd.updates if isinstance(u, dict) and u.get("kb")]
            return (os_info, {str(u["kb"]).upper() for u in rows},
                    {str(u["kb"]).upper() for u in rows if u.get("in_effect")},
                    {str(u["kb"]).upper() for u in rows if u.get("state") == "install_pending"})
    kbs = {m.upper() for m in KB_RE.findall(json.dumps(data))} if data is not None else set()
    return None, kbs, set(kbs), set()


def windows_inventory(case, packages: list[dict], hotfix_rec=None) -> dict | None:
    """Windows programs of the snapshot, the OS build and the KBs the case shows installed (an
    installed-updates snapshot, default the latest; the update events of the timeline)."""
    progs = [p for p in packages if p.get("manager") == "windows"]
    recs = hotfix_snapshots(case)
    rec = hotfix_rec or (recs[-1] if recs else None)
    os_info, kbs, in_effect, pending = _hotfix_record(case, rec)
    try:
        from analysis import timeline

        if timeline.path_of(case).exists():
            db = timeline.connect(case)
            try:
                for (u,) in db.execute("SELECT json_extract(fields, '$.update') FROM events WHERE source = 'evtx' "
                                       "AND json_extract(fields, '$.event') = 'update_installed'"):
                    found = {m.upper() for m in KB_RE.findall(str(u or ""))}
                    kbs |= found
                    in_effect |= found
            finally:
                db.close()
    except Exception:  # noqa: BLE001 - an unreadable timeline leaves the KB list to the snapshots
        pass
    if not progs and not kbs and os_info is None:
        return None
    return {"programs": [{k: p.get(k) for k in ("name", "version", "publisher")} for p in progs],
            "kbs": sorted(kbs), "kbs_in_effect": sorted(in_effect), "kbs_pending": sorted(pending - in_effect),
            "os": os_info, "snapshot": rec.id if rec is not None else None,
            "note": "Windows CVEs are matched against an MSRC CVRF document given as a feed; the OSV and "
                    "Debian feeds carry no Windows advisories"}


def entry_points(findings) -> set[str]:
    from analysis.remediation import _entry_point

    return {e for f in findings if f.severity in ("high", "critical") for e in [_entry_point(f)] if e}


NO_HOTFIXES_EN = ("the feed has Microsoft security updates but the case has no installed-updates snapshot "
                  "(windows_hotfixes.json, collected with B4 on Windows): Windows CVEs not checked")
NO_PRODUCT_EN = "none of the feed's products is this host's Windows product ({names}): Windows CVEs not checked"
NO_HOTFIXES_VI = ("nguồn dữ liệu có bản cập nhật bảo mật của Microsoft nhưng hồ sơ chưa có danh sách bản cập nhật "
                  "đã cài (windows_hotfixes.json, thu thập B4 trên Windows): chưa kiểm tra CVE của Windows")
NO_PRODUCT_VI = ("không sản phẩm nào của nguồn dữ liệu là sản phẩm Windows của máy này ({names}): chưa kiểm tra "
                 "CVE của Windows")


def windows_check(win: dict | None, feed: Feed, products: list[str] | None = None) -> dict | None:
    """The MSRC part of a check: None without MSRC data in the feed; a note when it cannot be matched."""
    if not feed.msrc:
        return None
    if win is None or (win.get("os") is None and not products):
        return {"note": NO_HOTFIXES_EN, "note_vi": NO_HOTFIXES_VI, "vulnerable": []}
    res = match_msrc(win, feed, products)
    if not res["product_ids"]:
        names = "; ".join(res["products"]) or "?"
        res["note"], res["note_vi"] = NO_PRODUCT_EN.format(names=names), NO_PRODUCT_VI.format(names=names)
    return res


def check(case, feed: Feed | None, rec=None, entry: set[str] | None = None, hotfix_rec=None,
          products: list[str] | None = None) -> dict:
    """Vulnerable packages of one package snapshot (default: the latest) and, with an MSRC document in
    the feed, the Windows CVEs left open by the installed updates of one hotfix snapshot."""
    recs = package_snapshots(case)
    rec = rec or (recs[-1] if recs else None)
    packages = packages_of(case, rec) if rec is not None else []
    win = windows_inventory(case, packages, hotfix_rec)
    out = {"at": utc_now_iso(), "snapshot": rec.id if rec else None, "snapshot_time": rec.collected_at if rec else None,
           "packages": len(packages), "windows": win}
    if feed is None:
        return out | {"feed": None, "note_vi": NO_FEED_VI, "note_en": NO_FEED_EN, "vulnerable": []}
    vulnerable = match(packages, feed, os_release(case), entry)
    return out | {"feed": feed.info(), "vulnerable": vulnerable, "by_source": by_source(vulnerable),
                  "cves": len({c for v in vulnerable for c in v["cves"]}),
                  "windows_vulnerable": windows_check(win, feed, products)}


def compare(case, feed: Feed | None, entry: set[str] | None = None, products: list[str] | None = None) -> dict:
    """Before patching (the first package and hotfix snapshots) against after (the latest)."""
    recs = package_snapshots(case)
    hot = hotfix_snapshots(case)
    after = check(case, feed, recs[-1] if recs else None, entry, hot[-1] if hot else None, products)
    if (len(recs) < 2 and len(hot) < 2) or feed is None:
        return {"before": None, "after": after, "fixed": [], "still": after["vulnerable"], "new": [],
                "windows_fixed": []}
    before = check(case, feed, recs[0] if recs else None, entry, hot[0] if hot else None, products)
    wb, wa = before.get("windows_vulnerable"), after.get("windows_vulnerable")
    open_after = {v["cve"] for v in (wa or {}).get("vulnerable", [])}
    windows_fixed = [v for v in (wb or {}).get("vulnerable", []) if v["cve"] not in open_after]
    key = lambda v: (v["manager"], v["package"])  # noqa: E731
    b = {key(v): v for v in before["vulnerable"]}
    a = {key(v): v for v in after["vulnerable"]}
    now = {(p.get("manager"), p.get("name")): p.get("version") for p in packages_of(case, recs[-1])}
    fixed = []
    for k, v in b.items():
        left = {x["id"] for x in a[k]["advisories"]} if k in a else set()
        gone = [x for x in v["advisories"] if x["id"] not in left]
        if gone:
            fixed.append(v | {"advisories": gone, "now": now.get(k)})
    return {"before": before, "after": after, "fixed": fixed,
            "still": [v for k, v in a.items() if k in b], "new": [v for k, v in a.items() if k not in b],
            "windows_fixed": windows_fixed}


ACTION_VI = "Kiểm tra lỗ hổng sau khi vá (H3)"


def outcome_line(result: dict) -> str:
    """One Vietnamese line for the incident's action log (what the CLI and the GUI write)."""
    after = result.get("after", result)
    if after.get("feed") is None:
        return "Chưa kiểm tra: không có nguồn dữ liệu lỗ hổng"
    wv = after.get("windows_vulnerable") or {}
    win = (f", {len(wv['vulnerable'])} CVE Windows chưa vá, {len(result.get('windows_fixed') or [])} CVE "
           "Windows đã vá") if wv.get("product_ids") else ""
    return (f"{len(after['vulnerable'])} gói còn lỗ hổng, {len(result.get('fixed') or [])} gói đã vá{win} "
            f"(nguồn: {', '.join(s['sha256'][:16] + ' ' + s['date'] for s in after['feed']['sources'])})")


def iter_run(case, feeds, *, products: list[str] | None = None, use_findings: bool = True, cancel=None):
    """What `ungcuu vulns` does, as a generator for the GUI: FeedProgress while the feeds load, then the
    compared result, recorded (custody, analysis_vulns). Nothing more when cancelled."""
    feed = None
    if feeds:
        for ev in iter_load_feed(feeds, cancel):
            if isinstance(ev, FeedProgress):
                yield ev
            else:
                feed = ev
        if feed is None:
            return
    if cancel is not None and cancel.is_set():
        return
    entry = None
    if feed is not None and use_findings:
        from analysis import findings

        entry = entry_points(findings.run(case))
    if cancel is not None and cancel.is_set():
        return
    result = compare(case, feed, entry, products)
    record(case, result)
    yield result


_TABLE = ("CREATE TABLE IF NOT EXISTS analysis_vulns (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
          "feeds TEXT NOT NULL, result TEXT NOT NULL)")


def record(case, result: dict) -> None:
    """Keep the result for the report and write the feeds' hashes and dates into custody."""
    after = result.get("after", result)
    feed = after.get("feed")
    with case.transaction():
        case.db.execute(_TABLE)
        case.db.execute("INSERT INTO analysis_vulns (at, feeds, result) VALUES (?, ?, ?)",
                        (after["at"], json.dumps(feed, ensure_ascii=False),
                         json.dumps(result, ensure_ascii=False, default=str)))
        case.custody.append("vulns_check", after.get("snapshot") or "packages", {
            "feeds": [{k: s[k] for k in ("path", "sha256", "date", "format", "advisories")}
                      for s in (feed or {}).get("sources", [])] if feed else None,
            "no_feed": feed is None, "packages": after["packages"], "vulnerable": len(after["vulnerable"]),
            "fixed": len(result.get("fixed") or []),
            "windows_open_cves": len((after.get("windows_vulnerable") or {}).get("vulnerable") or []),
            "windows_fixed_cves": len(result.get("windows_fixed") or [])})


def latest(case) -> dict | None:
    case.db.execute(_TABLE)
    row = case.db.execute("SELECT result FROM analysis_vulns ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row else None


def render_text(result: dict, lang: str = "vi") -> str:
    vi = lang == "vi"
    after = result.get("after", result)
    if after.get("feed") is None:
        return NO_FEED_VI if vi else NO_FEED_EN
    lines = []
    for s in after["feed"]["sources"]:
        lines.append(f"{'nguồn' if vi else 'feed'}: {s['path']} ({s['format']}, {s['advisories']} "
                     f"{'mục' if vi else 'advisories'}, {'ngày' if vi else 'date'} {s['date']}, SHA-256 {s['sha256']})")
    lines.append(f"{'gói đã kiểm tra' if vi else 'packages checked'}: {after['packages']}; "
                 f"{'gói có lỗ hổng' if vi else 'vulnerable packages'}: {len(after['vulnerable'])}")
    for v in after["vulnerable"]:
        mark = (" [ĐIỂM XÂM NHẬP]" if vi else " [ENTRY POINT]") if v["entry_point"] else ""
        fixed = sorted({a["fixed"] for a in v["advisories"] if a["fixed"]}, key=str)
        src = (f" ({'gói nguồn' if vi else 'source'} {v['source']} {v['source_version']})"
               if v.get("source") else "")
        lines.append(f"  {v['package']} {v['version']}{src}{mark}: "
                     f"{', '.join(v['cves'][:12]) or v['advisories'][0]['id']}"
                     + (f" ({'bản sửa' if vi else 'fixed in'} {', '.join(fixed)})" if fixed else ""))
    if result.get("before") is not None:
        lines.append(f"{'đã vá so với lần trước' if vi else 'fixed since the first snapshot'}: "
                     + (", ".join(f"{v['package']} {v['version']} -> {v['now'] or '-'}" for v in result["fixed"]) or "-"))
    if after.get("windows"):
        w = after["windows"]
        osl = w.get("os") or {}
        build = f" build {osl['build']}.{osl['ubr']}" if osl.get("build") and osl.get("ubr") is not None else ""
        lines.append(f"Windows{(' ' + str(osl['product_name'])) if osl.get('product_name') else ''}{build}: "
                     f"{len(w['programs'])} {'chương trình' if vi else 'programs'}, KB: {', '.join(w['kbs']) or '-'}")
    wv = after.get("windows_vulnerable")
    if wv is not None:
        if wv.get("note"):
            lines.append("Windows: " + (wv.get("note_vi") or wv["note"] if vi else wv["note"]))
        if wv.get("product_ids"):
            lines.append(f"{'sản phẩm' if vi else 'product'}: {', '.join(wv['products'][:3])}; "
                         f"{'CVE áp dụng' if vi else 'applicable CVEs'}: {wv['applicable']}, "
                         f"{'đã vá' if vi else 'fixed'}: {wv['fixed']}, "
                         f"{'còn mở' if vi else 'open'}: {len(wv['vulnerable'])}")
        for v in wv.get("vulnerable") or []:
            pend = (f" ({'đã cài, chờ khởi động lại' if vi else 'installed, pending restart'}: "
                    f"{', '.join(v['pending_restart'])})") if v["pending_restart"] else ""
            lines.append(f"  {v['cve']} [{v['severity'] or '-'}] {v['title']}: "
                         f"{'cần' if vi else 'needs'} {' / '.join(v['kbs'])}{pend}")
    if result.get("windows_fixed"):
        lines.append(f"{'CVE Windows đã vá so với lần trước' if vi else 'Windows CVEs fixed since the first snapshot'}: "
                     + ", ".join(v["cve"] for v in result["windows_fixed"]))
    return "\n".join(lines)
