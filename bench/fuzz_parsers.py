"""Fuzz every timeline parser with seeded mutations of the shared samples.

A target feeds one parser the way the timeline does (lines from `_text.iter_lines`, or a binary file
object) and consumes every event, encoding its fields as the insert path does. A crash is any exception
that escapes: it would cost the rest of that evidence item its timeline. The mutations are seeded, so a
crash is reproduced by its target and seed (`--target NAME --seed N --examples 1`, `--save DIR` writes
the input). The test suite runs each target for a bounded number of examples
(tests/analysis/test_fuzz_parsers.py); this script runs longer and prints, per target and in total,
the examples tried, the crashes (must be 0) and the peak RSS (must stay under 300 MB). Usage:

    .venv/bin/python bench/fuzz_parsers.py [--examples 2000] [--seed 1] [--target syslog] [--save DIR]
"""
from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.events import ParseReport, dumps_fields  # noqa: E402
from analysis.parsers import (  # noqa: E402
    _text,
    access_log,
    auditd,
    bodyfile,
    browser,
    defender,
    evtx,
    journal,
    mplog,
    packages,
    powershell,
    setupapi,
    shell_history,
    syslog,
    usnjrnl,
    utmp,
    w3c,
    winjob,
)
from collectors.artifacts import _rpmdb as rpmdb  # noqa: E402
from collectors.artifacts import packages as packages_status  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("UNGCUU_SHARED_DATA", REPO.parent / "shared" / "data"))
P = "logs/plaso-test-data"

# Seeds the shared data has no sample of (written like the real thing).
ACCESS = (b'203.0.113.9 - - [10/Oct/2023:13:55:36 +0700] "GET /index.php?id=1%27 HTTP/1.1" 200 2326 '
          b'"http://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"\n'
          b'www.example.com:443 198.51.100.7 - admin [10/Oct/2023:13:56:01 -0500] "POST /wp-login.php HTTP/1.1" '
          b'302 - "-" "curl/8.0 \\"quoted\\""\n'
          b'::1 - - [01/Jan/2024:00:00:00 +0000] "-" 400 0\n')
JOURNAL = (b"__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1700000000000000\n_HOSTNAME=web01\nSYSLOG_IDENTIFIER=sshd\n"
           b"_PID=812\nPRIORITY=6\nMESSAGE=Accepted password for root from 203.0.113.9 port 52814 ssh2\n\n"
           b"__REALTIME_TIMESTAMP=1700000001000000\n_COMM=cron\nMESSAGE\n" + (8).to_bytes(8, "little")
           + b"bin\x00ary\n\n\n")
YUM = b"Jan 05 10:00:00 Installed: openssl-1.0.2k-19.el7.x86_64\nFeb 29 11:00:00 Erased: nmap\n"
LASTLOG = (b"\0" * 292) + (1700000000).to_bytes(4, "little") + b"pts/0".ljust(32, b"\0") \
    + b"203.0.113.9".ljust(256, b"\0")

DPKG_STATUS = (b"Package: libssl3\nStatus: install ok installed\nSource: openssl\nArchitecture: amd64\n"
               b"Version: 3.0.11-1~deb12u1\nDescription: x\n more\n\nPackage: libxml2\nStatus: install ok installed\n"
               b"Source: libxml2 (2.9.14+dfsg-1.3~deb12u1)\nVersion: 2.9.14+dfsg-1.3~deb12u1+b1\n\n"
               b"Package: gcc\nSource: gcc-defaults (1.203)\nVersion: 4:12.2.0-3\nStatus: install ok installed\n")
CVRF = (b'{"DocumentTracking": {"CurrentReleaseDate": "2024-03-12T07:00:00"}, "ProductTree": {"Branch": [{"Items": '
        b'[{"Items": [{"ProductID": "11571", "Value": "Windows Server 2019"}]}]}], "FullProductName": [{"ProductID": '
        b'"12085", "Value": "Windows Server 2022"}]}, "Vulnerability": [{"CVE": "CVE-2024-20700", "Title": {"Value": '
        b'"Hyper-V"}, "Threats": [{"Type": 3, "Description": {"Value": "Important"}, "ProductID": ["11571"]}], '
        b'"Remediations": [{"Type": 2, "Description": {"Value": "5035849"}, "URL": "https://catalog.update.microsoft'
        b'.com/v7/site/Search.aspx?q=KB5035849", "ProductID": ["11571", "12085"], "FixedBuild": "10.0.17763.5576", '
        b'"Supercedence": "5034127"}]}]}')
TRACKER = (b'{"openssl": {"CVE-2026-1001": {"releases": {"bookworm": {"status": "resolved", "fixed_version": '
           b'"3.0.13-1~deb12u1", "urgency": "high"}}}}, "gcc-defaults": {"CVE-2026-1003": {"releases": {"bookworm": '
           b'{"status": "open"}}}}}')


OSV = (b'{"id": "DSA-9999-1", "modified": "2026-11-30T00:00:00Z", "aliases": ["CVE-2026-0001"], "summary": "x", '
       b'"affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", '
       b'"events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}, {"last_affected": "3.0.12"}]}], '
       b'"versions": ["3.0.11-1~deb12u1"], "ecosystem_specific": {"urgency": "high"}}], '
       b'"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}]}')


def _feed(data: bytes, r: ParseReport) -> int:
    """An offline vulnerability feed (MSRC CVRF, Debian tracker, OSV) read and matched: a document that
    is not JSON is refused before, what is JSON must never crash the reader or the matchers."""
    import json

    from analysis import vulns
    from collectors.errors import UnreadableInput

    try:
        doc = json.loads(data)
    except ValueError:
        return 0
    import hashlib

    # byte mutations rarely leave valid JSON: a second copy has random nodes replaced by wrong types
    rng = random.Random(hashlib.sha256(data).digest())
    n = 0
    for d in (doc, _jumble(json.loads(data), rng)):
        feed = vulns.Feed()
        try:
            vulns._add_json(feed, d, [])
        except UnreadableInput:
            continue
        pk = packages_status.parse_dpkg_status(DPKG_STATUS.decode())
        found = vulns.match(pk, feed, {"VERSION_ID": "12"})
        win = {"os": {"product_name": "Windows Server 2019 Standard", "build": "17763", "ubr": 5329, "arch": "AMD64"},
               "kbs_in_effect": ["KB5034127"]}
        n += feed.advisories + len(found) + len(vulns.match_msrc(win, feed)["vulnerable"])
    return n


JUNK = (None, 0, -1, 7.5, True, "", "x", "0", [], {}, [None], {"": None})


def _jumble(node, rng: random.Random, depth: int = 0):
    """The JSON value with about one node in six replaced by a value of a wrong type."""
    if depth and rng.random() < 0.16:
        return rng.choice(JUNK)
    if isinstance(node, dict):
        return {k: _jumble(v, rng, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_jumble(v, rng, depth + 1) for v in node]
    return node


def _dpkg_status(data: bytes, r: ParseReport) -> int:
    import json

    from analysis import vulns

    feed = vulns.Feed()
    vulns._add_json(feed, json.loads(TRACKER), [])
    rows = packages_status.parse_dpkg_status(data.decode("utf-8", errors="replace"))
    vulns.by_source(vulns.match(rows, feed, {"VERSION_CODENAME": "bookworm"}))
    return len(rows)


MAX_INPUT = 8 << 20  # a mutated input never grows past 8 MiB (the fault matrix's 6 MB file took 3 GB)
TOKENS = [b"99999999999999999999", b"-99999999999999999999", b"-1", b"0", b"+40:01", b"-23:59", b"\x00", b"\xff\xfe",
          b"\n", b"\r\n", b"\"", b"\\", b"[", b"]", b"|", b"%", b"=", b": ", b"1970-01-01T00:00:00Z",
          b"9999-12-31T23:59:59.999999+14:00", b"0000-00-00 00:00:00", b"Feb 30 25:61:61", b"Jan  0 00:00:00",
          b"#1700000000\n", b": 99999999999:0;", b"- cmd: x\n  when: 1e400\n", b"\xe2\x80\xae", b"\x1b[2J",
          b"NaN", b"inf", b"1e308", b"\x7f" * 4, b"<999999>1 ", b"-" * 10]


def _seed(*rel: str) -> list[bytes]:
    return [(SHARED / r).read_bytes() for r in rel if (SHARED / r).is_file()]


def _lines(data: bytes):
    return _text.iter_lines(io.BufferedReader(io.BytesIO(data)))


def _drain(events) -> int:
    n = 0
    for ev in events:
        if ev.fields and ev.fields_json is None:
            dumps_fields(ev.fields)  # what the insert path does with them
        n += 1
    return n


@dataclass
class Target:
    name: str
    seeds: Callable[[], list[bytes]]
    run: Callable[[bytes, ParseReport], int]
    binary: bool = False  # mutate by bytes only (no line-level mutations)


def _evtx(data: bytes, r: ParseReport) -> int:
    return _drain(evtx.parse(io.BytesIO(data), r))


def _via_file(parse: Callable, **kw) -> Callable[[bytes, ParseReport], int]:
    """A parser that reads a path (SQLite, binary formats): the example is written to a temporary file."""
    def run(data: bytes, r: ParseReport) -> int:
        import tempfile

        with tempfile.NamedTemporaryFile(prefix="ungcuu-fuzz-") as fh:
            fh.write(data)
            fh.flush()
            return _drain(parse(fh.name, r, **kw))
    return run


W = "windows"
# A protection log in the documented line formats (tests/windows/test_mplog.py has the whole set), UTF-16LE.
MPLOG = b"\xff\xfe" + "\r\n".join([
    r"2022-12-15T11:24:18.854Z DETECTIONEVENT MPSOURCE_REALTIME HackTool:Win32/X!pz file:C:\Users\a\x.exe;",
    r"2022-12-15T11:24:18.854Z DETECTION_ADD#1 HackTool:Win32/X!pz file:C:\Users\a\x.exe PropBag [length: 0]",
    "Begin Resource Scan", "Scan ID:{C343E826-1234-1234-1234-123456789999}", "Start Time:12-15-2022 18:24:33",
    "End Time:12-15-2022 18:24:45", r"Resource Path:C:\Users\a\x.exe", "Threat Name:HackTool:Win32/X!pz", "End Scan",
    r"2022-12-15T11:30:00.000Z Engine:command line reported as threat: C:\x.exe(x.exe -a)",
    r"2022-12-15T11:31:00.000Z [Exclusion] C:\tmp -> \Device\HarddiskVolume2\tmp",
    "**RTP Perf Log**", "Path Exclusions:", r"  C:\tmp", "**END RTP Perf Log**", ""]).encode("utf-16-le")


def _bdb_seed() -> list[bytes]:
    """A small Berkeley DB ``Packages`` file as rpm keeps it (hash, 512-byte pages, one header spanning
    overflow pages), written by Debian's db5.3_load (db5.3-util; the test command installs it)."""
    import shutil
    import struct
    import subprocess
    import tempfile

    load = shutil.which("db5.3_load")
    if load is None:
        return []
    blobs = [b"\x8e\xad\xe8\x01" + bytes(range(256)) * k for k in (1, 3, 9)]
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=512", "HEADER=END",
             " " + struct.pack("<I", 0).hex(), " " + struct.pack("<I", len(blobs) + 1).hex()]
    for i, blob in enumerate(blobs, 1):
        lines += [" " + struct.pack("<I", i).hex(), " " + blob.hex()]
    lines.append("DATA=END")
    with tempfile.TemporaryDirectory(prefix="ungcuu-fuzz-") as d:
        out = Path(d) / "Packages"
        subprocess.run([load, "-f", "/dev/stdin", str(out)], input="\n".join(lines) + "\n", text=True, check=True,
                       capture_output=True)
        return [out.read_bytes()]


def _rpm_bdb(data: bytes, r: ParseReport) -> int:
    """Every header blob the Berkeley DB reader finds: damage inside goes to its problems list, a file it
    cannot read at all is its BdbError (the collector's note); anything else is a crash."""
    import tempfile

    problems: list[str] = []
    with tempfile.NamedTemporaryFile(prefix="ungcuu-fuzz-") as fh:
        fh.write(data)
        fh.flush()
        try:
            return sum(1 for _ in rpmdb.rpm_header_blobs(fh.name, problems))
        except rpmdb.BdbError as exc:
            r.fatal = str(exc)
            return 0


TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("syslog", lambda: _seed(f"{P}/syslog_syslog", f"{P}/syslog_syslog_rsyslog_SyslogProtocol23Format",
                                   f"{P}/syslog_syslog_chromeos", f"{P}/syslog_syslog_ssh.log",
                                   "logs/elastic-beats/system_auth_test.log", "logs/elastic-beats/system_syslog_tz-offset.log"),
           lambda d, r: _drain(syslog.parse(_lines(d), r, year=2021))),
    Target("access_log", lambda: [ACCESS], lambda d, r: _drain(access_log.parse(_lines(d), r))),
    Target("bodyfile", lambda: _seed(f"{P}/bodyfile_bodyfile", f"{P}/bodyfile_bodyfile.corrupt"),
           lambda d, r: _drain(bodyfile.parse(_lines(d), r))),
    Target("journal", lambda: [JOURNAL], lambda d, r: _drain(journal.parse(io.BytesIO(d), r)), binary=True),
    Target("dpkg", lambda: _seed(f"{P}/dpkg.log"), lambda d, r: _drain(packages.parse_dpkg(_lines(d), r))),
    Target("apt_history", lambda: _seed(f"{P}/apt_history.log"),
           lambda d, r: _drain(packages.parse_apt_history(_lines(d), r))),
    Target("yum", lambda: [YUM], lambda d, r: _drain(packages.parse_yum(_lines(d), r, year=2024))),
    Target("bash_history", lambda: _seed(f"{P}/bash_history"),
           lambda d, r: _drain(shell_history.parse_bash(_lines(d), r))),
    Target("zsh_history", lambda: _seed(f"{P}/zsh_extended_history.txt"),
           lambda d, r: _drain(shell_history.parse_zsh(_lines(d), r))),
    Target("fish_history", lambda: _seed(f"{P}/fish_history"),
           lambda d, r: _drain(shell_history.parse_fish(_lines(d), r))),
    Target("utmp", lambda: _seed(f"{P}/utmp_wtmp.1", f"{P}/utmp_utmp", f"{P}/utmp_utmp_x86_64"),
           lambda d, r: _drain(utmp.parse_utmp(io.BytesIO(d), r, kind="wtmp")), binary=True),
    Target("lastlog", lambda: [LASTLOG], lambda d, r: _drain(utmp.parse_lastlog(io.BytesIO(d), r)), binary=True),
    Target("evtx", lambda: _seed("evtx/evtx-rs-samples/new-user-security.evtx"), _evtx, binary=True),
    Target("gzip", lambda: [gzip.compress(s) for s in _seed(f"{P}/syslog_syslog", f"{P}/dpkg.log")],
           lambda d, r: sum(1 for _ in _text.iter_lines(io.BufferedReader(io.BytesIO(d)), r)), binary=True),
    Target("auditd", lambda: _seed(f"{P}/audit_enriched.log", f"{P}/selinux.log"),
           lambda d, r: _drain(auditd.parse(_lines(d), r))),
    Target("setupapi", lambda: _seed(f"{P}/setupapi.setup.log", f"{W}/setupapi.dev.log"),
           lambda d, r: _drain(setupapi.parse(_lines(d), r))),
    Target("w3c", lambda: _seed(f"{W}/iis/iis10.log", f"{W}/iis/iis7_sqli.log", f"{W}/iis/iis6.log",
                                f"{W}/windows_firewall.log"),
           lambda d, r: _drain(w3c.parse(_lines(d), r))),
    Target("powershell_transcript", lambda: _seed(f"{W}/powershell_transcript.txt"),
           lambda d, r: _drain(powershell.parse_transcript(_lines(d), r))),
    Target("usnjrnl", lambda: _seed(f"{W}/UsnJrnl.raw"), lambda d, r: _drain(usnjrnl.parse(io.BytesIO(d), r)),
           binary=True),
    Target("winjob", lambda: _seed(f"{W}/wintask.job"), _via_file(winjob.parse), binary=True),
    Target("defender", lambda: _seed(f"{W}/windefender_history/6AFE33A0-19BA-4FFF-892F-B700539D7D63"),
           _via_file(defender.parse), binary=True),
    Target("vuln_feed", lambda: [CVRF, TRACKER, OSV, b"[" + OSV + b"]"], _feed),
    Target("dpkg_status", lambda: [DPKG_STATUS], _dpkg_status),
    Target("mplog", lambda: [MPLOG], _via_file(mplog.parse), binary=True),
    Target("rpm_bdb", _bdb_seed, _rpm_bdb, binary=True),
    Target("browser_chrome", lambda: _seed(f"{W}/chrome/History"), _via_file(browser.parse, browser="chrome"),
           binary=True),
]}


def mutate(data: bytes, rng: random.Random, binary: bool) -> bytes:
    """One to four random mutations: bit flips, overwritten, inserted, deleted or repeated ranges,
    truncation, interesting tokens, and (text) shuffled, repeated or huge lines."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(10 if binary else 13)
        n = len(buf)
        pos = rng.randrange(n + 1)
        if op == 0 and n:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n)
                buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:
            ln = rng.randint(1, min(64, n))
            buf[pos:pos + ln] = bytes(rng.choice((0, 0xFF, rng.randrange(256))) for _ in range(ln))
        elif op == 2:
            buf[pos:pos] = rng.choice(TOKENS)
        elif op == 3 and n:
            del buf[pos:pos + rng.randint(1, max(1, n // 8))]
        elif op == 4 and n:
            start = rng.randrange(n)
            chunk = buf[start:start + rng.randint(1, 256)]
            buf[pos:pos] = chunk * rng.randint(1, 8)
        elif op == 5:
            del buf[pos:]
        elif op == 6 and n >= 4:
            i = rng.randrange(n - 3)
            buf[i:i + 4] = rng.choice((0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000)).to_bytes(4, "little")
        elif op == 7:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif op == 8 and n >= 8:
            i = rng.randrange(n - 7)
            buf[i:i + 8] = rng.choice((0, 2 ** 63 - 1, 2 ** 64 - 1, 2 ** 62)).to_bytes(8, "little")
        elif op == 9:
            buf[pos:pos] = rng.choice(TOKENS) * rng.randint(2, 50)
        elif op == 10:
            lines = bytes(buf).split(b"\n")
            rng.shuffle(lines)
            buf = bytearray(b"\n".join(lines))
        elif op == 11:
            lines = bytes(buf).split(b"\n")
            if lines:
                i = rng.randrange(len(lines))
                lines[i] = lines[i] + rng.choice((b"A", b" ", b"\"", b"\\\"", b"9")) * rng.randint(1000, 200_000)
            buf = bytearray(b"\n".join(lines))
        elif op == 12:
            lines = bytes(buf).split(b"\n")
            if lines:
                i = rng.randrange(len(lines))
                lines[i:i] = [lines[i]] * min(rng.randint(2, 200), MAX_INPUT // (len(lines[i]) + 1))
            buf = bytearray(b"\n".join(lines))
        del buf[MAX_INPUT:]
    return bytes(buf)


@dataclass
class Result:
    target: str
    examples: int = 0
    events: int = 0
    crashes: list = None

    def __post_init__(self):
        self.crashes = self.crashes or []


def run_target(target: Target, examples: int, seed: int = 1, save: Path | None = None) -> Result:
    """Run `examples` mutated inputs (the seeds themselves first) through one target."""
    seeds = target.seeds()
    if not seeds:
        raise FileNotFoundError(f"no seed sample for {target.name} under {SHARED}")
    res = Result(target.name)
    for i in range(examples):
        rng = random.Random(f"{target.name}:{seed}:{i}")
        base = seeds[i % len(seeds)]
        data = base if i < len(seeds) else mutate(base, rng, target.binary)
        report = ParseReport()
        try:
            res.events += target.run(data, report)
        except Exception as exc:  # noqa: BLE001 - a crash is exactly what we are looking for
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            res.crashes.append(f"{target.name} seed {seed} example {i}: {type(exc).__name__}: {exc} "
                               f"(at {tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
            if save is not None:
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{target.name}-{seed}-{i}.bin").write_bytes(data)
        res.examples += 1
    return res


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=2000, help="examples per target")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--target", action="append", help="only these targets (default: all)")
    ap.add_argument("--save", type=Path, help="write each crashing input to this folder")
    a = ap.parse_args()
    names = a.target or list(TARGETS)
    total = Result("all")
    t0 = time.perf_counter()
    for name in names:
        t = time.perf_counter()
        res = run_target(TARGETS[name], a.examples, a.seed, a.save)
        total.examples += res.examples
        total.crashes += res.crashes
        print(f"{name:13s} examples {res.examples:6d}  events {res.events:8d}  crashes {len(res.crashes):3d}  "
              f"{time.perf_counter() - t:6.1f} s  peak RSS {peak_rss_mib():6.1f} MiB", flush=True)
    for c in total.crashes[:50]:
        print("CRASH", c)
    rss = peak_rss_mib()
    print(f"total: examples tried {total.examples}, crashes {len(total.crashes)}, peak RSS {rss:.1f} MiB "
          f"(limit 300), {time.perf_counter() - t0:.1f} s")
    return 0 if not total.crashes and rss < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
