"""Several seeds' models at once: retrieval and random search on a *stack* of Z trained models.

The equations take a stack as they take one model (``pc_numpy.params``: every parameter with a
leading Z axis, the biases (Z, 1, ·)), so Z models run through one call of each NumPy function
instead of Z calls.  At this model's sizes (B = 80 runs, S = 50) most of a call's time is NumPy's
own overhead, not arithmetic, so Z = 5 models cost about as much as 3 (docs/speed.md).

Each model's numbers are the ones ``retrieve(model, seed=s)`` and ``random_search(model, seed=s)``
give, bit for bit (``tests/test_stacked.py``): every model keeps its own random generator, drawn
in the same order, and NumPy computes each slice of a stack as it computes one model.  Only the
clock is shared: the CPU seconds of the stack are divided evenly between its models (each
model's share), for inference and for random search alike.
"""
from __future__ import annotations

import time
from typing import Optional, Sequence

import numpy as np

from ..tools.checks import as_scalar
from ..tools.progress import Progress
from .baselines import SearchResult, draw_trials
from .model import Model, check_model, rollout_of
from .readout import read_answers
from .retrieval import (RETRIEVAL_RATES, check_cue, check_retrieval_args, check_retrieval_memory,
                        run_trials, summarise)


def stack_params(params: Sequence) -> tuple:
    """Z models' ``Params`` of one shape as one stack: each weight (Z, ·, ·), each bias (Z, 1, ·)."""
    kind = type(params[0])
    return kind(*(np.stack(arrays)[:, None] if arrays[0].ndim == 1 else np.stack(arrays)
                  for arrays in zip(*params)))


def check_stack(models: Sequence[Model], seeds: Sequence[int], targets, target_ids, **args):
    """Check every model (``check_model``) and the arguments (``check_retrieval_args``, for each
    model), and that the models can be stacked: the same kind (PC-RNN-HC-A), shapes, ``tau``
    and dtype, and ``seeds`` one per model.  Returns ``(models, seeds, targets, target_ids, R, K,
    radius, rates)``."""
    if not isinstance(models, (list, tuple)) or not models:
        raise TypeError("models must be a non-empty list of Model")
    models = [check_model(m) for m in models]
    if not isinstance(seeds, (list, tuple, range)) or len(seeds) != len(models):
        raise ValueError(f"seeds must be a list of one seed per model ({len(models)}), got {seeds!r:.60}")
    seeds = [as_scalar(f"seeds[{i}]", s, low=0, integer=True) for i, s in enumerate(seeds)]
    first = models[0]
    for i, m in enumerate(models):
        if m.kind != "hc-a":
            raise ValueError(f"models[{i}] is {m.kind!r}: only PC-RNN-HC-A models run as a stack")
        shapes = [a.shape for a in (*m.params, m.mus, m.h0)]
        if shapes != [a.shape for a in (*first.params, first.mus, first.h0)] or m.tau != first.tau:
            raise ValueError(f"models[{i}] differs from models[0] in its shapes or tau: a stack "
                             f"needs models of one shape and one tau")
        if m.params.w_o.dtype != first.params.w_o.dtype:
            raise ValueError(f"models[{i}] is {m.params.w_o.dtype}, models[0] {first.params.w_o.dtype}")
    out = None
    for m in models:
        out = check_retrieval_args(m, targets, target_ids, **args)
    targets, R, K = out[0], out[2], out[3]
    N, T, O = targets.shape
    P, C = first.mus.shape
    check_retrieval_memory(N * len(models), T, O, first.h0.shape[0], C, P=P, restarts=R,
                           trials=K)                     # the stack's: Z models' runs at once
    return (models, seeds, *out)


def retrieve_stacked(models: Sequence[Model], targets: np.ndarray,
                     target_ids: Optional[Sequence[int]] = None, *, seeds: Sequence[int],
                     restarts: int = 4, trials: int = 1000, radius: float = 0.1,
                     cue_steps: Optional[int] = None, cue_noise: float = 0.0, progress=False,
                     **rates) -> list:
    """``retrieve(models[z], targets, target_ids, seed=seeds[z], ...)`` for every z, run as one
    stack (module docstring).  ``rates``: ``alpha_x, alpha_h, alpha_c, sigma_r, sigma_c`` as for
    ``retrieve`` (its defaults when not given).  Returns one ``RetrievalResult`` per model, whose
    ``trial_cpu_seconds`` are the stack's divided by Z."""
    rates = dict(RETRIEVAL_RATES, **rates)
    models, seeds, targets, target_ids, R, K, radius, rates = check_stack(
        models, seeds, targets, target_ids, restarts=restarts, trials=trials, radius=radius, rates=rates)
    cue_k, cue_s, observed = check_cue(cue_steps, cue_noise, targets.shape[1])
    Z, dt = len(models), targets.dtype                   # the draws in the data's dtype, as retrieve's
    params = stack_params([m.params for m in models])
    mus = np.stack([m.mus for m in models])                                               # (Z, P, C)
    h0 = np.stack([m.h0 for m in models])                                                 # (Z, S)
    rngs = [np.random.default_rng(s) for s in seeds]
    x1 = np.repeat(targets, R, axis=0).transpose(1, 0, 2)                                 # (T, B, O)
    run_ids = np.repeat(target_ids, R)                                                    # (B,)
    T, B, _ = x1.shape
    C = mus.shape[2]
    c = np.stack([r.standard_normal((B, C)).astype(dt, copy=False) for r in rngs])        # (Z, B, C)
    x = np.stack([x1 + cue_s * r.standard_normal(x1.shape).astype(dt, copy=False) if cue_s > 0
                  else x1 for r in rngs], axis=1)                                         # (T, Z, B, O)
    noise = (lambda: np.stack([r.standard_normal((T, B, C), dtype=dt) for r in rngs], axis=1)
             if rates["sigma_r"] > 0 else lambda: None)                                   # (T, Z, B, C)
    t0 = time.perf_counter()
    c_path, generation_error, cpu = run_trials(
        rollout_of(models[0]), params, x, c, h0, mus, rates, observed, noise, K,
        Progress(f"retrieve ({Z} models)", K, progress), blame=(models[0], targets))
    seconds = (time.perf_counter() - t0) / Z                                              # each model's share
    return [summarise(c_path[:, z], run_ids, generation_error[:, z], m.mus, m.labels, radius, seconds,
                      restarts=R, cue_steps=None if observed is None else cue_k, cue_noise=cue_s,
                      trial_cpu_seconds=cpu / Z)
            for z, m in enumerate(models)]


def random_search_stacked(models: Sequence[Model], targets: np.ndarray,
                          target_ids: Optional[Sequence[int]] = None, *, seeds: Sequence[int],
                          restarts: int = 4, trials: int = 1000, cue_steps: Optional[int] = None,
                          cue_noise: float = 0.0, cpu_seconds: Optional[float] = None,
                          max_trials: Optional[int] = None, progress=False) -> list:
    """``random_search(models[z], ..., seed=seeds[z])`` for every z, run as one stack: at least
    ``trials`` draws, and with ``cpu_seconds`` on until each model's share of the stack's CPU
    seconds reaches it (at most ``max_trials``, default ``20 * trials``).  Returns one
    ``SearchResult`` per model (CPU seconds: the stack's divided by Z)."""
    models, seeds, targets, target_ids, R, K, _, _ = check_stack(
        models, seeds, targets, target_ids, restarts=restarts, trials=trials, radius=0.1,
        rates=RETRIEVAL_RATES)
    _, noise, observed = check_cue(cue_steps, cue_noise, targets.shape[1])
    if cpu_seconds is not None:
        cpu_seconds = as_scalar("cpu_seconds", cpu_seconds, low=0)
    K_max = K if cpu_seconds is None else (20 * K if max_trials is None else
                                          as_scalar("max_trials", max_trials, low=K, integer=True))
    Z, dt = len(models), targets.dtype                   # the draws in the data's dtype, as retrieve's
    params = stack_params([m.params for m in models])
    h0 = np.stack([m.h0 for m in models])                                                 # (Z, S)
    C = models[0].mus.shape[1]
    rngs = [np.random.default_rng(s) for s in seeds]
    x1 = np.repeat(targets, R, axis=0).transpose(1, 0, 2)                                 # (T, B, O)
    B = x1.shape[1]
    x = np.stack([x1 + noise * r.standard_normal(x1.shape).astype(dt, copy=False) if noise > 0
                  else x1 for r in rngs], axis=1)                                         # (T, Z, B, O)
    t0 = time.perf_counter()
    candidates, errors, cpu = draw_trials(
        rollout_of(models[0]), params, x, h0, models[0].tau, observed,
        lambda: np.stack([r.standard_normal((B, C)).astype(dt, copy=False) for r in rngs]),  # (Z, B, C)
        K, K_max, cpu_seconds, Progress(f"random search ({Z} models)", K, progress), share=Z)
    seconds = (time.perf_counter() - t0) / Z                                              # each model's share
    out = []
    for z, m in enumerate(models):
        r = read_answers(candidates[:, z], errors[:, z], target_ids, m.mus, R)
        out.append(SearchResult(r.answers, r.answer_accuracy, float(r.answer_accuracy[-1]), r.best_error,
                                errors[:, z], target_ids, R, len(cpu), 1, seconds, cpu))
    return out
