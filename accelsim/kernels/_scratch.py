"""Thread-local reusable scratch buffers for BLAS operands and partial sums.

Why: kernels call BLAS on freshly converted copies of their inputs and get freshly
allocated results. Allocating and freeing several megabyte-sized temporaries per
call makes glibc return the memory to the OS and page-fault it back in on the next
call, which on virtual machines costs ~1-2 µs per 4 KiB page -- comparable to the
BLAS call itself. Buffers here are kept per thread (so concurrent callers never
share one) and reused; a buffer's contents are undefined when handed out and it
must never be returned to the caller. Requests above `MAX_CACHED_BYTES` are not
cached.
"""

from __future__ import annotations

import threading

import numpy as np

MAX_CACHED_BYTES = 64 << 20
_local = threading.local()


def scratch(name: str, shape: tuple[int, ...], dtype: type | np.dtype) -> np.ndarray:
    """A C-contiguous array of `shape`/`dtype` backed by this thread's buffer `name`."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if n > MAX_CACHED_BYTES:
        return np.empty(shape, dtype=dt)
    bufs: dict[str, np.ndarray] = _local.__dict__.setdefault("bufs", {})
    buf = bufs.get(name)
    if buf is None or buf.nbytes < n:
        buf = np.empty(max(n, 1 << 16), dtype=np.uint8)
        bufs[name] = buf
    return buf[:n].view(dt).reshape(shape)


def as_scratch(name: str, a: np.ndarray, dtype: type | np.dtype) -> np.ndarray:
    """`a` converted to `dtype` in scratch buffer `name` (values cast unsafely)."""
    out = scratch(name, a.shape, dtype)
    np.copyto(out, a, casting="unsafe")
    return out
