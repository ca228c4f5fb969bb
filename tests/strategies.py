"""Shared hypothesis strategies and comparison helpers for the foundation tests.

Everything is float64.  Values are made by ``numpy.random.default_rng(seed)`` from a seed that
hypothesis draws (so a failure prints a seed that reproduces it), with scales also drawn.

Relative error, as used throughout:

    rel(got, want) = max|got - want| / max(max|want|, scale, tiny)

``scale`` is the magnitude of the *operands* of the computation (e.g. the same formula evaluated
with absolute values).  A float64 sum or dot product has a rounding error bounded by
``n * 2**-53 * sum|terms|`` (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), not by
a multiple of ``|result|``: when terms cancel, ``|result|`` can be far smaller than the error any
correct implementation makes.  Dividing by the operand magnitude keeps the test exact in what it
claims ("the same algebra, to rounding") without being flaky on cancellation.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

import pc_numpy as pcn

TINY = np.finfo(np.float64).tiny

# The pc_numpy-vs-pc_torch tolerance.  Both sides do the same algebra in float64: each entry is
# a few dozen operations deep (at most T = 8 steps of (1)-(8), sums of at most ~40 terms), each
# op rounding by 2**-53 ~ 1.1e-16 relative to its operands; the two backends differ only in the
# order of summation and in libm's tanh/exp (last-ulp differences).  The accumulated difference
# is ~1e-14 at worst, so 1e-10 leaves four orders of magnitude of margin while still catching
# any algebraic slip (a wrong sign, a missing 1/tau, a transposed weight gives rel. errors >= 1e-3).
RTOL_SAME_ALGEBRA = 1e-10


def examples(n: int) -> settings:
    """``settings(max_examples=...)`` for a test worth ``n`` examples at a 30-example profile,
    scaled with the active profile: ``n * 4/3`` under ``ci`` (40), ``n / 3`` under ``dev`` (10),
    ``n * 50/3`` under ``thorough`` (500); at least 2."""
    return settings(max_examples=max(2, n * settings.default.max_examples // 30))


# ----------------------------------------------------------------------------- comparisons
def to_numpy(value) -> np.ndarray:
    """A NumPy float64 copy of an array, tensor or number (torch is never imported here)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def rel_error(got, want, scale: float = 0.0) -> float:
    """``max|got - want| / max(max|want|, scale, tiny)`` (see the module docstring)."""
    got, want = to_numpy(got), to_numpy(want)
    if got.size == 0:
        return 0.0
    denom = max(float(np.max(np.abs(want))), float(scale), TINY)
    return float(np.max(np.abs(got - want))) / denom


# The worst comparison of the test running now, for the coursework report (tests/_exercise_hook.py
# resets it before each test and reads it after): {"rel", "rtol", "variable"} and a count.
WORST: dict = {}


def _record(name: str, rel: float, rtol: float) -> None:
    WORST["checks"] = WORST.get("checks", 0) + 1
    if "rel" not in WORST or rel / rtol > WORST["rel"] / WORST["rtol"]:
        WORST.update(rel=rel, rtol=rtol, variable=name)


def assert_close(name: str, got, want, rtol: float, t: Optional[int] = None, *,
                 scale: float = 0.0, time_major: bool = False, what: str = "") -> None:
    """Assert ``rel_error(got, want, scale) <= rtol``; on failure name the variable, the time
    step (``t``, or the leading index when ``time_major``), the worst element and its error."""
    got, want = to_numpy(got), to_numpy(want)
    where = "" if t is None else f" at t={t}"
    assert got.shape == want.shape, f"{name}{where}: shape {got.shape}, expected {want.shape}"
    assert np.isfinite(got).all(), (f"{name}{where}: got non-finite values at "
                                    f"{np.argwhere(~np.isfinite(got))[:3].tolist()}")
    if got.size == 0:
        return
    rel = rel_error(got, want, scale)
    _record(name + where, rel, rtol)
    if rel <= rtol:
        return
    diff = np.abs(got - want)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    idx = tuple(int(i) for i in idx)
    if time_major and idx:
        where = f" at t={idx[0]}"
    denom = max(float(np.max(np.abs(want))), float(scale), TINY)
    raise AssertionError(
        f"{name}{where}: relative error {rel:.3e} > rtol {rtol:.1e}{' (' + what + ')' if what else ''}; "
        f"worst element at index {idx}: got {float(got[idx])!r}, want {float(want[idx])!r}, "
        f"|diff| {diff[idx]:.3e}, denominator max(max|want|, scale) = {denom:.3e}")


def assert_trace_close(got, want, rtol: float, scales: Optional[dict] = None,
                       prefix: str = "trace") -> None:
    """Compare every field of two ``Trace``s (time-major): the message names field and time step."""
    scales = scales or {}
    for field in want._fields:
        assert_close(f"{prefix}.{field}", getattr(got, field), getattr(want, field), rtol,
                     scale=scales.get(field, 0.0), time_major=True)


# ----------------------------------------------------------------------------- strategies
class Dims(NamedTuple):
    T: int
    B: int
    O: int
    S: int
    C: int
    P: int


@st.composite
def dims(draw, T=(1, 8), B=(1, 5), O=(1, 6), S=(1, 6), C=(1, 6), P=(1, 6)) -> Dims:
    """Sizes T, B, O, S, C, P, each drawn from its (low, high) range."""
    return Dims(*(draw(st.integers(lo, hi), label=n)
                  for n, (lo, hi) in zip("TBOSCP", (T, B, O, S, C, P))))


seeds = st.integers(0, 2 ** 32 - 1)
value_scales = st.floats(0.1, 3.0)            # magnitude of states, targets, causes
weight_scales = st.floats(0.1, 3.0)           # multiplies the init_params draw
taus = st.floats(1.0, 100.0)
rates = st.floats(0.0, 1.0)
positive_rates = st.floats(0.01, 1.0)
sigma_cs = st.floats(0.05, 3.0)


def make_params(rng: np.random.Generator, d: Dims, scale: float = 1.0) -> pcn.Params:
    """``init_params(C, S, O, rng)`` with every weight multiplied by ``scale``."""
    return pcn.Params(*(scale * v for v in pcn.init_params(d.C, d.S, d.O, rng)))


def normal(rng: np.random.Generator, shape: Sequence[int], scale: float) -> np.ndarray:
    return scale * rng.standard_normal(tuple(shape))
