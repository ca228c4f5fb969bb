"""Online recognition (docs/model.md §4b): which memory the network names after each time step.

Two readings of a target seen up to step ``t``:

- **by inference**, within one inference rollout (the retrieval rates of §4, from ``c ~ N(0, I)``
  per run): the memory nearest to ``c[t]`` after step ``t``,

      named[t, b] = argmin_p || c[t, b] - mu_p ||;

- **by matching the prefix** (the online form of exhaustive matching, the ceiling): the memory
  whose generation rollout explains the steps ``0 .. t`` best,

      prefix[t, n] = argmin_p  (1 / (t + 1)) sum_{t' <= t} || x_pred(mu_p)[t'] - x_n[t'] ||.

``steps_needed[n]``: the number of observed steps after which the reading is right and stays
right to the end (``T + 1`` if it is not right at the last step); for inference, "right" means
more than half of the target's runs name its memory.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import numpy as np

from ..tools.checks import as_scalar, check_rng
from .model import Model, check_model, rollout_of
from .retrieval import RETRIEVAL_RATES, check_retrieval_args, nearest_memory


class OnlineResult(NamedTuple):
    """Online recognition of ``N`` targets of ``T`` steps, ``R`` runs each (``B = N R``).

    where
        named            : (T, B) int  memory nearest ``c[t]`` of each run's inference rollout
        share_right      : (T, N)      share of target n's runs naming its memory after step t
        steps_needed     : (N,) int    steps until more than half the runs name it for good (T + 1: never)
        prefix_answers   : (T, N) int  memory whose generation best explains steps 0..t
        prefix_steps_needed : (N,) int steps until the prefix match is right for good (T + 1: never)
        target_ids       : (N,)
        labels           : P strings
    """
    named: np.ndarray
    share_right: np.ndarray
    steps_needed: np.ndarray
    prefix_answers: np.ndarray
    prefix_steps_needed: np.ndarray
    target_ids: np.ndarray
    labels: tuple


def _steps_until_right_for_good(right: np.ndarray) -> np.ndarray:
    """``right (T, N)`` bool -> (N,): ``t* + 1`` for the first ``t*`` from which every later step is
    right, ``T + 1`` if the last step is wrong."""
    T = right.shape[0]
    wrong_from_end = np.cumsum(~right[::-1], axis=0)[::-1]                                # (T, N)
    stays = wrong_from_end == 0                                                           # right from t on
    first = np.where(stays.any(axis=0), stays.argmax(axis=0), T)
    return first + 1


def online_recognition(model: Model, targets: np.ndarray, target_ids: Optional[Sequence[int]] = None, *,
                       restarts: int = 4, seed: int = 0, rng: Optional[np.random.Generator] = None,
                       **rates) -> OnlineResult:
    """Name the memory after each time step, by inference and by prefix matching (module docstring).

    where
        targets, target_ids, restarts : as for ``retrieve``
        rates : overrides of the retrieval rates (``alpha_x, alpha_h, alpha_c, sigma_r, sigma_c``)
        rng   : numpy Generator for the starts and the noise (7); default ``default_rng(seed)``

    Returns an ``OnlineResult``.
    """
    model = check_model(model)
    targets, target_ids, R, _, _, rates = check_retrieval_args(
        model, targets, target_ids, restarts=restarts, trials=1, radius=0.1, rates=dict(RETRIEVAL_RATES, **rates))
    rng = np.random.default_rng(as_scalar("seed", seed, low=0, integer=True)) if rng is None else check_rng("rng", rng)
    rollout = rollout_of(model)
    mus = model.mus
    P, C = mus.shape
    N, T, _ = targets.shape
    x = np.repeat(targets, R, axis=0).transpose(1, 0, 2)                                  # (T, B, O)
    c = rng.standard_normal((N * R, C))                                                   # (B, C)
    trace = rollout(model.params, x, c, model.h0, mus=mus, rng=rng, **rates)
    named = np.stack([nearest_memory(ct, mus, check=False) for ct in trace.c])           # (T, B)
    share = (named.reshape(T, N, R) == target_ids[None, :, None]).mean(axis=2)           # (T, N)
    xp = np.repeat(targets, P, axis=0).transpose(1, 0, 2)                                 # (T, N P, O)
    gen = rollout(model.params, xp, np.tile(mus, (N, 1)), model.h0, tau=model.tau)
    norms = np.linalg.norm(gen.error, axis=2)                                             # (T, N P)
    prefix_err = np.cumsum(norms, axis=0) / np.arange(1, T + 1)[:, None]                  # (T, N P)
    prefix = prefix_err.reshape(T, N, P).argmin(axis=2)                                   # (T, N)
    return OnlineResult(named, share, _steps_until_right_for_good(share > 0.5), prefix,
                        _steps_until_right_for_good(prefix == target_ids[None, :]), target_ids,
                        model.labels)
