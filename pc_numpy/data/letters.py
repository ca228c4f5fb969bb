"""The embedded data set: 20 handwritten lowercase letters, drawn by the project's own code.

Each letter is one pen stroke, written the way a person writes it in (plain, school) cursive.
It is described below by a few *control points* in "x-height units": the baseline is ``y = 0``,
the top of small letters ``y = 1``, ascenders (``b d h l``) reach ``y = 2``, descenders
(``g p q y``) ``y = -1``.  A letter is a list of *pieces*; the pen turns sharply (it stops, like
at the top of the stem of a ``d`` before coming back down) where one piece ends and the next
begins, and moves smoothly through every other control point.

From control points to a trajectory of ``T = 60`` pen positions:

    (1) curve       a centripetal Catmull-Rom spline through the control points of each piece,
                    sampled densely and re-spaced evenly by arc length ``s`` (step ``ds``)
    (2) curvature   kappa(s) = turning angle / ds, smoothed along s (a sharp turn between two
                    pieces becomes a short stretch of very high curvature)
    (3) speed       v(s) = ((kappa(s) + kappa_0) / kappa_0) ** (-1/3) * taper(s)
                    the "two-thirds power law" of human handwriting (slow in tight turns),
                    times a taper that slows the pen near the start and the end of the stroke
    (4) time        tau(s) = integral_0^s ds' / v(s')
    (5) sampling    T points at equally spaced times tau, i.e. where the pen *is* at
                    T equally spaced instants: the points crowd at the ends and in turns
    (6) normalise   each letter is moved so that it starts at the origin, the mean of the whole
                    set is removed, and the set is divided by one number (see :func:`normalise`)

where ``kappa_0 = 1`` (a radius of one x-height), ``taper(s) = max(0.2, min(1, d(s) / r) ** 0.5)``,
``d(s)`` the arc length to the nearer end of the stroke, and ``r = 0.3`` x-heights.

:func:`letters` returns the 20 canonical letters, :func:`letter_variants` new handwritten-like
instances of each (jittered control points, slant, size and speed), in the same coordinates.
``python -m pc_numpy.data.letters OUT.png`` draws them (see :func:`main`).
"""
from __future__ import annotations

import argparse
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..tools.checks import as_float_array, as_scalar, check_memory, check_rng

__all__ = ["LABELS", "STEPS", "letters", "letter_variants", "normalise", "normalisation_frame",
           "normalisation_scale", "stroke_to_trajectory"]

STEPS = 60                         # T: pen positions per letter
LABELS: Tuple[str, ...] = tuple("abcdeghlmnopqrsuvwyz")
TARGET_RMS = 0.6                   # root-mean-square coordinate of a normalised data set
SLANT = 0.18                       # shear x += SLANT * y of the canonical letters (about 10 deg)

_KAPPA_0 = 1.0                     # curvature (1 / x-height) where the pen starts to slow down
_TAPER = 0.3                       # arc length (x-heights) over which the pen speeds up / stops
_TAPER_FLOOR = 0.2                 # slowest speed at the very ends, relative to cruising speed
_DENSE = 1200                      # points of the evenly spaced dense curve
_SMOOTH = 0.04                     # std (x-heights) of the curvature smoothing along the curve

# Control points, in x-height units.  Each letter: a tuple of pieces; a piece: (x, y) points.
# Consecutive pieces share their joining point: the pen turns sharply there.
_STEM_TAIL = ((0.84, 0.45), (0.88, 0.08), (1.02, 0.0), (1.18, 0.12))
_HUMP = ((0.15, 0.0), (0.20, 0.55), (0.40, 0.93), (0.62, 0.92), (0.72, 0.55), (0.74, 0.12),
         (0.88, 0.0), (1.02, 0.10))

CONTROL_POINTS = {
    "a": (((0.78, 0.80), (0.55, 1.0), (0.22, 0.88), (0.03, 0.50), (0.12, 0.10), (0.40, 0.0),
           (0.66, 0.18), (0.82, 0.62), (0.86, 1.0)),
          ((0.86, 1.0),) + _STEM_TAIL),
    "b": (((0.0, 0.0), (0.25, 0.50), (0.44, 1.20), (0.46, 1.78), (0.34, 2.0), (0.22, 1.82),
           (0.18, 1.2), (0.14, 0.5), (0.16, 0.14), (0.32, 0.0), (0.56, 0.06), (0.72, 0.38),
           (0.68, 0.78), (0.50, 0.80)),
          ((0.50, 0.80), (0.74, 0.74), (1.0, 0.80))),
    "c": (((0.80, 0.76), (0.62, 0.98), (0.30, 0.95), (0.06, 0.62), (0.08, 0.20), (0.38, 0.0),
           (0.68, 0.06), (0.90, 0.25)),),
    "d": (((0.80, 0.72), (0.60, 0.98), (0.26, 0.92), (0.04, 0.55), (0.10, 0.12), (0.38, 0.0),
           (0.64, 0.15), (0.80, 0.55), (0.86, 1.2), (0.90, 2.0)),
          ((0.90, 2.0), (0.87, 1.0)) + _STEM_TAIL),
    "e": (((0.0, 0.25), (0.30, 0.38), (0.58, 0.55), (0.68, 0.82), (0.50, 1.0), (0.22, 0.88),
           (0.07, 0.50), (0.16, 0.12), (0.42, 0.0), (0.70, 0.06), (0.92, 0.25)),),
    "g": (((0.72, 0.84), (0.50, 1.0), (0.20, 0.86), (0.06, 0.52), (0.14, 0.14), (0.38, 0.02),
           (0.60, 0.20), (0.74, 0.60), (0.78, 1.0)),
          ((0.78, 1.0), (0.77, 0.4), (0.74, -0.50), (0.52, -0.95), (0.24, -0.92), (0.20, -0.62),
           (0.48, -0.30), (0.90, -0.08))),
    "h": (((0.0, 0.0), (0.22, 0.45), (0.42, 1.15), (0.48, 1.75), (0.36, 2.0), (0.22, 1.85),
           (0.17, 1.2), (0.15, 0.5), (0.15, 0.0)),
          _HUMP),
    "l": (((0.0, 0.0), (0.22, 0.45), (0.42, 1.15), (0.48, 1.75), (0.36, 2.0), (0.22, 1.85),
           (0.17, 1.2), (0.18, 0.45), (0.30, 0.05), (0.52, 0.0), (0.72, 0.15)),),
    "m": (((0.0, 0.80), (0.10, 1.0)), ((0.10, 1.0), (0.10, 0.5), (0.10, 0.0)),
          ((0.10, 0.0), (0.14, 0.55), (0.27, 0.92), (0.42, 0.90), (0.49, 0.5), (0.50, 0.0)),
          ((0.50, 0.0), (0.54, 0.55), (0.67, 0.92), (0.84, 0.90), (0.91, 0.5), (0.93, 0.12),
           (1.04, 0.0), (1.16, 0.10))),
    "n": (((0.0, 0.80), (0.15, 1.0)), ((0.15, 1.0), (0.15, 0.5), (0.15, 0.0)), _HUMP),
    "o": (((0.62, 0.96), (0.32, 0.96), (0.07, 0.62), (0.08, 0.18), (0.38, 0.0), (0.68, 0.16),
           (0.78, 0.58), (0.62, 0.96), (0.78, 0.98), (0.98, 0.92)),),
    "p": (((0.0, 0.0), (0.10, 0.55), (0.15, 1.0)), ((0.15, 1.0), (0.14, 0.0), (0.13, -1.0)),
          ((0.13, -1.0), (0.15, 0.0), (0.22, 0.62), (0.45, 0.95), (0.70, 0.88), (0.80, 0.50),
           (0.66, 0.10), (0.38, 0.0), (0.17, 0.12))),
    "q": (((0.82, 0.78), (0.60, 1.0), (0.24, 0.92), (0.02, 0.52), (0.10, 0.10), (0.42, 0.0),
           (0.70, 0.16), (0.88, 0.60), (0.92, 1.0)),
          ((0.92, 1.0), (0.91, 0.0), (0.90, -1.0)),
          ((0.90, -1.0), (1.0, -0.60), (1.12, -0.25), (1.30, -0.02))),
    "r": (((0.0, 0.80), (0.15, 1.0)), ((0.15, 1.0), (0.15, 0.5), (0.15, 0.0)),
          ((0.15, 0.0), (0.20, 0.55), (0.40, 0.92), (0.62, 0.98), (0.80, 0.86))),
    "s": (((0.80, 0.82), (0.55, 1.0), (0.22, 0.94), (0.12, 0.70), (0.36, 0.52), (0.66, 0.40),
           (0.76, 0.16), (0.50, 0.0), (0.18, 0.02), (0.0, 0.15)),),
    "u": (((0.0, 0.0), (0.06, 0.50), (0.12, 1.0)),
          ((0.12, 1.0), (0.10, 0.40), (0.26, 0.04), (0.52, 0.10), (0.70, 0.52), (0.76, 1.0)),
          ((0.76, 1.0), (0.75, 0.5), (0.78, 0.08), (0.92, 0.0), (1.08, 0.12))),
    "v": (((0.0, 0.0), (0.12, 0.55), (0.26, 0.95), (0.40, 0.98)),
          ((0.40, 0.98), (0.48, 0.45), (0.55, 0.0)),
          ((0.55, 0.0), (0.72, 0.50), (0.92, 1.0)),
          ((0.92, 1.0), (0.84, 0.86), (1.00, 0.82), (1.20, 0.88))),
    "w": (((0.0, 0.86), (0.10, 1.0)), ((0.10, 1.0), (0.20, 0.35), (0.32, 0.0)),
          ((0.32, 0.0), (0.45, 0.40), (0.55, 0.82)), ((0.55, 0.82), (0.65, 0.35), (0.78, 0.0)),
          ((0.78, 0.0), (0.92, 0.50), (1.06, 1.0), (1.14, 0.92), (1.30, 0.96))),
    "y": (((0.0, 0.86), (0.10, 1.0), (0.07, 0.35), (0.25, 0.02), (0.52, 0.10), (0.72, 0.55),
           (0.80, 1.0)),
          ((0.80, 1.0), (0.80, 0.3), (0.74, -0.60), (0.55, -0.98), (0.32, -0.90), (0.34, -0.60),
           (0.60, -0.28), (0.98, -0.04))),
    "z": (((0.0, 0.80), (0.18, 1.0), (0.50, 1.0), (0.66, 0.86), (0.52, 0.50), (0.30, 0.22),
           (0.12, 0.0)),
          ((0.12, 0.0), (0.45, 0.02), (0.62, -0.25), (0.55, -0.65), (0.30, -0.90), (0.05, -0.85))),
}


# ----------------------------------------------------------------------------------------------
# (1) the curve
# ----------------------------------------------------------------------------------------------
def _catmull_rom(points: np.ndarray, per_unit: float = 120.0) -> np.ndarray:
    """Densely sample a centripetal Catmull-Rom spline through ``points``.

    Segment ``i`` runs from ``P[i]`` to ``P[i+1]`` and also uses ``P[i-1]`` and ``P[i+2]``; the
    missing neighbours at the two ends are reflected, ``P[-1] = 2 P[0] - P[1]``.  With knots
    ``t[j+1] = t[j] + |P[j+1] - P[j]| ** 0.5`` (centripetal: no cusps or self-loops inside a
    segment), the point at ``t`` in ``[t1, t2]`` is the Barry-Goldman pyramid

        A_k = ((t_k - t) P_{k-1} + (t - t_{k-1}) P_k) / (t_k - t_{k-1}),       k = 1, 2, 3
        B_k = ((t_{k+1} - t) A_k + (t - t_{k-1}) A_{k+1}) / (t_{k+1} - t_{k-1}), k = 1, 2
        C   = ((t_2 - t) B_1 + (t - t_1) B_2) / (t_2 - t_1)

    where ``P_0 .. P_3`` are the four points around the segment and ``t_0 .. t_3`` their knots.

    Parameters: ``points`` (K, 2), K >= 2, consecutive points distinct.
    Returns: (M, 2), the curve from ``points[0]`` to ``points[-1]``.
    """
    p = np.concatenate([2 * points[:1] - points[1:2], points, 2 * points[-1:] - points[-2:-1]])
    out = [points[:1]]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        t0 = 0.0
        t1 = t0 + np.linalg.norm(p1 - p0) ** 0.5
        t2 = t1 + np.linalg.norm(p2 - p1) ** 0.5
        t3 = t2 + np.linalg.norm(p3 - p2) ** 0.5
        m = max(8, int(np.ceil(per_unit * np.linalg.norm(p2 - p1))))
        t = np.linspace(t1, t2, m + 1)[1:, None]                       # (m, 1)
        a1 = ((t1 - t) * p0 + (t - t0) * p1) / (t1 - t0)
        a2 = ((t2 - t) * p1 + (t - t1) * p2) / (t2 - t1)
        a3 = ((t3 - t) * p2 + (t - t2) * p3) / (t3 - t2)
        b1 = ((t2 - t) * a1 + (t - t0) * a2) / (t2 - t0)
        b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1)
        out.append(((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1))        # (m, 2)
    return np.concatenate(out)


def _even_by_arc_length(curve: np.ndarray, n: int) -> Tuple[np.ndarray, float]:
    """Re-space a polyline ``curve`` (M, 2) to ``n`` points evenly spaced by arc length."""
    seg = np.linalg.norm(np.diff(curve, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])                        # (M,)
    s_even = np.linspace(0.0, s[-1], n)
    even = np.stack([np.interp(s_even, s, curve[:, 0]), np.interp(s_even, s, curve[:, 1])], axis=1)
    return even, float(s[-1])


# ----------------------------------------------------------------------------------------------
# (2)-(5) speed and sampling
# ----------------------------------------------------------------------------------------------
def stroke_to_trajectory(pieces: Sequence[np.ndarray], steps: int = STEPS,
                         speed_noise: Optional[np.ndarray] = None) -> np.ndarray:
    """Turn one letter's control points into ``steps`` pen positions, following (1)-(5) above.

    Parameters:
        pieces: a sequence of (K_i, 2) control-point arrays; piece ``i + 1`` starts where piece
            ``i`` ends (the pen turns sharply there).
        steps: T, the number of positions returned.
        speed_noise: optional (D,) array of log-speed modulation along the stroke, linearly
            interpolated over the normalised arc length ``s / L`` (used by the variants).
    Returns: (T, 2) pen positions, in the units of the control points (not normalised).
    """
    dense = [_catmull_rom(np.asarray(p, dtype=np.float64)) for p in pieces]
    curve = np.concatenate([dense[0]] + [d[1:] for d in dense[1:]])   # (M, 2)
    path, length = _even_by_arc_length(curve, _DENSE)                  # (N, 2)
    ds = length / (_DENSE - 1)
    # (2) curvature: turning angle at each interior point / ds, smoothed along the curve.
    d = np.diff(path, axis=0)
    heading = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    turn = np.abs(np.diff(heading))                                    # (N-2,)
    kappa = np.concatenate([[0.0], turn, [0.0]]) / ds                  # (N,)
    half = int(np.ceil(3 * _SMOOTH / ds))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * ds / _SMOOTH) ** 2)
    kappa = np.convolve(np.pad(kappa, half, mode="edge"), kernel / kernel.sum(), mode="valid")
    # (3) speed: two-thirds power law times the taper at the ends.
    s = np.arange(_DENSE) * ds
    to_end = np.maximum(0.0, np.minimum(s, length - s))
    taper = np.maximum(_TAPER_FLOOR, np.minimum(1.0, to_end / _TAPER) ** 0.5)
    v = ((kappa + _KAPPA_0) / _KAPPA_0) ** (-1.0 / 3.0) * taper       # (N,)
    if speed_noise is not None:
        v = v * np.exp(np.interp(s / length, np.linspace(0, 1, len(speed_noise)), speed_noise))
    # (4) time to reach each point (trapezoid rule on ds / v), (5) equal time steps.
    inv = 1.0 / v
    tau = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * ds)])
    s_at = np.interp(np.linspace(0.0, tau[-1], steps), tau, s)
    return np.stack([np.interp(s_at, s, path[:, 0]), np.interp(s_at, s, path[:, 1])], axis=1)


# ----------------------------------------------------------------------------------------------
# (6) normalisation, shared with the file loaders
# ----------------------------------------------------------------------------------------------
def normalisation_frame(data) -> Tuple[np.ndarray, float]:
    """The ``offset`` (D,) and ``scale`` that :func:`normalise` uses by default for ``data``.

        u[n, t, d] = x[n, t, d] - x[n, 0, d]                   every sequence starts at 0
        offset[d]  = mean_{n,t} u[n, t, d]                      the set's mean after that
        scale      = sqrt(mean_{n,t,d} (u[n, t, d] - offset[d])**2) / TARGET_RMS

    where ``x`` is ``data`` (N, T, D) and ``TARGET_RMS = 0.6``.
    """
    x = as_float_array("data", data, (None, None, None))
    u = x - x[:, :1]
    offset = u.mean(axis=(0, 1))                                                  # (D,)
    rms = float(np.sqrt(np.mean((u - offset) ** 2)))
    if rms == 0.0:
        raise ValueError("data must not be constant in time (every sequence is a single point)")
    return offset, rms / TARGET_RMS


def normalisation_scale(data) -> float:
    """The number :func:`normalise` divides by: ``normalisation_frame(data)[1]``."""
    return normalisation_frame(data)[1]


def normalise(data, scale: Optional[float] = None, offset=None) -> np.ndarray:
    """Start every sequence at the same point, centre the whole set, divide it by one scale.

        y[n, t, d] = (x[n, t, d] - x[n, 0, d] - offset[d]) / scale

    where ``x`` is ``data`` (N, T, D) and, by default, ``offset`` and ``scale`` come from
    :func:`normalisation_frame` of ``x``: ``offset`` is the mean over all sequences and steps
    of ``x - x[:, :1]``, so the set has zero mean, and ``scale`` makes the RMS of ``y`` over the
    whole set equal to ``TARGET_RMS = 0.6``.  So every sequence starts at the same point
    ``-offset / scale`` (the model's first predictions are alike for every sequence: its
    initial state ``h0`` is shared and a hidden cause acts slowly), the letters keep their sizes
    relative to each other (an ``l`` stays taller than an ``o``), and the values stay within
    about [-2.1, 2.1].  Pass ``scale`` and ``offset`` (D,) to put new data into the frame of an
    earlier set (as :func:`letter_variants` does).

    Returns: (N, T, D) float64, a new array.
    """
    x = as_float_array("data", data, (None, None, None))
    if scale is None or offset is None:
        own_offset, own_scale = normalisation_frame(x)
        scale = own_scale if scale is None else scale
        offset = own_offset if offset is None else offset
    scale = as_scalar("scale", scale, low=0.0, low_inclusive=False)
    offset = as_float_array("offset", offset, (x.shape[2],))
    return (x - x[:, :1] - offset) / scale


# ----------------------------------------------------------------------------------------------
# the public data set
# ----------------------------------------------------------------------------------------------
def _shear(pieces, slant: float, sx: float = 1.0, sy: float = 1.0):
    """Scale the control points by (sx, sy) and shear them: x += slant * y."""
    out = []
    for p in pieces:
        p = np.asarray(p, dtype=np.float64) * np.array([sx, sy])
        out.append(np.stack([p[:, 0] + slant * p[:, 1], p[:, 1]], axis=1))
    return out


def _raw_letters() -> np.ndarray:
    """The canonical letters before normalisation, (20, T, 2) in x-height units."""
    return np.stack([stroke_to_trajectory(_shear(CONTROL_POINTS[c], SLANT)) for c in LABELS])


def letters() -> Tuple[np.ndarray, List[str]]:
    """The 20 embedded handwritten letters ``a b c d e g h l m n o p q r s u v w y z``.

    Each letter is one cursive pen stroke made from the control points of this module by
    steps (1)-(6) of the module docstring: a smooth curve, a human speed profile (slow at the
    ends and in sharp turns), ``T = 60`` samples, then :func:`normalise`: every letter is moved
    so that it **starts at the same point**, the whole set is centred on its mean and divided by
    one number so that its RMS is ``TARGET_RMS = 0.6`` (values within about [-2.1, 2.1]).
    Deterministic: no randomness.

    Returns:
        data: (20, 60, 2) float64, ``data[i, t] = (x, y)`` the pen position of letter ``i`` at
            step ``t`` (x to the right, y up).
        labels: list of the 20 one-character labels, in the order above.
    """
    return normalise(_raw_letters()), list(LABELS)


def _smooth_noise(rng: np.random.Generator, knots: int = 6) -> np.ndarray:
    """(knots,) standard-normal values, lightly smoothed: a slow random function along a stroke."""
    z = rng.standard_normal(knots + 2)
    return (z[:-2] + 2 * z[1:-1] + z[2:]) / np.sqrt(6.0)


def letter_variants(rng: np.random.Generator, n_per_letter: int = 1, *, jitter: float = 0.04,
                    slant: float = 0.1, scale: float = 0.1, speed: float = 0.15
                    ) -> Tuple[np.ndarray, List[str]]:
    """New handwritten-like instances of each of the 20 letters, drawn from ``rng``.

    For every instance, independently:

        P'    = P + jitter * e,                     e ~ N(0, I) per control point
        slant' = SLANT + slant * z1,                z1 ~ N(0, 1)   (shear x += slant' * y)
        (sx, sy) = exp(scale * (z2 + 0.5 z3, z2 - 0.5 z3)),  z2, z3 ~ N(0, 1) (size and width)
        v'(s) = v(s) * exp(speed * n(s / L)),       n a smooth random function, N(0, 1) at each s

    then steps (1)-(5) of the module docstring, and :func:`normalise` with the *canonical*
    letters' offset and scale, so that variants and :func:`letters` share one frame (every
    variant starts where every canonical letter starts; a larger variant stays larger).

    where ``P`` are the control points (x-height units; joining points of two pieces move
    together), ``SLANT = 0.18`` the slant of the canonical letters, ``v`` the speed profile.

    Parameters:
        rng: ``numpy.random.Generator``; the same seed gives bit-identical output.
        n_per_letter: instances of each letter (int >= 1).
        jitter: std of the control-point displacement, in x-heights (0 to 1; 0.04 is a steady
            hand, 0.1 a hurried one).
        slant: std of the change of slant, as a shear factor (0 to 1; 0.1 is about 6 degrees).
        scale: std of the log of the size (0 to 1; 0.1 is about +-10 % size and width).
        speed: std of the log of the pen speed along the stroke (0 to 1; 0.15 shifts the timing
            of a stroke by a few steps).

    With the defaults, a variant is nearer (RMS distance over the 60 steps) to its own
    canonical letter than to any other for about 99 % of draws, and always among the nearest
    two (measured over 400 draws, seeds 0-3; ``tests/test_letters.py`` checks one seed).  The
    look-alike pairs (``q``/``g``, ``h``/``b``) are where the rest go.
    Returns:
        data: (20 * n_per_letter, 60, 2) float64, letter-major: rows ``i * n_per_letter`` to
            ``(i + 1) * n_per_letter - 1`` are instances of ``LABELS[i]``.
        labels: list of 20 * n_per_letter one-character labels.
    """
    rng = check_rng("rng", rng)
    n_per_letter = as_scalar("n_per_letter", n_per_letter, low=1, integer=True)
    check_memory("letter_variants", 8 * len(LABELS) * n_per_letter * STEPS * 2 * 2,
                 dict(n_per_letter=n_per_letter))
    # Upper bounds: beyond about 1 a "variant" is no longer the letter (and the curve overflows).
    jitter = as_scalar("jitter", jitter, low=0.0, high=1.0)
    slant = as_scalar("slant", slant, low=0.0, high=1.0)
    scale = as_scalar("scale", scale, low=0.0, high=1.0)
    speed = as_scalar("speed", speed, low=0.0, high=1.0)
    offset, canonical_scale = normalisation_frame(_raw_letters())
    out, labels = [], []
    for label in LABELS:
        pieces = CONTROL_POINTS[label]
        for _ in range(n_per_letter):
            moved = []
            shared = None                       # displacement of the point joining two pieces
            for k, p in enumerate(pieces):
                e = jitter * rng.standard_normal((len(p), 2))
                if k > 0:
                    e[0] = shared
                shared = e[-1]
                moved.append(np.asarray(p, dtype=np.float64) + e)
            z = rng.standard_normal(3)
            sx, sy = np.exp(scale * np.array([z[1] + 0.5 * z[2], z[1] - 0.5 * z[2]]))
            noise = speed * _smooth_noise(rng)
            out.append(stroke_to_trajectory(_shear(moved, SLANT + slant * z[0], sx, sy),
                                             speed_noise=noise))
            labels.append(label)
    return normalise(np.stack(out), scale=canonical_scale, offset=offset), labels


# ----------------------------------------------------------------------------------------------
# command line: python -m pc_numpy.data.letters OUT.png [--variants N --seed S]
# ----------------------------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> None:
    """Draw the 20 letters to a PNG: ``python -m pc_numpy.data.letters docs/letters.png``.

    With ``--variants N --seed S``, N variants of each letter are drawn faintly in its panel.
    """
    parser = argparse.ArgumentParser(prog="python -m pc_numpy.data.letters",
                                     description="Plot the embedded handwritten letters.")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--variants", type=int, default=0, help="variants per letter to overlay")
    parser.add_argument("--seed", type=int, default=0, help="seed of the variants")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    from ..tools.plots import plot_letters
    data, labels = letters()
    variants = None
    if args.variants > 0:
        variants = letter_variants(np.random.default_rng(args.seed), args.variants)
    title = "pc_numpy.letters(): 20 letters, 60 steps each (dot: start)"
    if variants is not None:
        title += f"; grey: {args.variants} variants each (seed {args.seed})"
    plot_letters(data, labels, args.out, title=title, variants=variants, dpi=args.dpi)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
