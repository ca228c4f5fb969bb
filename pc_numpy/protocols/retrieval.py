"""Memory retrieval by predictive-coding inference: the experiment of docs/model.md §4.

The memories are ``mus``, the learned ``c0`` rows.  Every target sequence is shown ``R`` times
(restarts), each run starting from a random ``c ~ N(0, 1)``.  One *trial* is

    1. an inference rollout on the target with (4)-(8) on (alpha_x, alpha_h, alpha_c, sigma_r > 0),
       starting from ``h0`` and the current ``c``; ``c`` becomes the rollout's last ``c``;
    2. a generation rollout from that ``c`` (every rate zero), which measures the generation error
       ``mean_t ||error[t]||`` of each run.

After each trial a run counts as *retrieved* if its ``c`` is nearer (Euclidean) to its own
target's mean than to any other mean (the *run accuracy*, the original notebook's measure);
*within* if it is less than ``radius`` (0.1) from it.  The *answer* to a target is the memory
nearest to the ``c`` with the lowest generation error seen so far over all its restarts and trials
(``readout.read_answers``); the *answer accuracy* is the share of targets answered correctly.

Cues (docs/model.md §4b): with ``cue_steps = k`` only the steps ``t < k`` are observed: the output
error (3) is multiplied by ``m[t] = [t < k]`` in both rollouts, so unobserved steps run as
generation, and the generation error is averaged over the observed steps.  With ``cue_noise = s``
each run sees its target plus ``s * N(0, 1)`` noise, drawn once per run (after the starts).
"""
from __future__ import annotations

import time
from typing import NamedTuple, Optional, Sequence

import numpy as np

from ..tools.checks import NumericalError, as_float_array, as_scalar, check_memory, check_rng, likely_culprits
from ..tools.checks import check_rates
from ..tools.progress import Progress
from .model import Model, check_data, check_model, rollout_of
from .readout import generation_error as mean_observed_error, read_answers

# Why retrieval refuses a zero rate (docs/model.md §4): the error message says it.
WHY_POSITIVE = {
    "alpha_x": "with alpha_x = 0 the hidden error is zero and the target never reaches the causes: "
               "only the prior (8) moves them, to the memory nearest their start",
    "alpha_h": "with alpha_h = 0 the bottom-up step (6), the only update toward what explains the "
               "target, is off: the causes would move by the noise (7) and the prior (8) alone",
}
RETRIEVAL_RATES = dict(alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6, sigma_c=0.096)


class RetrievalResult(NamedTuple):
    """Everything a retrieval run measured.  ``K`` trials, ``B = N * R`` runs, ``P`` memories.

    where
        c_path            : (K + 1, B, C)  ``c`` of every run at the start and after each trial
        target_ids        : (B,)   index into ``mus`` of each run's target (run ``n * R + r`` is
                                   target ``n``, restart ``r``)
        generation_error  : (K, B) ``mean_t ||error[t]||`` of the generation rollout after each trial
        accuracy          : (K,)   share of runs whose ``c`` is nearest to their own target's mean
        within            : (K,)   share of runs whose ``c`` is within ``radius`` of that mean
        final_accuracy    : float  ``accuracy[-1]``
        final_within      : float  ``within[-1]``
        accuracy_per_target : (P,) final share retrieved, per memory (NaN for a memory never shown)
        confusion         : (P, P) counts: row = target memory, column = nearest memory at the end
        labels            : P strings
        radius            : float
        seconds           : float  wall-clock time of the trials
        answers           : (K, N) int  for each target, after each trial, the memory nearest to
                                   the ``c`` with the lowest generation error so far (its restarts
                                   and trials together): the network's answer
        answer_accuracy   : (K,)   share of the N targets whose answer is their own memory
        final_answer_accuracy : float ``answer_accuracy[-1]``
        best_error        : (K, N) the lowest generation error so far, per target
        restarts          : int    R
        rollouts_per_trial: int    rollouts per run per trial (2: inference + generation)
        cue_steps         : int or None  observed steps (None: the whole target)
        cue_noise         : float  standard deviation of the cue noise (0 for none)
        trial_cpu_seconds : (K,) or None  CPU seconds of this process (``time.process_time``)
                                   spent on the trials, cumulative after each trial: the cost
                                   that ``study`` compares methods at (None where not measured)
    """
    c_path: np.ndarray
    target_ids: np.ndarray
    generation_error: np.ndarray
    accuracy: np.ndarray
    within: np.ndarray
    final_accuracy: float
    final_within: float
    accuracy_per_target: np.ndarray
    confusion: np.ndarray
    labels: tuple
    radius: float
    seconds: float
    answers: np.ndarray
    answer_accuracy: np.ndarray
    final_answer_accuracy: float
    best_error: np.ndarray
    restarts: int
    rollouts_per_trial: int
    cue_steps: int
    cue_noise: float
    trial_cpu_seconds: Optional[np.ndarray] = None


def nearest_memory(c: np.ndarray, mus: np.ndarray, *, check: bool = True) -> np.ndarray:
    """Index of the mean nearest (Euclidean) to each row of ``c (B, C)``; ``mus (P, C)`` -> (B,).
    ``check=False`` skips the argument checks (for callers that checked them already)."""
    if check:
        dims: dict = {}
        mus = as_float_array("mus", mus, ("P", "C"), dims)
        c = as_float_array("c", c, ("B", "C"), dims)
    diff = c[:, None, :] - mus[None, :, :]                                                # (B, P, C)
    return np.sum(diff ** 2, axis=2).argmin(axis=1)                                       # (B,)


def retrieval_bytes(N: int, T: int, O: int, S: int, C: int, P: int, R: int, K: int) -> int:
    """An upper estimate of the bytes one ``retrieve`` call allocates (float64), ``B = N * R``:
    the targets repeated ``T*B*O``, two traces ``2*T*B*(2O + 3S + C)``, the noise ``T*B*C``, the
    path of ``c`` and what ``summarise`` computes from it ``2*(K+1)*B*C + 3*K*B``, ``B*P*C``."""
    B = N * R
    return 8 * (T * B * (O + 2 * (2 * O + 3 * S + C) + C) + 2 * (K + 1) * B * C + 3 * K * B
                + B * P * C + P * P)


def check_retrieval_memory(N: int, T: int, O: int, S: int, C: int, *, P: int, restarts: int,
                           trials: int) -> None:
    """``TooLarge`` (naming ``trials``, ``restarts`` and the number of targets) if a retrieval of
    these sizes would not fit in ``memory_budget()``: checked before the first trial."""
    R = as_scalar("restarts", restarts, low=1, integer=True)
    K = as_scalar("trials", trials, low=1, integer=True)
    check_memory("retrieve", retrieval_bytes(N, T, O, S, C, P, R, K),
                 dict(trials=K, restarts=R, targets=f"{N} sequences of {T} steps"))


def culprits(model: Model, targets: np.ndarray, rates: dict) -> list:
    """The arguments most likely to blame when retrieval overflows (``likely_culprits``): the
    targets, ``sigma_c``, the model (a checkpoint whose values are huge), the rates."""
    return likely_culprits(targets=targets, model=(*model.params, model.mus, model.h0),
                           **{k: v for k, v in rates.items() if k != "tau"})


def check_retrieval_args(model: Model, targets, target_ids, *, restarts, trials, radius, rates):
    """Shared by both backends: returns ``(targets (N, T, O), target_ids (N,), R, K, radius, rates)``."""
    P, C = model.mus.shape
    O, S = model.params.w_o.shape
    targets = check_data(targets, "targets")
    if targets.shape[2] != O:
        raise ValueError(f"targets must have shape (N, T, {O}) to match the model's output "
                         f"dimension O = {O}, got shape {targets.shape}")
    N = targets.shape[0]
    if target_ids is None:
        if N != P:
            raise ValueError(f"target_ids is required when targets ({N} sequences) are not the "
                             f"{P} training sequences")
        target_ids = np.arange(P)
    else:
        try:
            ids = np.asarray(target_ids)
        except (ValueError, TypeError) as exc:                                   # ragged lists
            raise ValueError(f"target_ids must be {N} integers (one per target): {exc}") from None
        if ids.dtype.kind not in "iu" or ids.shape != (N,):
            raise ValueError(f"target_ids must be {N} integers (one per target), got "
                             f"dtype {ids.dtype} shape {ids.shape}")
        if ids.min() < 0 or ids.max() >= P:
            raise ValueError(f"target_ids must index the {P} memories (0..{P - 1}), "
                             f"got values in [{ids.min()}, {ids.max()}]")
        target_ids = ids.astype(np.int64)
    R = as_scalar("restarts", restarts, low=1, integer=True)
    K = as_scalar("trials", trials, low=1, integer=True)
    radius = as_scalar("radius", radius, low=0, low_inclusive=False)
    rates = check_rates(tau=model.tau, **rates)
    for key in ("alpha_x", "alpha_h"):
        if rates[key] == 0:
            raise ValueError(f"{key} must be > 0 for retrieval ({WHY_POSITIVE[key]})")
    check_retrieval_memory(N, targets.shape[1], O, S, C, P=P, restarts=R, trials=K)
    return targets, target_ids, R, K, radius, rates


def trial_error(k: int, quantity: str, model: Model, targets: np.ndarray, rates: dict, *,
                step: Optional[int] = None, function: str = "rollout") -> NumericalError:
    """The error for an overflow in trial ``k`` of ``retrieve`` (both backends): names the trial,
    the quantity (or equation), the time step and the likely culprits (``targets``, ``sigma_c``,
    the model...), which are only worked out here, once something went wrong."""
    blame = culprits(model, targets, rates)
    where = f" at time step {step}" if step is not None else ""
    return NumericalError(f"retrieve: trial {k}: {quantity or 'a value'} of the {function} "
                          f"overflowed to NaN or inf{where}; the likely culprit: {', '.join(blame)}",
                          function="retrieve", quantity=quantity, step=k,
                          culprits=[b.split(' ')[0].split('=')[0] for b in blame])


def check_trial(k: int, results: dict, model: Model, targets: np.ndarray, rates: dict) -> None:
    """For a backend whose arithmetic does not raise on overflow (torch): ``trial_error`` if any
    of ``results`` (name -> NumPy array of trial ``k``) holds NaN or inf."""
    for quantity, array in results.items():
        if not np.isfinite(array).all():
            step = None
            if array.ndim >= 2:
                step = int(np.argmax(~np.isfinite(array).reshape(array.shape[0], -1).all(axis=1)))
            raise trial_error(k, quantity, model, targets, rates, step=step)


def summarise(c_path, target_ids, generation_error, mus, labels, radius, seconds, *,
              restarts: int = 1, cue_steps: Optional[int] = None, cue_noise: float = 0.0,
              trial_cpu_seconds: Optional[np.ndarray] = None) -> RetrievalResult:
    """The metrics of §4 from the path of ``c`` (shared by both backends).  ``target_ids (B,)``
    is each run's memory, runs ``n R .. n R + R - 1`` showing target ``n`` (``R = restarts``);
    ``cue_steps`` and ``cue_noise`` are recorded as given (None: the whole target observed)."""
    P = mus.shape[0]
    R = int(restarts)
    answer = read_answers(c_path[1:], generation_error, target_ids[::R], mus, R)
    nearest = np.stack([nearest_memory(c, mus, check=False) for c in c_path[1:]])                     # (K, B)
    accuracy = (nearest == target_ids).mean(axis=1)                                       # (K,)
    dist_own = np.linalg.norm(c_path[1:] - mus[target_ids], axis=2)                       # (K, B)
    within = (dist_own < radius).mean(axis=1)                                             # (K,)
    final_hit = nearest[-1] == target_ids                                                 # (B,)
    confusion = np.zeros((P, P), dtype=np.int64)
    np.add.at(confusion, (target_ids, nearest[-1]), 1)
    shown = np.bincount(target_ids, minlength=P)
    hits = np.bincount(target_ids, weights=final_hit, minlength=P)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_target = np.where(shown > 0, hits / np.maximum(shown, 1), np.nan)
    return RetrievalResult(c_path, target_ids, generation_error, accuracy, within,
                           float(accuracy[-1]), float(within[-1]), per_target, confusion,
                           tuple(labels), float(radius), float(seconds),
                           answer.answers, answer.answer_accuracy, float(answer.answer_accuracy[-1]),
                           answer.best_error, R, 2, None if cue_steps is None else int(cue_steps),
                           float(cue_noise), trial_cpu_seconds)


def check_cue(cue_steps, cue_noise, T: int):
    """``cue_steps``: None (all ``T`` steps) or an int in 1..T; ``cue_noise``: a float >= 0.
    Returns ``(k, s, observed)`` with ``observed`` None (everything observed) or (T,) of 0/1."""
    k = T if cue_steps is None else as_scalar("cue_steps", cue_steps, low=1, integer=True)
    if k > T:
        raise ValueError(f"cue_steps must be at most the targets' {T} steps, got {k}")
    s = as_scalar("cue_noise", cue_noise, low=0)
    observed = None if k == T else (np.arange(T) < k).astype(np.float64)                 # (T,)
    return k, s, observed


def retrieve(model: Model, targets: np.ndarray, target_ids: Optional[Sequence[int]] = None, *,
             restarts: int = 4, trials: int = 1000, alpha_x: float = 0.1, alpha_h: float = 0.019,
             alpha_c: float = 0.0085, sigma_r: float = 2.6, sigma_c: float = 0.096,
             radius: float = 0.1, rng: Optional[np.random.Generator] = None, seed: int = 0,
             cue_steps: Optional[int] = None, cue_noise: float = 0.0,
             progress=True) -> RetrievalResult:
    """Retrieve the memory of each target by predictive-coding inference (docs/model.md §4).

    where
        model      : Model  trained network, memories ``mus (P, C)`` and ``h0 (S,)``
        targets    : (N, T, O)  sequences to show (default use: the P training sequences)
        target_ids : (N,) ints, the memory each target should retrieve (default ``0 .. P-1``)
        restarts   : R, runs per target from independent random starts (4); ``B = N * R``
        trials     : K, inference + generation rollouts per run (1000)
        alpha_x, alpha_h, alpha_c, sigma_r, sigma_c : the rates of (4), (6), (8), (7) and the prior width
        radius     : the "within" distance (0.1)
        cue_steps  : observe only the steps ``t < cue_steps`` of each target (None: all T)
        cue_noise  : standard deviation of Gaussian noise added to each run's target, drawn once
                     per run from ``rng`` after the starts (0: none, nothing drawn)
        rng        : numpy Generator for the starts ``c ~ N(0, 1)`` and the noise of (7); if None,
                     ``numpy.random.default_rng(seed)``
        progress   : True (a line on stderr about once a second), False, or a callable

    Returns a ``RetrievalResult``.  Raises ``TooLarge`` before the first trial if the run would
    not fit in memory, and ``NumericalError`` naming the trial and the likely culprit (``targets``,
    ``sigma_c``, the model) if the numbers overflow to NaN or inf.
    """
    model = check_model(model)
    targets, target_ids, R, K, radius, rates = check_retrieval_args(
        model, targets, target_ids, restarts=restarts, trials=trials, radius=radius,
        rates=dict(alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c, sigma_r=sigma_r, sigma_c=sigma_c))
    cue_k, cue_s, observed = check_cue(cue_steps, cue_noise, targets.shape[1])
    rng = np.random.default_rng(as_scalar("seed", seed, low=0, integer=True)) if rng is None else check_rng("rng", rng)
    mus = model.mus
    x = np.repeat(targets, R, axis=0).transpose(1, 0, 2)                                  # (T, B, O)
    run_ids = np.repeat(target_ids, R)                                                    # (B,)
    T, B, _ = x.shape
    C = mus.shape[1]
    c = rng.standard_normal((B, C)).astype(x.dtype, copy=False)                           # (B, C)
    if cue_s > 0:
        x = x + cue_s * rng.standard_normal(x.shape).astype(x.dtype, copy=False)          # (T, B, O)
    noise = (lambda: rng.standard_normal((T, B, C), dtype=x.dtype)) if rates["sigma_r"] > 0 else (lambda: None)
    t0 = time.perf_counter()
    c_path, generation_error, cpu = run_trials(
        rollout_of(model), model.params, x, c, model.h0, mus, rates, observed, noise, K,
        Progress("retrieve", K, progress), blame=(model, targets))
    return summarise(c_path, run_ids, generation_error, mus, model.labels, radius,
                     time.perf_counter() - t0, restarts=R, cue_steps=None if observed is None else cue_k,
                     cue_noise=cue_s, trial_cpu_seconds=cpu)


def run_trials(rollout, params, x, c, h0, mus, rates: dict, observed, noise, K: int, report, *,
               blame: tuple):
    """The ``K`` trials of retrieval (module docstring) from the starts ``c``, for one model or
    a stack of Z models alike (``pc_numpy.params``: every array below then has a Z axis after
    its first).  ``noise()`` returns the draws ``xi (T, B, C)`` of (7) for one inference rollout
    (None when ``sigma_r = 0``); ``blame = (model, targets)`` names the culprits of an overflow.

    Returns ``c_path (K + 1, B, C)`` (float64), ``generation_error (K, B)`` and ``cpu (K,)``, the
    CPU seconds of this process spent after each trial (cumulative)."""
    c_path = np.empty((K + 1,) + c.shape)
    c_path[0] = c
    generation_error = np.empty((K,) + c.shape[:-1])
    cpu = np.empty(K)
    cpu0 = time.process_time()
    for k in range(K):
        try:
            with np.errstate(over="raise", invalid="raise"):   # an overflow stops at its line
                trace = rollout(params, x, c, h0, mus=mus, xi=noise(), observed=observed, **rates)  # inference
                c = trace.c[-1]                                                           # (B, C)
                gen = rollout(params, x, c, h0, tau=rates["tau"], observed=observed)      # generation
                generation_error[k] = mean_observed_error(gen.error, observed)            # (B,)
        except NumericalError as exc:                   # a rollout's own error: add the trial
            raise trial_error(k, exc.quantity, *blame, rates, step=exc.step) from exc
        except FloatingPointError as exc:
            raise trial_error(k, "generation_error", *blame, rates, function="readout") from exc
        c_path[k + 1] = c
        cpu[k] = time.process_time() - cpu0
        report.update(k + 1, f"generation error {generation_error[k].mean():.4f}")
    return c_path, generation_error, cpu
