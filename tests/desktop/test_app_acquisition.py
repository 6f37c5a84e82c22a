"""The collection page's per-item options and the run's source, driven through the real widgets offscreen:
B6 processes from the live list, B7 capture settings, B9 image sources and part size, H4 recovery source
and carving kinds, B5 paths; a mounted folder or a disk image (its volumes and shadow copies read from the
image) as the source, "collect again". The equivalent command shown is parsed with the real `ungcuu`
parser and must give exactly the run's options, source and flags."""
from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.desktop.test_app import new_case

CHILD = "import sys; sys.stdout.write('up\\n'); sys.stdout.flush(); sys.stdin.readline()"


def parsed(page):
    """What `ungcuu collect` would do with the command the page shows: (only, options, again, root, consent)."""
    from desktop.cli import build_parser
    from desktop.commands.collect import run_options

    argv = shlex.split(page.command.text())
    assert argv[:2] == ["ungcuu", "collect"], argv
    args = build_parser()[0].parse_args(argv[1:])
    only = args.only.split(",")
    return only, run_options(args, only), args.again, args.root, args.consent


def plan(page):
    only, options, again, root = page.run_plan()
    return only, options, again, root


def tick_row(qtbot, view, row: int) -> None:
    """Select `row` of a table or list and press Space on it: the delegate toggles its check box."""
    model = view.model()
    view.setFocus()
    view.setCurrentIndex(model.index(row, 0))
    qtbot.keyClick(view, Qt.Key_Space)


def click_box(qtbot, box) -> None:
    """Click a check box on its indicator (the middle of a wide one is past its label, not a hit)."""
    from PySide6.QtCore import QPoint

    assert box.isVisible(), box.text()
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))


def type_into(qtbot, widget, text: str) -> None:
    """Type `text` over the widget's current text (line edits and spin boxes)."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_b9_options_image_a_chosen_file_in_parts_and_the_command_is_what_ran(make_win, case_dir, qtbot, tmp_path,
                                                                               monkeypatch):
    data = bytes(range(256)) * (4096 * 3 + 20)        # 3 MiB + 5 KiB
    src = tmp_path / "usb.raw"
    src.write_bytes(data)
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    page.model.set_checked(["B9"])
    page.show_options("B9")
    b9 = page.item_options.pages["B9"]
    assert page.item_options.stack.currentWidget() is b9
    qtbot.waitUntil(lambda: b9.loaded, timeout=20_000)            # the disk list is read off the GUI thread
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    add_btn = next(b for b in b9.findChildren(type(b9.refresh_btn)) if b.text() == "Thêm tệp cần tạo ảnh…")
    qtbot.mouseClick(add_btn, Qt.LeftButton)
    assert b9.sources() == [str(src)]
    type_into(qtbot, b9.part_mib, "1")
    click_box(qtbot, b9.verify)
    click_box(qtbot, b9.md5)                       # SHA-256 only
    shown = page.command.text()
    assert f"--image-source {src}" in shown and "--image-part-size 1048576" in shown
    assert "--image-verify" in shown and "--no-image-md5" in shown
    only, options, again, root, _consent = parsed(page)
    assert (only, options, again, root) == plan(page)
    assert options == {"image_sources": [str(src)], "image_part_size": 1 << 20, "image_verify": True,
                       "image_md5": False}
    with qtbot.waitSignal(page.runEnded, timeout=120_000):
        qtbot.mouseClick(page.start_btn, Qt.LeftButton)
    case = win.case
    man = next(r for r in case.evidence("B9") if r.name.endswith(".manifest.json"))
    from collectors import records

    m = records.row_of(case.read_json(man))
    assert m["verified"] is True and m["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}
    assert [p["size"] for p in m["parts"]] == [1 << 20] * 3 + [5120]
    assert json.loads(case.runs()[-1]["argv"]) == shlex.split(shown)   # the custody log keeps what was shown
    # H4 offers the image just taken, by its evidence id, as the source to recover from
    page.model.set_checked(["H4"])
    page.show_options("H4")
    h4 = page.item_options.pages["H4"]
    at = h4.source.findText(man.id)
    assert at > 0
    h4.source.setFocus()
    h4.source.setCurrentIndex(at)
    assert parsed(page)[1]["recover_sources"] == [man.id] and f"--recover-source {man.id}" in page.command.text()


def test_b6_processes_are_picked_from_the_live_list_and_dumped(make_win, case_dir, qtbot):
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "up"
        win = make_win()
        new_case(win, case_dir)
        win.show_page("collection")
        page = win.collection_page
        page.model.set_checked(["B6"])
        page.show_options("B6")
        b6 = page.item_options.pages["B6"]
        qtbot.waitUntil(lambda: b6.loaded, timeout=20_000)
        type_into(qtbot, b6.filter_edit, str(child.pid))
        rows = [r for r in range(b6.table.rowCount()) if not b6.table.isRowHidden(r)]
        row = next(r for r in rows if b6.table.item(r, 0).text() == str(child.pid))
        tick_row(qtbot, b6.table, row)
        assert b6.pids() == [child.pid]
        assert f"--pid {child.pid}" in page.command.text()
        assert "--physical-memory" not in page.command.text()
        click_box(qtbot, b6.physical)
        assert "--physical-memory" in page.command.text()
        click_box(qtbot, b6.physical)
        only, options, again, root, _ = parsed(page)
        assert (only, options, again, root) == plan(page) and options == {"pids": [child.pid]}
        with qtbot.waitSignal(page.runEnded, timeout=120_000):
            qtbot.mouseClick(page.start_btn, Qt.LeftButton)
        dumps = [r for r in win.case.evidence("B6") if r.name == f"pid{child.pid}_python.mem"]   # and its .maps.json
        assert len(dumps) == 1 and win.case.evidence_path(dumps[0]).stat().st_size > 0
    finally:
        child.stdin.close()
        child.wait(timeout=10)


def test_b6_process_list_is_filled_in_batches(qapp, qtbot, monkeypatch):
    """The live process list reaches the table a batch per turn of the event loop: the window keeps running
    meanwhile, a PID chosen before stays chosen (ticked when its row arrives), the filter covers the rows
    added later, and a newer list replaces one still being filled."""
    from desktop.ui import item_options

    monkeypatch.setattr(item_options, "FILL_BATCH", 7)
    rows = item_options.list_processes()
    assert len(rows) > 3 * 7
    b6 = item_options.MemoryOptions()
    qtbot.addWidget(b6)
    last = rows[-1]
    b6.set_options({"pids": [last["pid"]]})
    b6.filter_edit.setText(last["name"])
    changed = []
    b6.changed.connect(lambda: changed.append(1))
    b6._fill(rows)
    assert b6.table.rowCount() == 7 and b6.filling and not b6.loaded and not changed
    assert b6.pids() == [last["pid"]]                       # its row is still to come
    qtbot.waitUntil(lambda: b6.loaded, timeout=20_000)
    assert b6.table.rowCount() == len(rows) and not b6.filling and changed == [1]
    assert b6.pids() == [last["pid"]] and b6.table.item(len(rows) - 1, 0).checkState() == Qt.Checked
    shown = {b6.table.item(r, 3).text() for r in range(b6.table.rowCount()) if not b6.table.isRowHidden(r)}
    assert shown == {last["name"]}
    # a refresh while a list is being filled: the newer one wins, the older one's remaining batches are dropped
    b6.filter_edit.setText("")
    b6._fill(rows)
    b6._fill(rows[:10])
    qtbot.waitUntil(lambda: not b6.filling, timeout=20_000)
    qtbot.wait(50)
    assert b6.table.rowCount() == 10 and not any(b6.table.isRowHidden(r) for r in range(10))
    assert b6.pids() == []                                  # the chosen PID is not in the newer list


def test_b7_h4_and_b5_options_reach_the_command_exactly(make_win, case_dir, qtbot, tmp_path):
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    page.model.set_checked(["B5", "B7", "H4"])
    page.show_options("B7")
    b7 = page.item_options.pages["B7"]
    qtbot.waitUntil(lambda: b7.loaded, timeout=20_000)
    lo = next(i for i in range(b7.list.count()) if b7.list.item(i).text() == "lo")
    tick_row(qtbot, b7.list, lo)
    type_into(qtbot, b7.seconds, "5")
    type_into(qtbot, b7.count, "100")
    type_into(qtbot, b7.filter_edit, "udp port 53")
    page.show_options("H4")
    h4 = page.item_options.pages["H4"]
    assert page.item_options.stack.currentWidget() is h4
    type_into(qtbot, h4.source.lineEdit(), str(tmp_path / "disk.img"))
    click_box(qtbot, h4.kinds["zip"])
    click_box(qtbot, h4.kinds["mbox"])
    click_box(qtbot, h4.open_deleted)
    page.show_options("B5")
    b5 = page.item_options.pages["B5"]
    type_into(qtbot, b5.path_edit, str(tmp_path / "evil.sh"))
    qtbot.keyClick(b5.path_edit, Qt.Key_Return)
    only, options, again, root, _ = parsed(page)
    assert (only, options, again, root) == plan(page)
    assert options == {"paths": [str(tmp_path / "evil.sh")], "interfaces": ["lo"], "capture_seconds": 5.0,
                       "capture_count": 100, "capture_filter": "udp port 53",
                       "recover_sources": [str(tmp_path / "disk.img")], "carve_kinds": ["jpg", "png", "pdf", "eml"],
                       "open_deleted": True}
    # carving off entirely, and an unticked item's settings are not used
    page.show_options("H4")
    click_box(qtbot, h4.carve)
    assert not h4.kinds["jpg"].isEnabled()
    assert parsed(page)[1]["carve"] is False and "--no-carve" in page.command.text()
    page.model.set_checked(["B5", "H4"])
    assert "--iface" not in page.command.text() and "interfaces" not in plan(page)[1]


def test_a_disk_image_source_lists_its_volumes_and_shadow_copies_to_pick(make_win, case_dir, qtbot, monkeypatch,
                                                                         shared_data):
    image = str((shared_data / "windows" / "vsstest.qcow2").resolve())
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    box = page.source
    page.model.set_checked(["B2"])
    box.mode.setFocus()
    qtbot.keyClick(box.mode, Qt.Key_Down)
    qtbot.keyClick(box.mode, Qt.Key_Down)
    assert box.mode.currentIndex() == box.IMAGE and box.volume.isVisibleTo(box)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (image, ""))
    qtbot.mouseClick(box.browse_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: box.listing is not None or "Không" in box.status.text(), timeout=30_000)  # worker thread
    assert box.listing is not None, box.status.text()
    assert box.volume.count() == 1 and "NTFS" in box.volume.itemText(0) and "(mặc định)" in box.volume.itemText(0)
    assert [box.shadow.itemData(i) for i in range(box.shadow.count())] == [None, 1, 2]
    assert "2013-12-03T06:35:09" in box.shadow.itemText(1)
    assert f"--root {image}" in page.command.text() and "--shadow" not in page.command.text()
    box.shadow.setFocus()
    qtbot.keyClick(box.shadow, Qt.Key_Down)
    assert box.shadow.currentData() == 1
    only, options, again, root, _ = parsed(page)
    assert (only, options, again, root) == plan(page)
    assert root == image and options == {"volume": 0, "shadow": 1}
    with qtbot.waitSignal(page.runEnded, timeout=120_000):
        qtbot.mouseClick(page.start_btn, Qt.LeftButton)
    run = win.case.runs()[-1]
    assert json.loads(run["argv"]) == shlex.split(page.command.text())
    assert win.case.outcomes()["B2"]["state"] in ("collected", "partial")
    assert "shadow" in (run["root"] or "").lower() or "vss" in (run["root"] or "").lower(), run["root"]


def test_a_partitioned_e01_lists_its_volumes_with_the_unreadable_one_disabled(make_win, case_dir, qtbot,
                                                                              shared_data):
    image = str((shared_data / "windows" / "image-split.E01").resolve())
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    box = page.source
    page.model.set_checked(["B2"])
    box.mode.setCurrentIndex(box.IMAGE)
    type_into(qtbot, box.path_edit, image)
    qtbot.keyClick(box.path_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: box.listing is not None or bool(box.error), timeout=30_000)
    assert [box.volume.itemData(i) for i in range(box.volume.count())] == [1, 2]
    assert not box.volume.model().item(0).isEnabled() and "không đọc được" in box.volume.itemText(0)
    assert box.volume.currentData() == 2 and "(mặc định)" in box.volume.itemText(1) and "ext2" in box.volume.itemText(1)
    assert box.status.text().startswith("ewf, 1.4 MiB, 2 phân vùng")
    assert parsed(page)[1:4] == ({}, False, image) and "--volume" not in page.command.text()


def test_a_bad_image_or_folder_source_is_refused_with_the_reason(make_win, case_dir, qtbot, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: warned.append(text))
    not_image = tmp_path / "notes.txt"
    not_image.write_bytes(b"just text, no partition table\n" * 100)
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    box = page.source
    page.model.set_checked(["B2"])
    box.mode.setCurrentIndex(box.FOLDER)
    type_into(qtbot, box.path_edit, str(tmp_path / "missing"))
    qtbot.keyClick(box.path_edit, Qt.Key_Return)
    qtbot.mouseClick(page.start_btn, Qt.LeftButton)
    assert warned[-1] == "Không có thư mục này: " + str(tmp_path / "missing") and not page.running
    box.mode.setCurrentIndex(box.IMAGE)
    box.path_edit.clear()
    type_into(qtbot, box.path_edit, str(not_image))
    qtbot.keyClick(box.path_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: str(not_image) in box.status.text(), timeout=30_000)
    qtbot.mouseClick(page.start_btn, Qt.LeftButton)
    assert not page.running and warned[-1].split(": ", 1)[1] in box.status.text()
    assert warned[-1].startswith("Không đọc được ảnh đĩa: " + str(not_image) + ": không có bảng phân vùng")
    assert win.case.runs() == []


def test_a_mounted_folder_source_and_collect_again(make_win, case_dir, qtbot, tmp_path):
    tree = tmp_path / "mnt"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "hostname").write_text("deadbox-01\n")
    (tree / "etc" / "os-release").write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    box = page.source
    page.model.set_checked(["B2"])
    box.mode.setCurrentIndex(box.FOLDER)
    type_into(qtbot, box.path_edit, str(tree))
    qtbot.keyClick(box.path_edit, Qt.Key_Return)
    for expect_again in (False, True):
        if expect_again:
            click_box(qtbot, box.again)
        only, options, again, root, _ = parsed(page)
        assert (only, options, again, root) == plan(page) == (["B2"], {}, expect_again, str(tree))
        with qtbot.waitSignal(page.runEnded, timeout=120_000):
            qtbot.mouseClick(page.start_btn, Qt.LeftButton)
        run = win.case.runs()[-1]
        assert json.loads(run["argv"]) == shlex.split(page.command.text())
        assert Path(run["root"]).resolve() == tree.resolve()
    # run again: collected a second time, not "already collected by an earlier run"
    assert win.case.outcomes()["B2"]["state"] != "collected-earlier"
    assert len([r for r in win.case.evidence("B2")]) >= 2
    # files picked on the Evidence page come from this machine, not from the folder named as the source
    host_file = tmp_path / "picked-here.txt"
    host_file.write_text("on the responder's machine\n")
    with qtbot.waitSignal(page.runEnded, timeout=120_000):
        assert win.evidence_page.add_paths([str(host_file)])
    (rec,) = [r for r in win.case.evidence("B5")]
    assert rec.sha256 == hashlib.sha256(host_file.read_bytes()).hexdigest()
    assert "--root" not in json.loads(win.case.runs()[-1]["argv"])


def test_switching_language_keeps_the_source_and_every_item_option(make_win, case_dir, qtbot, shared_data, tmp_path):
    image = str((shared_data / "windows" / "vsstest.qcow2").resolve())
    win = make_win()
    new_case(win, case_dir)
    win.show_page("collection")
    page = win.collection_page
    page.model.set_checked(["B2", "B5", "B7", "B9", "H4"])
    page.source.mode.setCurrentIndex(page.source.IMAGE)
    type_into(qtbot, page.source.path_edit, image)
    qtbot.keyClick(page.source.path_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: page.source.listing is not None, timeout=30_000)
    page.source.shadow.setCurrentIndex(2)
    click_box(qtbot, page.source.again)
    page.show_options("B7")
    b7 = page.item_options.pages["B7"]
    qtbot.waitUntil(lambda: b7.loaded, timeout=20_000)
    tick_row(qtbot, b7.list, next(i for i in range(b7.list.count()) if b7.list.item(i).text() == "lo"))
    type_into(qtbot, b7.count, "7")
    page.show_options("B9")
    b9 = page.item_options.pages["B9"]
    qtbot.waitUntil(lambda: b9.loaded, timeout=20_000)
    b9.add_file(str(tmp_path / "disk.raw"))
    type_into(qtbot, b9.part_mib, "650")
    page.show_options("H4")
    h4 = page.item_options.pages["H4"]
    type_into(qtbot, h4.source.lineEdit(), "E000042")
    click_box(qtbot, h4.kinds["png"])
    page.show_options("B5")
    type_into(qtbot, page.item_options.pages["B5"].path_edit, "/etc/passwd")
    qtbot.keyClick(page.item_options.pages["B5"].path_edit, Qt.Key_Return)
    before = plan(page)
    assert before[1]["shadow"] == 2 and before[2] is True and before[1]["capture_count"] == 7
    shown = page.command.text()
    win.set_language("en")
    page = win.collection_page
    qtbot.waitUntil(lambda: page.source.listing is not None, timeout=30_000)
    assert plan(page) == before and page.command.text() == shown
    assert page.source.shadow.currentData() == 2 and page.source.again.isChecked()
    page.show_options("B7")                                        # the list read again keeps the tick
    b7 = page.item_options.pages["B7"]
    qtbot.waitUntil(lambda: b7.loaded, timeout=20_000)
    ticked = [b7.list.item(i).text() for i in range(b7.list.count()) if b7.list.item(i).checkState() == Qt.Checked]
    assert ticked == ["lo"] and plan(page) == before
