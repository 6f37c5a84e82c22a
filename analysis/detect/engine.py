"""The rule set and its evaluator: Sigma rules compiled to Python, dispatched by log source and EventID.

Every rule's detection is one Python expression (`analysis.detect.sigma`). Rules are grouped into
buckets by log source (`analysis.detect.mapping.rule_keys`) and, inside a bucket, by the EventIDs their
condition requires; each (bucket, EventID) pair becomes one generated function that tests an event
against exactly the rules that can match it and returns the indices that did. An event is therefore
never tested against a rule of another log source, and a Security 4624 never against the 4688 rules.

``iter_detect(rows, ruleset, cancel)`` is a generator of `DetectProgress` whose return value is a
`DetectResult`: per (rule, evidence item) the number of matching events, the first `KEEP_KEYS`
``(evidence_id, locator)`` keys, the first and last time and the key fields of the first match; and the
correlation rules' hits. Memory is bounded: nothing is kept per event beyond those caps and the
correlation windows (capped per group).
"""
from __future__ import annotations

import re
import time
import weakref
from collections import deque
from dataclasses import dataclass, field

from analysis.detect import mapping
from analysis.detect.sigma import MISSING, TEXT, Namespace, RuleError, _as_text
from analysis.timeline import _is_cancelled  # a threading.Event or a callable

KEEP_KEYS = 50
MAX_VALUE = 1 << 20  # longer field values are matched on their first MiB
WINDOW_CAP = 10_000  # events kept per correlation group window
LEVELS = ("informational", "low", "medium", "high", "critical")
KEY_FIELDS = ("user", "subjectusername", "targetusername", "membername", "membersid", "image", "commandline", "parentimage",
              "parentcommandline", "targetobject", "details", "targetfilename", "imageloaded", "servicename",
              "imagepath", "taskname", "ipaddress", "sourceip", "destinationip", "destinationport",
              "destinationhostname", "queryname", "pipename", "scriptblocktext", "c-ip", "cs-method", "c-uri",
              "sc-status", "c-useragent", "ip", "program", "group", "uid", "target", "command", "type", "exe",
              "comm", "key")


@dataclass
class Rule:
    id: str
    title: str
    path: str
    level: str = "medium"
    status: str = ""
    tags: list = field(default_factory=list)
    author: str = ""
    references: list = field(default_factory=list)
    description: str = ""
    falsepositives: list = field(default_factory=list)
    logsource: dict = field(default_factory=dict)
    name: str = ""
    ungcuu: dict = field(default_factory=dict)  # title_vi, explanation_vi, checklist_id
    keys: list = field(default_factory=list)
    expr: str = ""
    eids: frozenset | None = None
    fields: frozenset = frozenset()
    guard: frozenset | None = None  # necessary condition for the index (sigma.py "guards")
    correlation: dict | None = None
    generate: bool = True  # False: only feeds a correlation rule
    origin: str = "sigma"  # sigma (vendored SigmaHQ), ungcuu (UngCuu's own), custom (--rules)


@dataclass
class LoadError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}{':' + str(self.line) if self.line else ''}: {self.message}"


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    correlations: list[Rule] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)
    not_selected: int = 0  # rules the status/level choice leaves out
    files: int = 0
    ns: Namespace = field(default_factory=Namespace)
    _index: dict = field(default_factory=dict, repr=False)
    _fns: dict = field(default_factory=dict, repr=False)
    _bad: set = field(default_factory=set, repr=False)

    def summary(self) -> dict:
        return {"rules": len(self.rules), "correlations": len(self.correlations), "failed": len(self.errors),
                "warnings": len(self.warnings), "not_selected": self.not_selected, "files": self.files}

    def add(self, rule: Rule) -> None:
        (self.correlations if rule.correlation is not None else self.rules).append(rule)
        self._index.clear()
        self._fns.clear()

    # --------------------------------------------------------------- dispatch
    def _build_index(self) -> None:
        idx: dict[str, tuple[dict, list]] = {}
        for i, r in enumerate(self.rules):
            for k in r.keys:
                by_eid, anyeid = idx.setdefault(k, ({}, []))
                if r.eids is None:
                    anyeid.append(i)
                else:
                    for e in r.eids:
                        by_eid.setdefault(e, []).append(i)
        self._index = idx

    def function(self, key: str, eid):
        """The matcher of one bucket for one EventID: a `_Bucket`, or None when no rule can match."""
        fk = (key, eid)
        try:
            return self._fns[fk]
        except KeyError:
            pass
        if not self._index:
            self._build_index()
        by_eid, anyeid = self._index.get(key, ({}, []))
        members = sorted(set(anyeid) | set(by_eid.get(eid, ()) if isinstance(eid, int) else ()))
        fn = _Bucket(self, members) if members else None
        self._fns[fk] = fn
        return fn

    def _compile(self, members: list[int]):
        """One generated function testing the rules ``members``, returning the indices that match."""
        lines = ["def _f(L, R):", "    out = []"]
        for i in members:
            lines.append(f"    if {self.rules[i].expr}:\n        out.append({i})")
        lines.append("    return out")
        env = dict(self.ns.values)
        exec(compile("\n".join(lines), "<sigma bucket>", "exec"), env)
        return env.pop("_f")  # not left in its own globals: no reference cycle, freed by reference counting

    def single(self, i: int):
        fk = ("#", i)
        fn = self._fns.get(fk)
        if fn is None:
            env = dict(self.ns.values)
            exec(compile(f"def _f(L, R):\n    return bool({self.rules[i].expr})", "<sigma rule>", "exec"), env)
            fn = self._fns[fk] = env.pop("_f")
        return fn


try:
    import ahocorasick  # pyahocorasick (BSD-3-Clause): many substrings found in one pass over a value
except ImportError:  # pragma: no cover - a dependency; the plain loop below gives the same result
    ahocorasick = None


class _Substrings:
    """Which of many literals occur in a value: an Aho-Corasick automaton (one pass over the value)."""

    def __init__(self, table: dict[str, list[int]]):
        self.table = table
        if ahocorasick is not None:
            self.auto = ahocorasick.Automaton()
            for lit, ids in table.items():
                self.auto.add_word(lit, ids)
            self.auto.make_automaton()
        else:
            self.auto = None

    def hits(self, v: str):
        if self.auto is not None:
            for _end, ids in self.auto.iter(v):
                yield ids
        else:
            for lit, ids in self.table.items():
                if lit in v:
                    yield ids


class _Bucket:
    """The rules of one (log source, EventID): the unguarded ones in one generated function, the guarded
    ones behind an index of their guard atoms (a field's value, its last path component, a substring), so
    an event is tested only against the rules whose necessary condition it meets."""

    def __init__(self, rs: RuleSet, members: list[int]):
        # a weak reference: the rule set holds its buckets, so the pair is no reference cycle and the rule set
        # is freed by reference counting, not left to a full garbage collection pass
        self.rs = weakref.ref(rs)
        self.members = members
        plain = []
        index: dict[str, dict] = {"eq": {}, "base": {}, "sub": {}}
        for i in members:
            g = rs.rules[i].guard
            if not g or all(a[1] == "eventid" for a in g):  # the EventID is dispatched already
                plain.append(i)
                continue
            for kind, fld, val in g:
                index[kind].setdefault(fld, {}).setdefault(val, []).append(i)
        self.plain = rs._compile(plain) if plain else None
        self.eq = list(index["eq"].items())
        self.base = list(index["base"].items())
        self.sub = [(fld, _Substrings(t)) for fld, t in index["sub"].items()]

    def __call__(self, L, R) -> list[int]:
        out = self.plain(L, R) if self.plain is not None else []
        cand: set = set()
        for fld, idx in self.eq:
            hit = idx.get(L[fld])
            if hit:
                cand.update(hit)
        for fld, idx in self.base:
            v = L[fld]
            if v is not MISSING:
                hit = idx.get(v[max(v.rfind("\\"), v.rfind("/")) + 1:])
                if hit:
                    cand.update(hit)
        for fld, subs in self.sub:
            v = L[fld]
            if v is not MISSING:
                for ids in subs.hits(v):
                    cand.update(ids)
        if cand:
            rs = self.rs()
            assert rs is not None  # the bucket is reached only through its rule set
            single = rs.single
            for i in sorted(cand):
                if single(i)(L, R):
                    out.append(i)
        return out


class _Low(dict):
    """field -> lower-case text of the value, filled on first use."""
    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def __missing__(self, k):
        s = _text(self.raw, k)
        if s is not MISSING:
            s = s.lower()
        self[k] = s
        return s


class _Raw(dict):
    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def __missing__(self, k):
        s = self[k] = _text(self.raw, k)
        return s


def _text(raw: dict, k: str) -> str:
    v = raw.get(k)
    if v is None:
        if k == TEXT:
            v = "\n".join(_as_text(x) for x in raw.values() if x is not None and not isinstance(x, (dict, list)))
        else:
            return MISSING
    s = v if isinstance(v, str) else _as_text(v)
    return s if len(s) <= MAX_VALUE else s[:MAX_VALUE]


# ------------------------------------------------------------------------------------------- results
@dataclass
class DetectProgress:
    done: int
    total: int | None
    matches: int
    elapsed: float = 0.0


@dataclass
class Hit:
    rule: Rule
    evidence_id: str
    count: int = 0
    keys: list = field(default_factory=list)
    first_ts: int | None = None
    last_ts: int | None = None
    first: dict = field(default_factory=dict)  # key fields of the first match
    evidence_ids: list = field(default_factory=list)  # correlation hits: every evidence item involved
    group: dict = field(default_factory=dict)  # correlation hits: the group-by values


@dataclass
class DetectResult:
    hits: list[Hit] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0
    long_values: int = 0  # events with a field value over MAX_VALUE (matched on its first MiB)
    rule_failures: dict = field(default_factory=dict)  # rule id -> error text (rule raised at run time)
    cancelled: bool = False


def key_fields(raw: dict) -> dict:
    out = {}
    for k in KEY_FIELDS:
        v = raw.get(k)
        if v not in (None, "", "-"):
            s = _as_text(v)
            out[k] = s if len(s) <= 500 else s[:500] + "…"
    return out


def iter_detect(rows, ruleset: RuleSet, cancel=None, total: int | None = None, every: int = 5000):
    """Match timeline rows ``(ts, source, message, fields, evidence_id, locator)`` in time order.

    Yields `DetectProgress` every ``every`` events; returns the `DetectResult` (``result.cancelled`` when
    ``cancel`` was set: what was matched so far is kept)."""
    res = DetectResult()
    start = time.monotonic()
    hits: dict[tuple[int, str], Hit] = {}
    rules = ruleset.rules
    corr = _Correlator(ruleset)
    feeds = corr.feeds  # rule index -> correlations it feeds
    fn_of = ruleset.function
    n = 0
    matches = 0
    for ts, source, message, fields, evidence_id, locator in rows:
        n += 1
        if n % every == 0:
            if _is_cancelled(cancel):
                res.cancelled = True
                break
            yield DetectProgress(n, total, matches, time.monotonic() - start)
        keys, raw = mapping.view(source, fields, message)
        eid = raw.get("eventid")
        if eid is not None and not isinstance(eid, int):
            try:
                eid = int(eid)
            except (TypeError, ValueError):
                eid = None
        L = _Low(raw)
        R = _Raw(raw)
        for key in keys:
            fn = fn_of(key, eid)
            if fn is None:
                continue
            try:
                found = fn(L, R)
            except Exception:  # noqa: BLE001 - a rule failing on this value: test the bucket's rules one by one
                found = []
                for i in fn.members:
                    if i in ruleset._bad:
                        continue
                    try:
                        if ruleset.single(i)(L, R):
                            found.append(i)
                    except Exception as exc:  # noqa: BLE001 - a rule that fails on real data is set aside and named
                        ruleset._bad.add(i)
                        res.rule_failures[rules[i].id] = f"{type(exc).__name__}: {exc}"
            for i in found:
                matches += 1
                rule = rules[i]
                if rule.generate:
                    h = hits.get((i, evidence_id))
                    if h is None:
                        h = hits[(i, evidence_id)] = Hit(rule, evidence_id, first_ts=ts, first=key_fields(raw))
                    h.count += 1
                    h.last_ts = ts
                    if len(h.keys) < KEEP_KEYS:
                        h.keys.append({"evidence_id": evidence_id, "locator": locator})
                if i in feeds:
                    corr.feed(i, ts, R, raw, evidence_id, locator)
        if (not isinstance(fields, str) or len(fields) > MAX_VALUE) and any(
                len(v) > MAX_VALUE for v in raw.values() if isinstance(v, str)):
            res.long_values += 1
    res.events = n
    res.hits = sorted(hits.values(), key=lambda h: (h.first_ts or 0, h.rule.id, h.evidence_id)) + corr.hits
    res.seconds = time.monotonic() - start
    return res


def run(rows, ruleset: RuleSet, cancel=None) -> DetectResult:
    """`iter_detect` to the end."""
    gen = iter_detect(rows, ruleset, cancel)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


# ------------------------------------------------------------------------------------------- correlation
_SPAN = re.compile(r"^\s*(\d+)\s*([smhdMy])\s*$")
_SPAN_US = {"s": 1, "m": 60, "h": 3600, "d": 86400, "M": 30 * 86400, "y": 365 * 86400}


def timespan_us(text) -> int:
    m = _SPAN.match(str(text))
    if not m:
        raise RuleError(f"bad timespan {text!r} (expected e.g. 30s, 5m, 1h, 2d)", "timespan")
    return int(m.group(1)) * _SPAN_US[m.group(2)] * 1_000_000


CORRELATION_TYPES = ("event_count", "value_count", "temporal", "temporal_ordered")


def check_correlation(corr) -> dict:
    """The correlation section normalised, or RuleError."""
    if not isinstance(corr, dict):
        raise RuleError("'correlation' must be a map", "correlation")
    ctype = str(corr.get("type") or "")
    if ctype not in CORRELATION_TYPES:
        raise RuleError(f"correlation type {ctype!r} is not one of {', '.join(CORRELATION_TYPES)}", "type")
    refs = corr.get("rules")
    refs = [refs] if isinstance(refs, str) else refs
    if not refs or not all(isinstance(r, str) for r in refs):
        raise RuleError("a correlation needs 'rules': the names or ids of the rules it correlates", "rules")
    group = corr.get("group-by") or []
    group = [group] if isinstance(group, str) else list(group)
    span = timespan_us(corr.get("timespan") or corr.get("timeframe") or "")
    cond = corr.get("condition") or {}
    if ctype in ("event_count", "value_count"):
        if not isinstance(cond, dict):
            raise RuleError("a correlation condition is a map such as {gte: 10}", "condition")
        ops = {k: v for k, v in cond.items() if k in ("gt", "gte", "eq", "lt", "lte")}
        if set(ops) & {"lt", "lte"}:
            raise RuleError("'lt'/'lte' correlation conditions (too few events) are not supported", "condition")
        if not ops:
            raise RuleError("the correlation condition needs gt, gte or eq", "condition")
        if ctype == "value_count" and not cond.get("field"):
            raise RuleError("a value_count correlation needs condition.field", "condition")
    return {"type": ctype, "rules": list(refs), "group_by": [str(g).lower() for g in group], "span": span,
            "condition": dict(cond) if isinstance(cond, dict) else {}}


def _satisfied(cond: dict, n: int) -> bool:
    if "gte" in cond and not n >= int(cond["gte"]):
        return False
    if "gt" in cond and not n > int(cond["gt"]):
        return False
    if "eq" in cond and not n == int(cond["eq"]):
        return False
    return True


class _Window:
    """The matches of one correlation group inside the timespan, with running counts of their values and
    rules (so a test costs no scan of the window)."""
    __slots__ = ("items", "values", "refs")

    def __init__(self):
        self.items: deque = deque()
        self.values: dict = {}
        self.refs: dict = {}

    def add(self, item) -> None:
        self.items.append(item)
        self.values[item[2]] = self.values.get(item[2], 0) + 1
        self.refs[item[1]] = self.refs.get(item[1], 0) + 1
        if len(self.items) > WINDOW_CAP:
            self._drop()

    def _drop(self) -> None:
        item = self.items.popleft()
        for d, k in ((self.values, item[2]), (self.refs, item[1])):
            d[k] -= 1
            if not d[k]:
                del d[k]

    def expire(self, oldest: int) -> None:
        while self.items and self.items[0][0] < oldest:
            self._drop()

    def clear(self) -> None:
        self.items.clear()
        self.values.clear()
        self.refs.clear()


class _Correlator:
    def __init__(self, ruleset: RuleSet):
        self.feeds: dict[int, list[tuple[int, str]]] = {}
        self.defs: list[tuple[Rule, dict]] = []
        self.windows: list[dict] = []
        self.hits: list[Hit] = []
        self.fired: list[dict] = []
        by_ref: dict[str, int] = {}
        for i, r in enumerate(ruleset.rules):
            for ref in (r.id, r.name, r.title):
                if ref:
                    by_ref.setdefault(ref, i)
        for c in ruleset.correlations:
            spec = c.correlation
            if spec is None:  # not a correlation rule
                continue
            ci = len(self.defs)
            self.defs.append((c, spec))
            self.windows.append({})
            self.fired.append({})
            for ref in spec["rules"]:
                ri = by_ref.get(ref)
                if ri is not None:
                    self.feeds.setdefault(ri, []).append((ci, ref))

    def feed(self, i: int, ts: int, R, raw: dict, evidence_id: str, locator: str) -> None:
        for ci, ref in self.feeds[i]:
            rule, spec = self.defs[ci]
            group = tuple(R[g] for g in spec["group_by"])
            if any(g == MISSING for g in group):
                continue
            w = self.windows[ci].get(group)
            if w is None:
                w = self.windows[ci][group] = _Window()
            value = R[str(spec["condition"].get("field", "")).lower()] if spec["type"] == "value_count" else None
            w.add((ts, ref, value, evidence_id, locator, raw if not w.items else None))
            w.expire(ts - spec["span"])
            if self._fires(spec, w):
                self._fire(ci, rule, spec, group, w.items)
                w.clear()

    @staticmethod
    def _fires(spec, w) -> bool:
        t = spec["type"]
        if t == "event_count":
            return _satisfied(spec["condition"], len(w.items))
        if t == "value_count":
            return _satisfied(spec["condition"], len(w.values) - (MISSING in w.values))
        refs = spec["rules"]
        if t == "temporal":
            return len(w.refs) >= len(set(refs)) and all(r in w.refs for r in refs)
        if not all(r in w.refs for r in refs):
            return False
        pos = 0
        for item in w.items:  # temporal_ordered: the rules matched in the order listed
            if item[1] == refs[pos]:
                pos += 1
                if pos == len(refs):
                    return True
        return False

    def _fire(self, ci, rule, spec, group, win) -> None:
        key = group
        h = self.fired[ci].get(key)
        first_raw: dict = next((w[5] for w in win if w[5] is not None), {}) or {}
        if h is None:
            h = Hit(rule, win[0][3], first_ts=win[0][0], first=key_fields(first_raw),
                    group=dict(zip(spec["group_by"], group)))
            self.fired[ci][key] = h
            self.hits.append(h)
        h.count += len(win)
        h.last_ts = win[-1][0]
        for w in win:
            if w[3] not in h.evidence_ids:
                h.evidence_ids.append(w[3])
            if len(h.keys) < KEEP_KEYS:
                h.keys.append({"evidence_id": w[3], "locator": w[4]})
