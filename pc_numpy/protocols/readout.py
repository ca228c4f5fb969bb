"""The answer readout of retrieval (docs/model.md §4): what the network *answers* for a target.

A retrieval (or a search) produces, for every run ``b`` of every trial ``k``, a candidate cause
``c[k, b]`` and the generation error ``e[k, b] = mean_{t observed} ||x_pred[t] - x[t]||`` of a
generation rollout from it.  Runs ``n * R + r`` (``r = 0 .. R-1``) belong to target ``n``.  The
answer to target ``n`` after trial ``k`` is the memory nearest to the candidate with the lowest
error seen so far over all of that target's restarts and trials:

    (k*, r*) = argmin_{k' <= k, r}  e[k', n R + r]          (ties: the earliest trial, lowest r)
    answer[k, n] = argmin_p || c[k*, n R + r*] - mu_p ||

that is, the state that has best explained the target.  A run that reaches the right memory and
is kicked out again by the noise (7) is not lost.  The same function reads out inference
(``retrieve``) and random search (``baselines.random_search``): one code path for both.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ..tools.checks import as_float_array, as_scalar


class Readout(NamedTuple):
    """The answers after each of ``K`` trials, for ``N`` targets.

    where
        answers         : (K, N) int    memory index answered for target n after trial k
        answer_accuracy : (K,)          share of targets whose answer is their own memory
        best_error      : (K, N)        lowest generation error seen so far for target n
        best_c          : (N, C)        the candidate that answers at the end (after trial K)
    """
    answers: np.ndarray
    answer_accuracy: np.ndarray
    best_error: np.ndarray
    best_c: np.ndarray


def generation_error(error: np.ndarray, observed: Optional[np.ndarray] = None) -> np.ndarray:
    """Per-run generation error of a rollout: the mean over observed steps of ``||error[t]||``.

        e[b] = sum_t m[t, b] ||error[t, b]|| / sum_t m[t, b]          (m = 1 everywhere if None)

    where  error : (T, B, O) output errors (3) (or a stack's (T, Z, B, O));  observed : None, (T,)
    or (T, B) of 0/1 with at least one observed step per run.  Returns (B,) (a stack's (Z, B)).
    """
    norms = np.linalg.norm(error, axis=-1)                                                # (T, B)
    if observed is None:
        return norms.mean(axis=0)                                                         # (B,)
    m = np.asarray(observed, dtype=np.float64)
    m = m.reshape(m.shape[:1] + (1,) * (norms.ndim - m.ndim) + m.shape[1:])               # (T, 1) or (T, B)
    m = np.broadcast_to(m, norms.shape)                                                   # (T, B)
    return (m * norms).sum(axis=0) / m.sum(axis=0)                                        # (B,)


def read_answers(candidates: np.ndarray, errors: np.ndarray, target_ids: np.ndarray,
                 mus: np.ndarray, restarts: int) -> Readout:
    """The answer readout (module docstring) from the candidates of ``K`` trials.

    where
        candidates : (K, B, C)  the ``c`` whose generation error was measured at each trial
        errors     : (K, B)     its generation error
        target_ids : (N,)       each target's memory (runs ``n R .. n R + R - 1`` are target n)
        mus        : (P, C)     the memories
        restarts   : R, with ``B = N R``

    Returns a ``Readout``.
    """
    R = as_scalar("restarts", restarts, low=1, integer=True)
    dims: dict = {}
    candidates = as_float_array("candidates", candidates, ("K", "B", "C"), dims)
    errors = np.asarray(errors, dtype=np.float64)
    if errors.shape != candidates.shape[:2]:
        raise ValueError(f"errors must have shape {candidates.shape[:2]} (K, B), got {errors.shape}")
    K, B, C = candidates.shape
    target_ids = np.asarray(target_ids)
    N = target_ids.shape[0]
    if B != N * R:
        raise ValueError(f"candidates have {B} runs, expected N * R = {N} * {R}")
    e = errors.reshape(K, N, R)
    r_best = e.argmin(axis=2)                                                             # (K, N)
    e_best = np.take_along_axis(e, r_best[:, :, None], axis=2)[:, :, 0]                  # (K, N)
    cand = candidates.reshape(K, N, R, C)
    c_best = np.take_along_axis(cand, r_best[:, :, None, None], axis=2)[:, :, 0]         # (K, N, C)
    diff = c_best[:, :, None, :] - mus[None, None, :, :]                                  # (K, N, P, C)
    nearest = np.einsum("knpc,knpc->knp", diff, diff).argmin(axis=2)                      # (K, N)
    answers = np.empty((K, N), dtype=np.int64)
    best_error = np.empty((K, N))
    best_k = np.zeros(N, dtype=np.int64)
    cols = np.arange(N)
    for k in range(K):                                         # the running argmin over trials
        better = e_best[k] < e_best[best_k, cols]
        best_k = np.where(better, k, best_k)
        answers[k] = nearest[best_k, cols]
        best_error[k] = e_best[best_k, cols]
    accuracy = (answers == target_ids[None, :]).mean(axis=1)                              # (K,)
    return Readout(answers, accuracy, best_error, c_best[best_k, cols])
