"""The study figure: accuracy over trials as a distribution over seeds (docs/model.md §4c)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..protocols.study import at_seconds, share_band, t_975
from .plots import _check_path, _figure, _save_atomically


def mean_and_band(curves: np.ndarray):
    """``curves (n_seeds, K)`` -> mean (K,), and the 95% t interval of the mean (lo, hi) (K,)
    (equal to the mean for one seed): for differences and other non-shares."""
    n = curves.shape[0]
    mean = curves.mean(axis=0)
    if n < 2:
        return mean, mean, mean
    half = t_975(n - 1) * curves.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def _log_x(ax, lo, hi):
    from matplotlib.ticker import FuncFormatter, NullFormatter
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(lo, hi)


def _share(ax, x, curves, count, label, colour, ls="-"):
    mean, lo, hi = share_band(curves, count)
    ax.plot(x, mean, color=colour, ls=ls, lw=1.8, label=label)
    ax.fill_between(x, lo, hi, color=colour, alpha=0.18, lw=0)


def plot_study(results: Sequence[dict], path, *, dpi: int = 90) -> str:
    """At equal *rollouts* (no clock in it: the same for the same seeds and settings): left, run
    accuracy, answer accuracy and random search against rollouts per run (an inference trial is
    2, a draw 1), mean over seeds with the bands of ``SHARE_CI_METHOD``, exhaustive matching as
    a line; right, the paired difference inference - random search per seed, mean and t band."""
    path = _check_path(path)
    run = np.stack([r["run"] for r in results])                                           # (n, K)
    answer = np.stack([r["answer"] for r in results])                                     # (n, K)
    K = run.shape[1]
    search = np.stack([np.asarray(r["random_search"])[:2 * K] for r in results])          # (n, 2K)
    n_t, n_r = int(results[0]["targets"]), int(results[0]["runs"])
    k2 = 2 * np.arange(1, K + 1)
    fig = _figure(11.5, 4.4)
    ax = fig.add_subplot(1, 2, 1)
    _share(ax, k2, answer, n_t, "inference: answer accuracy", "tab:blue")
    _share(ax, np.arange(1, 2 * K + 1), search, n_t, "random search, same readout", "tab:orange", "--")
    _share(ax, k2, run, n_r, "inference: run accuracy (c nearest its memory)", "tab:green", "-.")
    ex = float(np.mean([r["exhaustive"] for r in results]))
    P = int(results[0]["exhaustive_rollouts"])
    ax.axhline(ex, color="k", ls=":", lw=1.2, label=f"exhaustive matching ({ex:.2f}, {P} rollouts)")
    ax.axhline(1.0 / len(results[0]["labels"]), color="0.6", ls=":", lw=1, label="chance")
    _log_x(ax, 1, max(2 * K, 2))
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("rollouts per run (inference trial: 2, random draw: 1)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"equal rollouts, {len(results)} seeds: mean, 95% Wilson band (effective n)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax = fig.add_subplot(1, 2, 2)
    diff = answer - search[:, 1::2]                                                       # (n, K)
    mean, lo, hi = mean_and_band(diff)
    ax.plot(k2, mean, color="tab:purple", lw=1.8, label="inference - random search (paired per seed)")
    ax.fill_between(k2, lo, hi, color="tab:purple", alpha=0.2, lw=0, label="95% t interval over seeds")
    ax.axhline(0, color="k", lw=0.8)
    _log_x(ax, 2, max(2 * K, 3))
    ax.set_xlabel("rollouts per run")
    ax.set_ylabel("difference in answer accuracy")
    ax.set_title("paired difference at equal rollouts", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def dense_seconds(results: Sequence[dict], points: int = 80) -> np.ndarray:
    """A log-spaced grid of CPU seconds from the first finished trial of any method on the
    slowest seed to the end of inference on the fastest."""
    lo = max(min(float(r["answer_cpu"][0]), float(r["random_search_cpu"][0])) for r in results)
    hi = min(float(r["answer_cpu"][-1]) for r in results)
    return np.geomspace(lo, max(hi, lo * 1.01), points)


def _seconds_panel(ax, results, grid, *, legend=True):
    n_t = int(results[0]["targets"])
    inf = np.stack([at_seconds(r["answer"], r["answer_cpu"], grid) for r in results])
    rs = np.stack([at_seconds(r["random_search"], r["random_search_cpu"], grid) for r in results])
    _share(ax, grid, inf, n_t, "inference (answer accuracy)", "tab:blue")
    _share(ax, grid, rs, n_t, "random search (same readout)", "tab:orange", "--")
    _log_x(ax, grid[0], grid[-1])
    ax.set_ylim(0, 1.03)
    ax.grid(True, which="both", alpha=0.3)
    if legend:
        ax.legend(fontsize=7, loc="lower right")
    return inf, rs


def plot_study_seconds(results: Sequence[dict], summary: dict, path, *, dpi: int = 90) -> str:
    """At equal *CPU seconds* (timing: it changes from run to run): left, answer accuracy of
    inference and random search against the CPU seconds each spent, with exhaustive matching's
    cost and accuracy as a point; right, their paired difference (t band over seeds)."""
    path = _check_path(path)
    grid = dense_seconds(results)
    fig = _figure(11.5, 4.4)
    ax = fig.add_subplot(1, 2, 1)
    inf, rs = _seconds_panel(ax, results, grid, legend=False)
    ex_cpu = float(np.mean([r["exhaustive_cpu"] for r in results]))
    ex = float(np.mean([r["exhaustive"] for r in results]))
    if grid[0] <= ex_cpu <= grid[-1]:
        ax.plot([ex_cpu], [ex], "k*", ms=9, label=f"exhaustive matching ({ex:.2f})")
    else:
        ax.axhline(ex, color="k", ls=":", lw=1.2, label=f"exhaustive matching ({ex:.2f}, {ex_cpu:.2g} s)")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("CPU seconds spent (one BLAS thread)")
    ax.set_ylabel("answer accuracy")
    ax.set_title(f"equal CPU seconds, {len(results)} seeds: mean, 95% Wilson band (effective n)", fontsize=9)
    ax = fig.add_subplot(1, 2, 2)
    mean, lo, hi = mean_and_band(inf - rs)
    ax.plot(grid, mean, color="tab:purple", lw=1.8, label="inference - random search (paired per seed)")
    ax.fill_between(grid, lo, hi, color="tab:purple", alpha=0.2, lw=0, label="95% t interval over seeds")
    ax.axhline(0, color="k", lw=0.8)
    _log_x(ax, grid[0], grid[-1])
    ax.set_xlabel("CPU seconds spent")
    ax.set_ylabel("difference in answer accuracy")
    ax.set_title("paired difference at equal CPU seconds", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def plot_sweep(studies: Sequence[dict], seeds: Sequence[Sequence[dict]], path, *, dpi: int = 90) -> str:
    """One panel per study (one value of C): answer accuracy against CPU seconds, inference and
    random search, mean over seeds with 95% Wilson bands (effective n)."""
    path = _check_path(path)
    n = len(studies)
    fig = _figure(3.4 * n + 0.6, 3.6)
    for i, (summary, results) in enumerate(zip(studies, seeds)):
        ax = fig.add_subplot(1, n, i + 1)
        grid = dense_seconds(results)
        _seconds_panel(ax, results, grid, legend=(i == 0))
        ax.axhline(1.0 / len(results[0]["labels"]), color="0.6", ls=":", lw=1)
        st = summary["settings"]
        ax.set_title(f"C = {st['causes_dim']} ({len(results)} seeds, {st['trials']} trials)", fontsize=9)
        ax.set_xlabel("CPU seconds spent")
        if i == 0:
            ax.set_ylabel("answer accuracy")
    fig.suptitle("inference against random search at equal CPU seconds, as the space of causes grows",
                 fontsize=10)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path


def plot_online(result, path, *, ncols: int = 5, dpi: int = 80) -> str:
    """Online recognition (``online_recognition``), one panel per target: against the steps seen,
    the share of its runs whose ``c[t]`` is nearest its memory (one inference rollout) and whether
    prefix matching names it (0/1), with the steps each needs before naming it for good."""
    path = _check_path(path)
    T, N = result.share_right.shape
    t = np.arange(1, T + 1)
    nrows = max(1, math.ceil(N / ncols))
    fig = _figure(2.3 * ncols, 1.9 * nrows + 0.6)
    labels = result.labels
    for n in range(N):
        ax = fig.add_subplot(nrows, ncols, n + 1)
        right = (result.prefix_answers[:, n] == result.target_ids[n]).astype(float)
        ax.step(t, right, where="post", color="k", lw=1.2, label="prefix matching names it")
        ax.plot(t, result.share_right[:, n], color="tab:blue", lw=1.6, label="share of runs: c[t] nearest it")
        need, pneed = result.steps_needed[n], result.prefix_steps_needed[n]
        if need <= T:
            ax.axvline(need, color="tab:blue", ls="--", lw=1)
        if pneed <= T:
            ax.axvline(pneed, color="k", ls=":", lw=1)
        name = lambda s: "never" if s > T else str(s)  # noqa: E731
        ax.set_title(f"'{labels[result.target_ids[n]]}': {name(pneed)} / {name(need)} steps", fontsize=8)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlim(1, T)
        ax.tick_params(labelsize=7)
        if n % ncols == 0:
            ax.set_ylabel("named", fontsize=8)
        if n >= N - ncols:
            ax.set_xlabel("steps seen", fontsize=8)
        if n == 0:
            ax.legend(fontsize=6, loc="center right")
    fig.suptitle("online recognition: steps before the letter is named for good "
                 "(title: prefix matching / more than half the runs of one inference rollout)", fontsize=9)
    fig.tight_layout()
    _save_atomically(fig, path, dpi)
    return path
