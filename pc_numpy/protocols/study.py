"""Studies over seeds (docs/model.md §4c): every result as a distribution over seeds.

Each seed ``s`` trains a model (``train(..., seed=s)``) and then, on the training sequences (or
the given targets), runs

- ``retrieve(..., seed=s)``: the *run* accuracy (share of runs whose ``c`` is nearest to their
  own memory) and the *answer* accuracy (the readout of ``readout``) after every trial, and the
  CPU seconds spent after every trial;
- ``random_search(..., seed=s)``: at least ``2 K`` draws (a draw is one rollout, an inference
  trial two, so at budget b random search is read after ``2 b`` draws: *equal rollouts*), and on
  (``search="seconds"``, the default) until it has spent the CPU seconds inference spent: the
  comparison at *equal CPU seconds*, since an inference trial costs 4-5 draws, not two;
- ``exhaustive_matching``: the ceiling (P rollouts per target), and its CPU seconds.

Seeds are independent and run in parallel worker processes (``spawn``), each worker's seeds
retrieving and searching as one stack of models (``run_group``, ``protocols.stacked``: the same
numbers, in less time; ``WORKER_ENV`` for the workers' environment).  Over the seeds, each
accuracy at each trial budget (10, 25, 50, 100, 250, 500, 1000, up to K) is summarised by its mean,
a 95% interval by ``SHARE_CI_METHOD`` (Wilson with an effective number of answers: inside [0, 1],
not vanishing at the ceiling, wider when the seeds disagree), its min and max and the per-seed
values; the paired difference inference - random search per seed by its mean and a 95% Student-t
interval over seeds (``t_975``: a table for df = 1..30, above it the Cornish-Fisher expansion of
the normal quantile, within 2e-4 of the exact value; no scipy needed).  Everything that depends
on the clock (CPU seconds, the comparison at equal seconds, wall times) is under ``timing``;
the rest of ``study.json`` is the same, bit for bit, for the same settings and seeds, which is
what lets ``study merge`` join runs over disjoint seeds into what one run gives.

The workers run with one BLAS thread each.  Rounding differs with the number of BLAS threads
(and the dynamics are chaotic), so a seed's numbers in a study can differ from the same seed run
in a process with multithreaded BLAS (measured: seed 0's final loss 0.0113 in a worker against
0.0125 in-process): compare seeds within one setting, never across.
"""
from __future__ import annotations

import math
import os
import sys
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
    search: str = "seconds"            # random search to inference's CPU seconds, or "rollouts": 2K draws


def run_seed(config: SeedConfig) -> dict:
    """Train and measure one seed (runs in a worker).  Returns plain arrays and numbers:
    ``final_loss``, ``run (K,)``, ``answer (K,)`` with ``answer_cpu (K,)`` (cumulative CPU
    seconds after each inference trial), ``random_search (K',)`` with ``random_search_cpu (K',)``
    (``K' >= 2K`` draws: at least 2K, then on until the search has spent the CPU seconds the
    inference spent), ``exhaustive`` with ``exhaustive_cpu``, ``targets`` (N) and ``runs`` (N R)
    (the counts behind the accuracies), ``final_answers (N,)``, ``target_ids (N,)``, ``labels``,
    and the wall-clock ``seconds`` of each part."""
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
                       trials=2 * config.trials,
                       cpu_seconds=float(r.trial_cpu_seconds[-1]) if config.search == "seconds" else None,
                       seed=s, progress=False, **cue)
    ex = exhaustive_matching(trained.model, targets, config.target_ids, cue_steps=config.cue_steps)
    return seed_result(s, trained, r, rs, ex, seconds=time.perf_counter() - t0, stacked=1)


def seed_result(seed: int, trained, r, rs, ex, *, seconds: float, stacked: int) -> dict:
    """One seed's result (``run_seed``'s docstring) from its ``TrainResult``, ``RetrievalResult``,
    ``SearchResult`` and ``MatchResult``; ``stacked``: the seeds its stack held (1: alone)."""
    n_targets = int(r.answers.shape[1])
    return dict(seed=seed, final_loss=float(trained.losses[-1]), best_loss=float(trained.losses.min()),
                run=r.accuracy, answer=r.answer_accuracy, answer_cpu=r.trial_cpu_seconds,
                random_search=rs.answer_accuracy, random_search_cpu=rs.trial_cpu_seconds,
                exhaustive=ex.accuracy, exhaustive_cpu=ex.cpu_seconds,
                exhaustive_rollouts=int(ex.rollouts), targets=n_targets, runs=n_targets * r.restarts,
                final_answers=r.answers[-1], target_ids=r.target_ids[::r.restarts],
                labels=trained.model.labels, train_seconds=trained.seconds,
                retrieve_seconds=r.seconds, search_seconds=rs.seconds, seconds=seconds, stacked=stacked)


def run_group(configs: Sequence[SeedConfig], progress: bool = False) -> list:
    """``run_seed`` for several seeds of one setting (runs in a worker): each seed trains on its
    own, then their PC-RNN-HC-A models retrieve and search as one stack
    (``protocols.stacked``: each seed's numbers exactly as ``run_seed`` gives them; the CPU
    seconds of the stack shared evenly).  Returns ``run_seed``'s dicts, one per config, in order.
    ``progress``: a line on stderr as each part of a stack of several seeds ends."""
    from .baselines import exhaustive_matching
    from .stacked import random_search_stacked, retrieve_stacked
    from .train import train
    if len(configs) == 1 or configs[0].train_kwargs.get("kind", "hc-a") != "hc-a":
        return [run_seed(cfg) for cfg in configs]
    first = configs[0]
    seeds = [cfg.seed for cfg in configs]
    name = f"seeds {seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else f"seeds {seeds}"
    say = (lambda text: print(f"study: {name}: {text}", file=sys.stderr, flush=True)) if progress else (lambda text: None)
    trained = []
    for s in seeds:
        trained.append(train(first.data, first.labels, seed=s, progress=False, **first.train_kwargs))
        say(f"seed {s} trained in {trained[-1].seconds:.1f} s, final loss {trained[-1].losses[-1]:.4f}")
    models = [t.model for t in trained]
    targets = first.data if first.targets is None else first.targets
    cue = dict(cue_steps=first.cue_steps, cue_noise=first.cue_noise)
    t1 = time.perf_counter()
    rs = retrieve_stacked(models, targets, first.target_ids, seeds=seeds, restarts=first.restarts,
                          trials=first.trials, **cue)
    say(f"{first.trials} trials of inference as one stack of {len(seeds)} in {time.perf_counter() - t1:.1f} s; "
        f"random search next, as long")
    search = random_search_stacked(models, targets, first.target_ids, seeds=seeds,
                                   restarts=first.restarts, trials=2 * first.trials,
                                   cpu_seconds=float(rs[0].trial_cpu_seconds[-1]) if first.search == "seconds" else None,
                                   **cue)
    shared = (time.perf_counter() - t1) / len(configs)           # each seed's share of the stack
    return [seed_result(s, t, r, q, exhaustive_matching(t.model, targets, first.target_ids,
                                                        cue_steps=first.cue_steps),
                        seconds=t.seconds + shared, stacked=len(configs))
            for s, t, r, q in zip(seeds, trained, rs, search)]


# At most this many seeds per stack: beyond about 10, a stack saves little more time (docs/speed.md)
MAX_STACK = 10


def groups_of(configs: Sequence[SeedConfig], workers: int, stack: Optional[int] = None) -> list:
    """The seeds split into stacks (``run_group``): ``stack`` seeds each (default: as many as
    share a worker evenly, ``ceil(n / workers)``, at most ``MAX_STACK``); in seed order."""
    n = len(configs)
    size = min(MAX_STACK, -(-n // workers)) if stack is None else int(stack)
    if size < 1:
        raise ValueError(f"stack must be >= 1, got {stack}")
    return [list(configs[i:i + size]) for i in range(0, n, size)]


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


# The environment of the worker processes, unless already set: one BLAS thread each (workers do
# not oversubscribe the cores), and glibc's malloc keeping freed memory for reuse (mmap threshold
# 32 MiB, trim threshold 512 MiB) instead of returning a rollout's trace to the kernel and taking
# it back page by page at the next one (docs/speed.md measures both).  Other C libraries ignore it.
WORKER_ENV = dict(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                  GLIBC_TUNABLES="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912")


def run_seeds(configs: Sequence[SeedConfig], workers: int,
              on_done: Optional[Callable[[dict, int, int], None]] = None,
              stack: Optional[int] = None, progress: bool = False) -> list:
    """Run every config in ``workers`` spawned processes (in this process if ``workers == 1``),
    their seeds in stacks (``groups_of``, ``run_group``); ``on_done(result, finished, total)``
    after each seed, and with ``progress`` the workers' own lines (``run_group``).  Returns the
    results in the order of ``configs``.  The workers run with ``WORKER_ENV`` in their environment."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    results = {}
    groups = groups_of(list(enumerate(configs)), workers, stack)

    def finished(group, outs):
        for (i, _), r in zip(group, outs):
            results[i] = r
            if on_done:
                on_done(r, len(results), len(configs))

    if workers == 1:
        for group in groups:
            finished(group, run_group([cfg for _, cfg in group], progress))
        return [results[i] for i in range(len(configs))]
    import multiprocessing
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    for k, v in WORKER_ENV.items():
        os.environ.setdefault(k, v)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(groups)),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(run_group, [cfg for _, cfg in group], progress): group for group in groups}
            for fut in as_completed(futures):
                finished(futures[fut], fut.result())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [results[i] for i in range(len(configs))]


Z_975 = 1.959963984540054
SHARE_CI_METHOD = (
    "95% Wilson score interval of the pooled share, with an effective number of answers: "
    "n_eff = p(1-p) / (s^2/k) (s^2 the variance of the k seeds' shares, ddof 1), capped at the "
    "pooled count k m (m answers per seed), so that the interval is at least the binomial one "
    "and wider when the seeds disagree more than binomial counts would; inside [0, 1], and at "
    "p = 1 the binomial bound (200 of 200 answers: 0.981-1)")
DIFF_CI_METHOD = ("paired over seeds: the per-seed difference inference - random search, mean and "
                  "95% Student-t interval of the mean over seeds (zero width when every seed "
                  "shows the same difference)")
# the keys of study.json that depend on the clock (and on the machine's load): two runs of the
# same settings and seeds agree on everything else, bit for bit; ``study merge`` keeps them apart
TIMING_KEYS = ("timing",)


def wilson(p, n, z: float = Z_975):
    """The Wilson score interval ``(lo, hi)`` of a share ``p`` observed on ``n`` (possibly
    effective, non-integer) trials; vectorised over ``p`` and ``n``; always inside [0, 1]."""
    p, n = np.asarray(p, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # at p = 0 (p = 1) the bound is exactly 0 (1); the formula leaves a rounding error there
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    hi = np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lo, hi


def effective_n(shares: np.ndarray, count: int) -> np.ndarray:
    """``shares (k, ...)``: k seeds' shares, each of ``count`` answers.  The effective number of
    answers behind their mean (Kish's design effect, estimated from the spread over seeds):
    ``n_eff = p(1-p) / (s^2 / k)``, at most ``k * count`` (never more than the answers counted:
    seeds that agree better than binomial are treated as binomial).  One seed: ``count``."""
    v = np.asarray(shares, dtype=np.float64)
    k = v.shape[0]
    pooled = k * float(count)
    if k < 2:
        return np.full(v.shape[1:], pooled)
    p = v.mean(axis=0)
    var_mean = v.var(axis=0, ddof=1) / k                                              # of the mean
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(var_mean > 0, p * (1 - p) / var_mean, np.inf)
    return np.minimum(n, pooled)


def share_band(shares: np.ndarray, count: int):
    """``shares (k, K)`` -> mean (K,), and the interval of ``SHARE_CI_METHOD`` (lo, hi) (K,)."""
    v = np.asarray(shares, dtype=np.float64)
    mean = v.mean(axis=0)
    lo, hi = wilson(mean, effective_n(v, count))
    return mean, lo, hi


def over_seeds_share(values: Sequence[float], count: int) -> dict:
    """One share (an accuracy) measured on each seed, each out of ``count`` answers:
    ``{mean, ci95, n_eff, count, min, max, per_seed}`` with ``ci95`` by ``SHARE_CI_METHOD``."""
    v = np.asarray(values, dtype=np.float64)
    n_eff = float(effective_n(v[:, None], count)[0])
    lo, hi = wilson(v.mean(), n_eff)
    return dict(mean=float(v.mean()), ci95=[float(lo), float(hi)], n_eff=n_eff,
                count=int(count) * int(v.size), min=float(v.min()), max=float(v.max()),
                per_seed=[float(a) for a in v])


def at_seconds(curve: np.ndarray, cpu: np.ndarray, seconds) -> np.ndarray:
    """A curve over trials read at CPU seconds: ``curve[j]`` for the last trial ``j`` finished
    within ``seconds`` (``cpu`` cumulative, increasing), and 0 where no trial had finished (no
    answer yet counts as wrong)."""
    curve, cpu = np.asarray(curve, dtype=np.float64), np.asarray(cpu, dtype=np.float64)
    j = np.searchsorted(cpu, np.asarray(seconds, dtype=np.float64), side="right") - 1
    return np.where(j >= 0, curve[np.maximum(j, 0)], 0.0)


def seconds_grid(results: Sequence[dict], budgets: Sequence[int]) -> list:
    """The CPU seconds at which the methods are compared: for each budget b, the least over the
    seeds of the seconds inference needed for b trials, so that at every grid point every
    seed's inference had run at most b trials (and at the last, exactly K on the fastest seed)."""
    return [float(min(np.asarray(r["answer_cpu"], dtype=np.float64)[b - 1] for r in results))
            for b in budgets]


def summarise_study(results: Sequence[dict], trials: int) -> dict:
    """The ``study.json`` content (without the environment fields) from the per-seed results
    (in any order: they are sorted by seed).  Everything that depends on the clock is under
    ``timing`` (``TIMING_KEYS``)."""
    results = sorted(results, key=lambda r: int(r["seed"]))
    budgets = budgets_up_to(trials)
    n_targets = int(results[0]["targets"])
    counts = dict(run=int(results[0]["runs"]), answer=n_targets, random_search=n_targets)
    methods = {}
    for name, scale in (("run", 1), ("answer", 1), ("random_search", 2)):
        methods[name] = dict(by_budget={str(b): over_seeds_share([r[name][scale * b - 1] for r in results],
                                                                 counts[name])
                                        for b in budgets})
    methods["random_search"]["draws_per_trial"] = 2
    methods["exhaustive"] = over_seeds_share([r["exhaustive"] for r in results], n_targets)
    paired = dict(by_budget={str(b): over_seeds([r["answer"][b - 1] - r["random_search"][2 * b - 1]
                                                 for r in results]) for b in budgets},
                  ci=DIFF_CI_METHOD,
                  what="answer accuracy of inference minus random search's, per seed, at equal "
                       "rollouts (b inference trials against 2 b draws)")
    grid = seconds_grid(results, budgets)
    inf_s = np.stack([at_seconds(r["answer"], r["answer_cpu"], grid) for r in results])        # (k, G)
    rs_s = np.stack([at_seconds(r["random_search"], r["random_search_cpu"], grid) for r in results])
    covered = [sum(float(np.asarray(r["random_search_cpu"])[-1]) >= g for r in results) for g in grid]
    equal_seconds = dict(
        cpu_seconds=grid, budgets=budgets,
        what=("answer accuracy at equal CPU seconds: at each point s (the least over seeds of the "
              "CPU seconds of b inference trials) each method's answers after the trials or draws "
              "it had finished within s seconds of its own CPU time; 0 if none.  With --search "
              "rollouts random search may stop before s: then its last value stands, and "
              "random_search_covered counts the seeds on which it ran at least s seconds"),
        answer=[over_seeds_share(inf_s[:, i], n_targets) for i in range(len(grid))],
        random_search=[over_seeds_share(rs_s[:, i], n_targets) for i in range(len(grid))],
        difference=[over_seeds(inf_s[:, i] - rs_s[:, i]) for i in range(len(grid))],
        random_search_covered=covered)
    cost = dict(
        inference=dict(rollouts_per_run=2 * int(trials),
                       cpu_seconds=over_seeds([r["answer_cpu"][-1] for r in results]),
                       ms_per_trial=over_seeds([1e3 * r["answer_cpu"][-1] / len(r["answer_cpu"])
                                                for r in results])),
        random_search=dict(rollouts_per_run=[len(r["random_search_cpu"]) for r in results],
                           cpu_seconds=over_seeds([r["random_search_cpu"][-1] for r in results]),
                           ms_per_draw=over_seeds([1e3 * r["random_search_cpu"][-1] / len(r["random_search_cpu"])
                                                   for r in results])),
        exhaustive=dict(rollouts_per_target=int(results[0]["exhaustive_rollouts"]),
                        cpu_seconds=over_seeds([r["exhaustive_cpu"] for r in results])),
        train_seconds=over_seeds([r["train_seconds"] for r in results]),
        unit="CPU seconds of the worker process (time.process_time), one BLAS thread")
    return dict(methods=methods, paired_difference=paired,
                final_loss=over_seeds([r["final_loss"] for r in results]),
                per_letter=per_letter(results),
                budgets=budgets, ci=SHARE_CI_METHOD, ci_loss=CI_METHOD,
                counts=dict(counts, exhaustive=n_targets,
                            note="answers per seed behind each share (targets N; runs N R)"),
                budget_unit=("inference trials (2 rollouts each); random search at budget b is "
                             "read after 2 b draws (1 rollout each): equal rollouts"),
                seeds=[int(r["seed"]) for r in results],
                timing=dict(equal_seconds=equal_seconds, cost=cost,
                            seconds_per_seed=[float(r["seconds"]) for r in results]))


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


# what two runs must share to be merged (``merge_checks``): the settings, the data, the
# numerical environment (per-seed numbers depend on NumPy, the BLAS and its threads)
MERGE_KEYS = ("settings", "data_sha256", "targets_sha256", "numpy", "blas", "process")


def seed_record(result: dict) -> dict:
    """One seed's result as plain JSON values (arrays as lists, tuples as lists): what
    ``OUT/seeds/seed_<s>.json`` holds and what ``summarise_study`` reads, in a run and in a merge
    alike (so that both give the same study.json)."""
    def plain(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (np.floating,)):
            return float(v)
        if isinstance(v, tuple):
            return list(v)
        return v
    return {k: plain(v) for k, v in result.items()}


def merge_checks(metas: Sequence[dict], names: Sequence[str]) -> None:
    """Raise ValueError naming every key of ``MERGE_KEYS`` on which the runs ``metas`` (their
    study.json, named ``names``) differ, with the values, and any seed found in two runs."""
    problems = []
    for key in MERGE_KEYS:
        first = metas[0].get(key)
        for meta, name in zip(metas[1:], names[1:]):
            if meta.get(key) != first:
                if isinstance(first, dict) and isinstance(meta.get(key), dict):
                    sub = sorted(k for k in set(first) | set(meta[key]) if first.get(k) != meta[key].get(k))
                    what = "; ".join(f"{key}.{k}: {first.get(k)!r} in {names[0]}, "
                                     f"{meta[key].get(k)!r} in {name}" for k in sub)
                else:
                    what = f"{key}: {first!r} in {names[0]}, {meta.get(key)!r} in {name}"
                problems.append(what)
    seen: dict = {}
    for meta, name in zip(metas, names):
        for s in meta.get("seeds", []):
            if s in seen:
                problems.append(f"seed {s} is in both {seen[s]} and {name}")
            seen.setdefault(s, name)
    if problems:
        raise ValueError("cannot merge runs that differ: " + " | ".join(problems))


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
