"""Deadlines by regime (data files in resources/regimes): exact due times and states."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from reports_helpers import EXAMPLE

from reports.incident import load_incident_file
from reports.regimes import RegimeError, deadline_status, format_status, load_regimes

ICT = dt.timezone(dt.timedelta(hours=7))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ICT)


@pytest.fixture
def fresh():
    """The example at the start: detected at T0 = 20/11/2026 07:40 +07:00, nothing reported yet."""
    data = load_incident_file(EXAMPLE)
    data = copy.deepcopy(data)
    data.pop("reports")
    data.pop("closing")
    data["status_history"] = data["status_history"][:1]
    return data


def test_shipped_regimes():
    regimes = load_regimes()
    assert set(regimes) >= {"hatinh_1859_2023", "tt20_2017", "lanm_2026"}
    assert regimes["lanm_2026"].provisional is True and regimes["tt20_2017"].provisional is False
    assert any("VNCERT" in r["name"] for r in regimes["tt20_2017"].recipients)
    for r in regimes.values():
        assert r.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("regime, due", [
    ("hatinh_1859_2023", at(2026, 11, 23, 7, 40)),   # 3 days
    ("tt20_2017", at(2026, 11, 25, 7, 40)),          # 5 days
    ("lanm_2026", at(2026, 11, 21, 7, 40)),          # 24 h
])
def test_notification_due(fresh, regime, due):
    st = deadline_status(fresh, now=at(2026, 11, 20, 8, 0), regime=regime)
    note = [s for s in st if s["id"] == "notification"][0]
    assert note["due"] == due and note["due"].utcoffset() == dt.timedelta(hours=7)
    assert note["state"] == "on_time"
    assert "closing" not in [s["id"] for s in st]          # the response has not ended: no clock yet


def test_states_move_with_time(fresh):
    states = [deadline_status(fresh, now=now)[0]["state"] for now in
              (at(2026, 11, 22, 7, 39), at(2026, 11, 22, 7, 41), at(2026, 11, 23, 7, 41))]
    assert states == ["on_time", "due_soon", "overdue"]
    fresh["status_history"].append({"status": "notified", "at": "2026-11-24T10:00:00+07:00"})
    st = deadline_status(fresh, now=at(2026, 11, 25, 0, 0))[0]
    assert st["state"] == "done" and st["late"] is True
    assert st["done_at"] == at(2026, 11, 24, 10, 0)


def test_lanm_2026_initial_report_72h_and_due_soon_window(fresh):
    st = {s["id"]: s for s in deadline_status(fresh, now=at(2026, 11, 21, 2, 0), regime="lanm_2026")}
    assert st["notification"]["state"] == "due_soon"          # 5 h 40 left, window 6 h
    assert st["initial"]["due"] == at(2026, 11, 23, 7, 40) and st["initial"]["state"] == "on_time"
    assert st["initial"]["provisional"] is True
    assert "(tạm thời)" in format_status(st["initial"])


def test_closing_clock_starts_when_response_ends():
    data = load_incident_file(EXAMPLE)
    data.pop("reports")
    st = {s["id"]: s for s in deadline_status(data, now=at(2026, 11, 30, 12, 0))}
    # response ended 22/11/2026 09:00 -> Hà Tĩnh: 10 days
    assert st["closing"]["due"] == at(2026, 12, 2, 9, 0) and st["closing"]["state"] == "on_time"
    assert st["notification"]["state"] == "done" and st["notification"]["late"] is False
    st = {s["id"]: s for s in deadline_status(data, now=at(2026, 11, 30, 12, 0), regime="tt20_2017")}
    assert st["closing"]["due"] == at(2026, 11, 27, 9, 0) and st["closing"]["state"] == "overdue"
    pending = deadline_status({"regime": "tt20_2017"}, now=at(2026, 11, 30, 12, 0), include_pending=True)
    assert [(p["id"], p["state"], p["due"]) for p in pending] == [("notification", "pending", None),
                                                                 ("closing", "pending", None)]


def test_reading_from_a_case(case):
    st = deadline_status(case, now=at(2026, 11, 21, 0, 0))
    assert [s["state"] for s in st] == ["done", "done"]
    line = format_status(st[0], "en")
    assert line.startswith("Notify the managing body: Done (due 23/11/2026 07:40 +07:00)")


def test_override_dir_and_bad_file(tmp_path, monkeypatch, fresh):
    (tmp_path / "tt20.yaml").write_text(
        "id: tt20_2017\nname: TT 20 (đổi nơi nhận)\ndeadlines:\n  - {id: notification, name: TB, report: notification,"
        " from: detected, days: 2}\nrecipients:\n  - {id: a, name: Cục An toàn thông tin}\n", encoding="utf-8")
    monkeypatch.setenv("UNGCUU_REGIMES_DIR", str(tmp_path))
    st = deadline_status(fresh, now=at(2026, 11, 20, 8, 0), regime="tt20_2017")
    assert [s["due"] for s in st] == [at(2026, 11, 22, 7, 40)]
    assert load_regimes()["tt20_2017"].recipients == [{"id": "a", "name": "Cục An toàn thông tin"}]
    (tmp_path / "bad.yaml").write_text("id: x\nname: X\ndeadlines:\n  - {id: n, name: N, report: r, from: later, days: 1}\n",
                                       encoding="utf-8")
    with pytest.raises(RegimeError, match=r"deadlines\[0\]\.from"):
        load_regimes()
    with pytest.raises(RegimeError, match="không có chế độ báo cáo 'nope'"):
        monkeypatch.delenv("UNGCUU_REGIMES_DIR")
        deadline_status(fresh, regime="nope")


def test_an_edited_regime_file_is_read_again(tmp_path, monkeypatch):
    f = tmp_path / "tt20.yaml"
    body = ("id: tt20_2017\nname: {name}\ndeadlines:\n  - {{id: notification, name: TB, report: notification,"
            " from: detected, days: 2}}\n")
    f.write_text(body.format(name="Tên một"), encoding="utf-8")
    monkeypatch.setenv("UNGCUU_REGIMES_DIR", str(tmp_path))
    assert load_regimes()["tt20_2017"].name == "Tên một"
    first = load_regimes()["tt20_2017"]
    first.recipients.append({"name": "changed by a caller"})
    assert load_regimes()["tt20_2017"].recipients == []        # each call gets its own copy
    f.write_text(body.format(name="Tên hai, dài hơn"), encoding="utf-8")
    assert load_regimes()["tt20_2017"].name == "Tên hai, dài hơn"
