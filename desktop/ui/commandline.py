"""The command line equivalent to what the GUI runs (shown to copy to a server, and kept as the run's
argv in the custody log), and reading it back to resume an interrupted B5."""
from __future__ import annotations

import argparse
import json
import shlex
import sys

# Collector option -> `ungcuu collect` flag (lists repeat the flag; True is a bare flag).
OPTION_FLAGS = (
    ("volume", "--volume"), ("shadow", "--shadow"),
    ("pids", "--pid"), ("physical_memory", "--physical-memory"), ("acquirer", "--acquirer"),
    ("acquirer_args", "--acquirer-arg"),
    ("interfaces", "--iface"), ("capture_seconds", "--capture-seconds"), ("capture_count", "--capture-count"),
    ("capture_filter", "--capture-filter"),
    ("image_sources", "--image-source"), ("image_name", "--image-name"), ("image_part_size", "--image-part-size"),
    ("image_verify", "--image-verify"),
    ("recover_sources", "--recover-source"), ("carve_kinds", "--carve"), ("open_deleted", "--open-deleted"),
)


def collect_command(case_path, *, only: list[str], options: dict | None = None, again: bool = False,
                    root=None, consent: bool = False) -> list[str]:
    """`ungcuu add ...` for B5 alone with named paths, `ungcuu collect ...` otherwise, with every option
    the run gives the collectors (so the command shown, and kept as the run's argv, is what runs)."""
    options = options or {}
    paths = [str(p) for p in options.get("paths") or []]
    if list(only) == ["B5"] and paths and not root:
        argv = ["ungcuu", "add", "--case", str(case_path), *paths]
        for key in ("max_file_bytes", "max_total_bytes"):
            if options.get(key):
                argv += ["--" + key.replace("_", "-"), str(options[key])]
        return argv
    argv = ["ungcuu", "collect", "--case", str(case_path), "--only", ",".join(only)]
    if root:
        argv += ["--root", str(root)]
    if again:
        argv.append("--again")
    if consent:
        argv.append("--consent")
    for p in paths:
        argv += ["--path", p]
    for key, flag in OPTION_FLAGS:
        value = options.get(key)
        if value is None or value is False or value == []:
            continue
        if key == "carve_kinds":
            argv += [flag, ",".join(value)]
        elif isinstance(value, (list, tuple)):
            for v in value:
                argv += [flag, str(v)]
        elif value is True:
            argv.append(flag)
        else:
            argv += [flag, str(value)]
    if options.get("image_sources") and options.get("image_md5") is False:
        argv.append("--no-image-md5")
    if options.get("recover_sources") and options.get("carve") is False:
        argv.append("--no-carve")
    return argv


def bundle_command(case_path, *, out=None, encrypt: bool = False, sign_key=None, reports: bool = True,
                   timeline: bool = True) -> list[str]:
    """`ungcuu bundle ...`; the passphrase is asked by the command (never on its command line)."""
    argv = ["ungcuu", "bundle", "--case", str(case_path)]
    if out:
        argv += ["--out", str(out)]
    if encrypt:
        argv.append("--encrypt")
    if sign_key:
        argv += ["--sign-key", str(sign_key)]
    if not reports:
        argv.append("--no-reports")
    if not timeline:
        argv.append("--no-timeline")
    return argv


def verify_command(path, *, public_key=None) -> list[str]:
    """`ungcuu verify BUNDLE [--public-key KEY]` (an encrypted bundle's passphrase from UNGCUU_PASSPHRASE)."""
    argv = ["ungcuu", "verify", str(path)]
    if public_key:
        argv += ["--public-key", str(public_key)]
    return argv


def import_command(case_path, sources, *, public_key=None) -> list[str]:
    """`ungcuu import --case INCIDENT SOURCE...`; an encrypted bundle's passphrase is asked by the command."""
    argv = ["ungcuu", "import", "--case", str(case_path), *[str(s) for s in sources]]
    if public_key:
        argv += ["--public-key", str(public_key)]
    return argv


def correlate_command(case_path) -> list[str]:
    return ["ungcuu", "correlate", "--case", str(case_path)]


def remediate_command(case_path, *, step: str | None = None, status: str | None = None, reason: str | None = None,
                      by: str | None = None) -> list[str]:
    """`ungcuu remediate --case DIR plan`, or `... mark STEP --done|--skipped|--failed [--reason R] [--by B]`."""
    argv = ["ungcuu", "remediate", "--case", str(case_path)]
    if step is None or status is None:
        return argv + ["plan"]
    argv += ["mark", step, "--" + status]
    if reason:
        argv += ["--reason", reason]
    if by:
        argv += ["--by", by]
    return argv


def recheck_command(case_path, *, root=None, examiner: str | None = None) -> list[str]:
    """`ungcuu recheck --case DIR [--root R] [--examiner E]`."""
    argv = ["ungcuu", "recheck", "--case", str(case_path)]
    if root:
        argv += ["--root", str(root)]
    if examiner:
        argv += ["--examiner", examiner]
    return argv


def vulns_command(case_path, feeds: list[str]) -> list[str]:
    """`ungcuu vulns --case DIR --feed F ...` (no feed: the check that says it has none)."""
    argv = ["ungcuu", "vulns", "--case", str(case_path)]
    for f in feeds:
        argv += ["--feed", str(f)]
    return argv


def backup_check_command(case_path, backup, *, ioc=None, yara=None) -> list[str]:
    """`ungcuu backup-check --case DIR BACKUP [--ioc F] [--yara R]`."""
    argv = ["ungcuu", "backup-check", "--case", str(case_path)]
    if ioc:
        argv += ["--ioc", str(ioc)]
    if yara:
        argv += ["--yara", str(yara)]
    return argv + [str(backup)]


def display(argv: list[str]) -> str:
    """One line to paste into a terminal of the same kind as this one."""
    if sys.platform.startswith("win"):
        import subprocess

        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


def _paths_of(argv: list[str]) -> list[str]:
    if len(argv) < 2:
        return []
    p = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    p.add_argument("--case")
    if argv[1] == "add":
        p.add_argument("paths", nargs="*")
        p.add_argument("--max-file-bytes")
        p.add_argument("--max-total-bytes")
    else:
        p.add_argument("--path", action="append", default=[], dest="paths")
    try:
        ns, _rest = p.parse_known_args(argv[2:])
    except (argparse.ArgumentError, SystemExit):
        return []
    return list(ns.paths or [])


def resumable_b5_paths(case) -> list[str]:
    """The paths of the last B5 run when that run was interrupted (cancelled, or stopped by the
    destination): Start then finishes it, as running the same command again does on the command line."""
    if case.outcomes().get("B5", {}).get("state") != "interrupted":
        return []
    for run in reversed(case.runs()):
        try:
            items = json.loads(run.get("items") or "[]")
            argv = json.loads(run.get("argv") or "[]")
        except ValueError:
            continue
        if "B5" in items:
            return _paths_of(argv)
    return []
