"""Sigma rules compiled to Python expressions.

A detection becomes one Python boolean expression over two lazily filled dicts of the event: ``L``
(field -> value as a lower-case string) and ``R`` (field -> value as written). A missing field reads as
`MISSING`, a string no rule value equals. Semantics (Sigma specification 2.0):

- strings match case-insensitively and whole (``*`` any run, ``?`` one character, ``\\`` escapes them);
  ``contains`` / ``startswith`` / ``endswith`` add the implied wildcards; ``cased`` matches case-sensitively;
- lists are OR, ``|all`` makes them AND; a selection map is AND, a list of maps OR; ``null`` is an absent or
  empty field; ``|exists``; ``|re`` (with ``|i`` ``|m`` ``|s``; case-sensitive otherwise, as Sigma says);
  ``|base64`` / ``|base64offset`` (with ``|wide`` / ``|utf16le`` / ``|utf16be`` / ``|utf16`` first);
  ``|windash`` (``-`` also as ``/`` and the Unicode dashes); ``|cidr``; ``|gt`` ``|gte`` ``|lt`` ``|lte``;
  ``|fieldref`` (equal to another field of the event);
- keywords (a list without a field) search the event's text (its message or all its values);
- conditions: ``and``, ``or``, ``not``, parentheses, ``1 of X*``, ``all of X*``, ``1 of them``,
  ``all of them``, and a list of conditions (OR).

What cannot be compiled (``|expand`` placeholders, the old ``| count()`` aggregations, an unknown modifier,
a reference to a missing selection) raises `RuleError` with the reason, and the caller counts and lists it.
"""
from __future__ import annotations

import base64
import ipaddress
import re

MISSING = "\x00\x00missing"
TEXT = "\x00text"


class RuleError(ValueError):
    """A rule that cannot be compiled: ``reason`` and the YAML key it concerns (for the line number)."""

    def __init__(self, reason: str, key: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.key = key


KNOWN_MODIFIERS = {"contains", "startswith", "endswith", "all", "re", "i", "m", "s", "base64", "base64offset",
                   "wide", "utf16le", "utf16be", "utf16", "windash", "cidr", "exists", "gt", "gte", "lt", "lte",
                   "fieldref", "cased", "expand", "neq"}


class Namespace:
    """Constants (compiled regexes, networks) the generated code refers to by name."""

    def __init__(self):
        self.values: dict[str, object] = {"MISSING": MISSING, "_num": _num, "_in_net": _in_net}
        self._by_key: dict = {}

    def add(self, key, factory) -> str:
        name = self._by_key.get(key)
        if name is None:
            name = f"_k{len(self._by_key)}"
            self._by_key[key] = name
            self.values[name] = factory()
        return name

    def keys(self) -> list:
        """The constants in order, as JSON-ready keys (`from_keys` rebuilds the same names)."""
        return [list(k) for k in self._by_key]

    @classmethod
    def from_keys(cls, keys) -> "Namespace":
        ns = cls()
        for k in keys:
            kind = k[0]
            if kind == "re":
                ns.add(("re", k[1], k[2]), lambda k=k: re.compile(k[1], k[2]))
            elif kind == "wild":
                ns.add(("wild", k[1], k[2]), lambda k=k: re.compile(k[1], re.S))
            elif kind == "nets":
                nets = tuple(k[1])
                ns.add(("nets", nets), lambda nets=nets: tuple(ipaddress.ip_network(n, strict=False) for n in nets))
            elif kind == "net":
                ns.add(("net", k[1]), lambda k=k: (ipaddress.ip_network(k[1], strict=False),))
            else:
                raise ValueError(f"unknown constant kind {kind!r}")
        return ns


def _num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        try:
            return float(int(str(s), 0))
        except (TypeError, ValueError):
            return None


def _in_net(value: str, nets) -> bool:
    if value == MISSING:
        return False
    try:
        addr = ipaddress.ip_address(value.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr in n for n in nets if n.version == addr.version)


# ------------------------------------------------------------------------------------------- values
def _split_wild(s: str) -> list:
    """A Sigma string as a list of literal chunks and the wildcard tokens WILD_ANY / WILD_ONE."""
    if "*" not in s and "?" not in s and "\\" not in s:
        return [s] if s else []
    out: list = []
    buf = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "*?\\":
            buf.append(s[i + 1])
            i += 2
            continue
        if c in "*?":
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(ANY if c == "*" else ONE)
        else:
            buf.append(c)
        i += 1
    if buf:
        out.append("".join(buf))
    return out


ANY = object()
ONE = object()


def _classify(parts: list) -> tuple[str, str]:
    """(kind, literal) for patterns a string method can test: exact, prefix, suffix, contains; else ('re', '')."""
    core = parts
    lead = bool(core) and core[0] is ANY
    trail = len(core) > 1 and core[-1] is ANY if lead else bool(core) and core[-1] is ANY
    inner = core[(1 if lead else 0):(len(core) - 1 if trail else len(core))]
    if not inner:
        return ("any", "") if (lead or trail) else ("exact", "")
    if len(inner) == 1 and isinstance(inner[0], str):
        lit = inner[0]
        if lead and trail:
            return "contains", lit
        if lead:
            return "suffix", lit
        if trail:
            return "prefix", lit
        return "exact", lit
    return "re", ""


def _wild_regex(parts: list) -> str:
    return "".join(".*" if p is ANY else "." if p is ONE else re.escape(p) for p in parts)


def _encode(value: str, mods: set) -> list[bytes]:
    if "wide" in mods or "utf16le" in mods:
        return [value.encode("utf-16-le")]
    if "utf16be" in mods:
        return [value.encode("utf-16-be")]
    if "utf16" in mods:
        return [b"\xff\xfe" + value.encode("utf-16-le")]
    return [value.encode("utf-8")]


def _base64offset(b: bytes) -> list[str]:
    out = []
    for i in range(3):
        enc = base64.b64encode(b" " * i + b).decode()
        start = (0, 2, 3)[i]
        end = (None, -3, -2)[(len(b) + i) % 3]
        out.append(enc[start:end])
    return out


DASHES = ("-", "/", "\u2013", "\u2014", "\u2015")
_WINDASH = re.compile(r"(?:(?<=\s)|^)-")


def _windash(value: str) -> list[str]:
    if not _WINDASH.search(value):
        return [value]
    return [_WINDASH.sub(d.replace("\\", "\\\\"), value) for d in DASHES]


def _as_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _item_expr(field: str, mods: list[str], values: list, ns: Namespace) -> str:
    """One detection item: a field (lower case, '' for keywords) with modifiers and its values."""
    for m in mods:
        if m not in KNOWN_MODIFIERS:
            raise RuleError(f"unknown modifier '|{m}'", field)
    ms = set(mods)
    if "expand" in ms:
        raise RuleError("the '|expand' modifier needs placeholder values UngCuu does not have", field)
    key = TEXT if field == "" else field
    lv, rv = f"L[{key!r}]", f"R[{key!r}]"
    join = " and " if "all" in ms else " or "
    if "exists" in ms:
        want = bool(values[0]) if values else True
        if isinstance(values[0] if values else True, str):
            want = str(values[0]).lower() == "true"
        return f"({lv} != MISSING)" if want else f"({lv} == MISSING)"
    if not values:
        raise RuleError("a field without values", field)
    if "fieldref" in ms:
        parts = [f"({lv} != MISSING and {lv} == L[{str(v).lower()!r}])" for v in values]
        return "(" + join.join(parts) + ")"
    for op in ("gt", "gte", "lt", "lte"):
        if op in ms:
            sym = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            parts = []
            for v in values:
                n = _num(v)
                if n is None:
                    raise RuleError(f"'|{op}' needs a number, not {v!r}", field)
                parts.append(f"((_n := _num({rv})) is not None and _n {sym} {n!r})")
            return "(" + join.join(parts) + ")"
    if "cidr" in ms:
        try:
            nets = tuple(ipaddress.ip_network(str(v), strict=False) for v in values)
        except ValueError as exc:
            raise RuleError(f"bad '|cidr' value: {exc}", field) from None
        if "all" in ms:
            return "(" + " and ".join(f"_in_net({rv}, {ns.add(('net', str(n)), lambda n=n: (n,))})" for n in nets) + ")"
        name = ns.add(("nets", tuple(str(n) for n in nets)), lambda: nets)
        return f"_in_net({rv}, {name})"
    if "re" in ms:
        flags = (re.I if "i" in ms else 0) | (re.M if "m" in ms else 0) | (re.S if "s" in ms else 0)
        parts = []
        for v in values:
            try:
                rx = re.compile(str(v), flags)
            except re.error as exc:
                raise RuleError(f"bad regular expression {str(v)[:80]!r}: {exc}", field) from None
            name = ns.add(("re", str(v), flags), lambda rx=rx: rx)
            parts.append(f"({rv} != MISSING and {name}.search({rv}) is not None)")
        return "(" + join.join(parts) + ")"
    cased = "cased" in ms
    # null and the plain strings
    alternatives: list[list] = []  # per value: its pattern alternatives (lists of parts)
    null_parts = []
    for v in values:
        if v is None:
            null_parts.append(f"({lv} == MISSING or {lv} == '')")
            continue
        s = _as_text(v)
        pats: list[list]  # pattern parts: text, or ANY for a wildcard
        if not isinstance(v, str):
            pats = [[s]]
        else:
            texts = [s]
            if "windash" in ms:
                texts = [x for t in texts for x in _windash(t)]
            if "base64offset" in ms or "base64" in ms:
                enc = []
                for t in texts:
                    for b in _encode(t, ms):
                        enc.extend(_base64offset(b) if "base64offset" in ms else [base64.b64encode(b).decode()])
                pats = [[e] for e in enc]  # encoded text has no wildcards
            else:
                pats = [_split_wild(t) for t in texts]
        if "contains" in ms or field == "":
            pats = [([ANY] if not p or p[0] is not ANY else []) + p + ([ANY] if not p or p[-1] is not ANY else [])
                    for p in pats]
        elif "startswith" in ms:
            pats = [p + ([ANY] if not p or p[-1] is not ANY else []) for p in pats]
        elif "endswith" in ms:
            pats = [([ANY] if not p or p[0] is not ANY else []) + p for p in pats]
        alternatives.append(pats)
    src = rv if cased else lv
    low = (lambda t: t) if cased else str.lower

    def group(pats: list[list]) -> str:
        exact, prefix, suffix, contains, rxs = [], [], [], [], []
        anything = False
        for p in pats:
            kind, lit = _classify(p)
            lit = low(lit)
            if kind == "any":
                anything = True
            elif kind == "exact":
                exact.append(lit)
            elif kind == "prefix":
                prefix.append(lit)
            elif kind == "suffix":
                suffix.append(lit)
            elif kind == "contains":
                contains.append(lit)
            else:
                rxs.append(_wild_regex([low(x) if isinstance(x, str) else x for x in p]))
        out = []
        if anything:
            out.append(f"{src} != MISSING")
        if exact:
            uniq = sorted(set(exact))
            out.append(f"{src} == {uniq[0]!r}" if len(uniq) == 1 else "{} in {{{}}}".format(src, ", ".join(map(repr, uniq))))
        if prefix:
            out.append(f"{src}.startswith({tuple(sorted(set(prefix)))!r})")
        if suffix:
            out.append(f"{src}.endswith({tuple(sorted(set(suffix)))!r})")
        for lit in sorted(set(contains)):
            out.append(f"{lit!r} in {src}")
        if rxs:
            pattern = "(?:" + "|".join(rxs) + r")\Z"
            name = ns.add(("wild", pattern, cased), lambda: re.compile(pattern, re.S))
            out.append(f"{name}.match({src}) is not None")
        return "(" + " or ".join(out) + ")" if len(out) > 1 else out[0]

    if "all" in ms:
        parts = [group(p) for p in alternatives] + null_parts
        return "(" + " and ".join(parts) + ")"
    parts = ([group([p for pats in alternatives for p in pats])] if alternatives else []) + null_parts
    return "(" + " or ".join(parts) + ")" if len(parts) > 1 else parts[0]


def _split_field(key: str) -> tuple[str, list[str]]:
    name, *mods = str(key).split("|")
    return name.strip().lower(), [m.strip().lower() for m in mods if m.strip()]


def _map_expr(sel: dict, ns: Namespace, fields: set) -> str:
    parts = []
    for key, value in sel.items():
        name, mods = _split_field(key)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in values):
            raise RuleError(f"field '{key}' has a nested value", str(key))
        if name:
            fields.add(name)
        parts.append(_item_expr(name, mods, values, ns))
    return "(" + " and ".join(parts) + ")" if len(parts) > 1 else (parts[0] if parts else "True")


def selection_expr(sel, ns: Namespace, fields: set) -> str:
    if isinstance(sel, dict):
        return _map_expr(sel, ns, fields)
    if isinstance(sel, list):
        if all(isinstance(x, dict) for x in sel):
            parts = [_map_expr(x, ns, fields) for x in sel]
            return "(" + " or ".join(parts) + ")" if len(parts) > 1 else parts[0] if parts else "False"
        if any(isinstance(x, (dict, list)) for x in sel):
            raise RuleError("a selection mixes keywords and field maps")
        return _item_expr("", [], sel, ns)
    if isinstance(sel, (str, int, float)):
        return _item_expr("", [], [sel], ns)
    raise RuleError(f"a selection of type {type(sel).__name__}")


# ------------------------------------------------------------------------------------------- conditions
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def _tokens(text: str) -> list[str]:
    out = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def fold_condition(cond: str, names, leaf, conj, disj, neg):
    """Walk a Sigma condition: ``leaf(name)`` for a selection, ``conj``/``disj`` over lists, ``neg``."""
    if "|" in cond:
        raise RuleError("aggregation conditions ('| count() ...') are not supported; write a correlation rule",
                        "condition")
    toks = _tokens(cond)
    pos = 0

    def peek():
        return toks[pos].lower() if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def matching(pattern: str) -> list[str]:
        if pattern == "them":
            found = [n for n in names if not n.startswith("_")]
        else:
            rx = re.compile(_wild_regex(_split_wild(pattern)) + r"\Z")
            found = [n for n in names if rx.match(n)]
        if not found:
            raise RuleError(f"condition refers to '{pattern}', which matches no selection", "condition")
        return found

    def primary():
        t = peek()
        if t is None:
            raise RuleError(f"condition ends too early: {cond!r}", "condition")
        if t == "not":
            take()
            return neg(primary())
        if t == "(":
            take()
            e = disjunction()
            if peek() != ")":
                raise RuleError(f"unbalanced parentheses in condition {cond!r}", "condition")
            take()
            return e
        if t in ("1", "all", "any") and pos + 1 < len(toks) and toks[pos + 1].lower() == "of":
            quant = take().lower()
            take()
            if pos >= len(toks):
                raise RuleError(f"'{quant} of' without a selection in {cond!r}", "condition")
            found = [leaf(n) for n in matching(take())]
            return conj(found) if quant == "all" else disj(found)
        name = take()
        if name not in names:
            raise RuleError(f"condition refers to '{name}', which is not a selection of the rule", "condition")
        return leaf(name)

    def conjunction():
        parts = [primary()]
        while peek() == "and":
            take()
            parts.append(primary())
        return conj(parts) if len(parts) > 1 else parts[0]

    def disjunction():
        parts = [conjunction()]
        while peek() == "or":
            take()
            parts.append(conjunction())
        return disj(parts) if len(parts) > 1 else parts[0]

    out = disjunction()
    if pos != len(toks):
        raise RuleError(f"cannot read condition {cond!r} after '{toks[pos]}'", "condition")
    return out


def condition_expr(cond: str, selections: dict[str, str]) -> str:
    """A Sigma condition over named selection expressions, as a Python expression."""
    return fold_condition(cond, selections, lambda n: f"({selections[n]})",
                          lambda ps: "(" + " and ".join(ps) + ")", lambda ps: "(" + " or ".join(ps) + ")",
                          lambda p: f"(not {p})")


# ------------------------------------------------------------------------------------------- guards
# A guard is a necessary condition of a rule that an index can test: a set of atoms, one of which holds
# whenever the rule matches. ("eq", field, value): the field equals value; ("base", field, name): the
# field's last path component (after / or \\) is name; ("sub", field, text): the field contains text.
# All in lower case. None: no such condition is known (the rule is tested against every event).
MIN_SUB = 3


# fields with few distinct values (most events have the same few): a guard on them selects little
COMMON_FIELDS = frozenset({"company", "integritylevel", "logonid", "user", "product", "protocol", "initiated",
                           "signed", "signaturestatus", "signature", "eventtype", "terminalsessionid", "logontype",
                           "status", "currentdirectory", "channel", "provider_name", "sc-status", "cs-method"})


def _guard_cost(g) -> tuple:
    # the EventID is dispatched already: a guard on it alone filters nothing more; equality and path
    # names are single lookups, substrings need a scan of the field and short ones match often
    subs = [len(a[2]) for a in g if a[0] == "sub"]
    return (all(a[1] == "eventid" for a in g), any(a[1] in COMMON_FIELDS for a in g), bool(subs),
            -min(subs) if subs else 0, len(g))


def guard_conj(gs):
    known = [g for g in gs if g is not None]
    return min(known, key=_guard_cost) if known else None


def guard_disj(gs):
    if any(g is None for g in gs):
        return None
    return frozenset().union(*gs)


def _longest_literal(parts: list):
    lits = [p for p in parts if isinstance(p, str)]
    best = max(lits, key=len) if lits else ""
    return best.lower() if len(best) >= MIN_SUB else None


def _value_atoms(field: str, ms: set, v) -> list | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    s = _as_text(v)
    texts = _windash(s) if "windash" in ms and isinstance(v, str) else [s]
    out = []
    for t in texts:
        parts = _split_wild(t) if isinstance(v, str) else [t]
        plain = len(parts) == 1 and isinstance(parts[0], str)
        if plain and "endswith" in ms or (not ms & {"contains", "startswith"} and len(parts) == 2
                                            and parts[0] is ANY and isinstance(parts[1], str)):
            lit = parts[-1].lower()
            cut = max(lit.rfind("\\"), lit.rfind("/"))
            if 0 <= cut < len(lit) - 1:
                out.append(("base", field, lit[cut + 1:]))
                continue
        if plain and not ms & {"contains", "startswith", "endswith"}:
            out.append(("eq", field, parts[0].lower()))
            continue
        lit = _longest_literal(parts)
        if lit is None:
            return None
        out.append(("sub", field, lit))
    return out


def _item_guard(field: str, mods: list[str], values: list):
    ms = set(mods)
    if not field or ms - {"endswith", "startswith", "contains", "all", "windash", "cased"} or not values:
        return None
    per_value = [_value_atoms(field, ms, v) for v in values]
    if "all" in ms:
        return guard_conj([frozenset(a) if a is not None else None for a in per_value])
    if any(a is None for a in per_value):
        return None
    return frozenset(a for atoms in per_value for a in atoms or ())


def selection_guard(sel):
    if isinstance(sel, dict):
        gs = []
        for key, value in sel.items():
            name, mods = _split_field(key)
            gs.append(_item_guard(name, mods, value if isinstance(value, list) else [value]))
        return guard_conj(gs)
    if isinstance(sel, list) and sel and all(isinstance(x, dict) for x in sel):
        return guard_disj([selection_guard(x) for x in sel])
    return None


def detection_expr(detection, ns: Namespace) -> tuple[str, set, frozenset | None, frozenset | None]:
    """(expression, fields used, event ids the rule requires or None, guard or None) of a detection."""
    if not isinstance(detection, dict):
        raise RuleError("'detection' must be a map", "detection")
    cond = detection.get("condition")
    if cond is None:
        raise RuleError("the detection has no 'condition'", "detection")
    fields: set = set()
    sels, eids, guards = {}, {}, {}
    for name, sel in detection.items():
        if name in ("condition", "timeframe"):
            continue
        try:
            sels[str(name)] = selection_expr(sel, ns, fields)
        except RuleError as exc:
            raise RuleError(f"selection '{name}': {exc.reason}", exc.key or str(name)) from None
        eids[str(name)] = _selection_eids(sel)
        guards[str(name)] = selection_guard(sel)
    conds = [str(c) for c in (cond if isinstance(cond, list) else [cond])]
    exprs = [condition_expr(c, sels) for c in conds]
    expr = "(" + " or ".join(exprs) + ")" if len(exprs) > 1 else exprs[0]

    def smallest(sets):
        known = [x for x in sets if x is not None]
        return min(known, key=len) if known else None

    def union(sets):
        return None if any(x is None for x in sets) else frozenset().union(*sets)

    required = union([fold_condition(c, eids, eids.get, smallest, union, lambda _: None) for c in conds])
    guard = guard_disj([fold_condition(c, guards, guards.get, guard_conj, guard_disj, lambda _: None) for c in conds])
    return expr, fields, required, guard


def _selection_eids(sel):
    """The EventIDs a selection requires (plain EventID values), or None."""
    maps = [sel] if isinstance(sel, dict) else sel if isinstance(sel, list) and sel and all(isinstance(x, dict) for x in sel) else None
    if not maps:
        return None
    out = set()
    for m in maps:
        vals = None
        for k, v in m.items():
            if str(k).lower() == "eventid":
                vals = v if isinstance(v, list) else [v]
        if vals is None:
            return None
        for v in vals:
            try:
                out.add(int(v))
            except (TypeError, ValueError):
                return None
    return frozenset(out)
