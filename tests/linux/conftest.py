"""Fixtures of the Linux triage tests: a case, and a runner of one collector against a fake root or the
live system."""
from __future__ import annotations

import json

import pytest

from collectors import records
from collectors.base import Context, Incomplete
from collectors.case import Case, EvidenceRecord


def write(root, rel: str, data, mode: int | None = None):
    """Plant a file at the logical path `rel` of a fake root."""
    import os

    p = root / rel.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(p, mode)
    return p


@pytest.fixture
def case(tmp_path):
    c = Case.create(tmp_path / "case", examiner="test")
    yield c
    c.close()


class Ran:
    def __init__(self, ctx: Context, events: list):
        self.ctx = ctx
        self.events = events
        self.stored = [e for e in events if isinstance(e, EvidenceRecord)]
        self.notes = [e.reason for e in events if isinstance(e, Incomplete)] + [
            n for n in ctx.notes if n not in {e.reason for e in events if isinstance(e, Incomplete)}]

    def named(self, prefix: str) -> list[EvidenceRecord]:
        return [r for r in self.stored if r.name.startswith(prefix)]

    def rows(self, prefix: str, cls=None) -> list:
        out = []
        for r in self.named(prefix):
            if r.kind != "api":
                continue  # a copied file of the same name (Podman's own containers.json)
            data = json.loads(self.ctx.case.evidence_path(r).read_bytes())
            out += records.load(data, cls) if cls else records.rows_of(data)
        return out

    def text(self, prefix: str) -> str:
        return "".join(self.ctx.case.evidence_path(r).read_text(errors="replace") for r in self.named(prefix))


def run_collector(case, coll, *, root=None, options=None, checklist_id="B4", run_id=None, cancel=None) -> Ran:
    ctx = Context(case, run_id=run_id, checklist_id=checklist_id, root=root, options=options or {},
                  collector_name=coll.name, collector_version=coll.version, cancel=cancel)
    why = coll.why_not(ctx)
    assert why is None, why
    return Ran(ctx, list(coll.collect(ctx)))


@pytest.fixture
def run(case):
    return lambda coll, **kw: run_collector(case, coll, **kw)
