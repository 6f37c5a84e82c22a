"""Building a bundle reuses the reports already rendered while the case has not changed since (the case's
report cache, keyed by the custody head that last changed the case, the kind, format, language, incident
record, build and day); any change to the case, or a damaged cache entry, renders again."""
from __future__ import annotations

import zipfile

import pytest

import reports.render as render_mod
from reports import report_cache
from reports.bundle import build_bundle, verify_bundle


@pytest.fixture
def counting(monkeypatch):
    calls: list[str] = []
    real = render_mod.render_bytes

    def spy(case, kind, fmt="pdf", lang="vi", now=None):
        calls.append(kind)
        return real(case, kind, fmt, lang, now)

    monkeypatch.setattr(render_mod, "render_bytes", spy)
    return calls


def _reports(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        # the rendered reports (the CSV annexes are tables of the case as it stands, export entries included)
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("reports/") and "/annex/" not in n}


def test_second_bundle_reuses_the_rendered_reports(case, tmp_path, counting):
    build_bundle(case, tmp_path / "a.zip", include_timeline=False)
    first = sorted(counting)
    assert first == ["closing", "findings", "initial"]
    # the export entry changes nothing shown (a bundle of the same name: Mẫu 04 names the bundle it is in)
    (tmp_path / "again").mkdir()
    build_bundle(case, tmp_path / "again" / "a.zip", include_timeline=False)
    assert sorted(counting) == first
    assert _reports(tmp_path / "a.zip") == _reports(tmp_path / "again" / "a.zip")
    assert verify_bundle(tmp_path / "again" / "a.zip").ok
    assert (case.path / "cache" / "reports").is_dir()


def test_a_change_to_the_case_renders_again(case, tmp_path, counting):
    build_bundle(case, tmp_path / "a.zip", include_timeline=False)
    n = len(counting)
    case.add_bytes(b"new evidence\n", checklist_id="B5", name="x.txt", source="/tmp/x", collector="test")
    build_bundle(case, tmp_path / "b.zip", include_timeline=False)
    assert len(counting) == 2 * n
    incident = case.incident()
    incident.setdefault("closing", {})["summary"] = "Đã khắc phục xong."
    case.set_incident(incident)
    build_bundle(case, tmp_path / "c.zip", include_timeline=False)
    assert len(counting) == 3 * n


def test_a_damaged_cache_entry_is_rendered_again(case, tmp_path, counting):
    build_bundle(case, tmp_path / "a.zip", include_timeline=False)
    n = len(counting)
    for pdf in (case.path / "cache" / "reports").glob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes() + b"%tampered")
    build_bundle(case, tmp_path / "b.zip", include_timeline=False)
    assert len(counting) == 2 * n
    assert not any(data.endswith(b"%tampered") for data in _reports(tmp_path / "b.zip").values())


def test_render_report_fills_the_cache(case, tmp_path, counting):
    render_mod.render_report(case, "findings", "pdf", tmp_path / "f.pdf")
    key = report_cache.cache_key(case, "findings", "pdf", "vi")
    assert report_cache.load(case, key, "pdf")[0] == (tmp_path / "f.pdf").read_bytes()
    build_bundle(case, tmp_path / "a.zip", include_timeline=False)
    assert counting.count("findings") == 1


def test_a_closing_report_rendered_outside_a_bundle_is_not_reused_inside_one(tmp_path, shared_data):
    """Mẫu 04 inside a bundle says the bundle holds it; the copy rendered by `ungcuu report` names the
    latest bundle instead: one must never be served for the other."""
    from reports import report_cache
    from reports.bundle_info import building
    from tests.reports.reports_helpers import make_case

    case = make_case(tmp_path / "c", shared_data)
    outside = report_cache.cache_key(case, "closing", "pdf", "vi")
    token = building.set("goi-chung-cu.zip")
    try:
        inside = report_cache.cache_key(case, "closing", "pdf", "vi")
    finally:
        building.reset(token)
    assert inside != outside
    assert report_cache.cache_key(case, "closing", "pdf", "vi") == outside


def test_report_and_bundle_print_the_custody_head(case, tmp_path, capsys):
    """The head "N:HASH" is printed with every report and bundle (and written in the findings report), so
    the responder can note it: a later `verify --head` then catches a cut or rewritten log."""
    from collectors.verify import head
    from desktop.cli import main as ungcuu

    case_dir = str(case.path)
    case.close()
    assert ungcuu(["report", "--case", case_dir, "--kind", "findings", "--out", str(tmp_path / "f.pdf")]) == 0
    out = capsys.readouterr().out
    from collectors.case import Case

    c = Case.open(case_dir)
    try:
        assert f"verify --head`): {head(c)}" in out          # the head after the report's own export entry
        assert ungcuu(["bundle", "--case", case_dir, "--out", str(tmp_path / "b.zip"), "--no-timeline"]) == 0
        out = capsys.readouterr().out
        assert f"verify --head`): {head(c)}" in out        # the head after the bundle's own export entry
    finally:
        c.close()
    from reports_helpers import pdftotext

    assert "Đầu nhật ký khi lập báo cáo:" in pdftotext(tmp_path / "f.pdf").replace("\n", " ")
