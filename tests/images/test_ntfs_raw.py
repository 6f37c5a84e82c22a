"""NTFS read raw: locked files of a live Windows through the volume (the code path that reads an NTFS
image), $MFT to a bodyfile and into the timeline, $UsnJrnl:$J with exact values."""
from __future__ import annotations

import errno
import io
import os

import pytest

from analysis.events import ParseReport, iso_from_us
from analysis.parsers import mft as mft_parser
from analysis.parsers import usnjrnl
from collectors import case as case_mod
from collectors.base import Context
from collectors.case import Case
from collectors.sources import rawvolume
from collectors.sources.images import open_image

from .conftest import SAMPLES

LOCKED = ("Windows/System32/config/SYSTEM", "Windows/System32/config/SOFTWARE", "Users/admin/NTUSER.DAT",
          "Users/Nguyễn Văn An/NTUSER.DAT", "Windows/System32/winevt/Logs/System.evtx",
          "Windows/appcompat/Programs/Amcache.hve")


@pytest.fixture
def live_windows(monkeypatch, windows_disk):
    """This machine's copy of the tree plays the running C: drive; the NTFS partition image plays
    \\\\.\\C:. The locked files refuse to open by path, as Windows refuses them (sharing violation)."""
    tree, volume = windows_disk["tree"], str(windows_disk["volume"])
    rawvolume._OPEN.clear()
    monkeypatch.setattr(rawvolume, "ENABLED", True)
    monkeypatch.setattr(rawvolume, "split", lambda p: (volume, "/" + os.path.relpath(p, tree)))
    monkeypatch.setattr(rawvolume, "system_device", lambda: volume)
    locked = {os.path.join(tree, rel) for rel in LOCKED}
    real_open = case_mod.open_source

    def open_source(path, **kw):
        if os.fsdecode(path) in locked:
            raise PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                                                "by another process", os.fsdecode(path))
        return real_open(path, **kw)

    monkeypatch.setattr(case_mod, "open_source", open_source)
    yield windows_disk
    rawvolume._OPEN.clear()


def test_locked_files_are_read_through_the_raw_volume_with_exact_bytes(tmp_path, live_windows):
    case = Case.create(tmp_path / "case", examiner="t")
    ctx = Context(case, run_id=None, checklist_id="B4", collector_name="test")
    assert ctx.live
    for rel in LOCKED:
        rec = ctx.put_file(live_windows["tree"] / rel)
        assert hasattr(rec, "sha256"), rec
        assert rec.sha256 == live_windows["hashes"][rel], rel
        assert rec.source == str(live_windows["tree"] / rel)  # the path as the system names it
        assert rec.orig_meta["read_from_raw_volume"] == str(live_windows["volume"])
        assert rec.incomplete == []
    plain = ctx.put_file(live_windows["tree"] / "Windows/System32/Tasks/Backdoor")  # not locked: read by path
    assert "read_from_raw_volume" not in plain.orig_meta
    case.close()


def test_a_locked_file_without_the_raw_volume_is_an_honest_permission_denied(tmp_path, live_windows, monkeypatch):
    monkeypatch.setattr(rawvolume, "split", lambda p: None)  # e.g. a network share: no volume to open
    case = Case.create(tmp_path / "case", examiner="t")
    ctx = Context(case, run_id=None, checklist_id="B4", collector_name="test")
    out = ctx.put_file(live_windows["tree"] / "Windows/System32/config/SYSTEM")
    assert not hasattr(out, "sha256") and out.reason.endswith("SYSTEM: permission denied")
    case.close()


def test_mft_of_a_live_volume_and_of_an_image_into_bodyfile_and_timeline(tmp_path, live_windows, monkeypatch):
    from collectors.artifacts.ntfs_metadata import NtfsMetadata

    monkeypatch.setattr("collectors.base.current_os", lambda: "windows")
    case = Case.create(tmp_path / "case", examiner="t")
    ctx = Context(case, run_id=None, checklist_id="B10", collector_name="ntfs_metadata")
    coll = NtfsMetadata()
    assert coll.why_not(ctx) is None
    out = list(coll.collect(ctx))
    (rec,) = [o for o in out if hasattr(o, "sha256")]
    assert rec.name == "$MFT" and rec.size % 1024 == 0 and rec.size >= 64 * 1024
    assert any(getattr(o, "reason", "").startswith("no change journal") for o in out)  # mkntfs makes none
    with open_image(live_windows["volume"]) as img:
        assert (img.root() / "$MFT").read_bytes() == case.evidence_path(rec).read_bytes()
    buf = io.StringIO()
    report = ParseReport()
    n = mft_parser.to_bodyfile(str(case.evidence_path(rec)), buf, report=report)
    assert n == rec.size // 1024 and report.skipped == 0
    lines = buf.getvalue().splitlines()
    names = {ln.split("|")[1] for ln in lines}
    for rel in LOCKED:
        assert f"C:/{rel}" in names and f"C:/{rel} ($FILE_NAME)" in names
    events = list(mft_parser.parse(str(case.evidence_path(rec)), ParseReport()))
    sys_ev = [e for e in events if e.fields["path"] == "C:/Windows/System32/config/SYSTEM"]
    assert {e.fields["attribute"] for e in sys_ev} == {"$SI", "$FN"}
    assert all(e.timestamp_desc.endswith("($FILE_NAME)") for e in sys_ev if e.fields["attribute"] == "$FN")
    case.close()


def test_usnjrnl_sample_exact_values():
    report = ParseReport()
    with open(SAMPLES / "UsnJrnl.raw", "rb") as fh:
        events = list(usnjrnl.parse(fh, report, evidence_id="E000009"))
    assert len(events) == 19 and report.skipped == 0
    first = events[0]
    assert iso_from_us(first.timestamp, 0) == "2015-11-30T21:15:27.203125+00:00"
    assert first.timestamp_desc == "Change Journal Entry Recorded"
    assert first.fields["name"] == "Nieuw - Tekstdocument.txt"
    assert (first.fields["entry"], first.fields["sequence"], first.fields["parent_entry"]) == (30, 1, 5)
    assert first.fields["reasons"] == ["FILE_CREATE"] and first.fields["usn"] == 0
    assert first.fields["version"] == "2.0" and first.locator == "offset 0"
    renamed = events[3]
    assert (renamed.fields["name"], renamed.fields["reasons"]) == ("first.txt", ["RENAME_NEW_NAME"])
    assert events[-1].fields["usn"] == 1664 and events[-1].fields["reasons"] == ["OBJECT_ID_CHANGE", "CLOSE"]


def test_usnjrnl_skips_sparse_zeros_and_names_garbage():
    data = (SAMPLES / "UsnJrnl.raw").read_bytes()
    report = ParseReport()
    events = list(usnjrnl.parse(io.BytesIO(bytes(3 << 20) + data + b"\xff" * 16), report))
    assert len(events) == 19 and events[0].locator == f"offset {3 << 20}"
    assert report.skipped == 2  # the two 8-byte steps over the trailing garbage


def test_timeline_reads_mft_and_usnjrnl_evidence(tmp_path, live_windows, monkeypatch):
    from analysis import timeline
    from collectors.artifacts.ntfs_metadata import NtfsMetadata

    monkeypatch.setattr("collectors.base.current_os", lambda: "windows")
    case = Case.create(tmp_path / "case", examiner="t")
    ctx = Context(case, run_id=None, checklist_id="B10", collector_name="ntfs_metadata")
    list(NtfsMetadata().collect(ctx))
    with open(SAMPLES / "UsnJrnl.raw", "rb") as fh:  # a journal as the collector stores it ($J stream)
        case.add_stream(fh, checklist_id="B10", name="$UsnJrnl:$J", source="/$Extend/$UsnJrnl:$J",
                        collector="ntfs_metadata")
    summary = timeline.build(case)
    assert summary.sources.get("$MFT", 0) > 100 and summary.sources.get("$UsnJrnl:$J") == 19, summary.sources
    rows = list(timeline.events(case, timeline.Filter(text="Nieuw - Tekstdocument.txt")))
    assert rows and {r["timestamp_desc"] for r in rows} == {"Change Journal Entry Recorded"}
    sysrows = list(timeline.events(case, timeline.Filter(text="C:/Windows/System32/config/SYSTEM ($FILE_NAME)")))
    assert sysrows and all("($FILE_NAME)" in r["timestamp_desc"] for r in sysrows)
    case.close()


def _sample_mft(tmp_path):
    with open_image(SAMPLES / "vsstest.qcow2") as img:
        data = bytearray((img.root() / "$MFT").read_bytes())
    return data


@pytest.mark.filterwarnings("ignore:WARN")  # the mft package's log of the torn record (counted as skipped)
def test_mft_sample_exact_values_and_a_torn_record_is_skipped(tmp_path):
    data = _sample_mft(tmp_path)
    good = tmp_path / "good"
    good.write_bytes(bytes(data))
    out = io.StringIO()
    report = ParseReport()
    assert mft_parser.to_bodyfile(str(good), out, report=report) == 256 and report.skipped == 0
    lines = out.getvalue().splitlines()
    assert "0|C:/password.txt|41-1|r/rrwxrwxrwx|0|0|116|1386052733|1386052733|1386052733|1386052733" in lines
    # $SI accessed later than $FN: the $FILE_NAME line keeps its own times, and the Win32 name wins
    assert "0|C:/another_file|39-1|r/rrwxrwxrwx|0|0|22|1386052818|1386052586|1386052586|1386052586" in lines
    assert not any("ANOTHE~1" in ln for ln in lines)
    data[41 * 1024 + 510] ^= 0xFF  # the first sector's fixup word no longer matches: a torn write
    torn = tmp_path / "torn"
    torn.write_bytes(bytes(data))
    report = ParseReport()
    out = io.StringIO()
    mft_parser.to_bodyfile(str(torn), out, report=report)
    assert report.skipped == 1 and "password.txt" not in out.getvalue()
    short = tmp_path / "short"
    short.write_bytes(b"FILE0")
    report = ParseReport()
    assert list(mft_parser.parse(str(short), report)) == [] and report.fatal.startswith("shorter than one")


def test_a_locked_file_the_raw_volume_cannot_give_either_says_both(tmp_path, live_windows, monkeypatch):
    tree = live_windows["tree"]
    monkeypatch.setattr(rawvolume, "split", lambda p: (str(live_windows["volume"]), "/Windows/no-such-file"))
    case = Case.create(tmp_path / "case", examiner="t")
    ctx = Context(case, run_id=None, checklist_id="B4", collector_name="test")
    out = ctx.put_file(tree / "Windows/System32/config/SYSTEM")
    assert out.reason.endswith("SYSTEM: permission denied, and not readable through the raw volume "
                               "(no such file or folder)")
    from collectors.messages import translate

    assert "không đọc được qua ổ đĩa thô" in translate(out.reason, "vi")
    case.close()


def test_a_locked_file_copied_through_the_volume_is_not_copied_again(tmp_path, live_windows):
    case = Case.create(tmp_path / "case", examiner="t")
    path = live_windows["tree"] / "Users/admin/NTUSER.DAT"
    first = Context(case, run_id=None, checklist_id="B4", collector_name="test").put_file(path)
    again = Context(case, run_id=None, checklist_id="B4", collector_name="test").put_file(path)
    assert again.id == first.id and len(case.evidence()) == 1
    case.close()


def test_a_stream_is_copied_without_its_leading_sparse_run(tmp_path, windows_disk):
    """The way $UsnJrnl:$J is copied (its gigabytes of never-written zeros left out, where the copy
    starts recorded), on a sparse file made through ntfs-3g."""
    from collectors.artifacts.ntfs_metadata import put_stream

    from .conftest import SPARSE_AT, SPARSE_DATA

    with open_image(windows_disk["path"]) as img, Case.create(tmp_path / "case", examiner="t") as case:
        ctx = Context(case, run_id=None, checklist_id="B10", root=img.root(), collector_name="ntfs_metadata")
        path = img.root() / "Windows" / "sparse.bin"
        with path.open() as fh:
            assert fh.size == SPARSE_AT + len(SPARSE_DATA) and fh.leading_sparse() == SPARSE_AT
        rec = put_stream(ctx, path, None, name="sparse.bin", source="/Windows/sparse.bin")
        assert case.evidence_path(rec).read_bytes() == SPARSE_DATA
        assert (rec.orig_meta["copied_from_offset"], rec.orig_meta["stream_size"]) == (SPARSE_AT, fh.size)
        missing = put_stream(ctx, path, "$J", name="x", source="/Windows/sparse.bin:$J")
        assert missing.reason == "/Windows/sparse.bin:$J: no such stream on this volume"
        assert (img.root() / "Windows" / "System32" / "config" / "SYSTEM").open().leading_sparse() == 0


def test_usnjrnl_offsets_count_from_where_the_copy_starts_in_the_stream():
    with open(SAMPLES / "UsnJrnl.raw", "rb") as fh:
        events = list(usnjrnl.parse(fh, ParseReport(), base_offset=6 << 20))
    assert events[0].locator == f"offset {6 << 20}" and events[1].locator == f"offset {(6 << 20) + 112}"


def test_timeline_bodyfile_export_holds_the_whole_mft(tmp_path, live_windows, monkeypatch):
    from analysis.export import write_bodyfile
    from collectors.artifacts.ntfs_metadata import NtfsMetadata

    monkeypatch.setattr("collectors.base.current_os", lambda: "windows")
    case = Case.create(tmp_path / "case", examiner="t")
    list(NtfsMetadata().collect(Context(case, run_id=None, checklist_id="B10", collector_name="ntfs_metadata")))
    out = io.StringIO()
    n = write_bodyfile(case, out)
    lines = out.getvalue().splitlines()
    assert n == len(lines)
    names = {ln.split("|")[1] for ln in lines}
    assert "C:/Users/Nguyễn Văn An/NTUSER.DAT" in names and "C:/Windows/System32/config/SYSTEM ($FILE_NAME)" in names
    case.close()
