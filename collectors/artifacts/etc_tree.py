"""B4 the whole of /etc, copied as it is, except secret contents: shadow and gshadow (their fields a
responder needs are recorded instead: last password change, lock state, expiry, the hash scheme but never
the hash), private keys (ssh host keys, /etc/ssl/private, *.key: metadata only).

- every other regular file up to ``options['etc_max_file_bytes']`` (8 MiB) each and
  ``options['etc_max_total_bytes']`` (512 MiB) in all; links listed in ``etc_links.json``;
- ``shadow_entries.json`` (ShadowEntry) and ``etc_secrets.json`` (SecretFile: the metadata of what was
  not copied). Audit rules (/etc/audit), anacrontab, sysctl.d and every other configuration come with it.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import stat
from dataclasses import dataclass, field

from .. import records, sources
from ..base import Collector, Context
from ..util import ts_to_iso
from ._common import Symlink, link_record, read_logical, resolve_in_root, walk_tree

SECRET_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd")
SECRET_GLOBS = ("/etc/ssh/ssh_host_*_key", "/etc/ssl/private/*", "*.key", "*.p12", "*.pfx", "*.keytab",
                "/etc/letsencrypt/archive/*/privkey*", "/etc/letsencrypt/live/*/privkey*", "*/private/*",
                "/etc/NetworkManager/system-connections/*", "/etc/wpa_supplicant/*.conf", "/etc/ppp/*-secrets",
                "/etc/openvpn/*.key", "/etc/krb5.keytab", "/etc/ipsec.secrets")
DEFAULT_MAX_FILE = 8 << 20
DEFAULT_MAX_TOTAL = 512 << 20
HASH_SCHEMES = {"1": "md5crypt", "2a": "bcrypt", "2b": "bcrypt", "2y": "bcrypt", "5": "sha256crypt",
                "6": "sha512crypt", "y": "yescrypt", "gy": "gost-yescrypt", "7": "scrypt", "sha1": "sha1crypt"}


@records.record("shadow_entry", version=1)
@dataclass
class ShadowEntry:
    user: str
    file: str
    password_state: str  # set | locked | no password | disabled (* or !!) | empty
    scheme: str | None  # the hash scheme (sha512crypt, yescrypt...); the hash itself is never stored
    last_change: str | None  # ISO date of the last password change
    last_change_days: int | None
    min_days: int | None
    max_days: int | None
    warn_days: int | None
    inactive_days: int | None
    expires: str | None
    extra: dict = field(default_factory=dict)


@records.record("secret_file", version=1)
@dataclass
class SecretFile:
    path: str
    size: int
    mode: str
    uid: int
    gid: int
    mtime: str | None
    ctime: str | None
    why: str = "secret contents: metadata only"
    extra: dict = field(default_factory=dict)


def _int(s: str) -> int | None:
    return int(s) if s.strip().lstrip("-").isdigit() else None


def _day(days: int | None) -> str | None:
    if days is None or days < 0:
        return None
    try:
        return (_dt.date(1970, 1, 1) + _dt.timedelta(days=days)).isoformat()
    except OverflowError:
        return None


def parse_shadow(text: str, file: str = "/etc/shadow") -> list[ShadowEntry]:
    out = []
    for line in text.splitlines():
        f = line.split(":")
        if len(f) < 2 or not f[0]:
            continue
        f += [""] * (9 - len(f))
        pw = f[1]
        locked = pw.startswith("!")
        core = pw.lstrip("!")
        if pw == "":
            state = "no password"
        elif core in ("*", "!", "") or pw in ("!!", "*"):
            state = "disabled" if not locked or core in ("", "*", "!") else "locked"
        else:
            state = "locked" if locked else "set"
        scheme = None
        if core.startswith("$"):
            scheme = HASH_SCHEMES.get(core.split("$")[1], core.split("$")[1])
        elif core and core not in ("*", "!") and len(core) == 13:
            scheme = "des"
        last = _int(f[2])
        out.append(ShadowEntry(f[0], file, state, scheme, _day(last) if last else None, last, _int(f[3]),
                               _int(f[4]), _int(f[5]), _int(f[6]), _day(_int(f[7]))))
    return out


def is_secret(logical: str) -> bool:
    if logical in SECRET_FILES:
        return True
    return any(fnmatch.fnmatchcase(logical, g) for g in SECRET_GLOBS)


class EtcTree(Collector):
    name = "etc_tree"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        max_file = int(ctx.options.get("etc_max_file_bytes") or DEFAULT_MAX_FILE)
        max_total = int(ctx.options.get("etc_max_total_bytes") or DEFAULT_MAX_TOTAL)
        top = resolve_in_root(ctx, "/etc")
        if top is None:
            return
        shadow: list[ShadowEntry] = []
        for logical in ("/etc/shadow", "/etc/gshadow"):
            text = read_logical(ctx, logical)
            if text is not None and logical == "/etc/shadow":
                shadow += parse_shadow(text, logical)
        secrets: list[SecretFile] = []
        links: list[dict] = []
        total = 0
        count = 0
        left = 0
        for real, kind in walk_tree(ctx, top, max_depth=16):
            if ctx.cancelled:
                return
            logical = ctx.logical(real)
            if kind == "link":
                links.append(link_record(ctx, real))
                continue
            if kind != "file":
                continue
            try:
                st = sources.lstat(real)
            except OSError:
                continue
            if is_secret(logical):
                secrets.append(SecretFile(logical, st.st_size, stat.filemode(st.st_mode), st.st_uid, st.st_gid,
                                          ts_to_iso(st.st_mtime), ts_to_iso(st.st_ctime)))
                continue
            if total >= max_total:
                left += 1
                continue
            result = ctx.put_file(real, limit=min(max_file, max_total - total))
            total += getattr(result, "size", 0)
            count += 1
            yield result
            if count % 200 == 0:
                yield ctx.progress(count, None, logical)
        if left:
            yield ctx.incomplete(f"total cap of {max_total} bytes for /etc reached: {left} files not copied "
                                 "(options etc_max_total_bytes)")
        if shadow:
            yield ctx.put_records("shadow_entries.json", ShadowEntry, shadow,
                                  source="/etc/shadow (fields only; no password hash stored)")
        yield ctx.put_records("etc_secrets.json", SecretFile, secrets, source="/etc (secret files: metadata only)")
        if links:
            yield ctx.put_records("etc_links.json", Symlink, records.from_dicts(Symlink, links),
                                  source="symbolic links under /etc")


