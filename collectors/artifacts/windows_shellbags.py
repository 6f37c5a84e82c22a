"""B4 on Windows: shellbags, the folders each user opened in Explorer (or a file dialog), kept even after
the folder is gone: NTUSER.DAT ``Software\\Microsoft\\Windows\\Shell\\BagMRU`` (and XP/2003's
``ShellNoRoam\\BagMRU``) and UsrClass.dat ``Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU``
(Vista and later): windows_shellbags.json.

Each numbered value of a BagMRU key is a shell item list (one folder), its subkey of the same number
holds the folders opened inside it; the path is the chain of shell items from the root. The shell
items are decoded with libyal's libfwsi (and libfwps for the property stores of users property
views), the library regipy's own shellbag plugin uses; the BagMRU tree is walked here through the
registry seam, so the same code reads a live registry (winreg) and the hive copies of an offline root,
and a slot missing from MRUListEx or a damaged item loses only that item.

Times (UTC, from key last write times; the only times a BagMRU keeps):
- ``last_interacted``: for the folder at MRU position 0 of its parent key, the parent key's last write,
  i.e. when this folder last became the most recent one opened there;
- ``first_interacted``: for a folder whose own BagMRU key has no subfolders, that key's last write (it
  has not changed since the folder was first opened).
The shell item's own FAT date-times of the folder (modified, created, accessed) are kept as stored,
without a zone (``folder_*``): they describe the folder on disk when it was opened, not the opening.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from . import _windows as win


@records.record("windows_shellbags", version=1)
@dataclass
class ShellBag:
    user: str | None
    sid: str | None
    hive: str                       # NTUSER.DAT or UsrClass.dat
    key: str                        # the BagMRU key holding this folder's value
    slot: str                       # the value name (its subkey, if any, holds the folders inside)
    path: str | None                # the full shell path: My Computer\C:\Users\alice\Documents
    name: str | None = None         # this folder's own shell item name
    item_type: str | None = None    # volume, folder, network_location, root_folder, users_property_view...
    mru_position: int | None = None  # 0 = opened most recently among its siblings (MRUListEx order)
    node_slot: int | None = None    # the Bags\<n> key with the folder's view settings
    last_interacted: str | None = None   # ISO 8601 UTC: the parent key's last write (MRU position 0 only)
    first_interacted: str | None = None  # ISO 8601 UTC: its own key's last write (folders without subfolders)
    key_last_write: str | None = None    # the folder's own BagMRU key last write (ISO 8601 UTC)
    folder_modified: str | None = None   # FAT date-times from the shell item, as stored (no zone)
    folder_created: str | None = None
    folder_accessed: str | None = None
    mft_entry: int | None = None    # NTFS file reference of the folder, when the item keeps it
    mft_sequence: int | None = None
    extra: dict = field(default_factory=dict)


NTUSER_BAGS: tuple[str, ...] = (r"Software\Microsoft\Windows\Shell\BagMRU", r"Software\Microsoft\Windows\ShellNoRoam\BagMRU")
USRCLASS_BAGS: tuple[str, ...] = (r"Local Settings\Software\Microsoft\Windows\Shell\BagMRU",)
MAX_DEPTH = 64          # a BagMRU deeper than this is damaged or hostile: not walked further
MAX_ENTRIES = 200_000   # per hive
PKEY_DISPLAY = ("b725f130-47ef-101a-a5f1-02608c9eebac", 10)   # PKEY_ItemNameDisplay
PKEY_PARSING = ("28636aa6-953d-11d2-b5d6-00c04fd918d0", 30)   # PKEY_ParsingPath


def fwsi_reason() -> str | None:
    """Why shell items cannot be decoded here (None when libfwsi is installed)."""
    try:
        import pyfwsi  # noqa: F401
    except ImportError:
        return "shell items need the Python package libfwsi-python (pip install libfwsi-python)"
    return None


def _known(guid: str | None) -> str | None:
    if not guid:
        return None
    from regipy.constants import KNOWN_GUIDS

    return KNOWN_GUIDS.get(str(guid).lower(), "{" + str(guid) + "}")


def _fat(get) -> str | None:
    """A FAT date-time from a libfwsi getter, as stored (no zone), or None when unset or invalid."""
    try:
        t = get()
    except (OSError, ValueError):
        return None
    return t.strftime("%Y-%m-%dT%H:%M:%S") if t is not None and t.year > 1980 else None


def _property_store(data: bytes | None) -> tuple[str | None, str | None]:
    """(display name, parsing path) from a users property view's property store."""
    if not data:
        return None, None
    try:
        import pyfwps
    except ImportError:
        return None, None
    store = pyfwps.store()
    try:
        store.copy_from_byte_stream(data)
    except OSError:
        return None, None
    name = parsing = None
    for pset in store.sets:
        for rec in pset.records:
            key = (str(pset.identifier).lower(), rec.entry_type)
            try:
                if key == PKEY_DISPLAY and rec.value_type in (0x08, 0x1E, 0x1F):
                    name = rec.get_data_as_string()
                elif key == PKEY_PARSING and rec.value_type in (0x08, 0x1E, 0x1F):
                    parsing = rec.get_data_as_string()
            except OSError:
                continue
    return name, parsing


def describe_item(item) -> dict:
    """One libfwsi shell item as {'type', 'name', ...}: the folder name as Explorer shows it."""
    import pyfwsi

    out: dict = {"type": "unknown", "name": None}
    if isinstance(item, pyfwsi.volume):
        out["type"], out["name"] = "volume", item.name or _known(item.identifier)
    elif isinstance(item, pyfwsi.file_entry):
        out["type"] = "folder"
        long_name = None
        for block in item.extension_blocks:
            if isinstance(block, pyfwsi.file_entry_extension):
                long_name = block.long_name or None
                out["created"] = _fat(block.get_creation_time)
                out["accessed"] = _fat(block.get_access_time)
                ref = getattr(block, "file_reference", None)
                if isinstance(ref, int) and ref:
                    out["mft_entry"], out["mft_sequence"] = ref & 0xFFFFFFFFFFFF, ref >> 48
        out["name"] = long_name or item.name
        out["short_name"] = item.name
        out["modified"] = _fat(item.get_modification_time)
    elif isinstance(item, pyfwsi.network_location):
        out["type"], out["name"] = "network_location", item.location
        if item.description:
            out["description"] = item.description + (f", {item.comments}" if item.comments else "")
    elif isinstance(item, pyfwsi.root_folder):
        out["type"], out["name"] = "root_folder", _known(item.shell_folder_identifier)
    elif isinstance(item, pyfwsi.users_property_view):
        out["type"] = "users_property_view"
        name, parsing = _property_store(item.property_store_data)
        known = getattr(item, "known_folder_identifier", None)
        out["name"] = name or _known(item.delegate_folder_identifier) or _known(known)
        if parsing:
            out["parsing_path"] = parsing
    elif isinstance(item, pyfwsi.control_panel_category):
        out["type"], out["name"] = "control_panel_category", _known(str(item.identifier))
    elif isinstance(item, pyfwsi.control_panel_item):
        out["type"], out["name"] = "control_panel_item", _known(item.identifier)
    if not out["name"]:
        out["name"] = "<unknown shell item>"
    return out


def join(parent: str | None, item: dict) -> str:
    """The shell path of `item` under `parent`: a UNC location starts a path of its own, a volume
    ('C:\\') is not followed by a second backslash."""
    name = str(item["name"])
    if not parent or name.startswith("\\\\"):
        return name
    return parent + name if parent.endswith("\\") else f"{parent}\\{name}"


def decode_value(data: bytes) -> list[dict]:
    """The shell items of one BagMRU value (usually one)."""
    import pyfwsi

    items = pyfwsi.item_list()
    items.copy_from_byte_stream(data)
    return [describe_item(it) for it in items.items]


def _walk(api, hive: str, key: str, parent: str | None, depth: int, ctx: dict, base: dict) -> None:
    from .windows_user_mru import _order_ex

    values = win._values(api, win.HKU, key)
    parent_time = win.key_time(api, win.HKU, key)
    order = _order_ex(values)
    for slot in sorted((n for n in values if n.isdigit()), key=int):
        if ctx["count"] >= MAX_ENTRIES:
            ctx["notes"].append(f"HKU\\{key}: more than {MAX_ENTRIES} shellbags, the rest not read")
            return
        data = values[slot]
        node = f"{key}\\{slot}"
        node_values = win._values(api, win.HKU, node)
        node_time = win.key_time(api, win.HKU, node)
        pos = order.index(slot) if slot in order else None
        row = ShellBag(**base, key=key[len(ctx["prefix"]) + 1:], slot=slot, path=None,
                       mru_position=pos, key_last_write=node_time,
                       last_interacted=parent_time if pos == 0 else None)
        ns = node_values.get("NodeSlot")
        row.node_slot = ns if isinstance(ns, int) else None
        if node_time is not None and not any(n.isdigit() for n in node_values):
            row.first_interacted = node_time
        if pos is None:
            row.extra["mru"] = "not in MRUListEx"
        items: list[dict] = []
        if isinstance(data, (bytes, bytearray)):
            try:
                items = decode_value(bytes(data))
            except OSError as exc:
                ctx["notes"].append(f"HKU\\{node}: shell item not decodable ({exc})")
                row.extra["raw"] = bytes(data[:256]).hex()
        if items:
            path = parent
            for it in items:
                path = join(path, it)
            last = items[-1]
            row.path, row.name, row.item_type = path, last["name"], last["type"]
            row.folder_modified, row.folder_created = last.get("modified"), last.get("created")
            row.folder_accessed = last.get("accessed")
            row.mft_entry, row.mft_sequence = last.get("mft_entry"), last.get("mft_sequence")
            for k in ("short_name", "description", "parsing_path"):
                if last.get(k):
                    row.extra[k] = last[k]
            if last["type"] == "unknown":
                row.extra["raw"] = bytes(data[:256]).hex()
        ctx["rows"].append(row)
        ctx["count"] += 1
        if depth + 1 >= MAX_DEPTH:
            ctx["notes"].append(f"HKU\\{node}: BagMRU deeper than {MAX_DEPTH} levels, not walked further")
            continue
        if node_values or node_time is not None:
            _walk(api, hive, node, row.path if row.path is not None else parent, depth + 1, ctx, base)


def _classes_keys(api) -> list[tuple[str, str | None, str | None]]:
    """(HKU key of the classes hive, SID, user) of every UsrClass.dat: every profile offline, the loaded
    ones live (HKU\\<SID>_Classes)."""
    profiles = getattr(api, "profiles", None)
    if profiles is not None:
        return [(p["key"] + "_Classes", p["sid"], p["user"]) for p in profiles() if p.get("usrclass") is not None]
    out = []
    for prefix, sid, user in win.user_hive_keys(api):
        if win.subkeys(api, win.HKU, prefix + "_Classes") or win._values(api, win.HKU, prefix + "_Classes"):
            out.append((prefix + "_Classes", sid, user))
    return out


def shellbags(api, notes: list[str]) -> list[ShellBag]:
    ctx: dict = {"rows": [], "notes": notes, "count": 0}
    sources: list[tuple[str, str | None, str | None, str, tuple[str, ...]]]
    sources = [(prefix, sid, user, "NTUSER.DAT", NTUSER_BAGS) for prefix, sid, user in win.user_hive_keys(api)]
    sources += [(prefix, sid, user, "UsrClass.dat", USRCLASS_BAGS) for prefix, sid, user in _classes_keys(api)]
    for prefix, sid, user, hive, keys in sources:
        ctx["count"], ctx["prefix"] = 0, prefix
        for key in keys:
            full = f"{prefix}\\{key}"
            if win.key_time(api, win.HKU, full) is None and not win._values(api, win.HKU, full):
                continue
            base = {"user": user, "sid": sid, "hive": hive}
            _walk(api, hive, full, None, 0, ctx, base)
    return ctx["rows"]


class WindowsShellbags(win.RegistryArtifact, Collector):
    name = "windows_shellbags"
    version = "1.0"
    os = ("windows",)
    HIVES = ("USERS",)
    WHERE = "user hives (NTUSER.DAT, UsrClass.dat)"

    def check(self, ctx: Context) -> str | None:
        return win.registry_reason(ctx, *self.HIVES) or (fwsi_reason() if ctx.os == "windows" else None)

    def outputs(self):
        return [("windows_shellbags.json", ShellBag, "HKU\\*\\...\\Shell\\BagMRU, HKU\\*_Classes\\...\\Shell\\BagMRU",
                 shellbags)]
