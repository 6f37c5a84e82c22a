"""Shell histories: bash (``#<epoch>`` lines when HISTTIMEFORMAT was set), zsh extended history
(``: <epoch>:<duration>;command``, ``\\`` continues a command), fish (``- cmd:`` / ``when:``).

Commands without a time cannot be placed on the timeline one by one: they are summarised in one event at
the history file's modification time (``mtime_us``) when it is known, with the count and the last commands.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from analysis.events import DESC_EXECUTED, DESC_WRITTEN, Event, ParseReport

RE_BASH_TS = re.compile(r"#(\d{9,11})\s*$")
RE_ZSH = re.compile(r": {0,2}(\d{9,11}):(\d+);(.*)", re.S)


def _ev(ts_s, cmd, shell, user, host, evidence_id, loc, extra=None):
    fields = {"command": cmd, "shell": shell}
    if user:
        fields["user"] = user
    if extra:
        fields.update(extra)
    who = f"{user}: " if user else ""
    return Event(ts_s * 1_000_000, DESC_EXECUTED, f"{shell}_history", "shell_history", f"{who}{cmd}", host,
                 fields, 0, evidence_id, loc)


def _untimed(untimed, shell, user, host, evidence_id, mtime_us, report):
    if not untimed:
        return None
    if mtime_us is None:
        report.skip("file", f"{len(untimed)} commands without timestamps (file time unknown)", len(untimed))
        return None
    last = [c for _, c in untimed[-5:]]
    report.events += 1
    who = f"{user}: " if user else ""
    return Event(mtime_us, DESC_WRITTEN, f"{shell}_history", "shell_history",
                 f"{who}{shell} history last written ({len(untimed)} commands without time; last: {last[-1]})",
                 host, {"shell": shell, "user": user, "untimed_commands": len(untimed), "last_commands": last},
                 0, evidence_id, f"line {untimed[-1][0]}")


def parse_bash(lines: Iterable[tuple[int, str]], report: ParseReport, *, user: str = "", host: str = "",
               evidence_id: str = "", mtime_us: int | None = None) -> Iterator[Event]:
    report.parser = report.parser or "shell_history"
    ts = None
    start = 0
    buf: list[str] = []
    untimed: list[tuple[int, str]] = []

    def flush():
        if ts is not None and buf:
            report.events += 1
            return _ev(ts, "\n".join(buf), "bash", user, host, evidence_id, f"line {start}")
        return None

    for n, line in lines:
        m = RE_BASH_TS.match(line)
        if m:
            ev = flush()
            if ev:
                yield ev
            ts, start, buf = int(m.group(1)), n, []
            continue
        if ts is None:
            if line.strip():
                untimed.append((n, line))
            continue
        buf.append(line)
    ev = flush()
    if ev:
        yield ev
    ev = _untimed(untimed, "bash", user, host, evidence_id, mtime_us, report)
    if ev:
        yield ev


def parse_zsh(lines: Iterable[tuple[int, str]], report: ParseReport, *, user: str = "", host: str = "",
              evidence_id: str = "", mtime_us: int | None = None) -> Iterator[Event]:
    report.parser = report.parser or "shell_history"
    cur: list[Any] | None = None  # [ts, duration, text, line]
    untimed: list[tuple[int, str]] = []
    cont_untimed = False
    for n, line in lines:
        if cur is not None and cur[2].endswith("\\"):
            cur[2] = cur[2] + "\n" + line
            continue
        if cont_untimed:
            untimed[-1] = (untimed[-1][0], untimed[-1][1] + "\n" + line)
            cont_untimed = line.endswith("\\")
            continue
        m = RE_ZSH.match(line)
        if m:
            if cur is not None:
                report.events += 1
                yield _ev(cur[0], cur[2], "zsh", user, host, evidence_id, f"line {cur[3]}", {"duration_s": cur[1]})
            cur = [int(m.group(1)), int(m.group(2)), m.group(3), n]
            continue
        if cur is not None:
            report.events += 1
            yield _ev(cur[0], cur[2], "zsh", user, host, evidence_id, f"line {cur[3]}", {"duration_s": cur[1]})
            cur = None
        if line.strip():
            untimed.append((n, line))
            cont_untimed = line.endswith("\\")
    if cur is not None:
        report.events += 1
        yield _ev(cur[0], cur[2], "zsh", user, host, evidence_id, f"line {cur[3]}", {"duration_s": cur[1]})
    ev = _untimed(untimed, "zsh", user, host, evidence_id, mtime_us, report)
    if ev:
        yield ev


def parse_fish(lines: Iterable[tuple[int, str]], report: ParseReport, *, user: str = "", host: str = "",
               evidence_id: str = "", mtime_us: int | None = None) -> Iterator[Event]:
    report.parser = report.parser or "shell_history"
    cmd = None
    start = 0
    for n, line in lines:
        if line.startswith("- cmd: "):
            if cmd is not None:
                report.skip(f"line {start}", "fish command without 'when'")
            cmd, start = line[7:], n
        elif line.startswith("  when: ") and cmd is not None:
            try:
                ts = int(line[8:].strip())
            except ValueError:
                report.skip(f"line {n}", "bad 'when'")
                cmd = None
                continue
            report.events += 1
            yield _ev(ts, cmd.replace("\\n", "\n").replace("\\\\", "\\"), "fish", user, host, evidence_id,
                      f"line {start}")
            cmd = None
        elif line.startswith("  paths:") or line.startswith("    - "):
            continue
        elif line.strip():
            report.skip(f"line {n}", "not a fish history line")
    if cmd is not None:
        report.skip(f"line {start}", "fish command without 'when'")
