"""A killed `ungcuu image` (SIGKILL: no cleanup at all) resumes from its last checkpoint in the same
image folder when run again, instead of starting over as NAME-2."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

from collectors.acquire import imaging
from collectors.case import Case
from desktop import cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_killed_image_resumes_from_its_checkpoint(tmp_path):
    src = tmp_path / "disk.raw"
    size = imaging.CHECKPOINT_EVERY + (128 << 20)
    with open(src, "wb") as fh:  # sparse: reading it costs no disk, hashing it is real work
        fh.truncate(size)
        fh.seek(size // 3)
        fh.write(b"UngCuu" * 1000)
    case_dir = tmp_path / "case"
    state = case_dir / "images" / "disk.raw" / "disk.raw.state.json"
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--lang", "en", "image", str(src), "--case",
                             str(case_dir), "--no-md5", "--part-size", "64M"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = json.loads(state.read_text())["done"]
            except (OSError, ValueError):
                done = 0
            if done > 0:
                break
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert done >= imaging.CHECKPOINT_EVERY, "the image finished before it could be killed mid-way"
    assert cli.main(["--lang", "en", "image", str(src), "--case", str(case_dir), "--no-md5", "--part-size", "64M",
                     "--json"]) == 0
    assert sorted(p.name for p in (case_dir / "images").iterdir()) == ["disk.raw"]  # no disk.raw-2
    with Case.open(case_dir) as case:
        manifest = next(r for r in case.evidence("B9") if r.name == "disk.raw.manifest.json")
        m = case.read_json(manifest)["record"]
        assert m["resumed_from"] == done
        h = hashlib.sha256()
        with open(src, "rb") as fh:
            for block in iter(lambda: fh.read(8 << 20), b""):
                h.update(block)
        assert m["hashes"]["sha256"] == h.hexdigest() and m["size"] == size
        assert case.outcomes()["B9"]["state"] == "collected"
