"""Timeline export dialog: choose a format (those of `ungcuu timeline --format`) and an output file; the
export (`analysis.export.export_file`) runs on a worker thread with a progress bar and can be cancelled
(no partial file is left). The equivalent command is shown to copy."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from .commandline import display
from .common import command_row
from .i18n import tr
from .worker import start_in_thread

EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "timesketch": "timesketch.jsonl", "ecs": "ecs.ndjson",
              "ecs-bulk": "ecs-bulk.ndjson", "bodyfile": "body", "mactime": "mactime.csv"}


def format_text(fmt: str) -> str:
    return {"jsonl": tr("JSON lines (every field)"),
            "csv": tr("CSV (Timesketch columns, opens in a spreadsheet)"),
            "timesketch": tr("Timesketch import (JSON lines, bounded fields)"),
            "ecs": tr("Elastic Common Schema (NDJSON)"),
            "ecs-bulk": tr("Elastic bulk API (NDJSON with index lines)"),
            "bodyfile": tr("Sleuth Kit bodyfile (file times)"),
            "mactime": tr("mactime (file times, by date)")}[fmt]


def export_command(case_path, fmt: str, out, lang: str = "vi") -> list[str]:
    argv = ["ungcuu", "timeline", "--case", str(case_path), "--format", fmt, "--out", str(out)]
    return argv + (["--lang", lang] if lang != "vi" else [])


class ExportWorker(QObject):
    progress = Signal(int, int)     # lines written, total (-1 unknown)
    finished = Signal(int)          # lines written
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, case, fmt: str, path: str, lang: str = "vi"):
        super().__init__()
        self.case, self.fmt, self.path, self.lang = case, fmt, path, lang
        self.cancel_event = threading.Event()

    @Slot()
    def run(self) -> None:
        from analysis import export, timeline
        from collectors.errors import Cancelled, UngCuuError

        try:
            timeline.ensure(self.case, cancel=self.cancel_event)   # built or brought up to date first
            n = export.export_file(self.case, self.fmt, self.path, progress=self._progress, cancel=self.cancel_event,
                                   lang=self.lang)
            self.finished.emit(n)
        except Cancelled:
            self.cancelled.emit()
        except (UngCuuError, OSError, ValueError) as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a bug kill the thread silently
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.done.emit()

    def _progress(self, done: int, total: int | None) -> None:
        self.progress.emit(int(done), -1 if total is None else int(total))


class TimelineExportDialog(QDialog):
    def __init__(self, case, parent=None):
        super().__init__(parent)
        from analysis.export import FORMATS

        self.case = case
        self.worker: ExportWorker | None = None
        self.thread = None
        self.last_count: int | None = None
        self.setWindowTitle(tr("Export the timeline"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QComboBox()
        self.format.setAccessibleName(tr("Export format"))
        for fmt in FORMATS:
            self.format.addItem(f"{fmt} — {format_text(fmt)}", fmt)
        self.format.currentIndexChanged.connect(self._format_changed)
        form.addRow(tr("Format:"), self.format)
        out_row = QHBoxLayout()
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName(tr("Output file"))
        self.out_edit.textChanged.connect(self._update_command)
        self.browse_btn = QPushButton(tr("&Browse…"))
        self.browse_btn.clicked.connect(self._browse)
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(self.browse_btn)
        form.addRow(tr("Output file:"), out_row)
        lay.addLayout(form)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setAccessibleName(tr("Export progress"))
        lay.addWidget(self.bar)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.command = command_row(lay, tr("Cop&y"))
        buttons = QHBoxLayout()
        self.export_btn = QPushButton(tr("&Export"))
        self.export_btn.setDefault(True)
        self.export_btn.clicked.connect(self.start)
        self.cancel_btn = QPushButton(tr("C&ancel"))
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel)
        self.close_btn = QPushButton(tr("&Close"))
        self.close_btn.clicked.connect(self.reject)
        buttons.addStretch(1)
        for b in (self.export_btn, self.cancel_btn, self.close_btn):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self._format_changed()
        self.resize(720, 260)

    def _default_path(self, fmt: str) -> str:
        return str(Path(self.case.path) / "exports" / f"timeline.{EXTENSIONS[fmt]}")

    def _format_changed(self, *_args) -> None:
        fmt = self.format.currentData()
        current = self.out_edit.text().strip()
        if not current or current in {self._default_path(f) for f in EXTENSIONS}:
            self.out_edit.setText(self._default_path(fmt))
        self._update_command()

    def _lang(self) -> str:
        """The window's language: the exported messages and the shown command's --lang follow it."""
        return getattr(getattr(self.parent(), "window", None), "lang", "vi")

    def _update_command(self, *_args) -> None:
        out = self.out_edit.text().strip()
        self.command.setText(display(export_command(self.case.path, self.format.currentData(), out, self._lang())) if out else "")

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Export the timeline to"), self.out_edit.text())
        if path:
            self.out_edit.setText(path)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self) -> bool:
        if self.running:
            return False
        out = self.out_edit.text().strip()
        if not out:
            self.status.setText(tr("Choose the output file."))
            return False
        target = Path(out)
        if target.is_dir():
            self.status.setText(tr("The output is a folder: choose a file name."))
            return False
        if target.parent == Path(self.case.path) / "exports":
            target.parent.mkdir(exist_ok=True)
        elif not target.parent.is_dir():
            self.status.setText(tr("No such folder:") + " " + str(target.parent))
            return False
        self.last_count = None
        self.bar.setRange(0, 0)        # busy until the first progress
        self.status.setText(tr("Exporting…"))
        self.worker = ExportWorker(self.case, self.format.currentData(), out, self._lang())
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)
        self.worker.done.connect(self._done)
        for w in (self.export_btn, self.format, self.out_edit, self.browse_btn, self.close_btn):
            w.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.thread = start_in_thread(self.worker, self)
        self._ungcuu_threads = [self.thread]   # waited for when the window closes (worker.wait_threads)
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()
            self.cancel_btn.setEnabled(False)

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.status.setText(tr("%1 lines written").replace("%1", f"{done:,}".replace(",", ".")) +
                            (" / " + f"{total:,}".replace(",", ".") if total > 0 else ""))

    @Slot(int)
    def _finished(self, n: int) -> None:
        self.last_count = n
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.status.setText(tr("Wrote %1 lines to %2").replace("%1", str(n)).replace("%2", self.out_edit.text()))

    @Slot(str)
    def _failed(self, message: str) -> None:
        from collectors.messages import translate

        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(tr("The export failed:") + " " + translate(message, self._lang()))

    @Slot()
    def _cancelled(self) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(tr("Export cancelled: no file was written."))

    @Slot()
    def _done(self) -> None:
        self.worker = None
        self.thread = None
        for w in (self.export_btn, self.format, self.out_edit, self.browse_btn, self.close_btn):
            w.setEnabled(True)
        self.cancel_btn.setEnabled(False)

    def reject(self) -> None:
        if self.running:      # closing while exporting: cancel first (no partial file)
            self.cancel()
            return
        super().reject()

    def wait(self, ms: int = 20000) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()
        if self.thread is not None:
            try:
                self.thread.wait(ms)
            except RuntimeError:
                pass
