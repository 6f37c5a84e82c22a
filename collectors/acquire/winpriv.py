"""SeDebugPrivilege on Windows, enabled before process dumps (an Administrator holds it disabled).

Without it OpenProcess refuses other users' and service processes even to an Administrator. The
Win32 calls go through an object tests replace by a fake (`PrivilegeApi`); a process that still
refuses (protected processes such as lsass with RunAsPPL) is an honest per-process access denial.
"""
from __future__ import annotations

import ctypes
import sys
from typing import Any

SE_DEBUG_NAME = "SeDebugPrivilege"
TOKEN_ADJUST_PRIVILEGES = 0x0020
TOKEN_QUERY = 0x0008
SE_PRIVILEGE_ENABLED = 0x00000002
ERROR_NOT_ALL_ASSIGNED = 1300


class PrivilegeApi:
    """advapi32/kernel32 calls for adjusting the process token (real ones on Windows only)."""

    wintypes: Any
    adv: Any
    k32: Any
    LUID: Any
    TOKEN_PRIVILEGES: Any

    def __init__(self) -> None:
        if not sys.platform.startswith("win"):
            raise OSError("token privileges exist only on Windows")
        from ctypes import wintypes

        self.wintypes = wintypes
        self.adv = ctypes.WinDLL("advapi32", use_last_error=True)
        self.k32 = ctypes.WinDLL("kernel32", use_last_error=True)

        class LUID(ctypes.Structure):
            _fields_ = [("LowPart", wintypes.DWORD), ("HighPart", wintypes.LONG)]

        class LUID_AND_ATTRIBUTES(ctypes.Structure):
            _fields_ = [("Luid", LUID), ("Attributes", wintypes.DWORD)]

        class TOKEN_PRIVILEGES(ctypes.Structure):
            _fields_ = [("PrivilegeCount", wintypes.DWORD), ("Privileges", LUID_AND_ATTRIBUTES * 1)]

        self.LUID, self.TOKEN_PRIVILEGES = LUID, TOKEN_PRIVILEGES

    def open_process_token(self, access: int):
        token = self.wintypes.HANDLE()
        ok = self.adv.OpenProcessToken(self.k32.GetCurrentProcess(), access, ctypes.byref(token))
        return token if ok else None

    def lookup_privilege(self, name: str):
        luid = self.LUID()
        return luid if self.adv.LookupPrivilegeValueW(None, name, ctypes.byref(luid)) else None

    def adjust(self, token, luid) -> bool:
        tp = self.TOKEN_PRIVILEGES()
        tp.PrivilegeCount = 1
        tp.Privileges[0].Luid = luid
        tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED
        return bool(self.adv.AdjustTokenPrivileges(token, False, ctypes.byref(tp), 0, None, None))

    def last_error(self) -> int:
        get_last_error = getattr(ctypes, "get_last_error", None)  # Windows only
        return int(get_last_error()) if get_last_error is not None else 0

    def close(self, handle) -> None:
        self.k32.CloseHandle(handle)


def enable_debug_privilege(api=None) -> str | None:
    """Enable SeDebugPrivilege in this process's token; None on success, else why not (English)."""
    try:
        api = api or PrivilegeApi()
    except OSError as exc:
        return str(exc)
    token = api.open_process_token(TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY)
    if token is None:
        return f"OpenProcessToken failed (Windows error {api.last_error()}): SeDebugPrivilege not enabled"
    try:
        luid = api.lookup_privilege(SE_DEBUG_NAME)
        if luid is None:
            return f"LookupPrivilegeValue({SE_DEBUG_NAME}) failed (Windows error {api.last_error()})"
        ok = api.adjust(token, luid)
        err = api.last_error()
        if not ok:
            return f"AdjustTokenPrivileges failed (Windows error {err}): SeDebugPrivilege not enabled"
        if err == ERROR_NOT_ALL_ASSIGNED:
            return ("SeDebugPrivilege is not held by this account (run as Administrator): processes of "
                    "other users and services may refuse to be dumped")
        return None
    finally:
        api.close(token)
