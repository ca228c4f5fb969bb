"""Baselines for retrieval (docs/model.md §4): what inference contributes over no inference.

- **random search**: at every trial each run draws a fresh ``c ~ N(0, I)`` and runs one
  generation rollout from it; the answer is read out exactly as for inference
  (``readout.read_answers``).  One trial costs one rollout per run; an inference trial costs two
  (an inference and a generation rollout), so equal *rollouts* means twice the trials.  The
  rollouts do not cost the same (an inference rollout runs all of (1)-(8) at every step, a
  generation rollout (1) alone), so ``study`` also compares at equal *CPU seconds*: with
  ``cpu_seconds`` the search keeps drawing until it has spent that long.
- **exhaustive matching**: the generation error of every memory against every target, and the
  memory with the lowest as the answer: the ceiling of what the trained network can tell apart
  (``P`` rollouts per target).
"""
from __future__ import annotations

import time
from typing import NamedTuple, Optional, Sequence

import numpy as np

from ..tools.checks import as_scalar, check_rng
from ..tools.progress import Progress
from .model import Model, check_model, rollout_of
from .readout import generation_error, read_answers
from .retrieval import check_cue, check_retrieval_args, RETRIEVAL_RATES


class SearchResult(NamedTuple):
    """Random search over ``K`` trials for ``N`` targets, ``R`` runs each (``B = N R``).

    where
        answers         : (K, N) int  the memory answered for target n after trial k (the readout)
        answer_accuracy : (K,)  share of targets answered correctly after each trial
        final_answer_accuracy : float
        best_error      : (K, N) lowest generation error so far per target
        generation_error: (K, B) error of each draw
        target_ids      : (N,)  each target's memory
        restarts        : R
        rollouts        : int   generation rollouts per run in all (= K: one per trial)
        rollouts_per_trial : int  1
        seconds         : float
    """
    answers: np.ndarray
    answer_accuracy: np.ndarray
    final_answer_accuracy: float
    best_error: np.ndarray
    generation_error: np.ndarray
    target_ids: np.ndarray
    restarts: int
    rollouts: int
    rollouts_per_trial: int
    seconds: float
    trial_cpu_seconds: Optional[np.ndarray] = None


class MatchResult(NamedTuple):
    """Exhaustive matching of ``N`` targets against ``P`` memories.

    where
        errors     : (N, P) generation error of memory p's rollout against target n
        answers    : (N,)   argmin_p errors[n, p]
        target_ids : (N,)
        accuracy   : float  share of targets whose answer is their own memory
        rollouts   : int    P (generation rollouts per target)
        cpu_seconds: float  CPU seconds of this process spent (``time.process_time``)
    """
    errors: np.ndarray
    answers: np.ndarray
    target_ids: np.ndarray
    accuracy: float
    rollouts: int
    cpu_seconds: Optional[float] = None


def random_search(model: Model, targets: np.ndarray, target_ids: Optional[Sequence[int]] = None, *,
                  restarts: int = 4, trials: int = 1000, seed: int = 0,
                  rng: Optional[np.random.Generator] = None, cue_steps: Optional[int] = None,
                  cue_noise: float = 0.0, cpu_seconds: Optional[float] = None,
                  max_trials: Optional[int] = None, progress=True) -> SearchResult:
    """Random search with the answer readout (module docstring).

    At trial k every run b draws ``c[k, b] ~ N(0, I)`` (one ``(B, C)`` draw per trial from ``rng``)
    and measures ``e[k, b] = mean_t ||error[t]||`` of one generation rollout from it; the answers
    are ``read_answers(c, e, target_ids, mus, R)``, the same function as ``retrieve``'s.

    where
        targets, target_ids, restarts, cue_steps, cue_noise : as for ``retrieve`` (the cue noise
                     is drawn once per run, before the first trial)
        trials     : draws per run (one rollout each), at least
        cpu_seconds: if given, keep drawing after ``trials`` until the draws have spent this many
                     CPU seconds (``time.process_time``), at most ``max_trials`` draws in all
                     (default ``20 * trials``): how ``study`` gives random search the seconds
                     inference spent.  The draws are the same as with ``trials`` alone (the first
                     ``trials`` of them bit for bit); only how many there are depends on the clock
        rng        : numpy Generator; if None ``numpy.random.default_rng(seed)``

    Returns a ``SearchResult``.
    """
    model = check_model(model)
    targets, target_ids, R, K, _, _ = check_retrieval_args(
        model, targets, target_ids, restarts=restarts, trials=trials, radius=0.1, rates=RETRIEVAL_RATES)
    _, noise, observed = check_cue(cue_steps, cue_noise, targets.shape[1])
    rng = np.random.default_rng(as_scalar("seed", seed, low=0, integer=True)) if rng is None else check_rng("rng", rng)
    if cpu_seconds is not None:
        cpu_seconds = as_scalar("cpu_seconds", cpu_seconds, low=0)
    K_max = K if cpu_seconds is None else (20 * K if max_trials is None else
                                          as_scalar("max_trials", max_trials, low=K, integer=True))
    C = model.mus.shape[1]
    x = np.repeat(targets, R, axis=0).transpose(1, 0, 2)                                  # (T, B, O)
    B = x.shape[1]
    if noise > 0:
        x = x + noise * rng.standard_normal(x.shape).astype(x.dtype, copy=False)          # (T, B, O)
    t0 = time.perf_counter()
    candidates, errors, cpu = draw_trials(
        rollout_of(model), model.params, x, model.h0, model.tau, observed,
        lambda: rng.standard_normal((B, C)).astype(x.dtype, copy=False), K, K_max, cpu_seconds,
        Progress("random search", K, progress))
    out = read_answers(candidates, errors, target_ids, model.mus, R)
    return SearchResult(out.answers, out.answer_accuracy, float(out.answer_accuracy[-1]), out.best_error,
                        errors, target_ids, R, len(cpu), 1, time.perf_counter() - t0, cpu)


def draw_trials(rollout, params, x, h0, tau: float, observed, draw, K: int, K_max: int,
                cpu_seconds: Optional[float], report, share: int = 1):
    """The draws of random search, for one model or a stack of Z models alike (``share = Z``,
    ``pc_numpy.params``): ``draw()`` gives the ``c (B, C)`` of one draw, which one generation
    rollout measures; at least ``K`` draws, and with ``cpu_seconds`` on until ``cpu`` reaches it
    (at most ``K_max`` draws).  ``cpu``: the CPU seconds of this process after each draw
    (cumulative), divided by ``share``.  Returns ``candidates (K', B, C)``, ``errors (K', B)``
    and ``cpu (K',)``."""
    candidates, errors, cpu = [], [], []                                                  # per draw
    cpu0 = time.process_time()
    while len(cpu) < K or (cpu_seconds is not None and cpu[-1] < cpu_seconds and len(cpu) < K_max):
        c = draw()                                                                        # (B, C)
        gen = rollout(params, x, c, h0, tau=tau, observed=observed)
        candidates.append(c)
        errors.append(generation_error(gen.error, observed))                              # (B,)
        cpu.append((time.process_time() - cpu0) / share)
        report.update(min(len(cpu), K), f"generation error {errors[-1].mean():.4f}")
    return np.stack(candidates), np.stack(errors), np.asarray(cpu)


def exhaustive_matching(model: Model, targets: np.ndarray,
                        target_ids: Optional[Sequence[int]] = None, *,
                        cue_steps: Optional[int] = None) -> MatchResult:
    """The generation error of every memory against every target, in one batch of ``N P`` runs:

        errors[n, p] = mean_{t observed} || x_pred(mu_p)[t] - x_n[t] ||,   answers[n] = argmin_p errors[n, p]

    where  targets : (N, T, O);  target_ids : (N,) as for ``retrieve``;  cue_steps : as for
    ``retrieve``.  Returns a ``MatchResult``.
    """
    model = check_model(model)
    targets, target_ids, _, _, _, _ = check_retrieval_args(
        model, targets, target_ids, restarts=1, trials=1, radius=0.1, rates=RETRIEVAL_RATES)
    _, _, observed = check_cue(cue_steps, 0.0, targets.shape[1])
    cpu0 = time.process_time()
    N = targets.shape[0]
    P = model.mus.shape[0]
    x = np.repeat(targets, P, axis=0).transpose(1, 0, 2)                                  # (T, N P, O)
    c = np.tile(model.mus, (N, 1))                                                        # (N P, C)
    gen = rollout_of(model)(model.params, x, c, model.h0, tau=model.tau, observed=observed)
    errors = generation_error(gen.error, observed).reshape(N, P)                          # (N, P)
    answers = errors.argmin(axis=1)                                                       # (N,)
    return MatchResult(errors, answers, target_ids, float((answers == target_ids).mean()), P,
                       time.process_time() - cpu0)
