"""User-facing errors. The CLI turns any `InputError` into one line and exit status 2."""

from __future__ import annotations

import reprlib

# What one error line may echo back: a user's 200 KB string must not become a 200 KB line.
MAX_REASON_CHARS = 400
MAX_PART_CHARS = 160     # the file (or argument) and the key path


def shown(value, limit: int = 60) -> str:
    """A bounded repr of something the user wrote, for messages. reprlib stops at a few items
    per level and a few levels, so even a huge shared (alias-expanded) structure is cheap."""
    r = reprlib.Repr()
    r.maxstring = r.maxother = limit
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 6
    r.maxlevel = 3
    r.maxlong = limit
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = r.repr(value)
    except Exception:  # a repr that fails (or a huge int reprlib still converts) is not worth a crash
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


def clip(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters (the middle elided)."""
    text = str(text)
    if not text.isprintable():  # newlines become spaces; other control characters are shown escaped
        text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
        text = "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
    if len(text) <= limit:
        return text
    keep = limit - 5
    return f"{text[: keep - keep // 3]} ... {text[len(text) - keep // 3:]}"


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
        where = ": ".join(clip(p, MAX_PART_CHARS) for p in (self.source, self.key) if p)
        reason = clip(self.reason, MAX_REASON_CHARS)
        return f"{where}: {reason}" if where else reason


class ConfigError(InputError):
    """A hardware config or sweep spec is invalid."""


class WorkloadError(InputError):
    """A workload file or layer description is invalid."""


class MappingError(InputError):
    """A valid layer cannot be mapped onto a valid chip (it does not fit)."""


class Notice(UserWarning):
    """Something in the input has no effect; the CLI prints it as one line on stderr."""


def notice(text: str) -> None:
    """Tell the user (once per message) that part of their input has no effect: one line, as
    bounded as an error line (the file names and keys it echoes are the user's)."""
    import warnings

    warnings.warn(clip(text, MAX_REASON_CHARS + MAX_PART_CHARS), Notice, stacklevel=2)
