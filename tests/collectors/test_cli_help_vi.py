"""`ungcuu --help`, every subcommand's help and argparse's own errors in Vietnamese (English on request)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import build_parser, main
from desktop.commands._help import is_vietnamese

REPO = Path(__file__).resolve().parents[2]
ARGPARSE_EN = ("usage:", "positional arguments", "options:", "show this help message and exit",
               "show program's version number", "error:", "the following arguments are required", "invalid choice")
# help texts with no Vietnamese word to translate
NEUTRAL: set[str] = set()


def _ungcuu(*args: str, lang: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "UNGCUU_LANG"}
    if lang:
        env["UNGCUU_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def _subparsers(parser):
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sub in a.choices.items():
                yield name, sub
                yield from ((f"{name} {n}", s) for n, s in _subparsers(sub))


def test_top_level_help_is_vietnamese_with_argparse_words_translated():
    res = _ungcuu("--help")
    assert res.returncode == 0
    out = res.stdout
    assert out.startswith("cách dùng: ungcuu")
    assert "tham số vị trí:" in out and "tuỳ chọn:" in out and "hiện trợ giúp này rồi thoát" in out
    assert "hiện số phiên bản rồi thoát" in out
    for word in ARGPARSE_EN:
        assert word not in out, word
    assert "collect       thu thập theo danh mục mục 2.1" in out
    assert "/ is a backup clean" not in out                     # only the Vietnamese half of a pair


def test_every_subcommand_and_option_has_vietnamese_help(capsys):
    parser, broken = build_parser("vi")
    assert broken == []
    english = []
    subs = list(_subparsers(parser))
    assert len(subs) >= 25
    for name, sub in subs:
        if not sub.description or not is_vietnamese(sub.description):
            english.append(f"{name}: {sub.description!r}")
        for a in sub._actions:
            if a.help in (None, argparse.SUPPRESS) or a.help in NEUTRAL:
                continue
            if not is_vietnamese(a.help):
                english.append(f"{name} {'/'.join(a.option_strings) or a.dest}: {a.help!r}")
            elif " / " in a.help and not all(is_vietnamese(p) for p in a.help.split(" / ")):
                english.append(f"{name} {a.dest}: half English {a.help!r}")
    assert english == []
    for name, _sub in subs:
        if " " in name:
            continue
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"cách dùng: ungcuu {name}") and "hiện trợ giúp này rồi thoát" in out
        for word in ARGPARSE_EN:
            assert word not in out, (name, word)


def test_argparse_errors_are_vietnamese():
    res = _ungcuu("collect")
    assert res.returncode == 2
    assert "ungcuu collect: lỗi: thiếu các tham số bắt buộc: --case" in res.stderr
    assert "cách dùng: ungcuu collect" in res.stderr
    res = _ungcuu("report", "--case", "x", "--kind", "initial", "--format", "odt")
    assert res.returncode == 2
    assert "lỗi: tham số --format: lựa chọn không hợp lệ: 'odt' (chọn một trong 'pdf', 'docx', 'eml')" in res.stderr
    res = _ungcuu("status", "--case", "x", "--nosuch")
    assert "lỗi: tham số không nhận ra: --nosuch" in res.stderr
    for word in ARGPARSE_EN:
        assert word not in res.stderr


def test_english_on_request():
    for res in (_ungcuu("--lang", "en", "--help"), _ungcuu("--help", lang="en")):
        assert res.stdout.startswith("usage: ungcuu")
        assert "show this help message and exit" in res.stdout
        assert "backup-check  is a backup clean to restore? (R2)" in res.stdout   # the English half
        assert not is_vietnamese(res.stdout.split("\n\n", 2)[2])    # nothing Vietnamese below the description
    res = _ungcuu("--lang", "en", "collect")
    assert "error: the following arguments are required: --case" in res.stderr
