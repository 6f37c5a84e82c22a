"""B4 accounts and access: per user, SSH's known_hosts, config and rc (copied and parsed), the metadata of
key files (a private key's contents are never read: name, size, mode, times only; public keys copied),
shell start-up files, and the user's own systemd units (``~/.config/systemd/user``) with what they start.

- ``ssh_known_hosts.json`` (KnownHost): user, file, line, hosts (hashed entries say so), key type, the
  key's SHA-256 fingerprint as ssh-keygen prints it;
- ``ssh_keys.json`` (SshKeyFile): metadata of every file under ~/.ssh;
- ``user_units.json`` (UserUnit): unit, ExecStart lines, WantedBy;
- the files themselves (known_hosts, config, rc, *.pub, shell rc files, units) copied as evidence.
"""
from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass, field

from .. import records, sources
from ..base import Collector, Context
from ..util import decode_path, ts_to_iso
from ._common import read_logical, resolve_in_root, walk_tree
from .config_files import home_dirs

SHELL_FILES = (".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv",
               ".zprofile", ".zlogin", ".zlogout", ".kshrc", ".cshrc", ".tcshrc", ".config/fish/config.fish",
               ".xinitrc", ".xsession", ".xprofile")
SSH_COPY = ("known_hosts", "known_hosts2", "config", "rc", "authorized_keys", "authorized_keys2", "environment")
SYSTEM_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
UNIT_DIRS = (".config/systemd/user", ".local/share/systemd/user")


@records.record("ssh_known_host", version=1)
@dataclass
class KnownHost:
    user: str
    file: str
    line: int
    hosts: list  # names/addresses as written ('|1|...' for hashed entries)
    hashed: bool
    key_type: str
    fingerprint: str  # SHA256:... as ssh-keygen -l shows it
    marker: str = ""  # @cert-authority / @revoked
    extra: dict = field(default_factory=dict)


@records.record("ssh_key_file", version=1)
@dataclass
class SshKeyFile:
    user: str
    path: str
    kind: str  # private (by name, contents not read) | public | known_hosts | config | authorized_keys | other
    size: int
    mode: str
    uid: int
    mtime: str | None
    ctime: str | None
    extra: dict = field(default_factory=dict)


@records.record("user_unit", version=1)
@dataclass
class UserUnit:
    user: str
    path: str
    exec_start: list
    wanted_by: list
    evidence_id: str | None = None
    extra: dict = field(default_factory=dict)


def fingerprint(b64: str) -> str:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, TypeError):
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def parse_known_hosts(text: str, *, user: str, file: str) -> list[KnownHost]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        marker = ""
        if parts[0].startswith("@"):
            marker, parts = parts[0], parts[1:]
        if len(parts) < 3:
            continue
        hosts = parts[0].split(",")
        out.append(KnownHost(user, file, n, hosts, hosts[0].startswith("|1|"), parts[1], fingerprint(parts[2]), marker))
    return out


def parse_unit(text: str) -> tuple[list[str], list[str]]:
    execs, wanted = [], []
    for line in text.splitlines():
        k, sep, v = line.strip().partition("=")
        if not sep:
            continue
        k = k.strip()
        if k in ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecReload"):
            execs.append(v.strip())
        elif k == "WantedBy":
            wanted += v.split()
    return execs, wanted


def _kind(name: str) -> str:
    if name.endswith(".pub"):
        return "public"
    if name.startswith("known_hosts"):
        return "known_hosts"
    if name.startswith("authorized_keys"):
        return "authorized_keys"
    if name in ("config", "rc", "environment"):
        return name
    if name.startswith("id_") or name.endswith((".pem", ".key")) or "key" in name:
        return "private"
    return "other"


class UserAccess(Collector):
    name = "user_access"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        known: list[KnownHost] = []
        keys: list[SshKeyFile] = []
        units: list[UserUnit] = []
        for logical in SYSTEM_KNOWN_HOSTS:
            text = read_logical(ctx, logical)
            if text is not None:
                known += parse_known_hosts(text, user="(system)", file=logical)
                real = resolve_in_root(ctx, logical)
                if real is not None:  # gone since it was read: nothing to copy
                    yield ctx.put_file(real)
        for home in home_dirs(ctx):
            if ctx.cancelled:
                return
            user = "root" if home == "/root" else home.rstrip("/").rsplit("/", 1)[-1]
            ssh = ctx.path(f"{home}/.ssh")
            if sources.is_real_dir(ssh):
                for real, kind in walk_tree(ctx, ssh, max_depth=2):
                    try:
                        st = sources.lstat(real)
                    except OSError:
                        continue
                    name = decode_path(real.name)
                    k = _kind(name)
                    keys.append(SshKeyFile(user, ctx.logical(real), k if kind == "file" else kind, st.st_size,
                                           stat.filemode(st.st_mode), st.st_uid, ts_to_iso(st.st_mtime),
                                           ts_to_iso(st.st_ctime)))
                    if kind != "file" or k == "private" or k == "other":
                        continue  # a private key's contents are never read
                    if name in SSH_COPY or k == "public":
                        yield ctx.put_file(real, limit=16 << 20)
                    if k == "known_hosts":
                        text = read_logical(ctx, ctx.logical(real))
                        known += parse_known_hosts(text or "", user=user, file=ctx.logical(real))
            for f in SHELL_FILES:
                real = ctx.path(f"{home}/{f}")
                if sources.is_regular_file(real):
                    yield ctx.put_file(real, limit=16 << 20)
            for d in UNIT_DIRS:
                top = ctx.path(f"{home}/{d}")
                if not sources.is_real_dir(top):
                    continue
                for real, kind in walk_tree(ctx, top, max_depth=3):
                    if kind == "link":
                        target = sources.readlink(real)
                        units.append(UserUnit(user, ctx.logical(real), [], [], None,
                                              {"link_target": decode_path(os.fsdecode(target))}))
                        continue
                    if kind != "file":
                        continue
                    rec = ctx.put_file(real, limit=1 << 20)
                    yield rec
                    text = read_logical(ctx, ctx.logical(real)) or ""
                    execs, wanted = parse_unit(text)
                    units.append(UserUnit(user, ctx.logical(real), execs, wanted, getattr(rec, "id", None)))
        yield ctx.put_records("ssh_known_hosts.json", KnownHost, known, source="~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts")
        yield ctx.put_records("ssh_keys.json", SshKeyFile, keys, source="~/.ssh (metadata; private keys not read)")
        if units:
            yield ctx.put_records("user_units.json", UserUnit, units, source="~/.config/systemd/user")
