"""One step of (1)-(8) and the rollout over time, in PyTorch (mirrors ``pc_numpy.rollout``)."""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch

from . import doors
from .generative import hidden_prior, output_error, prediction
from .inference import causes_bottom_up, causes_noise, hidden_error, hidden_posterior
from .params import Params
from .prior import causes_prior


class Step(NamedTuple):
    """One time step's values, shapes (B, ·)."""
    x_pred: torch.Tensor   # (B, O)
    error: torch.Tensor    # (B, O)
    h_prior: torch.Tensor  # (B, S)
    h_post: torch.Tensor   # (B, S)
    error_h: torch.Tensor  # (B, S)
    c: torch.Tensor        # (B, C)


class Trace(NamedTuple):
    """Every step of a rollout stacked over time: (T, B, ·)."""
    x_pred: torch.Tensor
    error: torch.Tensor
    h_prior: torch.Tensor
    h_post: torch.Tensor
    error_h: torch.Tensor
    c: torch.Tensor


def step(x_t, h_post_prev, c_prev, params: Params, *, tau: float, alpha_x: float = 0.0,
         alpha_h: float = 0.0, alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0,
         mus=None, xi_t=None, observed_t=None) -> Step:
    """Equations (1)-(8) in order; a rule whose rate is zero is skipped (it is the identity)."""
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau)                          # (1)
    x_pred = prediction(h_prior, params)                                                  # (2)
    error = output_error(x_pred, x_t, observed=observed_t)                                # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x)                # (4)
    error_h = hidden_error(h_prior, h_post)                                               # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, params, alpha_h=alpha_h)                         # (6)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r)                               # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c)                        # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def rollout(params: Params, x, c0, h0, *, tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0,
            alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0, mus=None,
            rng: Optional[torch.Generator] = None, xi=None, observed=None) -> Trace:
    """``step`` for t = 0 .. T-1 (see ``pc_numpy.rollout``).  ``x (T, B, O)``; ``xi (T, B, C)``
    or ``rng`` (a ``torch.Generator`` on the parameters' device) when ``sigma_r > 0``;
    ``observed (T,)`` or ``(T, B)`` of 0/1.  Differentiable (autograd).  An entry point: one
    check at its top; an overflow gives inf or NaN in the trace, as torch does (``pc_torch.train``
    and ``pc_torch.retrieve`` turn that into a clear error)."""
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
