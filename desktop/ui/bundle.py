"""The evidence bundle dialog: build one for leadership (sign, encrypt, choose what goes in), show its
SHA-256 and the key fingerprint large enough to read out over the phone, and verify a bundle received
from elsewhere. `reports.bundle` does the work on a worker thread; the dialog shows the equivalent
`ungcuu bundle` / `ungcuu verify` command (the passphrase is never put on a command line)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .commandline import bundle_command, display, verify_command
from .common import command_row
from .i18n import tr
from .models import human_size
from .worker import start_call


def spoken(hexdigest: str, group: int = 4) -> str:
    """A hex digest in groups of four, so it can be read out and compared over the phone."""
    h = (hexdigest or "").lower()
    return " ".join(h[i:i + group] for i in range(0, len(h), group))


def _big_label() -> QLabel:
    lab = QLabel()
    lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
    lab.setWordWrap(True)
    f = QFont("DejaVu Sans Mono")
    f.setStyleHint(QFont.Monospace)
    f.setPointSize(15)
    f.setBold(True)
    lab.setFont(f)
    return lab


def _path_row(edit: QLineEdit, browse) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    b = QPushButton(tr("Browse…"))
    b.clicked.connect(browse)
    row.addWidget(b)
    return row


class BundleDialog(QDialog):
    """Build / verify tabs. `file_dialog` (a QFileDialog-like callable) is replaceable in tests."""

    def __init__(self, window, case):
        super().__init__(window)
        self.window = window
        self.case = case
        self.result_sha = ""
        self.result_fpr = ""
        self.verify_result = None
        self.busy = False
        self.setWindowTitle(tr("Evidence bundle"))
        self.resize(880, 640)
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_tab(), tr("Build a bundle"))
        self.tabs.addTab(self._verify_tab(), tr("Verify a bundle received"))
        lay.addWidget(self.tabs, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        lay.addWidget(self.progress)
        self.command = command_row(lay, tr("Cop&y the command"))
        box = QDialogButtonBox(QDialogButtonBox.Close)
        box.button(QDialogButtonBox.Close).setText(tr("Close"))
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.tabs.currentChanged.connect(lambda _i: self.update_command())
        self.update_command()

    # ------------------------------------------------------------------ build
    def _build_tab(self) -> QWidget:
        from reports.bundle import default_bundle_name

        w = QWidget()
        v = QVBoxLayout(w)
        form = QFormLayout()
        self.out_edit = QLineEdit(str(self.case.path / "exports" / default_bundle_name(self.case)))
        self.out_edit.setAccessibleName(tr("Bundle file"))
        form.addRow(tr("Bundle file:"), _path_row(self.out_edit, self._browse_out))
        self.reports_box = QCheckBox(tr("Include the reports (PDF)"))
        self.reports_box.setChecked(True)
        self.timeline_box = QCheckBox(tr("Include the timeline"))
        self.timeline_box.setChecked(True)
        form.addRow(tr("Contents:"), self.reports_box)
        form.addRow("", self.timeline_box)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(tr("Passphrase"))
        self.passphrase.setPlaceholderText(tr("empty: not encrypted"))
        self.passphrase2 = QLineEdit()
        self.passphrase2.setEchoMode(QLineEdit.Password)
        self.passphrase2.setAccessibleName(tr("Passphrase again"))
        form.addRow(tr("Passphrase (encrypts, 7z AES-256):"), self.passphrase)
        form.addRow(tr("Passphrase again:"), self.passphrase2)
        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName(tr("Signing key"))
        self.key_edit.setPlaceholderText(tr("empty: not signed"))
        key_row = _path_row(self.key_edit, self._browse_key)
        gen = QPushButton(tr("Make a &key pair…"))
        gen.clicked.connect(self.make_keypair)
        key_row.addWidget(gen)
        form.addRow(tr("Signing key (Ed25519, PEM):"), key_row)
        v.addLayout(form)
        for e in (self.out_edit, self.passphrase, self.key_edit):
            e.textChanged.connect(self.update_command)
        for b in (self.reports_box, self.timeline_box):
            b.toggled.connect(self.update_command)
        self.passphrase.textChanged.connect(self._out_suffix)
        self.build_btn = QPushButton(tr("&Build the bundle"))
        self.build_btn.clicked.connect(self.build)
        v.addWidget(self.build_btn, 0, Qt.AlignLeft)
        res = QGroupBox(tr("Read these out over the phone"))
        g = QFormLayout(res)
        self.sha_label = _big_label()
        self.sha_label.setAccessibleName(tr("Bundle SHA-256"))
        self.fpr_label = _big_label()
        self.fpr_label.setAccessibleName(tr("Key fingerprint"))
        g.addRow(tr("Bundle SHA-256:"), self.sha_label)
        g.addRow(tr("Key fingerprint:"), self.fpr_label)
        v.addWidget(res)
        self.build_text = QPlainTextEdit()
        self.build_text.setReadOnly(True)
        self.build_text.setAccessibleName(tr("Result"))
        v.addWidget(self.build_text, 1)
        return w

    def _out_suffix(self) -> None:
        """An encrypted bundle is a 7z archive: its name says so, and a plain one is a .zip."""
        out = self.out_edit.text()
        enc = bool(self.passphrase.text())
        if enc and out.lower().endswith(".zip"):
            self.out_edit.setText(out[:-4] + ".7z")
        elif not enc and out.lower().endswith(".7z"):
            self.out_edit.setText(out[:-3] + ".zip")

    def _browse_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Bundle file"), self.out_edit.text(),
                                              tr("Bundles (*.zip *.7z)"))
        if path:
            self.out_edit.setText(path)

    def _browse_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Signing key"), str(self.case.path), tr("Keys (*.key *.pem)"))
        if path:
            self.key_edit.setText(path)

    def make_keypair(self) -> None:
        from collectors.messages import translate
        from reports.bundle import BundleError, generate_keypair

        prefix, _ = QFileDialog.getSaveFileName(self, tr("Key pair name (PREFIX.key and PREFIX.pub)"),
                                                str(Path.home() / "ungcuu-signing"), "")
        if not prefix:
            return
        prefix = prefix.removesuffix(".key").removesuffix(".pub")
        try:
            priv, pub = generate_keypair(prefix + ".key", prefix + ".pub")
        except (BundleError, OSError) as exc:
            self.build_text.setPlainText(tr("The key pair could not be made:") + "\n" +
                                         translate(str(exc), self.window.lang))
            return
        self.key_edit.setText(str(priv))
        self.build_text.setPlainText(tr("Private key (keep it secret): %1\nPublic key (give it to whoever verifies): %2")
                                     .replace("%1", str(priv)).replace("%2", str(pub)))

    def build(self) -> bool:
        from reports.bundle import build_bundle

        if self.busy:
            return False
        if self.passphrase.text() != self.passphrase2.text():
            self.build_text.setPlainText(tr("The two passphrases differ: type the same passphrase twice."))
            return False
        warnings: list[str] = []
        self._warnings = warnings
        self._set_busy(True)
        self.sha_label.clear()
        self.fpr_label.clear()
        self.build_text.setPlainText(tr("Building the bundle…"))
        start_call(self, build_bundle, self.case, self.out_edit.text(), self.passphrase.text() or None,
                   self.key_edit.text() or None, include_reports=self.reports_box.isChecked(),
                   include_timeline=self.timeline_box.isChecked(), warnings=warnings,
                   on_result=self._built, on_failed=self._build_failed, on_done=lambda: self._set_busy(False))
        return True

    def _built(self, digest: str) -> None:
        from collectors.messages import translate
        from reports.bundle import bundle_exports

        self.result_sha = digest
        last = (bundle_exports(self.case) or [{}])[-1]
        self.result_fpr = last.get("key_fingerprint") or "" if last.get("sha256") == digest else ""
        self.sha_label.setText(spoken(digest))
        self.fpr_label.setText(spoken(self.result_fpr) if self.result_fpr else tr("(not signed)"))
        lines = [tr("Saved:") + f" {last.get('path') or self.out_edit.text()}", f"SHA-256: {digest}",
                 human_size(last.get("size") or 0, self.window.lang),
                 tr("The bundle's SHA-256 is recorded in the case's custody log.")]
        lines += ["⚠ " + translate(w, self.window.lang) for w in self._warnings]
        self.build_text.setPlainText("\n".join(lines))

    def _build_failed(self, message: str) -> None:
        from collectors.messages import translate

        self.build_text.setPlainText(tr("The bundle could not be built:") + "\n" + translate(message, self.window.lang))

    # ------------------------------------------------------------------ verify
    def _verify_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        form = QFormLayout()
        self.vpath = QLineEdit()
        self.vpath.setAccessibleName(tr("Bundle to verify"))
        form.addRow(tr("Bundle to verify:"), _path_row(self.vpath, self._browse_bundle))
        self.vkey = QLineEdit()
        self.vkey.setAccessibleName(tr("Public key"))
        self.vkey.setPlaceholderText(tr("the sender's .pub file, or its 64-digit hex"))
        form.addRow(tr("Public key (to check the signature):"), _path_row(self.vkey, self._browse_pub))
        self.vpass = QLineEdit()
        self.vpass.setEchoMode(QLineEdit.Password)
        self.vpass.setAccessibleName(tr("Passphrase"))
        form.addRow(tr("Passphrase (encrypted bundle):"), self.vpass)
        v.addLayout(form)
        for e in (self.vpath, self.vkey):
            e.textChanged.connect(self.update_command)
        self.verify_btn = QPushButton(tr("&Verify the bundle"))
        self.verify_btn.clicked.connect(self.verify)
        v.addWidget(self.verify_btn, 0, Qt.AlignLeft)
        self.vsha = _big_label()
        self.vsha.setAccessibleName(tr("Bundle SHA-256"))
        res = QGroupBox(tr("Compare with the sender over the phone"))
        g = QFormLayout(res)
        g.addRow(tr("Bundle SHA-256:"), self.vsha)
        self.vfpr = _big_label()
        g.addRow(tr("Key fingerprint:"), self.vfpr)
        v.addWidget(res)
        self.verify_text = QPlainTextEdit()
        self.verify_text.setReadOnly(True)
        self.verify_text.setAccessibleName(tr("Verification result"))
        v.addWidget(self.verify_text, 1)
        return w

    def _browse_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Bundle to verify"), str(self.case.path),
                                              tr("Bundles (*.zip *.7z)"))
        if path:
            self.vpath.setText(path)

    def _browse_pub(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Public key"), str(self.case.path), tr("Keys (*.pub *.pem)"))
        if path:
            self.vkey.setText(path)

    def verify(self) -> bool:
        if self.busy or not self.vpath.text():
            return False
        self._set_busy(True)
        self.verify_text.setPlainText(tr("Verifying the bundle…"))
        self.vsha.clear()
        self.vfpr.clear()
        start_call(self, _verify_and_hash, self.vpath.text(), self.vkey.text() or None, self.vpass.text() or None,
                   on_result=self._verified, on_failed=self._verify_failed, on_done=lambda: self._set_busy(False))
        return True

    def _verified(self, value) -> None:
        from collectors.messages import translate

        res, digest = value
        self.verify_result = res
        self.vsha.setText(spoken(digest))
        signer = (res.manifest or {}).get("signer") or {}
        fpr = signer.get("public_key_sha256") or ""
        self.vfpr.setText(spoken(fpr) if fpr else tr("(not signed)"))
        sig = {"valid": tr("signature valid"), "invalid": tr("signature NOT valid"), "absent": tr("not signed"),
               "not_checked": tr("signature not checked (give the public key)")}.get(res.signature, res.signature)
        head = (tr("Bundle %1: %2 evidence items, %3 files, %4").replace("%1", res.case_id or "?")
                .replace("%2", str(res.items)).replace("%3", str(res.members)).replace("%4", sig))
        verdict = tr("INTACT") if res.ok else tr("NOT INTACT: %1 differences").replace("%1", str(len(res.problems)))
        lines = [head, verdict, ""] + ["• " + translate(p, self.window.lang) for p in res.problems]
        lines += [translate(n, self.window.lang) for n in res.notes]
        self.verify_text.setPlainText("\n".join(lines))
        self.verify_text.setStyleSheet("" if res.ok else "color: #b3261e")

    def _verify_failed(self, message: str) -> None:
        from collectors.messages import translate

        self.verify_text.setPlainText(tr("The bundle could not be read:") + "\n" + translate(message, self.window.lang))

    # ------------------------------------------------------------------ shared
    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setRange(0, 0 if busy else 1)   # 0..0: Qt's busy indicator
        self.progress.setValue(0 if busy else 1)
        self.build_btn.setEnabled(not busy)
        self.verify_btn.setEnabled(not busy)

    def update_command(self) -> None:
        if self.tabs.currentIndex() == 1:
            argv = verify_command(self.vpath.text() or "BUNDLE", public_key=self.vkey.text() or None)
        else:
            argv = bundle_command(self.case.path, out=self.out_edit.text() or None,
                                  encrypt=bool(self.passphrase.text()), sign_key=self.key_edit.text() or None,
                                  reports=self.reports_box.isChecked(), timeline=self.timeline_box.isChecked())
        self.command.setText(display(argv))

    def reject(self) -> None:  # noqa: D401 - Qt override
        from .worker import wait_threads

        wait_threads(self)
        super().reject()


def _verify_and_hash(path: str, public_key, passphrase):
    """verify_bundle plus the SHA-256 of the file received (what the sender reads out)."""
    import hashlib

    from reports.bundle import verify_bundle

    res = verify_bundle(path, public_key=public_key, passphrase=passphrase)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return res, h.hexdigest()

