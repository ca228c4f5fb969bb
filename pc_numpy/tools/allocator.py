"""Keep freed memory in the process, so that arrays of the same size made again and again (a
rollout's trace at every retrieval trial, the backward pass's arrays at every training iteration)
do not cost page faults.

glibc's ``malloc`` serves an array of more than its *mmap threshold* (128 KiB at first) with a
fresh mapping, and hands freed memory at the top of the heap back to the system once more than
its *trim threshold* is free.  Every such array made again is then faulted in page by page:
measured 2350 page faults per retrieval trial (60 steps, 80 runs, S = 50), about a fifth of the
trial's time.  ``keep_freed_memory`` raises both thresholds with ``mallopt``, so the memory stays
in the process and is reused.  This is a setting of the process, not of the model: the command
line (``python -m pc_numpy``), the study workers and the benchmarks call it once at start; the
library functions never do (a program that imports ``pc_numpy`` keeps its own allocator settings,
and can call this itself).  Elsewhere than glibc (macOS, Windows, musl) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # from glibc's <malloc.h>
MMAP_THRESHOLD = 32 * 1024 * 1024                    # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 512 * 1024 * 1024                   # free memory kept at the top of the heap


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring).  Returns True if the
    settings were applied, False where there is no glibc ``mallopt``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
