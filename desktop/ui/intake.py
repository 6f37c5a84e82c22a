"""Intake page (phase 1, A1-A5): the incident record with every field of Mẫu 03, driven by
`reports.incident.FIELDS` (labels, types, choices, which fields are mandatory (*)).

Values the collectors found (`reports.prefill.prefill(case)`: OS, services, public IPs...) are offered
under their field as a suggestion with the evidence ids they came from; taking one records the ids in
`evidence_refs`. Saving validates with `reports.incident.validate_incident`: a bad value is shown next
to its field and nothing is stored; missing mandatory values are listed but do not block saving.
"""
from __future__ import annotations

import copy
import datetime as dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .common import page_heading
from .i18n import tr
from .records import Column, RecordTable

# Sections of Mẫu 03 (letter, Vietnamese title, English title, field path prefixes), in the form's order.
SECTIONS = (
    ("", "Sự cố và chế độ báo cáo", "Incident and reporting regime", ("title", "regime", "timezone")),
    ("A", "Thông tin về tổ chức/cá nhân báo cáo sự cố", "Reporting organisation or person", ("reporter.",)),
    ("B", "Người liên hệ", "Contact person", ("contact.",)),
    ("C", "Thông tin chi tiết về hệ thống bị sự cố", "Affected system", ("system.",)),
    ("D", "Mô tả sơ bộ về sự cố", "Preliminary description", ("description",)),
    ("E", "Thời gian phát hiện và hiện trạng sự cố", "Detection time and status",
     ("detection.detected_at", "detection.handled", "detection.channel", "__status__")),
    ("F", "Cách thức phát hiện", "How it was detected",
     ("detection.methods", "detection.notified_by", "detection.other_method")),
    ("G", "Đã gửi thông báo sự cố cho", "Notification sent to", ("notified_to",)),
    ("", "Nguồn gốc và phân loại sự cố", "Origin and categories", ("origin", "categories", "impact")),
    ("H", "Thông tin bổ sung về hệ thống xảy ra sự cố", "More about the affected system", ("system_info.",)),
    ("I", "Kiến nghị, đề xuất hỗ trợ", "Requests for support", ("requests",)),
    ("J", "Thời gian thực hiện báo cáo sự cố", "Time of the report",
     ("reported_at", "signatory.", "reports.initial.")),
    ("", "Diễn biến, hỗ trợ và bước tiếp theo", "Progress, help and next steps",
     ("progress", "status_history", "actions", "helpers", "next_steps", "support.")),
    ("", "Phương án ứng cứu cụ thể", "Response plan", ("plan.",)),
    ("", "Xin ý kiến chỉ đạo, chỉ huy", "Request for direction", ("direction.",)),
    ("", "Báo cáo kết thúc ứng phó (Mẫu 04)", "Closing report (Mẫu 04)", ("closing.", "reports.closing.")),
    ("", "Nơi nhận các báo cáo", "Recipients of the reports", ("recipients",)),
)
# the record's lists edited as tables (one row a record, or one sentence a row)
RECORD_LISTS = ("status_history", "actions", "recipients", "next_steps", "plan.steps", "direction.options",
                "closing.attachments")


def _extra_fields(inc) -> tuple:
    """The keys inside the record's `dict` fields that the reports read, as form fields."""
    return inc.SUBFIELDS


TIMEZONES = ("Asia/Ho_Chi_Minh", "UTC", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Europe/London")


def _fields():
    from reports import incident as inc

    return inc


def _pick(pair, lang):
    return pair[0] if lang == "vi" else pair[1]


class IntakePage(QWidget):
    saved = Signal()

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.lang = window.lang
        self.widgets: dict[str, object] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.suggestion_labels: dict[str, QPushButton] = {}
        self.suggestions: dict = {}
        self.taken_refs: dict[str, list[str]] = {}
        self.record: dict = {}
        self.baseline: dict = {}   # form_values() as loaded from the case: any difference is unsaved
        self._loading = False
        self._missing_timer = QTimer(self)
        self._missing_timer.setSingleShot(True)
        self._missing_timer.setInterval(250)
        self._missing_timer.timeout.connect(self._refresh_missing)
        outer = QVBoxLayout(self)
        page_heading(outer, tr("Incident intake (phase 1, initial report Mẫu 03)"),
                     tr("Fields marked * are mandatory on Mẫu 03. Values found in the evidence are offered "
                        "under their field with the evidence id: press the suggestion to use it."))
        top = QHBoxLayout()
        self.save_btn = QPushButton(tr("&Save the incident record"))
        self.save_btn.clicked.connect(self.save)
        self.apply_all_btn = QPushButton(tr("Use all suggestions from the evidence"))
        self.apply_all_btn.clicked.connect(self.apply_all_suggestions)
        top.addWidget(self.save_btn)
        top.addWidget(self.apply_all_btn)
        top.addStretch(1)
        outer.addLayout(top)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        outer.addWidget(self.problems)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFocusPolicy(Qt.NoFocus)  # Tab goes from the buttons straight to the first field
        outer.addWidget(self.scroll, 1)
        try:
            self.inc = _fields()
        except Exception as exc:  # the reports package is missing: say so instead of a broken form
            self.inc = None
            self.scroll.setWidget(QLabel(tr("The incident form is not part of this build:") + f" {exc}"))
            self.save_btn.setEnabled(False)
            return
        self._build_form()
        tzw = self.widgets.get("timezone")
        if tzw is not None:
            tzw.currentTextChanged.connect(self._show_offsets)
        self._show_offsets()

    def focus_first(self) -> None:
        """Put the cursor in the first field of the form (a case was just opened: start typing)."""
        w = self.widgets.get("title") or next(iter(self.widgets.values()), None)
        if w is not None:
            (getattr(w, "edit", None) or w).setFocus()

    def _show_offsets(self, *_):
        name = self._value("timezone") or "Asia/Ho_Chi_Minh"
        try:
            off = dt.datetime.now(self.inc.tzinfo_for(name)).strftime("%z")
            text = f"UTC{off[:3]}:{off[3:]} ({name})"
        except Exception:
            text = tr("unknown time zone")
        for w in self.widgets.values():
            if hasattr(w, "offset"):
                w.offset.setText(text)

    @property
    def field_by_path(self) -> dict:
        by = getattr(self, "_field_by_path", None)
        if by is None:
            by = self._field_by_path = {**self.inc.FIELD_BY_PATH, **{f.path: f for f in _extra_fields(self.inc)}}
        return by

    # ------------------------------------------------------------------ form
    def _section_fields(self, prefixes):
        out = []
        for fld in self.inc.FIELDS + _extra_fields(self.inc):
            if "[]" in fld.path or (fld.type in ("records", "dict") and fld.path not in RECORD_LISTS):
                continue
            for p in prefixes:
                if (p.endswith(".") and fld.path.startswith(p)) or fld.path == p:
                    out.append(fld)
                    break
        return out

    def _build_form(self) -> None:
        body = QWidget()
        col = QVBoxLayout(body)
        for letter, vi, en, prefixes in SECTIONS:
            title = f"{letter}. {_pick((vi, en), self.lang)}" if letter else _pick((vi, en), self.lang)
            box = QGroupBox(title.upper() if letter else title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            # A label too long for its column goes above its field (never clipped, never squeezed).
            form.setRowWrapPolicy(QFormLayout.WrapLongRows)
            for p in prefixes:
                if p == "__status__":
                    self._add_status(form)
            for fld in self._section_fields(prefixes):
                self._add_field(form, fld)
            col.addWidget(box)
        col.addStretch(1)
        self.scroll.setWidget(body)

    def _label(self, fld) -> QLabel:
        text = fld.label if self.lang == "vi" else fld.label_en
        if "m03" in fld.required:
            text = f"{text} <span style='color:#b3261e'>*</span>"
        lab = QLabel(text)
        lab.setToolTip(fld.path)
        return lab

    def _record_table(self, fld) -> RecordTable:
        """The table editor of one of the record's lists, its columns labelled from the field list."""
        def label(path: str) -> str:
            f = self.field_by_path[path]
            return f.label if self.lang == "vi" else f.label_en

        name = label(fld.path)
        hint = ""
        if fld.type != "records":
            cols = [Column("", name, "text")]
        elif fld.path == "recipients":
            cols = [Column(k, label(f"recipients[].{k}"), "str", stretch=k == "name") for k in ("name", "email", "address")]
            hint = tr("Left empty, the reports use the recipients of the reporting regime.")
        else:
            cols = []
            for k in ("status", "at", "by", "action", "result", "note"):
                sub = self.field_by_path.get(f"{fld.path}[].{k}")
                if sub is not None:
                    choices = ({s: _pick(self.inc.STATUS_LABELS[s], self.lang) for s in sub.choices}
                               if sub.type == "choice" else {})
                    cols.append(Column(k, label(sub.path), sub.type, choices, stretch=sub.type == "text"))

        def new_row(path=fld.path) -> dict:
            if path in ("actions", "status_history"):
                return {"at": self._now_text(), "by": getattr(self.case, "examiner", None) or ""}
            return {}

        table = RecordTable(cols, name=name, hint=hint, show_time=self._show_time, new_row=new_row)
        return table

    def _add_field(self, form: QFormLayout, fld) -> None:
        t = fld.type
        path = fld.path
        if path in RECORD_LISTS:
            w = self._record_table(fld)
        elif path == "regime":
            w = QComboBox()
            try:
                from reports.regimes import DEFAULT_REGIME, load_regimes

                for rid, reg in sorted(load_regimes().items(), key=lambda kv: kv[0] != DEFAULT_REGIME):
                    w.addItem(reg.name, rid)
            except Exception:
                w.addItem("hatinh_1859_2023", "hatinh_1859_2023")
        elif path == "timezone":
            w = QComboBox()
            w.setEditable(True)
            for z in TIMEZONES:
                w.addItem(z, z)
        elif t in ("str", "email", "phone"):
            w = QLineEdit()
            if t == "email":
                w.setPlaceholderText("ten@donvi.gov.vn")
            if t == "phone":
                w.setPlaceholderText("0239 3xxx xxx")
        elif t == "text":
            w = QPlainTextEdit()
            w.setTabChangesFocus(True)
            w.setFixedHeight(70)
        elif t in ("datetime", "date"):
            w = QWidget()
            h = QHBoxLayout(w)
            h.setContentsMargins(0, 0, 0, 0)
            edit = QLineEdit()
            edit.setPlaceholderText(tr("dd/mm/yyyy hh:mm (in the incident's time zone)"))
            now = QPushButton(tr("Now"))
            now.clicked.connect(lambda _=False, e=edit: e.setText(self._now_text()))
            offset = QLabel()
            offset.setToolTip(tr("The time is read in the incident's time zone; the record stores it with its UTC offset."))
            h.addWidget(edit, 1)
            h.addWidget(offset)
            h.addWidget(now)
            w.edit = edit
            w.offset = offset
            edit.setAccessibleName(fld.label if self.lang == "vi" else fld.label_en)
        elif t == "bool":
            w = QComboBox()
            yes, no = self.inc.BOOL_LABELS.get(path, (("Có", "Yes"), ("Không", "No")))
            w.addItem("—", None)
            w.addItem(_pick(yes, self.lang), True)
            w.addItem(_pick(no, self.lang), False)
        elif t == "int":
            w = QComboBox()
            w.addItem("—", None)
            for c in fld.choices:
                w.addItem((tr("Level") + f" {c}"), c)
        elif t == "list":
            w = QLineEdit()
            w.setPlaceholderText(tr("several values: separate with commas"))
        elif t == "choice":
            w = QComboBox()
            w.addItem("—", None)
            labels = self._choice_labels(path)
            for c in fld.choices:
                w.addItem(labels.get(c, str(c)), c)
        elif t == "choices":
            w = QWidget()
            grid = QGridLayout(w)
            grid.setContentsMargins(0, 0, 0, 0)
            labels = self._choice_labels(path)
            w.boxes = {}
            ncol = 2 if len(fld.choices) > 4 else len(fld.choices)
            for n, c in enumerate(fld.choices):
                cb = QCheckBox(labels.get(c, str(c)) if path != "categories" else f"{c}. {labels.get(c, c)}")
                w.boxes[c] = cb
                grid.addWidget(cb, n // max(1, ncol), n % max(1, ncol))
        else:
            return
        if isinstance(w, (QLineEdit, QComboBox, QPlainTextEdit)):
            w.setAccessibleName(fld.label if self.lang == "vi" else fld.label_en)
        self._watch(w)
        self.widgets[path] = w
        container = QWidget()
        v = QVBoxLayout(container)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(w)
        sug = QPushButton()
        sug.setFlat(True)
        sug.setStyleSheet("text-align: left; color: #1a5fb4")
        sug.hide()
        sug.clicked.connect(lambda _=False, p=path: self.take_suggestion(p))
        v.addWidget(sug)
        self.suggestion_labels[path] = sug
        err = QLabel()
        err.setStyleSheet("color: #b3261e")
        err.setWordWrap(True)
        err.hide()
        v.addWidget(err)
        self.field_errors[path] = err
        form.addRow(self._label(fld), container)

    def _watch(self, w) -> None:
        """Any edit refreshes the "still missing" list (after a short pause in typing)."""
        if isinstance(w, RecordTable):
            w.changed.connect(self._edited)
            return
        for sub in [w, getattr(w, "edit", None), *getattr(w, "boxes", {}).values()]:
            if isinstance(sub, (QLineEdit, QPlainTextEdit)):
                sub.textChanged.connect(self._edited)
            elif isinstance(sub, QComboBox):
                sub.currentIndexChanged.connect(self._edited)
            elif isinstance(sub, QCheckBox):
                sub.toggled.connect(self._edited)

    def _edited(self, *_args) -> None:
        if not self._loading:
            self._missing_timer.start()

    def _refresh_missing(self) -> None:
        if self.case is not None and self.inc is not None:
            self.show_missing(self.form_values())

    def discard_changes(self) -> None:
        """Show the stored record again, dropping what was typed since."""
        if self.case is not None:
            self.set_case(self.case)

    def is_dirty(self) -> bool:
        """Edits in the form that are not saved in the case (none count on a read-only case)."""
        if self.case is None or self.inc is None or getattr(self.window, "read_only", False):
            return False
        return self.form_values() != self.baseline

    def _add_status(self, form: QFormLayout) -> None:
        w = QComboBox()
        w.addItem("—", None)
        for s in self.inc.STATUSES:
            w.addItem(_pick(self.inc.STATUS_LABELS[s], self.lang), s)
        w.setAccessibleName(tr("Current status"))
        self.widgets["__status__"] = w
        self.status_hint = QLabel()
        self.status_hint.setWordWrap(True)
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(w)
        v.addWidget(self.status_hint)
        lab = QLabel(tr("Current status"))
        lab.setToolTip(tr("Current status (a change is added to the status history with the time)"))
        lab.setBuddy(w)
        form.addRow(lab, box)

    def _choice_labels(self, path: str) -> dict:
        if path == "origin":
            return {k: _pick(v, self.lang) for k, v in self.inc.ORIGIN_LABELS.items()}
        if path == "categories":
            return {k: _pick(v, self.lang) for k, v in self.inc.CATEGORY_LABELS.items()}
        return {k: _pick(v, self.lang) for k, v in self.inc.CHOICE_LABELS.get(path, {}).items()}

    def _now_text(self) -> str:
        tz_name = self._value("timezone") or "Asia/Ho_Chi_Minh"
        try:
            tz = self.inc.tzinfo_for(tz_name)
        except Exception:
            tz = dt.timezone(dt.timedelta(hours=7))
        return dt.datetime.now(tz).strftime("%d/%m/%Y %H:%M")

    # ------------------------------------------------------------------ values
    def _value(self, path: str):
        w = self.widgets.get(path)
        if w is None:
            return None
        fld = self.field_by_path.get(path)
        t = fld.type if fld else "choice"
        if path == "timezone":
            return w.currentText().strip() or None
        if isinstance(w, RecordTable):
            return w.value()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText().strip() or None
        if isinstance(w, QLineEdit):
            text = w.text().strip()
            if t == "list":
                return [s.strip() for s in text.split(",") if s.strip()] or None
            return text or None
        if hasattr(w, "edit"):
            return w.edit.text().strip() or None
        if hasattr(w, "boxes"):
            return [c for c, cb in w.boxes.items() if cb.isChecked()] or None
        return None

    def _set_value(self, path: str, value) -> None:
        w = self.widgets.get(path)
        if w is None:
            return
        fld = self.field_by_path.get(path)
        if path == "timezone":
            w.setCurrentText(value or "Asia/Ho_Chi_Minh")
        elif isinstance(w, RecordTable):
            w.set_value(value)
        elif isinstance(w, QComboBox):
            i = w.findData(value)
            if i < 0 and path == "regime":
                i = 0
            w.setCurrentIndex(max(0, i))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText("" if value is None else str(value))
        elif isinstance(w, QLineEdit):
            if isinstance(value, list):
                w.setText(", ".join(map(str, value)))
            else:
                w.setText("" if value is None else str(value))
        elif hasattr(w, "edit"):
            w.edit.setText(self._show_time(value) if value else "")
        elif hasattr(w, "boxes"):
            vals = value if isinstance(value, list) else ([value] if value is not None else [])
            for c, cb in w.boxes.items():
                cb.setChecked(c in vals)
        del fld

    def _show_time(self, value) -> str:
        """ISO time with offset -> 'dd/mm/yyyy hh:mm' in the incident's zone (the offset stays in the record)."""
        try:
            tz = self.inc.incident_tz(self.record)
            d = self.inc.parse_datetime(value, tz).astimezone(tz)
            return d.strftime("%d/%m/%Y %H:%M")
        except Exception:
            return str(value)

    def form_values(self) -> dict:
        """The record as the form shows it (keys the form does not show are kept from the stored record)."""
        rec = copy.deepcopy(self.record)
        for path in self.widgets:
            if path == "__status__":
                continue
            value = self._value(path)
            self._put(rec, path, value)
        status = self._value("__status__")
        hist = rec.get("status_history") or []
        stored = self.record.get("status_history") or []   # the drop-down shows the stored last status
        current = stored[-1].get("status") if stored and isinstance(stored[-1], dict) else None
        if status and status != current:
            tz = self.inc.tzinfo_for(rec.get("timezone"))
            rec["status_history"] = hist + [{
                "status": status, "at": dt.datetime.now(tz).isoformat(timespec="seconds"),
                "by": getattr(self.case, "examiner", None) or "", "note": "UngCuu"}]
        refs = dict(rec.get("evidence_refs") or {})
        refs.update(self.taken_refs)
        if refs:
            rec["evidence_refs"] = refs
        return rec

    @staticmethod
    def _put(rec: dict, path: str, value) -> None:
        parts = path.split(".")
        cur = rec
        for p in parts[:-1]:
            nxt = cur.get(p)
            if not isinstance(nxt, dict):
                if value is None:
                    return
                nxt = cur[p] = {}
            cur = nxt
        if value is None:
            cur.pop(parts[-1], None)
        else:
            cur[parts[-1]] = value

    # ------------------------------------------------------------------ case
    def set_case(self, case) -> None:
        self.case = case
        if self.inc is None:
            return
        self.record = case.incident() if case is not None else {}
        self.taken_refs = {}
        self._loading = True
        for path in self.widgets:
            if path == "__status__":
                continue
            self._set_value(path, self.inc._get(self.record, path))
        hist = self.record.get("status_history") or []
        st = self.widgets.get("__status__")
        if st is not None:
            st.setCurrentIndex(max(0, st.findData(hist[-1]["status"] if hist else None)))
            self.status_hint.setText(" → ".join(
                f"{_pick(self.inc.STATUS_LABELS.get(h.get('status'), (h.get('status'),) * 2), self.lang)} "
                f"({self._show_time(h.get('at'))})" for h in hist[-4:]))
        self._loading = False
        self.baseline = self.form_values() if case is not None else {}
        for err in self.field_errors.values():
            err.hide()
        self.refresh_suggestions()
        self.show_missing()
        self.save_btn.setEnabled(case is not None)

    def refresh_suggestions(self) -> None:
        self.suggestions = {}
        for b in self.suggestion_labels.values():
            b.hide()
        if self.case is None:
            return
        try:
            from reports.prefill import prefill

            found = prefill(self.case)
        except Exception:
            found = {}
        for path, pf in found.items():
            if path.startswith("_") or path not in self.suggestion_labels:
                continue
            self.suggestions[path] = pf
            value = ", ".join(map(str, pf.value)) if isinstance(pf.value, list) else str(pf.value)
            b = self.suggestion_labels[path]
            b.setText(tr("Suggestion from the evidence:") + f" {value[:120]}  ({', '.join(pf.evidence[:4])})")
            b.setToolTip("\n".join(pf.detail[:10]))
            b.setVisible(self._value(path) in (None, [], ""))
        self.apply_all_btn.setEnabled(bool(self.suggestions))

    def take_suggestion(self, path: str) -> None:
        pf = self.suggestions.get(path)
        if pf is None:
            return
        self._set_value(path, pf.value)
        self.taken_refs[path] = list(pf.evidence)
        self.suggestion_labels[path].hide()

    def apply_all_suggestions(self) -> None:
        for path in list(self.suggestions):
            if self._value(path) in (None, [], ""):
                self.take_suggestion(path)

    def show_missing(self, rec: dict | None = None) -> list:
        if self.inc is None:
            return []
        rec = self.record if rec is None else rec
        missing = self.inc.missing_fields(rec, "m03")
        if missing:
            names = [(self.field_by_path[p.field].label if self.lang == "vi" else self.field_by_path[p.field].label_en)
                     for p in missing if p.field in self.field_by_path]
            self.problems.setStyleSheet("color: #a86500")
            self.problems.setText(tr("Still missing for Mẫu 03 (%1):").replace("%1", str(len(missing))) + " "
                                  + "; ".join(names))
        else:
            self.problems.setStyleSheet("color: #1b7f3b")
            self.problems.setText(tr("Every mandatory field of Mẫu 03 is filled."))
        return missing

    def problem_text(self, p) -> str:
        """A problem with the field's printed label instead of its key path (detection.detected_at)."""
        return p.text(self.lang)

    def save(self) -> bool:
        if self.case is None or self.inc is None:
            return False
        if getattr(self.window, "read_only", False):
            return False
        rec = self.form_values()
        out, problems = self.inc.validate_incident(rec)
        errors = [p for p in problems if p.severity == "error"]
        for err in self.field_errors.values():
            err.hide()
        if errors:
            for p in errors:
                base = p.field.split("[")[0]
                lab = self.field_errors.get(p.field) or self.field_errors.get(base)
                if lab is not None:
                    lab.setText(p.message)
                    lab.show()
            self.problems.setStyleSheet("color: #b3261e")
            self.problems.setText(tr("Not saved: correct the fields marked in red.") + "\n" +
                                  "\n".join(f"• {self.problem_text(p)}" for p in errors[:10]))
            first = self.widgets.get(errors[0].field)
            if first is not None:
                (getattr(first, "edit", None) or first).setFocus()
                self.scroll.ensureWidgetVisible(first)
            return False
        try:
            self.case.set_incident(out, note="desktop intake")
        except Exception as exc:
            QMessageBox.warning(self, tr("Intake"), tr("The incident record could not be saved:") + f"\n{exc}")
            return False
        self.set_case(self.case)
        self.saved.emit()
        self.window.statusBar().showMessage(tr("Incident record saved."), 5000)
        return True
