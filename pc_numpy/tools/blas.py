"""One BLAS thread for the programs that run this project's loops (``python -m pc_numpy``, the
benchmarks; the study workers get ``OPENBLAS_NUM_THREADS=1`` in their environment instead).

At this project's sizes a matrix product takes well under a millisecond, and OpenBLAS starts a
thread per core for the larger ones (the ``(S, T*B) @ (T*B, S)`` product of the BPTT sums).  On a
quiet machine that saves little; on a busy one the threads spin waiting for each other and the
same product takes 20-40x longer (measured 27 ms instead of 0.4 ms per training iteration's sums
under a load of 3 on 2 cores).  The library functions never change it: a program that imports
``pc_numpy`` keeps its own BLAS settings, and can call this itself.
"""
from __future__ import annotations


def one_blas_thread() -> bool:
    """Run NumPy's BLAS on one thread in this process, from now on (``threadpoolctl``, which
    finds the BLAS library NumPy loaded, whichever it is, and sets its threads).  ``threadpoolctl``
    comes with the ``plot`` extra (the command line's); without it the threads stay as they are
    (only speed on a busy machine depends on it) and this returns False."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(1, user_api="blas")
    return True
