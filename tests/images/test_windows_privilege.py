"""SeDebugPrivilege before process dumps (Win32 calls faked), and per-process access denial."""
from __future__ import annotations

import pytest

from collectors.acquire import memory, winpriv
from collectors.errors import AccessDenied


class FakeToken:
    def __init__(self, *, open_ok=True, lookup_ok=True, adjust_ok=True, held=True):
        self.open_ok, self.lookup_ok, self.adjust_ok, self.held = open_ok, lookup_ok, adjust_ok, held
        self.calls = []
        self.err = 0

    def open_process_token(self, access):
        self.calls.append(("open", access))
        self.err = 0 if self.open_ok else 5
        return "tok" if self.open_ok else None

    def lookup_privilege(self, name):
        self.calls.append(("lookup", name))
        return "luid" if self.lookup_ok else None

    def adjust(self, token, luid):
        self.calls.append(("adjust", token, luid))
        self.err = 0 if self.held else winpriv.ERROR_NOT_ALL_ASSIGNED
        return self.adjust_ok

    def last_error(self):
        return self.err

    def close(self, h):
        self.calls.append(("close", h))


def test_enabled_when_held():
    api = FakeToken()
    assert winpriv.enable_debug_privilege(api) is None
    assert api.calls == [("open", winpriv.TOKEN_ADJUST_PRIVILEGES | winpriv.TOKEN_QUERY),
                         ("lookup", "SeDebugPrivilege"), ("adjust", "tok", "luid"), ("close", "tok")]


@pytest.mark.parametrize("fake,why", [
    (FakeToken(held=False), "not held by this account"),
    (FakeToken(open_ok=False), "OpenProcessToken failed (Windows error 5)"),
    (FakeToken(lookup_ok=False), "LookupPrivilegeValue(SeDebugPrivilege) failed"),
    (FakeToken(adjust_ok=False), "AdjustTokenPrivileges failed"),
])
def test_each_refusal_is_said(fake, why):
    assert why in winpriv.enable_debug_privilege(fake)
    if fake.open_ok:
        assert fake.calls[-1] == ("close", "tok")  # the token handle is always closed


def test_not_windows_says_so():
    assert "only on Windows" in winpriv.enable_debug_privilege()


class RefusingProcess:
    def OpenProcess(self, access, inherit, pid):
        return None

    def GetLastError(self):
        return memory.ERROR_ACCESS_DENIED


def test_privilege_enabled_once_before_the_dump_and_a_protected_process_is_access_denied(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "_DEBUG_PRIVILEGE", [])
    tok = FakeToken()
    with pytest.raises(AccessDenied):
        memory.dump_process_windows(4, str(tmp_path / "x.dmp"), api=RefusingProcess(), privilege_api=tok)
    with pytest.raises(AccessDenied):
        memory.dump_process_windows(5, str(tmp_path / "y.dmp"), api=RefusingProcess(), privilege_api=tok)
    assert [c[0] for c in tok.calls].count("adjust") == 1 and memory._DEBUG_PRIVILEGE == [None]

