"""B4 on Windows: every local account of the SAM hive (SAM\\Domains\\Account\\Users) with its RID and SID,
creation time, last logon, password last set, logon and failed logon counts, the disabled flag and the
local groups it is in (Builtin aliases): windows_sam_accounts.json. The F and V values are decoded here
(fixed layouts, documented by the libyal project). Offline only: a running Windows lets no one but
SYSTEM read the SAM."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from . import _windows as win
from ._hives import filetime_at, utf16z


@records.record("windows_sam_accounts", version=1)
@dataclass
class SamAccount:
    rid: int
    name: str | None = None
    sid: str | None = None
    full_name: str | None = None
    comment: str | None = None
    created: str | None = None            # the account's Names\<name> key last write (ISO 8601 UTC)
    last_logon: str | None = None
    password_last_set: str | None = None
    account_expires: str | None = None
    last_failed_logon: str | None = None
    logon_count: int | None = None
    failed_logons: int | None = None      # bad password count since the last good logon
    flags: int | None = None              # ACB flags
    disabled: bool | None = None
    password_not_required: bool | None = None
    groups: list = field(default_factory=list)  # local groups (Administrators, Remote Desktop Users, ...)
    extra: dict = field(default_factory=dict)


USERS = r"SAM\SAM\Domains\Account\Users"
ACCOUNT = r"SAM\SAM\Domains\Account"
ALIASES = r"SAM\SAM\Domains\Builtin\Aliases"
ACB_DISABLED, ACB_PWNOTREQ = 0x0001, 0x0004


def parse_sid(data: bytes, off: int = 0) -> tuple[str, int] | None:
    """A binary SID at `off`: (S-1-..., its length)."""
    if len(data) < off + 8:
        return None
    rev, count = data[off], data[off + 1]
    end = off + 8 + 4 * count
    if rev != 1 or count > 15 or len(data) < end:
        return None
    auth = int.from_bytes(data[off + 2: off + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, off + 8)
    return "S-1-" + "-".join(str(x) for x in (auth, *subs)), end - off


def machine_sid(api) -> str | None:
    """S-1-5-21-a-b-c from the last 12 bytes of the Account key's V value."""
    v = win._values(api, win.HKLM, ACCOUNT).get("V")
    if not isinstance(v, (bytes, bytearray)) or len(v) < 12:
        return None
    a, b, c = struct.unpack_from("<III", bytes(v), len(v) - 12)
    return f"S-1-5-21-{a}-{b}-{c}"


def _v_string(v: bytes, index: int) -> str | None:
    """String `index` of the V value: a table of (offset, length, _) entries, data after 0xCC."""
    at = index * 12
    if len(v) < at + 8:
        return None
    off, length = struct.unpack_from("<II", v, at)
    start = off + 0xCC
    if length == 0 or start + length > len(v):
        return None
    return utf16z(v[start:start + length]) or None


def parse_f(f: bytes, row: SamAccount) -> None:
    if len(f) < 0x44:
        row.extra["f_value"] = f"too short ({len(f)} bytes)"
        return
    row.last_logon, row.password_last_set = filetime_at(f, 0x08), filetime_at(f, 0x18)
    row.account_expires, row.last_failed_logon = filetime_at(f, 0x20), filetime_at(f, 0x28)
    row.flags = struct.unpack_from("<H", f, 0x38)[0]
    row.failed_logons, row.logon_count = struct.unpack_from("<HH", f, 0x40)
    row.disabled = bool(row.flags & ACB_DISABLED)
    row.password_not_required = bool(row.flags & ACB_PWNOTREQ)


def alias_members(c: bytes) -> tuple[str | None, list[str]]:
    """(group name, member SIDs) of a Builtin alias C value."""
    if len(c) < 0x34:
        return None, []
    name_off, name_len = struct.unpack_from("<II", c, 0x10)
    members_off, _unk, count = struct.unpack_from("<III", c, 0x28)
    name = utf16z(c[0x34 + name_off: 0x34 + name_off + name_len]) or None
    sids, off = [], 0x34 + members_off
    for _ in range(min(count, 10000)):
        got = parse_sid(c, off)
        if got is None:
            break
        sids.append(got[0])
        off += got[1]
    return name, sids


def groups(api) -> dict[str, list[str]]:
    """Member SID -> local group names."""
    out: dict[str, list[str]] = {}
    for alias in sorted(win.subkeys(api, win.HKLM, ALIASES)):
        c = win._values(api, win.HKLM, f"{ALIASES}\\{alias}").get("C")
        if isinstance(c, (bytes, bytearray)):
            name, members = alias_members(bytes(c))
            for sid in members:
                out.setdefault(sid, []).append(name or alias)
    return out


def accounts(api, notes: list[str]) -> list[SamAccount]:
    names: dict[str, tuple[str, str | None]] = {}
    for name in win.subkeys(api, win.HKLM, USERS + r"\Names"):
        key = f"{USERS}\\Names\\{name}"
        # the RID is the value type of the Names\<name> default value: the seam hides types, so the
        # RID comes from the V value below; the key's last write is the account's creation time
        names[name.lower()] = (name, win.key_time(api, win.HKLM, key))
    msid = machine_sid(api)
    member_of = groups(api)
    rows: list[SamAccount] = []
    for sub in sorted(win.subkeys(api, win.HKLM, USERS)):
        if sub == "Names":
            continue
        try:
            rid = int(sub, 16)
        except ValueError:
            continue
        v = win._values(api, win.HKLM, f"{USERS}\\{sub}")
        row = SamAccount(rid=rid, sid=f"{msid}-{rid}" if msid else None)
        if isinstance(v.get("V"), (bytes, bytearray)):
            vb = bytes(v["V"])
            row.name, row.full_name, row.comment = _v_string(vb, 1), _v_string(vb, 2), _v_string(vb, 3)
        if isinstance(v.get("F"), (bytes, bytearray)):
            parse_f(bytes(v["F"]), row)
        else:
            notes.append(f"HKLM\\{USERS}\\{sub}: no F value (logon times and flags unknown)")
        if row.name and row.name.lower() in names:
            row.created = names[row.name.lower()][1]
        row.groups = sorted(member_of.get(row.sid or "", []))
        rows.append(row)
    return rows


def accounts_or_none(api, notes: list[str]) -> list[SamAccount]:
    rows = accounts(api, notes)
    if not rows:
        notes.append(f"HKLM\\{USERS}: no accounts found")
    return rows


class WindowsSam(win.RegistryArtifact, Collector):
    name = "windows_sam"
    version = "1.0"
    os = ("windows",)
    HIVES = ("SAM",)
    WHERE = "SAM hive"

    def check(self, ctx: Context) -> str | None:
        if ctx.live:
            return "the SAM hive is readable only by SYSTEM on a running Windows (collect it from an image)"
        return win.registry_reason(ctx, "SAM")

    def outputs(self):
        return [("windows_sam_accounts.json", SamAccount, f"HKLM\\{USERS}", accounts_or_none)]
