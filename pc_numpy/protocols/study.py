"""Studies over seeds (docs/model.md §4c): every result as a distribution over seeds.

Each seed ``s`` trains a model (``train(..., seed=s)``) and then, on the training sequences (or
the given targets), runs

- ``retrieve(..., seed=s)``: the *run* accuracy (share of runs whose ``c`` is nearest to their
  own memory) and the *answer* accuracy (the readout of ``readout``) after every trial;
- ``random_search(..., seed=s)`` with **twice** the trials: a random draw costs one rollout, an
  inference trial two, so random search's accuracy *at budget b* is read after ``2 b`` draws,
  the rollouts of ``b`` inference trials;
- ``exhaustive_matching``: the ceiling (P rollouts per target).

Seeds are independent and run in parallel worker processes (``spawn``).  Over the seeds, each
accuracy at each trial budget (10, 25, 50, 100, 250, 500, 1000, up to K) is summarised by its mean,
a 95% confidence interval of the mean by Student's t over seeds,

    mean +- t_{0.975, n-1} * sd / sqrt(n)        (sd with n - 1 in the denominator)

(``t_975``: a table for df = 1..30, above it the Cornish-Fisher expansion of the normal quantile,
within 2e-4 of the exact value; no scipy needed), its min and max and the per-seed values.  The
interval is not clipped to [0, 1] in ``study.json`` (the figure clips its bands).

The workers run with one BLAS thread each.  Rounding differs with the number of BLAS threads
(and the dynamics are chaotic), so a seed's numbers in a study can differ from the same seed run
in a process with multithreaded BLAS (measured: seed 0's final loss 0.0113 in a worker against
0.0125 in-process): compare seeds within one setting, never across.
"""
from __future__ import annotations

import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, NamedTuple, Optional, Sequence

import numpy as np

BUDGETS = (10, 25, 50, 100, 250, 500, 1000)

# t_{0.975, df} for df = 1 .. 30 (two-sided 95%), from the standard tables.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
CI_METHOD = ("95% CI of the mean over seeds by Student's t: mean +- t_{0.975, n-1} sd / sqrt(n), "
             "sd with n-1; t from a table for df 1-30, Cornish-Fisher above; null for one seed")


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (``df >= 1``): the table
    ``T_975`` for df <= 30, above it ``z + (z^3 + z)/(4 df) + (5 z^5 + 16 z^3 + 3 z)/(96 df^2)``
    with ``z = 1.959964`` (error < 2e-4 at df = 31, shrinking as df^-3)."""
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}")
    if df <= 30:
        return T_975[df - 1]
    z = 1.959963984540054
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def over_seeds(values: Sequence[float]) -> dict:
    """``{mean, ci95: [lo, hi], min, max, per_seed}`` of one number measured on each seed
    (``ci95`` is ``[None, None]`` for a single seed: no spread to estimate)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    mean = float(v.mean())
    if n > 1:
        half = t_975(n - 1) * float(v.std(ddof=1)) / math.sqrt(n)
        ci = [mean - half, mean + half]
    else:
        ci = [None, None]
    return dict(mean=mean, ci95=ci, min=float(v.min()), max=float(v.max()), per_seed=[float(a) for a in v])


def budgets_up_to(trials: int) -> list:
    """The budgets of §4c not above ``trials``, and ``trials`` itself if it is not one of them
    but smaller than all (so that a short study still reports its end)."""
    out = [b for b in BUDGETS if b <= trials]
    return out if out else [trials]


class SeedConfig(NamedTuple):
    """What one worker needs for one seed (picklable)."""
    seed: int
    data: np.ndarray
    labels: Optional[tuple]
    targets: Optional[np.ndarray]      # None: the training sequences
    target_ids: Optional[np.ndarray]
    train_kwargs: dict                 # iterations, states_dim, causes_dim, tau, lr, keep
    trials: int
    restarts: int
    cue_steps: Optional[int]
    cue_noise: float


def run_seed(config: SeedConfig) -> dict:
    """Train and measure one seed (runs in a worker).  Returns plain arrays and numbers:
    ``final_loss``, ``run (K,)``, ``answer (K,)``, ``random_search (2K,)``, ``exhaustive``,
    ``final_answers (N,)``, ``target_ids (N,)``, ``labels``, ``seconds``."""
    from .baselines import exhaustive_matching, random_search
    from .retrieval import retrieve
    from .train import train
    t0 = time.perf_counter()
    s = config.seed
    trained = train(config.data, config.labels, seed=s, progress=False, **config.train_kwargs)
    targets = config.data if config.targets is None else config.targets
    cue = dict(cue_steps=config.cue_steps, cue_noise=config.cue_noise)
    r = retrieve(trained.model, targets, config.target_ids, restarts=config.restarts,
                 trials=config.trials, seed=s, progress=False, **cue)
    rs = random_search(trained.model, targets, config.target_ids, restarts=config.restarts,
                       trials=2 * config.trials, seed=s, progress=False, **cue)
    ex = exhaustive_matching(trained.model, targets, config.target_ids, cue_steps=config.cue_steps)
    return dict(seed=s, final_loss=float(trained.losses[-1]), best_loss=float(trained.losses.min()),
                run=r.accuracy, answer=r.answer_accuracy, random_search=rs.answer_accuracy,
                exhaustive=ex.accuracy, final_answers=r.answers[-1], target_ids=r.target_ids[::r.restarts],
                labels=trained.model.labels, train_seconds=trained.seconds,
                retrieve_seconds=r.seconds, search_seconds=rs.seconds,
                seconds=time.perf_counter() - t0)


def parse_seeds(text: str) -> list:
    """``"0-9"`` -> [0..9]; ``"3"`` -> [3]; ``"0,2,5-7"`` -> [0, 2, 5, 6, 7].  Raises ValueError
    naming the part that is not a seed or a range ``a-b`` with ``a <= b``."""
    seeds = []
    for part in str(text).split(","):
        part = part.strip()
        a, sep, b = part.partition("-")
        try:
            lo = int(a)
            hi = int(b) if sep else lo
        except ValueError:
            raise ValueError(f"--seeds: {part!r} is not a seed or a range like 0-9") from None
        if lo < 0 or hi < lo:
            raise ValueError(f"--seeds: {part!r} must be a non-negative seed or a range a-b with a <= b")
        seeds.extend(range(lo, hi + 1))
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds: {text!r} names a seed twice")
    return seeds


def run_seeds(configs: Sequence[SeedConfig], workers: int,
              on_done: Optional[Callable[[dict, int, int], None]] = None) -> list:
    """Run ``run_seed`` for every config in ``workers`` spawned processes (in this process if
    ``workers == 1``); ``on_done(result, finished, total)`` after each.  Returns the results in
    the order of ``configs``.  While the pool runs, BLAS threads are limited to one per worker
    (``OPENBLAS_NUM_THREADS`` etc., unless already set), so that workers do not oversubscribe."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    results = {}
    if workers == 1:
        for i, cfg in enumerate(configs):
            results[i] = run_seed(cfg)
            if on_done:
                on_done(results[i], len(results), len(configs))
        return [results[i] for i in range(len(configs))]
    import multiprocessing
    keys = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ.setdefault(k, "1")
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(configs)),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(run_seed, cfg): i for i, cfg in enumerate(configs)}
            for fut in as_completed(futures):
                i = futures[fut]
                results[i] = fut.result()
                if on_done:
                    on_done(results[i], len(results), len(configs))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [results[i] for i in range(len(configs))]


def summarise_study(results: Sequence[dict], trials: int) -> dict:
    """The ``study.json`` content (without the environment fields) from the per-seed results."""
    budgets = budgets_up_to(trials)
    methods = {}
    for name, scale in (("run", 1), ("answer", 1), ("random_search", 2)):
        methods[name] = dict(by_budget={str(b): over_seeds([r[name][scale * b - 1] for r in results])
                                        for b in budgets})
    methods["random_search"]["draws_per_trial"] = 2
    methods["exhaustive"] = over_seeds([r["exhaustive"] for r in results])
    return dict(methods=methods,
                final_loss=over_seeds([r["final_loss"] for r in results]),
                per_letter=per_letter(results),
                budgets=budgets, ci=CI_METHOD,
                budget_unit=("inference trials (2 rollouts each); random search at budget b is "
                             "read after 2 b draws (1 rollout each): equal rollouts"),
                seeds=[int(r["seed"]) for r in results],
                seconds_per_seed=[float(r["seconds"]) for r in results])


def per_letter(results: Sequence[dict]) -> dict:
    """For every memory shown: over all seeds (and all targets of that memory), how often the
    final answer was wrong, and the memories it was confused with (label -> count)."""
    labels = results[0]["labels"]
    table = {}
    for r in results:
        for want, got in zip(r["target_ids"], r["final_answers"]):
            row = table.setdefault(labels[want], dict(shown=0, wrong=0, confused_with={}))
            row["shown"] += 1
            if got != want:
                row["wrong"] += 1
                row["confused_with"][labels[got]] = row["confused_with"].get(labels[got], 0) + 1
    return table


def per_letter_markdown(table: dict) -> str:
    """The per-letter table as Markdown, worst first."""
    lines = ["| memory | shown | wrong | confused with |", "|---|---|---|---|"]
    for lab, row in sorted(table.items(), key=lambda kv: (-kv[1]["wrong"], kv[0])):
        conf = ", ".join(f"{k} x{v}" for k, v in sorted(row["confused_with"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {lab} | {row['shown']} | {row['wrong']} | {conf or '-'} |")
    return "\n".join(lines) + "\n"


def environment() -> dict:
    """The NumPy version and the BLAS it is linked to (name and version): per-seed numbers
    depend on them (§4c)."""
    blas = {"name": "unknown", "version": "unknown"}
    try:
        config = np.show_config(mode="dicts")
        dep = config.get("Build Dependencies", {}).get("blas", {})
        blas = {"name": str(dep.get("name", "unknown")), "version": str(dep.get("version", "unknown"))}
    except (TypeError, AttributeError, KeyError):          # NumPy < 1.25 has no mode="dicts"
        info = getattr(np.__config__, "blas_opt_info", None) or {}
        if info:
            blas = {"name": ",".join(info.get("libraries", ["unknown"])), "version": "unknown"}
    return dict(numpy=np.__version__, blas=blas)
