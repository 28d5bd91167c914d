"""Results: declared counters gathered into tidy pandas frames, and report writers."""

from accelsim.stats.result import Result
from accelsim.stats.writers import atomic_write_text, write_result

__all__ = ["Result", "atomic_write_text", "write_result"]
