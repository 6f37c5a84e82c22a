"""The section 2.1 checklist, loaded from YAML and validated before anything runs.

Errors name the file and the line: `checklist.yaml line 42: item B7: unknown collector 'sockets'`.
"""
from __future__ import annotations

import dataclasses
import re
from importlib import resources as importlib_resources
from pathlib import Path

import yaml

from .errors import ChecklistError

ID_RE = re.compile(r"^[A-Z][0-9]{1,2}$")
KNOWN_OS = {"linux", "windows", "darwin"}
REQUIRED = {
    "id": str, "label_vi": str, "label_en": str, "volatility": int, "os": list,
    "needs_admin": bool, "changes_system": bool, "collectors": list,
}


@dataclasses.dataclass(frozen=True)
class Item:
    id: str
    label_vi: str
    label_en: str
    volatility: int
    os: tuple[str, ...]
    needs_admin: bool
    changes_system: bool
    collectors: tuple[str, ...]
    line: int

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclasses.dataclass(frozen=True)
class Checklist:
    items: tuple[Item, ...]
    profiles: dict[str, tuple[str, ...]]
    source: str

    def by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    def __getitem__(self, item_id: str) -> Item:
        try:
            return self.by_id()[item_id]
        except KeyError:
            raise ChecklistError(f"no checklist item {item_id!r} (known: {', '.join(self.ids())})") from None

    def ids(self) -> list[str]:
        return [i.id for i in self.items]

    def select(self, profile: str | None = None, only: list[str] | None = None) -> list[Item]:
        """Items of a profile (or the ids in `only`), in order of volatility, then id order."""
        if only:
            unknown = [i for i in only if i not in self.by_id()]
            if unknown:
                raise ChecklistError(f"unknown checklist item(s): {', '.join(unknown)} (known: {', '.join(self.ids())})")
            chosen = set(only)
        else:
            profile = profile or "triage"
            if profile not in self.profiles:
                raise ChecklistError(f"unknown profile {profile!r} (known: {', '.join(self.profiles)})")
            chosen = set(self.profiles[profile])
        items = [i for i in self.items if i.id in chosen]
        return sorted(items, key=lambda i: (i.volatility, _id_key(i.id)))


def _id_key(item_id: str) -> tuple[str, int]:
    return item_id[0], int(item_id[1:])


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping as '__line__'."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = loader.construct_mapping(node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    # Duplicate keys are an error (YAML would keep the last silently).
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ChecklistError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
        seen[key] = True
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def default_path() -> Path:
    return Path(str(importlib_resources.files("resources").joinpath("checklist.yaml")))


def load(path: str | Path | None = None, *, known_collectors: set[str] | None = None) -> Checklist:
    """Load and validate a checklist file (the shipped one by default)."""
    path = Path(path) if path else default_path()
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChecklistError(f"cannot read the checklist {path}: {exc.strerror}") from exc
    return parse(text, name=name, known_collectors=known_collectors)


def parse(text: str, *, name: str = "checklist.yaml", known_collectors: set[str] | None = None) -> Checklist:
    if known_collectors is None:
        from .base import registry

        known_collectors = set(registry())

    def fail(line: int | None, msg: str):
        where = f"{name} line {line}" if line else name
        raise ChecklistError(f"{where}: {msg}", line=line)

    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except ChecklistError as exc:
        fail(exc.data.get("line"), exc.message)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fail(mark.line + 1 if mark else None, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(doc, dict):
        fail(1, "the checklist must be a mapping with 'items' and 'profiles'")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        fail(doc.get("__line__"), "'items' must be a non-empty list")
    items: list[Item] = []
    seen: set[str] = set()
    for raw in raw_items:
        if not isinstance(raw, dict):
            fail(None, f"each item must be a mapping, got {raw!r}")
        line = raw.get("__line__")
        ident = raw.get("id", "?")
        for key, typ in REQUIRED.items():
            if key not in raw:
                fail(line, f"item {ident}: missing '{key}'")
            value = raw[key]
            if typ is int and isinstance(value, bool) or not isinstance(value, typ):
                fail(line, f"item {ident}: '{key}' must be {typ.__name__}, got {value!r}")
        extra = set(raw) - set(REQUIRED) - {"__line__", "notes"}
        if extra:
            fail(line, f"item {ident}: unknown key(s) {', '.join(sorted(extra))}")
        for key in ("os", "collectors"):
            bad = [v for v in raw[key] if not isinstance(v, str)]
            if bad:
                fail(line, f"item {ident}: '{key}' must be a list of names, got {bad[0]!r}")
        if not ID_RE.match(ident):
            fail(line, f"item id {ident!r} is not like B1..B11")
        if ident in seen:
            fail(line, f"item {ident} appears twice")
        seen.add(ident)
        if not 1 <= raw["volatility"] <= 9:
            fail(line, f"item {ident}: volatility must be 1 (most volatile) to 9")
        bad_os = [o for o in raw["os"] if o not in KNOWN_OS]
        if bad_os:
            fail(line, f"item {ident}: unknown os {bad_os} (known: {sorted(KNOWN_OS)})")
        if not raw["collectors"]:
            fail(line, f"item {ident}: no collectors")
        unknown = [c for c in raw["collectors"] if c not in known_collectors]
        if unknown:
            fail(line, f"item {ident}: unknown collector(s) {', '.join(map(repr, unknown))}")
        items.append(Item(
            id=ident, label_vi=raw["label_vi"], label_en=raw["label_en"], volatility=raw["volatility"],
            os=tuple(raw["os"]), needs_admin=raw["needs_admin"], changes_system=raw["changes_system"],
            collectors=tuple(raw["collectors"]), line=line or 0,
        ))
    raw_profiles = doc.get("profiles") or {}
    if not isinstance(raw_profiles, dict):
        fail(doc.get("__line__"), "'profiles' must be a mapping of name to a list of item ids")
    profiles: dict[str, tuple[str, ...]] = {}
    line = raw_profiles.get("__line__")
    for pname, ids in raw_profiles.items():
        if pname == "__line__":
            continue
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            fail(line, f"profile {pname}: must be a list of item ids")
        missing = [i for i in ids if i not in seen]
        if missing:
            fail(line, f"profile {pname}: unknown item(s) {', '.join(map(str, missing))}")
        profiles[pname] = tuple(ids)
    return Checklist(items=tuple(items), profiles=profiles, source=name)
