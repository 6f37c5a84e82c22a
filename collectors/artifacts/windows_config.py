"""B4 on Windows: autostart Run/RunOnce keys, services, scheduled tasks and the uninstall keys
(windows_run_keys.json, windows_services.json, windows_scheduled_tasks.json, windows_uninstall.json).

Live: the registry and the service manager through the seam in _windows.py. Offline Windows root: the
scheduled tasks are parsed from Windows/System32/Tasks, and every registry hive (SYSTEM, SOFTWARE, SAM,
SECURITY, DEFAULT, each profile's NTUSER.DAT and UsrClass.dat) is copied with its transaction logs,
once per run; the Run keys, services and programs are parsed from those copies (_hives.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import records, sources
from ..base import Collector, Context, Incomplete, find_case_insensitive
from . import _windows as win


@records.record("windows_run_keys", version=1)
@dataclass
class RunKey:
    """One row of windows_run_keys.json: a value of a Run/RunOnce key or of Winlogon."""
    hive: str
    key: str
    name: str
    value: object = None


@records.record("windows_services", version=1)
@dataclass
class WindowsService:
    """One row of windows_services.json: a service as the service manager or the SYSTEM hive has it."""
    name: str | None
    display_name: str | None = None
    status: str | None = None
    start_type: str | int | None = None
    type: str | int | None = None
    binpath: str | None = None
    username: str | None = None
    pid: int | None = None
    description: str | None = None
    service_dll: str | None = records.absent()  # Parameters\ServiceDll of a svchost service
    error: str | None = records.absent()  # why the service manager could not describe it
    extra: dict = field(default_factory=dict)


@records.record("windows_uninstall", version=1)
@dataclass
class UninstallEntry:
    """One row of windows_uninstall.json: an installed program's uninstall key."""
    name: str | None
    version: str | None = None
    publisher: str | None = None
    install_date: str | None = None
    install_location: str | None = None
    uninstall_string: str | None = None
    system_component: bool = False
    arch: str | None = None
    hive: str | None = None
    key: str | None = None


@records.record("windows_scheduled_tasks", version=1)
@dataclass
class ScheduledTask:
    """One row of windows_scheduled_tasks.json: a task's XML definition, parsed."""
    path: str
    author: str | None = None
    registered: str | None = None
    description: str | None = None
    enabled: bool = True
    hidden: bool = False
    user: str | None = None
    run_level: str | None = None
    actions: list[dict] = field(default_factory=list)   # type exec (command, arguments, ...), com, ...
    triggers: list[dict] = field(default_factory=list)
    format: str | None = records.absent()          # "job" for a legacy Windows/Tasks/*.job task
    evidence_id: str | None = records.absent()     # the copied .job file
    status: str | None = records.absent()
    last_run_local: str | None = records.absent()
    error: str | None = records.absent()


HIVES = ("Windows/System32/config/SYSTEM", "Windows/System32/config/SOFTWARE", "Windows/System32/config/SAM",
         "Windows/System32/config/SECURITY", "Windows/System32/config/DEFAULT")


def job_tasks(ctx: Context, notes: list[str]) -> list[dict]:
    """Legacy .job tasks (Windows/Tasks) as task rows like the XML ones."""
    import struct

    from ._jobfile import parse_job
    from ._winfiles import find

    rows = []
    for p in find(ctx, ("Windows/Tasks/*.job",)):
        rec = ctx.put_file(p, limit=1 << 20)
        if isinstance(rec, Incomplete):
            continue  # put_file noted why
        try:
            with ctx.case.open_evidence(rec) as fh:  # parsed from the hashed copy
                job = parse_job(fh.read())
        except (OSError, ValueError, struct.error) as exc:
            notes.append(f"{ctx.logical(p)}: not a readable .job task ({exc})")
            continue
        job.pop("_last_run", None)
        rows.append({"path": "\\" + p.name, "format": "job", "evidence_id": rec.id, "author": job["author"] or None,
                     "description": job["comment"] or None, "enabled": job["status"] != "disabled",
                     "status": job["status"], "last_run_local": job["last_run_local"],
                     "actions": [{"type": "exec", "command": job["application"], "arguments": job["parameters"] or None,
                                  "working_directory": job["working_directory"] or None}], "triggers": []})
    return rows


class WindowsConfig(Collector):
    name = "windows_config"
    version = "1.0"
    os = ("windows",)

    def collect(self, ctx: Context):
        notes: list[str] = []
        root = ctx.root  # None on the live system
        live_api = win.default_api(ctx.options) if root is None else None
        offline = win.offline_api(ctx) if root is not None else None
        api = live_api if live_api is not None else offline
        # the task files first: what they say is not lost behind the notes about the hives
        yield ctx.progress(0, 4, "scheduled tasks")
        if live_api is not None:
            live_tasks = Path(live_api.system_root()) / "System32" / "Tasks"
            tasks = win.scheduled_tasks(live_tasks, notes)
            yield ctx.put_records("windows_scheduled_tasks.json", ScheduledTask, records.from_dicts(ScheduledTask, tasks),
                                  source=str(live_tasks))
        elif root is not None:
            tasks_dir = find_case_insensitive(root, "Windows/System32/Tasks")
            tasks = win.scheduled_tasks(tasks_dir, notes, logical=ctx.logical) if tasks_dir is not None and \
                tasks_dir.is_dir() else []
            jobs = job_tasks(ctx, notes)
            if tasks or jobs or tasks_dir is not None:
                yield ctx.put_records("windows_scheduled_tasks.json", ScheduledTask, records.from_dicts(ScheduledTask, tasks + jobs),
                                   source=", ".join(x for x in (ctx.logical(tasks_dir) if tasks_dir else None,
                                                                "Windows/Tasks/*.job" if jobs else None) if x))
        if api is not None:
            where = "registry" if ctx.live else "registry hives of the offline root"
            yield ctx.progress(1, 4, "Run keys")
            yield ctx.put_records("windows_run_keys.json", RunKey, records.from_dicts(RunKey, win.run_keys(api, notes)), source=f"{where}: Run/RunOnce keys")
            yield ctx.progress(2, 4, "services")
            _rows, full = win.services_rows(api)
            yield ctx.put_records("windows_services.json", WindowsService, records.from_dicts(WindowsService, full),
                               source="Service Control Manager" if ctx.live else f"{where}: SYSTEM Services")
            yield ctx.progress(3, 4, "uninstall keys")
            yield ctx.put_records("windows_uninstall.json", UninstallEntry,
                                   records.from_dicts(UninstallEntry, win.uninstall_entries(api, notes)), source=f"{where}: uninstall keys")
            notes += win.drain_notes(api, ctx)
        if root is not None:
            if offline is not None:
                # every hive with its transaction logs, once per run (the ones parsed already are reused)
                hive_paths = [offline.paths[n] for n in offline.MACHINE_HIVES if n in offline.paths]
                for prof in offline.profiles():
                    hive_paths += [p for p in (prof["ntuser"], prof["usrclass"]) if p is not None]
                for p in hive_paths:
                    offline.files.copy_with_logs(p)
                notes += win.drain_notes(offline, ctx)
            else:
                for rel in HIVES:
                    hive = find_case_insensitive(root, rel)
                    if hive is not None and hive.is_file():
                        yield ctx.put_file(hive)
                users = find_case_insensitive(root, "Users")
                if users is not None:
                    try:
                        profiles = sorted(sources.entry_path(e) for e in sources.scandir(users)
                                          if e.is_dir(follow_symlinks=False))
                    except OSError:
                        profiles = []
                    for prof in profiles:
                        nt = find_case_insensitive(prof, "NTUSER.DAT")
                        if nt is not None and nt.is_file():
                            yield ctx.put_file(nt)
            if api is None:
                notes.append("Run keys, services, installed programs and the OS version of this offline Windows root "
                             "are in the registry hives, copied as files but not parsed here"
                             + ("" if win.hive_support() else " (install regipy)"))
        for n in notes:
            yield ctx.incomplete(n)
