"""The notification e-mail with names as people type them: commas, colons, line breaks."""
from __future__ import annotations

import email
import email.policy

from reports.render import render_report


def test_names_with_commas_colons_and_line_breaks(case, tmp_path):
    inc = case.incident()
    inc["reporter"]["name"] = "Trung tâm CNTT-TT, Sở KH&CN: Hà Tĩnh"
    inc["system"]["name"] = "Cổng thông tin\nBcc: ke-gian@example.com"
    inc["recipients"] = [{"name": "Văn phòng, UBND huyện", "email": "vanphong@camxuyen.hatinh.gov.vn"},
                         {"name": "Sai địa chỉ", "email": "khong-phai-email"},
                         {"name": "Chèn", "email": "a@b.vn\nBcc: x@y.vn"}]
    case.set_incident(inc)
    path = render_report(case, "notification", "eml", tmp_path / "tb.eml").path   # used to raise ValueError
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == ("[TBSC] Thông báo sự cố — Cổng thông tin Bcc: ke-gian@example.com — "
                              "Trung tâm CNTT-TT, Sở KH&CN: Hà Tĩnh")
    assert msg["Bcc"] is None
    (sender,) = msg["From"].addresses                       # one sender, not a group (the colon)
    assert (sender.display_name, sender.addr_spec) == ("Trung tâm CNTT-TT, Sở KH&CN: Hà Tĩnh",
                                                       "ungcuusuco@stttt.hatinh.gov.vn")
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("Văn phòng, UBND huyện", "vanphong@camxuyen.hatinh.gov.vn")]
