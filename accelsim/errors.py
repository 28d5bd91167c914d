"""User-facing errors. The CLI turns any `InputError` into one line and exit status 2."""

from __future__ import annotations


class InputError(Exception):
    """Something the user wrote (a file, a key, an argument) cannot be used.

    `source` names the file (or argument), `key` the dotted key path inside it.
    """

    def __init__(self, reason: str, source: str | None = None, key: str | None = None):
        self.reason = reason
        self.source = source
        self.key = key
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = ": ".join(p for p in (self.source, self.key) if p)
        return f"{where}: {self.reason}" if where else self.reason


class ConfigError(InputError):
    """A hardware config or sweep spec is invalid."""


class WorkloadError(InputError):
    """A workload file or layer description is invalid."""


class MappingError(InputError):
    """A valid layer cannot be mapped onto a valid chip (it does not fit)."""


class Notice(UserWarning):
    """Something in the input has no effect; the CLI prints it as one line on stderr."""


def notice(text: str) -> None:
    """Tell the user (once per message) that part of their input has no effect."""
    import warnings

    warnings.warn(text, Notice, stacklevel=2)
