"""B10 on hostile or huge logs: over the cap the newest part is kept and the cut is reported;
a named pipe where a log or history should be is named, never read and never blocks."""
from __future__ import annotations

import hashlib
import os

from collectors.artifacts.log_files import LogFiles
from collectors.base import Context
from collectors.case import EvidenceRecord


def _collect(case, root, **options):
    ctx = Context(case, run_id=None, checklist_id="B10", root=root, collector_name="log_files", options=options)
    events = list(LogFiles().collect(ctx))
    return ctx, {e.source: e for e in events if isinstance(e, EvidenceRecord)}


def test_a_log_over_the_cap_keeps_its_newest_part_and_says_what_was_cut(case, tmp_path):
    root = tmp_path / "root"
    (root / "var/log").mkdir(parents=True)
    data = b"".join(b"Nov 24 10:00:00 web01 app[1]: line %07d\n" % i for i in range(80_000))  # ~3.2 MB
    (root / "var/log/app.log").write_bytes(data)
    cap = 1 << 20
    ctx, recs = _collect(case, root, max_log_bytes=cap)
    rec = recs["/var/log/app.log"]
    cut = len(data) - cap
    assert rec.size == cap and rec.sha256 == hashlib.sha256(data[-cap:]).hexdigest()
    assert case.evidence_path(rec).read_bytes().endswith(b"line 0079999\n")  # the newest line is there
    assert rec.orig_meta["size"] == len(data) and rec.orig_meta["copied_from_byte"] == cut
    note = (f"size cap of {cap} bytes reached: only the last {cap} bytes were copied (the newest part, from byte "
            f"{cut} of {len(data)}; the oldest {cut} bytes were left out)")
    assert rec.incomplete == [note]
    assert ctx.notes == [f"/var/log/app.log: {note}"]
    # Resuming: the same capped tail is not copied again.
    ctx2, recs2 = _collect(case, root, max_log_bytes=cap)
    assert recs2["/var/log/app.log"].id == rec.id


def test_a_fifo_where_a_log_or_history_should_be_is_named_and_never_read(case, tmp_path):
    root = tmp_path / "root"
    (root / "var/log").mkdir(parents=True)
    (root / "root").mkdir()
    os.mkfifo(root / "var/log/auth.log")       # nobody writes to it: reading would block forever
    os.mkfifo(root / "root/.bash_history")
    (root / "var/log/syslog").write_text("Nov 24 10:00:00 web01 app[1]: ok\n")
    ctx, recs = _collect(case, root)
    assert list(recs) == ["/var/log/syslog"]
    assert "/var/log/auth.log is a named pipe (FIFO) where a log file is expected: not read" in ctx.notes
    assert "/root/.bash_history is a named pipe (FIFO) where a log file is expected: not read" in ctx.notes
