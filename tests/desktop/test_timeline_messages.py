"""The desktop timeline's message column shows the event's formatter (resources/formatters/) in the
window's language, the line as the source wrote it in the tooltip: the same message as reports and CLI."""
from __future__ import annotations

from PySide6.QtCore import Qt

from analysis import formatters


def test_message_column_uses_the_formatters(make_win, case_dir, qtbot, shared_data):
    from test_app import new_case

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/elastic-beats/system_auth_test.log", source="/var/log/auth.log",
                      name="auth.log", checklist_id="B10", collector="log_files")
    page = win.timeline_page
    win.show_page("timeline")
    page.set_case(win.case)
    page.build()
    qtbot.waitUntil(lambda: page.build_btn.isEnabled() and page.model.rowCount() > 0, timeout=60_000)
    while page.model.canFetchMore():
        page.model.fetchMore()
    raw = "sshd[7483]: Accepted password for vagrant from 192.168.33.1 port 58803 ssh2"
    row = next(i for i, r in enumerate(page.model.rows) if r["message"] == raw)
    index = page.model.index(row, 3)
    assert page.model.data(index) == "Đăng nhập SSH thành công: vagrant từ 192.168.33.1 cổng 58803 (password)"
    assert page.model.data(index, Qt.ToolTipRole) == raw
    shown = [page.model.data(page.model.index(i, 3)) for i in range(page.model.rowCount())]
    assert shown == [formatters.message(r, "vi") for r in page.model.rows]
