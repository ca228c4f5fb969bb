"""One step of PC-RNN-HC-M and the rollout over time, in PyTorch (mirrors ``pc_numpy.hcm.rollout``)."""
from __future__ import annotations

from typing import Optional

import torch

from pc_numpy.rollout import check_rates
from .._checks import as_float_tensor, as_scalar
from ..generative import output_error, prediction
from ..inference import causes_noise, hidden_error, hidden_posterior
from ..prior import causes_prior
from ..rollout import Step, Trace, check_initial_state, check_step_inputs
from .equations import causes_bottom_up, hidden_prior
from .params import Params, check_params

__all__ = ["Step", "Trace", "step", "rollout", "generate"]


def step(x_t, h_post_prev, c_prev, params: Params, *, tau: float, alpha_x: float = 0.0,
         alpha_h: float = 0.0, alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0,
         mus=None, xi_t=None, observed_t=None) -> Step:
    """(1m), (2)-(5), (6m), (7), (8) in order; a rule whose rate is zero is skipped."""
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau, check=False)             # (1m)
    x_pred = prediction(h_prior, params, check=False)                                     # (2)
    error = output_error(x_pred, x_t, observed=observed_t, check=False)                   # (3)
    h_post = (hidden_posterior(h_prior, error, params, alpha_x=alpha_x, check=False)
              if alpha_x > 0 else h_prior)                                                # (4)
    error_h = hidden_error(h_prior, h_post, check=False)                                  # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, h_post_prev, params, alpha_h=alpha_h, check=False)  # (6m)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r, check=False)                  # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c, check=False)           # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def rollout(params: Params, x, c0, h0, *, tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0,
            alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0, mus=None,
            rng: Optional[torch.Generator] = None, xi=None, observed=None) -> Trace:
    """``step`` for t = 0 .. T-1 (see ``pc_numpy.hcm.rollout``).  ``x (T, B, O)``; ``xi (T, B, C)``
    or ``rng`` (a ``torch.Generator``) when ``sigma_r > 0``; ``observed (T,)`` or ``(T, B)`` of
    0/1.  Differentiable (autograd).  (Every mode runs ``step`` at every step here.)"""
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_tensor("x", x, ("T", "B", "O"), dims)
    c0, h0 = check_initial_state(c0, h0, dims)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    T, B, C = dims["T"], dims["B"], dims["C"]
    mus, xi, observed = check_step_inputs(rates, dims, x, mus, rng, xi, observed)

    steps = []
    h_post, c = h0, c0
    for t in range(T):
        out = step(x[t], h_post, c, params, mus=mus, xi_t=None if xi is None else xi[t],
                   observed_t=None if observed is None else observed[t], **rates)
        steps.append(out)
        h_post, c = out.h_post, out.c
    return Trace(*(torch.stack(values) for values in zip(*steps)))


def generate(params: Params, c0, h0, *, tau: float, steps: int) -> torch.Tensor:
    """``steps`` outputs generated from ``c0`` (no target).  Returns ``x_pred (T, B, O)``."""
    T = as_scalar("steps", steps, low=1, integer=True)
    dims: dict = {}
    params = check_params(params, dims)
    c0t, h0t = as_float_tensor("c0", c0), as_float_tensor("h0", h0)
    B = c0t.shape[0] if c0t.dim() == 2 else (h0t.shape[0] if h0t.dim() == 2 else 1)
    x = torch.zeros(T, B, dims["O"], dtype=params.w_o.dtype)
    return rollout(params, x, c0, h0, tau=tau).x_pred
