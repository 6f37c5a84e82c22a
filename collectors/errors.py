"""One error hierarchy for UngCuu (in the spirit of psutil's).

Every error carries the data a responder needs as attributes (path, pid, name), and a message that says
what happened and what to do. The command line maps them to exit codes; the GUI shows the message.
"""
from __future__ import annotations


class UngCuuError(Exception):
    """Base class of every error UngCuu raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, **data):
        super().__init__(message)
        self.message = message
        self.data = data
        for key, value in data.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message


class CaseError(UngCuuError):
    """The case folder cannot be created, opened or written."""


class CaseNotFound(CaseError):
    """No case at that path."""


class DestinationFull(CaseError):
    """The case folder's disk is full: collection stops, what was stored stays valid."""


class DestinationUnwritable(CaseError):
    """The case folder cannot be written (permissions, read-only medium)."""


class ChecklistError(UngCuuError):
    """The checklist YAML is invalid; `line` names where."""


class UnreadableInput(UngCuuError):
    """Input that cannot be read at all (exit code 2): not a case, not a bundle, corrupt beyond use."""


class SourceError(UngCuuError):
    """A source on the examined system could not be read (permission denied, vanished, a loop...)."""


class AccessDenied(SourceError):
    """Permission denied reading a source; `path` or `pid`/`name` say which."""


class NoSuchProcess(SourceError):
    """A process vanished while it was being read; `pid` and `name` say which."""


class Cancelled(UngCuuError):
    """The responder cancelled the operation; what was stored stays valid."""

    exit_code = 130


class NotApplicable(UngCuuError):
    """A collector cannot run here (wrong OS, offline root, missing tool); the message says why."""
