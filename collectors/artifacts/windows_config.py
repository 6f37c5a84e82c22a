"""B4 on Windows: autostart Run/RunOnce keys, services, scheduled tasks and the uninstall keys
(windows_run_keys.json, windows_services.json, windows_scheduled_tasks.json, windows_uninstall.json).

Live: the registry and the service manager through the seam in _windows.py. Offline Windows root: the
scheduled tasks are parsed from Windows/System32/Tasks, and the registry hives (SYSTEM, SOFTWARE, SAM,
SECURITY, DEFAULT, each user's NTUSER.DAT) are copied as files for later parsing.
"""
from __future__ import annotations

from pathlib import Path

from .. import sources
from ..base import Collector, Context, find_case_insensitive
from . import _windows as win

HIVES = ("Windows/System32/config/SYSTEM", "Windows/System32/config/SOFTWARE", "Windows/System32/config/SAM",
         "Windows/System32/config/SECURITY", "Windows/System32/config/DEFAULT")


class WindowsConfig(Collector):
    name = "windows_config"
    version = "1.0"
    os = ("windows",)

    def collect(self, ctx: Context):
        notes: list[str] = []
        api = win.default_api(ctx.options) if ctx.live else win.offline_api(ctx)
        if api is not None:
            where = "registry" if ctx.live else "registry hives of the offline root"
            yield ctx.progress(0, 4, "Run keys")
            yield ctx.put_json("windows_run_keys.json", win.run_keys(api, notes), source=f"{where}: Run/RunOnce keys")
            yield ctx.progress(1, 4, "services")
            _rows, full = win.services_rows(api)
            yield ctx.put_json("windows_services.json", full,
                               source="Service Control Manager" if ctx.live else f"{where}: SYSTEM Services")
            yield ctx.progress(3, 4, "uninstall keys")
            yield ctx.put_json("windows_uninstall.json", win.uninstall_entries(api, notes), source=f"{where}: uninstall keys")
            notes += win.drain_notes(api, ctx)
        if ctx.live:
            yield ctx.progress(2, 4, "scheduled tasks")
            tasks_dir = Path(api.system_root()) / "System32" / "Tasks"
            tasks = win.scheduled_tasks(tasks_dir, notes)
            yield ctx.put_json("windows_scheduled_tasks.json", tasks, source=str(tasks_dir))
        else:
            tasks_dir = find_case_insensitive(ctx.root, "Windows/System32/Tasks")
            if tasks_dir is not None and tasks_dir.is_dir():
                tasks = win.scheduled_tasks(tasks_dir, notes, logical=ctx.logical)
                yield ctx.put_json("windows_scheduled_tasks.json", tasks, source=ctx.logical(tasks_dir))
            for rel in HIVES:
                hive = find_case_insensitive(ctx.root, rel)
                if hive is not None and hive.is_file():
                    yield ctx.put_file(hive)
            users = find_case_insensitive(ctx.root, "Users")
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
