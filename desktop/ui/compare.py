"""H3 comparison of two collections of the same host (before and after patching): pick the two case
folders, `analysis.diff.compare` runs on a worker thread, and the differences are listed per subject
(packages, listening ports, accounts, services, persistence, files) as added / removed / changed, with the
subjects a collection has no data for, and the UID-0 accounts besides root after. Both cases are only read.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from .commandline import display
from .common import command_row
from .i18n import tr
from .worker import start_call

KIND_COLORS = {"added": "#1b7f3b", "removed": "#b3261e", "changed": "#a86500"}


def compare_cases(before: str, after: str) -> dict:
    """Open both case folders read-only and compare them (runs on the worker thread)."""
    from analysis import diff
    from collectors.case import Case
    from collectors.errors import CaseError

    if Path(before).resolve() == Path(after).resolve():
        raise CaseError("the two collections are the same case folder: choose the one before and the one after")
    b = Case.open(before, affected_root="")
    try:
        a = Case.open(after, affected_root="")
        try:
            return diff.compare(b, a)
        finally:
            a.close()
    finally:
        b.close()


def value_text(v) -> str:
    """A compared value on one line: a version or hash as it is, a record without its empty fields."""
    import json

    if isinstance(v, dict):
        v = {k: x for k, x in v.items() if x not in (None, "", [])}
        if "summary_vi" in v:    # a persistence finding: its summary
            return str(v.get("summary_vi") or v.get("summary_en"))[:200]
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return text[:200]


def section_label(name: str, lang: str) -> str:
    from analysis.diff import LABELS

    vi, en = LABELS.get(name, (name, name))
    return vi if lang == "vi" else en


class CompareDialog(QDialog):
    def __init__(self, window, before: str = ""):
        super().__init__(window)
        self.window = window
        self.result: dict | None = None
        self.setWindowTitle(tr("Compare two collections (H3)"))
        lay = QVBoxLayout(self)
        hint = QLabel(tr("What changed between two collections of the same host, e.g. before and after "
                         "patching: packages, open ports, accounts, services, backdoors and files. Both case "
                         "folders are only read."))
        hint.setWordWrap(True)
        lay.addWidget(hint)
        form = QFormLayout()
        self.before_edit = QLineEdit(before)
        self.before_edit.setAccessibleName(tr("Collection before"))
        self.after_edit = QLineEdit()
        self.after_edit.setAccessibleName(tr("Collection after"))
        for edit in (self.before_edit, self.after_edit):
            edit.textChanged.connect(self._update_command)
        self.before_btn = QPushButton(tr("&Before…"))
        self.after_btn = QPushButton(tr("&After…"))
        self.before_btn.clicked.connect(lambda: self._pick(self.before_edit, tr("Case folder collected before")))
        self.after_btn.clicked.connect(lambda: self._pick(self.after_edit, tr("Case folder collected after")))
        for label, edit, btn in ((tr("Before:"), self.before_edit, self.before_btn),
                                 (tr("After:"), self.after_edit, self.after_btn)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(btn)
            form.addRow(label, row)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.compare_btn = QPushButton(tr("&Compare"))
        self.compare_btn.setDefault(True)
        self.compare_btn.clicked.connect(self.compare)
        row.addWidget(self.compare_btn)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        lay.addLayout(row)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([tr("What"), tr("Before"), tr("After")])
        self.tree.setAccessibleName(tr("Differences"))
        self.tree.setColumnWidth(0, 320)
        self.tree.setColumnWidth(1, 260)
        lay.addWidget(self.tree, 1)
        self.command = command_row(lay, tr("Cop&y"))
        self._update_command()
        self.resize(980, 620)

    def _pick(self, edit: QLineEdit, title: str) -> None:
        path = QFileDialog.getExistingDirectory(self, title, edit.text())
        if path:
            edit.setText(path)

    def _update_command(self, *_args) -> None:
        b, a = self.before_edit.text().strip(), self.after_edit.text().strip()
        self.command.setText(display(["ungcuu", "diff", b, a]) if b and a else "")

    def compare(self) -> bool:
        b, a = self.before_edit.text().strip(), self.after_edit.text().strip()
        if not b or not a:
            self.status.setText(tr("Choose both case folders: the collection before and the one after."))
            return False
        for path in (b, a):
            if not (Path(path) / "case.sqlite").is_file():
                self.status.setText(tr("Not a case folder:") + " " + path)
                return False
        self.compare_btn.setEnabled(False)
        self.tree.clear()
        self.result = None
        self.status.setText(tr("Comparing…"))
        start_call(self, compare_cases, b, a, on_result=self._show, on_failed=self._failed,
                   on_done=lambda: self.compare_btn.setEnabled(True))
        return True

    def _failed(self, message: str) -> None:
        from collectors.messages import translate

        self.status.setText(tr("The comparison could not run:") + " " + translate(message, self.window.lang))

    def _show(self, result: dict) -> None:
        self.result = result
        lang = self.window.lang
        self.tree.clear()
        words = {"added": tr("added"), "removed": tr("removed"), "changed": tr("changed")}
        total = 0
        for name, sec in result["sections"].items():
            counts = ", ".join(f"{len(sec[k])} {words[k]}" for k in words)
            top = QTreeWidgetItem(self.tree, [f"{section_label(name, lang)}: {counts}", "", ""])
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            for kind in ("added", "removed", "changed"):
                for item in sec[kind]:
                    total += 1
                    before = value_text(item["before"]) if "before" in item else ""
                    after = value_text(item["after"]) if "after" in item else ""
                    child = QTreeWidgetItem(top, [f"{'+-~'[('added', 'removed', 'changed').index(kind)]} "
                                                  f"{item['key']} ({words[kind]})", before, after])
                    child.setForeground(0, QBrush(QColor(KIND_COLORS[kind])))
                    for c in (1, 2):
                        child.setToolTip(c, child.text(c))
            top.setExpanded(any(sec[k] for k in words))
        for name, which in result["missing"].items():
            side = ", ".join(tr("before") if w == "before" else tr("after") for w in which)
            QTreeWidgetItem(self.tree, [f"{section_label(name, lang)}: " + tr("no data in the collection %1")
                                        .replace("%1", side), "", ""])
        if result.get("after_uid0_accounts"):
            item = QTreeWidgetItem(self.tree, [tr("UID-0 accounts besides root (after):") + " "
                                               + ", ".join(result["after_uid0_accounts"]), "", ""])
            item.setForeground(0, QBrush(QColor(KIND_COLORS["removed"])))
        self.status.setText(tr("%1 → %2: %3 differences").replace("%1", result["before"]["case_id"])
                            .replace("%2", result["after"]["case_id"]).replace("%3", str(total)))
        self.tree.setFocus(Qt.OtherFocusReason)
