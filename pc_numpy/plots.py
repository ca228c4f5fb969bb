"""Figures.  matplotlib is imported inside each function, so ``pc_numpy`` needs NumPy alone.

No pyplot state is used: figures are ``matplotlib.figure.Figure`` objects drawn by the Agg
canvas, so plotting works headless, in threads, and never opens a window.  PNGs are written
atomically: to a temporary file in the target directory, then ``os.replace``.
"""
from __future__ import annotations

import math
import os
import secrets
from typing import Optional, Sequence, Tuple

import numpy as np

from ._checks import as_float_array

__all__ = ["plot_letters"]


def plot_letters(data, labels: Sequence[str], path, *, title: Optional[str] = None,
                 variants: Optional[Tuple[np.ndarray, Sequence[str]]] = None,
                 ncols: int = 5, dpi: int = 80) -> str:
    """Draw pen trajectories in a grid, one panel per sequence, and save a PNG.

    Each panel shows the path of ``data[n, :, 0:2]`` (x right, y up) as a line with a small dot
    at every time step (dots crowd where the pen is slow), a large dot at the start, and the
    label as the panel title.  All panels share the same scale and equal aspect, so sizes can
    be compared.  20 letters make a 4 x 5 grid.

    Parameters:
        data: (N, T, D) pen positions, D >= 2 (only the first two coordinates are drawn).
        labels: N labels (strings).
        path: the PNG file to write (its directory must exist).
        title: optional figure title.
        variants: optional ``(data_v, labels_v)``, (M, T, D) and M labels: drawn faintly in the
            panel whose label matches (e.g. from ``letter_variants``).
        ncols: panels per row.
        dpi: resolution of the PNG.
    Returns: ``path`` as a string.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = as_float_array("data", data, (None, None, None))
    if x.shape[2] < 2:
        raise ValueError(f"data must have at least 2 coordinates (last axis), got shape {x.shape}")
    labels = [str(lab) for lab in labels]
    if len(labels) != x.shape[0]:
        raise ValueError(f"labels must have one entry per sequence ({x.shape[0]}), got {len(labels)}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    extra = []
    if variants is not None:
        xv = as_float_array("variants[0]", variants[0], (None, x.shape[1], None))
        lv = [str(lab) for lab in variants[1]]
        if len(lv) != xv.shape[0]:
            raise ValueError(f"variants[1] must have one label per variant ({xv.shape[0]}), got {len(lv)}")
        extra = list(zip(xv, lv))

    n = x.shape[0]
    nrows = max(1, math.ceil(n / ncols))
    everything = [x[..., :2]] + ([np.stack([v[..., :2] for v, _ in extra])] if extra else [])
    lo = min(float(a[..., k].min()) for a in everything for k in (0, 1))
    hi = max(float(a[..., k].max()) for a in everything for k in (0, 1))
    pad = 0.08 * (hi - lo + 1e-12)

    fig = Figure(figsize=(1.9 * ncols, 1.9 * nrows + (0.4 if title else 0.0)))
    FigureCanvasAgg(fig)
    for i in range(nrows * ncols):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.set_axis_off()
            continue
        for v, lab in extra:
            if lab == labels[i]:
                ax.plot(v[:, 0], v[:, 1], color="0.65", lw=0.8, zorder=1)
        ax.plot(x[i, :, 0], x[i, :, 1], color="tab:blue", lw=1.6, zorder=2)
        ax.plot(x[i, :, 0], x[i, :, 1], ".", color="navy", ms=2.5, zorder=3)
        ax.plot(x[i, 0, 0], x[i, 0, 1], "o", color="tab:red", ms=5, zorder=4)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_aspect("equal")
        ax.set_title(labels[i], fontsize=13)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()

    _save_atomically(fig, path, dpi)
    return path


def _save_atomically(fig, path: str, dpi: int) -> None:
    """Save ``fig`` as PNG to a new temporary file next to ``path``, then rename it to ``path``.

    A reader never sees a half-written PNG; the file gets the usual permissions (0o666 less
    the umask), unlike ``tempfile.mkstemp``'s private 0o600.
    """
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
