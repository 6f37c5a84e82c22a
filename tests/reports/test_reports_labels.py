"""Form labels have one source, reports/incident.py: the GUI intake and the rendered forms read the
field labels (FIELDS) and the check-box labels (CHOICE_LABELS) from it instead of writing them again."""
from __future__ import annotations

import re
from pathlib import Path

from reports import incident, kinds

REPO = Path(__file__).resolve().parents[2]


def test_forms_do_not_repeat_a_field_label():
    text = (REPO / "reports" / "kinds.py").read_text(encoding="utf-8")
    repeated = [(p, lab) for p, lab in re.findall(r'c\.field\("([^"]+)", "([^"]+)"', text)
                if p in incident.FIELD_BY_PATH and incident.FIELD_BY_PATH[p].label == lab]
    assert repeated == []


def test_the_intake_keeps_no_label_table_of_its_own():
    text = (REPO / "desktop" / "ui" / "intake.py").read_text(encoding="utf-8")
    assert "CHOICE_LABELS = {" not in text and "BOOL_LABELS = {" not in text
    assert "self.inc.CHOICE_LABELS" in text


def test_check_box_labels_on_the_form_are_the_shared_ones():
    labels = incident.CHOICE_LABELS
    for path, choices in labels.items():
        for key, (vi, en) in choices.items():
            assert vi and en, (path, key)
    c = kinds._Ctx(None, "vi", None)
    assert c.options("notified_to", "network_member", "isp") == [
        ("network_member", "Thành viên mạng lưới chịu trách nhiệm ứng cứu sự cố cho tổ chức, cá nhân"),
        ("isp", "ISP đang trực tiếp cung cấp dịch vụ")]
