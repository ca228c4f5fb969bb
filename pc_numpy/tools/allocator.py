"""Two settings of a process that runs this project's loops, for programs (the command line,
the study workers, the benchmarks) to call once at start: ``one_blas_thread`` (below) and
``keep_freed_memory``.

Keep freed memory in the process, so that arrays of the same size made again and again (a
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


def one_blas_thread() -> bool:
    """Run NumPy's BLAS on one thread in this process (``OPENBLAS_NUM_THREADS=1`` after the fact).

    At this project's sizes a matrix product takes well under a millisecond, and OpenBLAS starts
    a thread per core for the larger ones (the (S, T*B) @ (T*B, S) product of the BPTT sums).
    On a quiet machine that saves little; on a busy one the threads spin waiting for each other
    and the same product takes 20-40x longer (measured 27 ms instead of 0.4 ms per training
    iteration's sums under a load of 3 on 2 cores).  The command line and the benchmarks call
    this once at start, as ``study`` runs its workers; the library functions never do.  Returns
    True if a bundled OpenBLAS was found and set, False otherwise (then set the environment
    variable ``OPENBLAS_NUM_THREADS=1`` before starting Python).
    """
    import glob
    import os
    try:
        import numpy
    except ImportError:
        return False
    libs = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*")) +
                       glob.glob(os.path.join(libs, "libopenblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter.argtypes, setter.restype = (ctypes.c_int,), None
                setter(1)
                return True
    return False
