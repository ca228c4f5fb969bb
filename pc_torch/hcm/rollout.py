"""One step of PC-RNN-HC-M and the rollout over time, in PyTorch (mirrors ``pc_numpy.hcm.rollout``)."""
from __future__ import annotations

from typing import Optional

import torch

from .. import doors
from ..generative import output_error, prediction
from ..inference import causes_noise, hidden_error, hidden_posterior
from ..prior import causes_prior
from ..rollout import Step, Trace
from .equations import causes_bottom_up, hidden_prior
from .params import Params

__all__ = ["Step", "Trace", "step", "rollout", "generate"]


def step(x_t, h_post_prev, c_prev, params: Params, *, tau: float, alpha_x: float = 0.0,
         alpha_h: float = 0.0, alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0,
         mus=None, xi_t=None, observed_t=None) -> Step:
    """(1m), (2)-(5), (6m), (7), (8) in order; a rule whose rate is zero is skipped."""
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau)                          # (1m)
    x_pred = prediction(h_prior, params)                                                  # (2)
    error = output_error(x_pred, x_t, observed=observed_t)                                # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x)                # (4)
    error_h = hidden_error(h_prior, h_post)                                               # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, h_post_prev, params, alpha_h=alpha_h)            # (6m)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r)                               # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c)                        # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def rollout(params: Params, x, c0, h0, *, tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0,
            alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0, mus=None,
            rng: Optional[torch.Generator] = None, xi=None, observed=None) -> Trace:
    """``step`` for t = 0 .. T-1 (see ``pc_numpy.hcm.rollout``; the door as ``pc_torch.rollout``'s)."""
    params, x, c0, h0, mus, xi, observed = doors.rollout_args(
        params, x, c0, h0, Params, tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
        sigma_r=sigma_r, sigma_c=sigma_c, mus=mus, rng=rng, xi=xi, observed=observed)
    steps = []
    h_post, c = h0, c0
    for t in range(x.shape[0]):
        now = step(x[t], h_post, c, params, tau=tau, alpha_x=alpha_x, alpha_h=alpha_h,
                   alpha_c=alpha_c, sigma_r=sigma_r, sigma_c=sigma_c, mus=mus,
                   xi_t=None if xi is None else xi[t],
                   observed_t=None if observed is None else observed[t])
        steps.append(now)
        h_post, c = now.h_post, now.c
    return Trace(*map(torch.stack, zip(*steps)))                # each field stacked: (T, B, .)


def generate(params: Params, c0, h0, *, tau: float, steps: int) -> torch.Tensor:
    """``steps`` outputs generated from ``c0`` (no target).  Returns ``x_pred (T, B, O)``."""
    params, x, c0, h0 = doors.generate_args(params, c0, h0, Params, tau=tau, steps=steps)
    return rollout(params, x, c0, h0, tau=tau).x_pred
