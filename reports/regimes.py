"""Legal reporting regimes (data files in resources/regimes/*.yaml) and the deadlines they set.

    load_regimes() -> {id: Regime}
    get_regime(id) -> Regime
    deadline_status(case_or_incident, now=None, regime=None) -> list of dict, each:
        {id, name, name_en, regime, report, due (aware datetime, in the regime's zone), state
         (on_time | due_soon | overdue | done), remaining (timedelta, negative when overdue),
         anchor ("detected" | "response_ended"), anchor_time, done_at, late (bool), provisional}

A deadline whose starting point has not happened yet (e.g. the closing report while the response goes
on) is left out, unless `include_pending=True`, which lists it with state "pending" and due None.

Deadlines are computed as exact durations (days = 24 h each, calendar days) from the anchor, in the
regime's time zone (Asia/Ho_Chi_Minh unless the file says otherwise). A deadline is "done" when the
incident record holds the date of the matching report (reports.<report>.date) or reached the
`done_status` in its status history; `late` says whether that happened after the due time.
Extra regime files can be placed in the folder named by $UNGCUU_REGIMES_DIR (same format; a file with
the id of a shipped regime replaces it, e.g. to rename recipients after a reorganisation).
"""
from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from collectors.errors import UngCuuError

from .incident import DEFAULT_TZ, incident_tz, parse_datetime, status_time, t0, tzinfo_for

REGIMES_DIR = Path(__file__).resolve().parents[1] / "resources" / "regimes"
DEFAULT_REGIME = "hatinh_1859_2023"
ANCHORS = ("detected", "response_ended")
STATE_LABELS = {
    "on_time": ("Còn hạn", "On time"),
    "due_soon": ("Sắp đến hạn", "Due soon"),
    "overdue": ("Quá hạn", "Overdue"),
    "done": ("Đã thực hiện", "Done"),
    "pending": ("Chưa bắt đầu tính", "Not started"),
}


class RegimeError(UngCuuError):
    """A regime file is invalid or unknown; `path` and `field` say where."""


@dataclass
class Deadline:
    id: str
    name: str
    name_en: str
    report: str
    anchor: str
    duration: dt.timedelta
    due_soon: dt.timedelta
    done_status: str | None = None


@dataclass
class Regime:
    id: str
    name: str
    name_en: str
    provisional: bool
    timezone: str
    deadlines: list[Deadline]
    recipients: list[dict]
    reports: list[str]
    legal_basis: list[str] = field(default_factory=list)
    path: str = ""
    scope: str = "provincial"        # provincial: when the incident names it | national: to every incident
    effective_from: dt.date | None = None

    @property
    def tz(self) -> dt.tzinfo:
        return tzinfo_for(self.timezone)


def _parse_regime(data: Any, path: str) -> Regime:
    def need(obj, key, where):
        if not isinstance(obj, dict) or obj.get(key) in (None, ""):
            raise RegimeError(f"{path}: thiếu trường '{where}{key}' (missing field)", path=path, field=f"{where}{key}")
        return obj[key]

    rid = str(need(data, "id", ""))
    try:
        default_soon = float(data.get("due_soon_hours", 24))
    except (TypeError, ValueError) as exc:
        raise RegimeError(f"{path}: due_soon_hours: không phải số giờ: {exc}", path=path, field="due_soon_hours") from exc
    for key in ("deadlines", "recipients"):
        if not isinstance(data.get(key) or [], list):
            raise RegimeError(f"{path}: {key}: phải là một danh sách", path=path, field=key)
    for i, r in enumerate(data.get("recipients") or []):
        if not isinstance(r, dict) or not r.get("name"):
            raise RegimeError(f"{path}: recipients[{i}]: cần một mục có 'name' (và 'email' nếu có)", path=path,
                              field=f"recipients[{i}]")
    deadlines = []
    for i, d in enumerate(data.get("deadlines") or []):
        where = f"deadlines[{i}]."
        anchor = need(d, "from", where)
        if anchor not in ANCHORS:
            raise RegimeError(f"{path}: {where}from: '{anchor}' phải là một trong {ANCHORS}", path=path,
                              field=f"{where}from")
        if "days" not in d and "hours" not in d:
            raise RegimeError(f"{path}: {where}: cần 'days' hoặc 'hours'", path=path, field=f"{where}days")
        try:
            duration = dt.timedelta(days=float(d.get("days", 0)), hours=float(d.get("hours", 0)))
            soon = dt.timedelta(hours=float(d.get("due_soon_hours", default_soon)))
        except (TypeError, ValueError) as exc:
            raise RegimeError(f"{path}: {where}: thời hạn không hợp lệ: {exc}", path=path, field=where) from exc
        deadlines.append(Deadline(
            id=str(need(d, "id", where)), name=str(need(d, "name", where)), name_en=str(d.get("name_en", d["name"])),
            report=str(need(d, "report", where)), anchor=anchor, duration=duration, due_soon=soon,
            done_status=d.get("done_status"),
        ))
    tz = str(data.get("timezone") or DEFAULT_TZ)
    try:
        tzinfo_for(tz)
    except UngCuuError as exc:
        raise RegimeError(f"{path}: timezone: không biết múi giờ '{tz}'", path=path, field="timezone") from exc
    return Regime(
        id=rid, name=str(need(data, "name", "")), name_en=str(data.get("name_en", data["name"])),
        provisional=bool(data.get("provisional", False)), timezone=tz, deadlines=deadlines,
        recipients=list(data.get("recipients") or []), reports=list(data.get("reports") or []),
        legal_basis=list(data.get("legal_basis") or []), path=path,
        scope=str(data.get("scope") or "provincial"), effective_from=_date(data.get("effective_from"), path),
    )


def _date(value: Any, path: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RegimeError(f"{path}: effective_from: không phải ngày (YYYY-MM-DD): {value}", path=path,
                          field="effective_from") from exc


_YAML_CACHE: dict[str, tuple[tuple[int, int], Any]] = {}


def _read_yaml(p: Path) -> Any:
    """A regime file's YAML, parsed again only when the file changed (the desktop app asks on every refresh)."""
    st = p.stat()
    key = (st.st_mtime_ns, st.st_size)
    hit = _YAML_CACHE.get(str(p))
    if hit is None or hit[0] != key:
        hit = _YAML_CACHE[str(p)] = (key, yaml.safe_load(p.read_text(encoding="utf-8")))
    return copy.deepcopy(hit[1])


def load_regimes(extra_dir: str | os.PathLike | None = None) -> dict[str, Regime]:
    dirs = [REGIMES_DIR]
    extra = extra_dir or os.environ.get("UNGCUU_REGIMES_DIR")
    if extra:
        dirs.append(Path(extra))
    out: dict[str, Regime] = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.yaml")):
            try:
                data = _read_yaml(p)
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f": dòng {mark.line + 1}" if mark else ""
                raise RegimeError(f"{p}{where}: không đọc được tệp chế độ báo cáo: {exc}", path=str(p)) from exc
            regime = _parse_regime(data, str(p))
            out[regime.id] = regime
    return out


def get_regime(regime_id: str | None = None) -> Regime:
    regimes = load_regimes()
    rid = regime_id or DEFAULT_REGIME
    if rid not in regimes:
        raise RegimeError(f"không có chế độ báo cáo '{rid}'; có: {', '.join(sorted(regimes))}", field="regime")
    return regimes[rid]


def anchor_time(incident: dict, anchor: str) -> dt.datetime | None:
    if anchor == "detected":
        return t0(incident)
    ended = (incident.get("closing") or {}).get("response_ended_at")
    if ended:
        try:
            return parse_datetime(ended, incident_tz(incident))
        except (ValueError, TypeError):
            return None
    return status_time(incident, "recovered") or status_time(incident, "closed")


def _done_time(incident: dict, dl: Deadline) -> dt.datetime | None:
    rep = (incident.get("reports") or {}).get(dl.report) or {}
    times = []
    if rep.get("date"):
        try:
            times.append(parse_datetime(rep["date"], incident_tz(incident)))
        except (ValueError, TypeError):
            pass
    if dl.done_status:
        st = status_time(incident, dl.done_status)
        if st:
            times.append(st)
    return min(times) if times else None


def recipients(incident: dict, regime: Regime | None = None) -> list[dict]:
    """The incident's own recipients when set, else the regime's defaults."""
    own = incident.get("recipients") if isinstance(incident, dict) else None
    if own:
        return list(own)
    regime = regime or get_regime((incident or {}).get("regime"))
    return list(regime.recipients)


def deadline_status(case_or_incident: Any, now: dt.datetime | None = None, regime: str | Regime | None = None,
                    include_pending: bool = False) -> list[dict]:
    """The deadlines of the incident's regime with their state at `now` (default: the current time)."""
    incident = case_or_incident.incident() if hasattr(case_or_incident, "incident") else (case_or_incident or {})
    if isinstance(regime, Regime):
        reg = regime
    else:
        reg = get_regime(regime or incident.get("regime"))
    tz = reg.tz
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    out = []
    for dl in reg.deadlines:
        start = anchor_time(incident, dl.anchor)
        entry: dict[str, Any] = {
            "id": dl.id, "name": dl.name, "name_en": dl.name_en, "label_vi": dl.name, "label_en": dl.name_en,
            "regime": reg.id, "regime_name": reg.name,
            "report": dl.report, "anchor": dl.anchor, "anchor_time": start, "due": None, "state": "pending",
            "remaining": None, "done_at": None, "late": False, "provisional": reg.provisional,
        }
        if start is None:
            if include_pending:
                out.append(entry)
            continue
        due = (start + dl.duration).astimezone(tz)
        done = _done_time(incident, dl)
        entry["due"] = due
        entry["remaining"] = due - now
        if done is not None:
            entry["state"] = "done"
            entry["done_at"] = done.astimezone(tz)
            entry["late"] = done > due
        elif now > due:
            entry["state"] = "overdue"
        elif due - now <= dl.due_soon:
            entry["state"] = "due_soon"
        else:
            entry["state"] = "on_time"
        out.append(entry)
    return out


def applicable_regimes(incident: dict) -> list[Regime]:
    """The incident's own regime first, then every national regime in effect at detection (T0; today when
    T0 is not set): a provincial procedure (Hà Tĩnh QĐ 1859) applies on top of TT 20/2017, and the
    provisional 2026 regime from its effective date."""
    regimes = load_regimes()
    own = get_regime((incident or {}).get("regime"))
    start = t0(incident or {})
    day = start.astimezone(own.tz).date() if start else dt.date.today()
    out = [own]
    for r in regimes.values():
        if r.id == own.id or r.scope != "national":
            continue
        if r.effective_from is not None and day < r.effective_from:
            continue
        out.append(r)
    return out


def deadlines_all(case_or_incident: Any, now: dt.datetime | None = None, include_pending: bool = False,
                  report: str | None = None) -> list[dict]:
    """`deadline_status` under every applicable regime (the incident's own first), optionally for one
    report kind only."""
    incident = case_or_incident.incident() if hasattr(case_or_incident, "incident") else (case_or_incident or {})
    out = []
    for reg in applicable_regimes(incident):
        out += [d for d in deadline_status(incident, now=now, regime=reg, include_pending=include_pending)
                if report is None or d["report"] == report]
    return out


def format_status(entry: dict, lang: str = "vi") -> str:
    """One line for `ungcuu status` / the GUI banner, e.g. 'Thông báo sự cố …: Quá hạn (hạn 23/11/2026 07:40 +07:00)'."""
    vi = lang == "vi"
    label = STATE_LABELS[entry["state"]][0 if vi else 1]
    name = entry["name"] if vi else entry["name_en"]
    if entry["due"] is None:
        return f"{name}: {label}"
    due = entry["due"].strftime("%d/%m/%Y %H:%M %z")
    due = due[:-2] + ":" + due[-2:]
    extra = ""
    if entry["state"] == "done" and entry["late"]:
        extra = " — trễ hạn" if vi else " — late"
    elif entry["state"] in ("on_time", "due_soon"):
        hours = int(entry["remaining"].total_seconds() // 3600)
        extra = f" — còn {hours} giờ" if vi else f" — {hours} h left"
    elif entry["state"] == "overdue":
        hours = int(-entry["remaining"].total_seconds() // 3600)
        extra = f" — quá {hours} giờ" if vi else f" — {hours} h over"
    prov = " (tạm thời)" if entry.get("provisional") and vi else (" (provisional)" if entry.get("provisional") else "")
    return f"{name}{prov}: {label} (hạn {due}){extra}" if vi else f"{name}{prov}: {label} (due {due}){extra}"
