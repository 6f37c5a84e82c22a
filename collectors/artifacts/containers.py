"""B3 containers read from the engines' state folders, never by running the host's docker or podman:

- Docker: ``/var/lib/docker/containers/ID/config.v2.json`` and ``hostconfig.json`` (copied and read:
  name, image, command, created, running and pid, privileged, mounts, published ports), each container's
  log ``ID-json.log`` (copied up to ``options['container_log_max_bytes']``, 64 MiB), and the image list
  ``/var/lib/docker/image/*/repositories.json``;
- Podman (root and each user's ``~/.local/share/containers/storage``): ``overlay-containers/containers.json``
  and ``overlay-images/images.json``, copied and read.

``containers.json`` (Container).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import records, sources
from ..base import Collector, Context
from ._common import glob_logical, read_logical, resolve_in_root
from .config_files import home_dirs

DEFAULT_LOG_MAX = 64 << 20


@records.record("container", version=1)
@dataclass
class Container:
    engine: str  # docker | podman
    id: str
    name: str | None
    image: str | None
    command: list
    created: str | None
    running: bool | None
    pid: int | None
    privileged: bool | None = None
    mounts: list = field(default_factory=list)
    ports: dict = field(default_factory=dict)
    user: str | None = None  # the rootless owner
    config_evidence: str | None = None
    log_evidence: str | None = None
    extra: dict = field(default_factory=dict)


def _json(ctx: Context, logical: str):
    text = read_logical(ctx, logical, limit=64 << 20)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        ctx.notes.append(f"{logical}: not valid JSON")
        return None


class Containers(Collector):
    name = "containers"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        stores = ["/var/lib/docker", "/var/lib/containers"]
        if any(resolve_in_root(ctx, s) for s in stores) or any(
                resolve_in_root(ctx, f"{h}/.local/share/containers") for h in home_dirs(ctx)):
            return None
        return "no Docker or Podman state folder here"

    def collect(self, ctx: Context):
        log_max = int(ctx.options.get("container_log_max_bytes") or DEFAULT_LOG_MAX)
        rows: list[Container] = []
        for cfg in glob_logical(ctx, "/var/lib/docker/containers/*/config.v2.json"):
            if ctx.cancelled:
                return
            folder = ctx.logical(cfg.parent)
            rec = ctx.put_file(cfg)
            yield rec
            conf = _json(ctx, f"{folder}/config.v2.json") or {}
            host = _json(ctx, f"{folder}/hostconfig.json") or {}
            if resolve_in_root(ctx, f"{folder}/hostconfig.json"):
                yield ctx.put_file(ctx.path(f"{folder}/hostconfig.json"))
            c = conf.get("Config") or {}
            state = conf.get("State") or {}
            cid = conf.get("ID") or cfg.parent.name
            row = Container("docker", cid, (conf.get("Name") or "").lstrip("/") or None,
                            c.get("Image") or conf.get("Image"),
                            list(c.get("Entrypoint") or []) + list(c.get("Cmd") or []), conf.get("Created"),
                            state.get("Running"), state.get("Pid") or None, host.get("Privileged"),
                            [{"source": m.get("Source"), "destination": m.get("Destination"), "rw": m.get("RW")}
                             for m in (conf.get("MountPoints") or {}).values()],
                            host.get("PortBindings") or {}, config_evidence=getattr(rec, "id", None))
            log = ctx.path(f"{folder}/{cid}-json.log")
            if sources.is_regular_file(log):
                lrec = ctx.put_file(log, limit=log_max)
                yield lrec
                row.log_evidence = getattr(lrec, "id", None)
            rows.append(row)
        for real in glob_logical(ctx, "/var/lib/docker/image/*/repositories.json"):
            yield ctx.put_file(real)
        stores = [("/var/lib/containers/storage", None)] + [
            (f"{h}/.local/share/containers/storage", "root" if h == "/root" else h.rsplit("/", 1)[-1])
            for h in home_dirs(ctx)]
        for store, user in stores:
            listed = f"{store}/overlay-containers/containers.json"
            data = _json(ctx, listed)
            if data is None:
                continue
            state = resolve_in_root(ctx, listed)
            if state is not None:  # gone since it was read: nothing to copy
                yield ctx.put_file(state)
            images = {}
            imgs = _json(ctx, f"{store}/overlay-images/images.json")
            listing = resolve_in_root(ctx, f"{store}/overlay-images/images.json")
            if imgs is not None and listing is not None:
                yield ctx.put_file(listing)
                images = {i.get("id"): (i.get("names") or [None])[0] for i in imgs if isinstance(i, dict)}
            for c in data if isinstance(data, list) else []:
                if not isinstance(c, dict):
                    continue
                meta = {}
                try:
                    meta = json.loads(c.get("metadata") or "{}")
                except ValueError:
                    pass
                rows.append(Container("podman", c.get("id", "?"), (c.get("names") or [None])[0],
                                      images.get(c.get("image")) or meta.get("image-name") or c.get("image"),
                                      [], c.get("created"), None, None, user=user))
        yield ctx.put_records("containers.json", Container, rows,
                              source="/var/lib/docker, /var/lib/containers, ~/.local/share/containers")
