"""The collection page's per-item options, offscreen: the longest GUI stall while the lists that read the
system are filled (B6 live processes, B9 disks, B7 interfaces) and while a disk image's volumes and
shadow copies are read (the source box); each repeated a few times. Target: every stall under 100 ms
(the work runs on worker threads).

    .venv/bin/python bench/bench_gui_options.py [--repeat 5] [--image ../shared/data/windows/vsstest.qcow2]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gui import StallMeter, pump_until  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


def measure(app, label: str, start, done, repeat: int) -> None:
    stalls, walls = [], []
    for _ in range(repeat):
        meter = StallMeter()
        meter.start()
        t0 = time.perf_counter()
        start()
        pump_until(app, done, 120)
        walls.append(time.perf_counter() - t0)
        stalls.append(meter.stop()["max_stall_ms"])
    print(f"{label:<34} wall {min(walls) * 1000:7.1f}-{max(walls) * 1000:7.1f} ms   "
          f"worst GUI stall {max(stalls):6.1f} ms (median {sorted(stalls)[len(stalls) // 2]:.1f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--image", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
                                           / "windows" / "vsstest.qcow2"))
    args = ap.parse_args()
    from desktop.app import create_app, make_window

    app = create_app()
    tmp = Path(tempfile.mkdtemp(prefix="ungcuu-bench-options-"))
    win = make_window(app, lang="vi", settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.ask_examiner = lambda current: None
    win.resize(1280, 860)
    win.show()
    assert win.open_case(str(tmp / "CASE"), create=True, examiner="bench")
    win.show_page("collection")
    page = win.collection_page
    opts = page.item_options.pages

    def refreshed(p):
        p.loaded = False
        return lambda: (p.refresh(), None)[1]

    b6, b7, b9 = opts["B6"], opts["B7"], opts["B9"]
    page.show_options("B6")
    measure(app, "B6 live process list", refreshed(b6), lambda: b6.loaded and b6.refresh_btn.isEnabled(),
            args.repeat)
    print(f"  ({b6.table.rowCount()} processes)")
    page.show_options("B9")
    measure(app, "B9 disk list", refreshed(b9), lambda: b9.loaded and b9.refresh_btn.isEnabled(), args.repeat)
    page.show_options("B7")
    measure(app, "B7 interface list", refreshed(b7), lambda: b7.loaded, args.repeat)
    box = page.source
    box.mode.setCurrentIndex(box.IMAGE)
    box.path_edit.setText(str(Path(args.image).resolve()))
    measure(app, f"image volumes ({Path(args.image).name})", lambda: (setattr(box, "listing", None), box.load_volumes()),
            lambda: box.listing is not None or bool(box.error), args.repeat)
    print(f"  ({box.volume.count()} volume(s), {box.shadow.count() - 1} shadow copies)")
    win.close()
    print(f"load: {open('/proc/loadavg').read().strip()}" if os.path.exists("/proc/loadavg") else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
