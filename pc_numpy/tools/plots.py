"""Figures.  matplotlib is imported inside each function, so ``pc_numpy`` needs NumPy alone.

No pyplot state is used: figures are ``matplotlib.figure.Figure`` objects drawn by the Agg
canvas, so plotting works headless, in threads, and never opens a window.  PNGs are written
atomically: to a temporary file in the target directory, then ``os.replace``.
"""
from __future__ import annotations

import math
import os
from typing import Optional, Sequence, Tuple

import numpy as np

from .checks import as_float_array
from .files import atomic_write

__all__ = ["plot_letters", "plot_loss", "plot_generations", "plot_causes",
           "plot_retrieval_paths", "plot_retrieval_curves", "plot_confusion", "best_and_worst_targets"]


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


def _save_atomically(fig, path, dpi: int) -> None:
    """Save ``fig`` as a PNG at ``path``, whole or not at all (``pc_numpy.tools.files.atomic_write``)."""
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=dpi))


# ----------------------------------------------------------------------------------------------
# figures of the experiment (training and retrieval)
# ----------------------------------------------------------------------------------------------
def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _check_path(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def plot_loss(losses, path, *, dpi: int = 80) -> str:
    """The training loss ``mean(error**2)`` per iteration, on a log scale.  ``losses (K,)``."""
    losses = as_float_array("losses", losses, (None,))
    path = _check_path(path)
    fig = _figure(5.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.semilogy(np.arange(1, losses.size + 1), losses, color="tab:blue")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss  mean(error²)")
    ax.set_title(f"training loss (final {losses[-1]:.4f})")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def plot_generations(generated, targets, labels: Sequence[str], path, *, ncols: int = 5,
                     dpi: int = 80) -> str:
    """Each sequence generated from its learned cause (colour) over its target (grey).

    where  generated, targets : (N, T, D), D >= 2;  labels : N strings.
    """
    gen = as_float_array("generated", generated, (None, None, None))
    tgt = as_float_array("targets", targets, gen.shape)
    labels = [str(s) for s in labels]
    if len(labels) != gen.shape[0]:
        raise ValueError(f"labels must have one entry per sequence ({gen.shape[0]}), got {len(labels)}")
    path = _check_path(path)
    n = gen.shape[0]
    nrows = max(1, math.ceil(n / ncols))
    lo = min(gen[..., :2].min(), tgt[..., :2].min())
    hi = max(gen[..., :2].max(), tgt[..., :2].max())
    pad = 0.08 * (hi - lo + 1e-12)
    fig = _figure(1.9 * ncols, 1.9 * nrows + 0.4)
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.plot(tgt[i, :, 0], tgt[i, :, 1], color="0.6", lw=3, label="target")
        ax.plot(gen[i, :, 0], gen[i, :, 1], color="tab:orange", lw=1.4, label="generated")
        err = np.linalg.norm(gen[i] - tgt[i], axis=1).mean()
        ax.set_title(f"{labels[i]}  (err {err:.3f})", fontsize=10)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("generated from each learned hidden cause (orange) over its target (grey); "
                 "err = mean_t ||x_pred - x||", fontsize=9)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def _label_offsets(points: np.ndarray, *, near: float = 0.08, size: float = 9.0) -> np.ndarray:
    """Offsets (in points) for the labels of ``points (P, 2)``: away from the nearest other
    point when it is within ``near`` of the data's extent (so that close pairs such as m and n
    do not overlap), else up and to the right."""
    P = points.shape[0]
    offsets = np.tile([4.0, 3.0], (P, 1))
    if P < 2:
        return offsets
    extent = np.ptp(points, axis=0)
    scaled = points / np.where(extent > 0, extent, 1.0)
    d = np.linalg.norm(scaled[:, None] - scaled[None, :], axis=2)                          # (P, P)
    np.fill_diagonal(d, np.inf)
    for i in range(P):
        j = int(d[i].argmin())
        if d[i, j] < near:
            away = scaled[i] - scaled[j]
            away = away / (np.linalg.norm(away) + 1e-12)
            offsets[i] = size * away + np.array([-3.0, -4.0]) * (away < 0)   # text grows right/up
    return offsets


def plot_causes(mus, labels: Sequence[str], path, *, dpi: int = 80) -> str:
    """The learned hidden causes ``mus (P, C)`` in the plane of their first two coordinates
    (labels of close memories pushed apart)."""
    mus = as_float_array("mus", mus, (None, None))
    if mus.shape[1] < 2:
        raise ValueError(f"mus must have at least 2 coordinates to plot, got shape {mus.shape}")
    labels = [str(s) for s in labels]
    path = _check_path(path)
    fig = _figure(4.6, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(mus[:, 0], mus[:, 1], s=30, color="tab:blue")
    for (cx, cy), lab, off in zip(mus[:, :2], labels, _label_offsets(mus[:, :2])):
        ax.annotate(lab, (cx, cy), textcoords="offset points", xytext=tuple(off), fontsize=11)
    ax.set_xlabel("c[0]")
    ax.set_ylabel("c[1]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(True, alpha=0.3)
    ax.set_title("learned hidden causes (the memories)")
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def best_and_worst_targets(result) -> list:
    """The memories to show in ``plot_retrieval_paths`` by default: the best retrieved (highest
    final run accuracy) and the worst (lowest), first in label order on ties; one if they agree."""
    acc = np.asarray(result.accuracy_per_target, dtype=float)
    shown = np.flatnonzero(~np.isnan(acc))
    best = int(shown[np.argmax(acc[shown])])
    worst = int(shown[np.argmin(acc[shown])])
    return [best] if best == worst else [best, worst]


def plot_retrieval_paths(result, mus, target, path, *, dpi: int = 80) -> str:
    """The path of ``c`` over the trials of every restart of some targets: one row per target,
    one panel per restart (at most 4).

    ``target``: a memory index, a list of them, or None (the best and the worst retrieved target,
    ``best_and_worst_targets``).  Every memory is marked with its label; the target's memory has
    a circle of radius ``result.radius`` (0.1) around it.  ``result`` is a ``RetrievalResult``,
    ``mus (P, C)``; axes ``c[0]``, ``c[1]``.
    """
    mus = as_float_array("mus", mus, (None, None))
    path = _check_path(path)
    if target is None:
        targets = best_and_worst_targets(result)
    elif np.ndim(target) == 0:
        targets = [int(target)]
    else:
        targets = [int(t) for t in target]
    rows = []
    for tg in targets:
        runs = np.flatnonzero(result.target_ids == tg)
        if runs.size == 0:
            raise ValueError(f"target {tg} was not shown in this retrieval (target_ids has no {tg})")
        rows.append((tg, runs[:4]))
    labels = list(result.labels)
    ncols = max(r.size for _, r in rows)
    nrows = len(rows)
    fig = _figure(3.1 * ncols, 3.2 * nrows + 0.4)
    every = np.concatenate([r for _, r in rows])
    allc = np.concatenate([result.c_path[:, every, :2].reshape(-1, 2), mus[:, :2]])
    lo, hi = np.percentile(allc, 1, axis=0), np.percentile(allc, 99, axis=0)
    lo, hi = np.minimum(lo, mus[:, :2].min(0)) - 0.3, np.maximum(hi, mus[:, :2].max(0)) + 0.3
    import matplotlib.patches as mpatches
    offsets = _label_offsets(mus[:, :2])
    for i, (tg, runs) in enumerate(rows):
        for j, run in enumerate(runs):
            ax = fig.add_subplot(nrows, ncols, i * ncols + j + 1)
            p = result.c_path[:, run, :2]
            ax.plot(p[:, 0], p[:, 1], color="tab:blue", lw=0.5, alpha=0.6)
            ax.plot(p[0, 0], p[0, 1], "o", color="tab:green", ms=6, label="start")
            ax.plot(p[-1, 0], p[-1, 1], "*", color="tab:red", ms=11, label="end")
            ax.scatter(mus[:, 0], mus[:, 1], s=14, color="k", zorder=3)
            for (cx, cy), lab, off in zip(mus[:, :2], labels, offsets):
                ax.annotate(lab, (cx, cy), textcoords="offset points", xytext=tuple(off), fontsize=8)
            ax.add_patch(mpatches.Circle(mus[tg, :2], result.radius, fill=False, color="tab:red", lw=1.5))
            hit = np.argmin(np.linalg.norm(mus - result.c_path[-1, run], axis=1)) == tg
            ax.set_title(f"'{labels[tg]}' restart {j}: {'retrieved' if hit else 'not retrieved'}", fontsize=9)
            ax.set_xlim(lo[0], hi[0])
            ax.set_ylim(lo[1], hi[1])
            ax.set_aspect("equal")
            ax.set_xlabel("c[0]", fontsize=8)
            ax.set_ylabel("c[1]", fontsize=8)
            if i == 0 and j == 0:
                ax.legend(fontsize=7, loc="lower right")
    which = " and ".join(f"'{labels[t]}' (retrieved by {result.accuracy_per_target[t]:.2f} of runs)"
                         for t, _ in rows)
    fig.suptitle(f"c over {result.c_path.shape[0] - 1} trials for {which}; circle: radius "
                 f"{result.radius:g} around the target's memory", fontsize=9)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def plot_retrieval_curves(result, path, *, dpi: int = 80) -> str:
    """Left: answer accuracy (the readout), run accuracy (nearest memory) and the share within the
    radius against trials (log x), each in its own style so that none hides another.  Right: the
    generation error over the trials."""
    path = _check_path(path)
    k = np.arange(1, result.accuracy.size + 1)
    fig = _figure(10.0, 4.2)
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(k, result.answer_accuracy, color="tab:blue", lw=2.6, alpha=0.8,
            label=f"answer (readout): final {result.final_answer_accuracy:.2f}")
    ax.plot(k, result.accuracy, color="tab:green", lw=1.4, ls="--",
            label=f"runs whose c is nearest its memory: {result.final_accuracy:.2f}")
    ax.plot(k, result.within, color="tab:red", lw=1.0, ls=":",
            label=f"runs within {result.radius:g} of it: {result.final_within:.2f}")
    ax.axhline(1.0 / len(result.labels), color="0.5", ls=(0, (1, 4)), lw=1, label="chance")
    ax.set_xscale("log")
    ax.set_xlim(1, max(2, k[-1]))
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("trial (2 rollouts each)")
    ax.set_ylabel("accuracy")
    ax.set_title("retrieval accuracy", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    ax = fig.add_subplot(1, 2, 2)
    err = result.generation_error
    ax.plot(k, err.mean(axis=1), color="tab:purple", label="mean over runs")
    ax.fill_between(k, np.percentile(err, 25, axis=1), np.percentile(err, 75, axis=1),
                    color="tab:purple", alpha=0.2, label="25-75%")
    ax.plot(k, result.best_error.mean(axis=1), color="k", lw=1, ls="--",
            label="best so far per target (the readout's)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("mean_t ||error[t]||")
    ax.set_title("generation error from the current c", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def plot_confusion(result, path, *, dpi: int = 80) -> str:
    """The confusion matrix: rows the target memory, columns the memory nearest at the end."""
    path = _check_path(path)
    conf = np.asarray(result.confusion)
    labels = list(result.labels)
    P = conf.shape[0]
    fig = _figure(0.32 * P + 2.2, 0.32 * P + 1.6)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(conf, cmap="Blues")
    ax.set_xticks(range(P))
    ax.set_yticks(range(P))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("retrieved (nearest memory at the end)")
    ax.set_ylabel("target")
    for i in range(P):
        for j in range(P):
            if conf[i, j]:
                ax.text(j, i, str(conf[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if conf[i, j] > conf.max() / 2 else "black")
    ax.set_title(f"runs at the end (run accuracy {result.final_accuracy:.3f}, "
                 f"answer accuracy {result.final_answer_accuracy:.3f})", fontsize=10)
    from matplotlib.ticker import MaxNLocator
    bar = fig.colorbar(im, ax=ax, fraction=0.046)
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    bar.set_label("runs")
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path
