"""The study figure: accuracy over trials as a distribution over seeds (docs/model.md §4c)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..protocols.study import t_975
from .plots import _check_path, _figure, _save_atomically


def mean_and_band(curves: np.ndarray):
    """``curves (n_seeds, K)`` -> mean (K,), and the 95% t interval of the mean (lo, hi) (K,)
    (equal to the mean for one seed)."""
    n = curves.shape[0]
    mean = curves.mean(axis=0)
    if n < 2:
        return mean, mean, mean
    half = t_975(n - 1) * curves.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def plot_study(results: Sequence[dict], path, *, dpi: int = 90) -> str:
    """Run accuracy, answer accuracy and random search against trials (log x), mean over seeds
    with 95% bands, and exhaustive matching (mean over seeds) as a horizontal line.  Random
    search is drawn at equal rollouts: its value at trial k is the one after 2 k draws."""
    path = _check_path(path)
    run = np.stack([r["run"] for r in results])                                           # (n, K)
    answer = np.stack([r["answer"] for r in results])                                     # (n, K)
    search = np.stack([r["random_search"][1::2] for r in results])                        # (n, K)
    K = run.shape[1]
    k = np.arange(1, K + 1)
    fig = _figure(7.5, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    styles = [(answer, "answer (readout of inference)", "tab:blue", "-"),
              (search, "random search, same readout (2 draws per trial)", "tab:orange", "--"),
              (run, "run accuracy (c nearest its memory)", "tab:green", "-.")]
    for curves, label, colour, ls in styles:
        mean, lo, hi = mean_and_band(curves)
        ax.plot(k, mean, color=colour, ls=ls, lw=1.8, label=label)
        ax.fill_between(k, np.clip(lo, 0, 1), np.clip(hi, 0, 1), color=colour, alpha=0.18, lw=0)
    ex = float(np.mean([r["exhaustive"] for r in results]))
    ax.axhline(ex, color="k", ls=":", lw=1.2, label=f"exhaustive matching ({ex:.2f}, P rollouts)")
    chance = 1.0 / len(results[0]["labels"])
    ax.axhline(chance, color="0.6", ls=":", lw=1, label="chance")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(1, max(K, 2))
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("trials (inference trials; random search at equal rollouts: 2 draws per trial)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"retrieval over {len(results)} seeds: mean and 95% t interval of the mean "
                 f"(bands clipped to [0, 1])", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
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
