"""The checklist YAML: the shipped file is valid; a bad file gets an error naming its line."""
from __future__ import annotations

import pytest

from collectors import checklist
from collectors.errors import ChecklistError

KNOWN = {"a", "b"}

GOOD = """\
version: 1
profiles:
  triage: [B2]
items:
  - id: B2
    label_vi: Thu thập thông tin hệ thống
    label_en: System information
    volatility: 3
    os: [linux]
    needs_admin: false
    changes_system: false
    collectors: [a]
  - id: B6
    label_vi: Thu thập bộ nhớ
    label_en: Memory
    volatility: 1
    os: [linux, windows]
    needs_admin: true
    changes_system: false
    collectors: [a, b]
"""


def test_good_file_parses_in_volatility_order():
    cl = checklist.parse(GOOD, known_collectors=KNOWN)
    assert cl.ids() == ["B2", "B6"]
    assert [i.id for i in cl.select(only=["B2", "B6"])] == ["B6", "B2"]
    assert cl["B6"].line == 13 and cl["B6"].needs_admin


def test_shipped_checklist_covers_b1_to_b11_in_rfc3227_order():
    cl = checklist.load()
    assert sorted(cl.ids(), key=lambda i: (i[0], int(i[1:]))) == [f"B{n}" for n in range(1, 12)] + ["H4"]
    order = [i.id for i in cl.select("full")]
    assert order.index("B6") < order.index("B8") < order.index("B2") < order.index("B10") < order.index("B9")
    assert "B5" not in cl.profiles["triage"]
    for item in cl.items:
        assert item.label_vi and item.label_en


@pytest.mark.parametrize("change, line, message", [
    (("collectors: [a, b]", "collectors: [a, nosuch]"), 13, "unknown collector(s) 'nosuch'"),
    (("volatility: 1", "volatility: fast"), 13, "'volatility' must be int"),
    (("id: B6", "id: memory"), 13, "item id 'memory' is not like B1..B11"),
    (("needs_admin: true", "needs_admin: yes please"), 13, "'needs_admin' must be bool"),
    (("id: B6", "id: B2"), 13, "item B2 appears twice"),
    (("    os: [linux, windows]", "    os: [linux, beos]"), 13, "unknown os"),
    (("  triage: [B2]", "  triage: [B2, B99]"), 3, "profile triage: unknown item(s) B99"),
    (("    label_en: Memory\n", ""), 13, "item B6: missing 'label_en'"),
    (("    collectors: [a]\n", "    collectors: [a]\n    colour: red\n"), 5, "unknown key(s) colour"),
    # entries that are not names were a TypeError (unhashable) instead of an error naming the line
    (("collectors: [a, b]", "collectors: [a, {b: 1}]"), 13, "'collectors' must be a list of names"),
    (("    os: [linux, windows]", "    os: [linux, [windows]]"), 13, "'os' must be a list of names"),
    (("  triage: [B2]", "  triage: [[B2]]"), 3, "profile triage: must be a list of item ids"),
])
def test_bad_file_error_names_the_line(change, line, message):
    text = GOOD.replace(*change, 1) if change[0] != "id: B6" or "B2" not in change[1] else GOOD.replace("id: B6", "id: B2")
    with pytest.raises(ChecklistError) as info:
        checklist.parse(text, known_collectors=KNOWN)
    assert f"checklist.yaml line {line}:" in str(info.value)
    assert message in str(info.value)


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(ChecklistError, match=r"line 4: not valid YAML"):
        checklist.parse("version: 1\nitems:\n  - id: B2\n  label: [unclosed\n", known_collectors=KNOWN)


def test_duplicate_key_names_the_line():
    with pytest.raises(ChecklistError, match=r"line 9: duplicate key 'volatility'"):
        checklist.parse(GOOD.replace("    os: [linux]\n", "    volatility: 4\n", 1), known_collectors=KNOWN)


def test_unknown_selection_is_refused():
    cl = checklist.parse(GOOD, known_collectors=KNOWN)
    with pytest.raises(ChecklistError, match="unknown checklist item"):
        cl.select(only=["B42"])
    with pytest.raises(ChecklistError, match="unknown profile"):
        cl.select("everything")
