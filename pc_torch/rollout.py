"""One step of (1)-(8) and the rollout over time, in PyTorch (mirrors ``pc_numpy.rollout``)."""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch

from pc_numpy._checks import check_memory, check_rates, check_trace, trace_bytes
from ._checks import as_float_tensor, as_mask_tensor, as_scalar, check_generator
from .generative import hidden_prior, output_error, prediction
from .inference import causes_bottom_up, causes_noise, hidden_error, hidden_posterior
from .params import Params, check_params
from .prior import causes_prior


class Step(NamedTuple):
    """One time step's values, shapes (B, ·)."""
    x_pred: torch.Tensor
    error: torch.Tensor
    h_prior: torch.Tensor
    h_post: torch.Tensor
    error_h: torch.Tensor
    c: torch.Tensor


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
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau, check=False)              # (1)
    x_pred = prediction(h_prior, params, check=False)                                     # (2)
    error = output_error(x_pred, x_t, observed=observed_t, check=False)                   # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x, check=False)   # (4)
    error_h = hidden_error(h_prior, h_post, check=False)                                  # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, params, alpha_h=alpha_h, check=False)            # (6)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r, check=False)                  # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c, check=False)           # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def check_initial_state(c0, h0, dims: dict):
    """``c0`` (B, C) or (C,), ``h0`` (B, S) or (S,) -> both as (B, ·) tensors."""
    c0 = as_float_tensor("c0", c0)
    if c0.dim() == 1:
        c0 = as_float_tensor("c0", c0, ("C",), dims).expand(dims["B"], dims["C"])
    else:
        c0 = as_float_tensor("c0", c0, ("B", "C"), dims)
    h0 = as_float_tensor("h0", h0)
    if h0.dim() == 1:
        h0 = as_float_tensor("h0", h0, ("S",), dims).expand(dims["B"], dims["S"])
    else:
        h0 = as_float_tensor("h0", h0, ("B", "S"), dims)
    return c0, h0


def check_step_inputs(rates: dict, dims: dict, x, mus, rng, xi, observed):
    """The optional inputs of a rollout (both models): ``mus (P, C)`` (required when
    ``alpha_c > 0``), the draws ``xi (T, B, C)`` of (7) given or drawn from ``rng``, and the mask
    ``observed`` as (T, B).  The same rules and messages as ``pc_numpy.rollout``'s checks.
    Returns ``(mus, xi, observed)``."""
    T, B, C = dims["T"], dims["B"], dims["C"]
    if rates["alpha_c"] > 0:
        if mus is None:
            raise ValueError("mus (the prior means, shape (P, C)) is required when alpha_c > 0")
        mus = as_float_tensor("mus", mus, ("P", "C"), dims)
    elif mus is not None:
        mus = as_float_tensor("mus", mus, ("P", "C"), dims)
    if xi is not None and rng is not None:
        raise ValueError("give either rng or xi (the noise draws of (7)), not both")
    if xi is not None:
        xi = as_float_tensor("xi", xi, ("T", "B", "C"), dims)
    elif rng is not None:
        check_generator("rng", rng)
        if rates["sigma_r"] > 0:
            xi = torch.randn(T, B, C, generator=rng, dtype=x.dtype)
    elif rates["sigma_r"] > 0:
        raise ValueError("sigma_r > 0 needs the noise of (7): pass rng (a torch.Generator) "
                         "or xi (standard normal draws of shape (T, B, C))")

    if observed is not None:
        observed = as_mask_tensor("observed", observed, None)
        if observed.dim() == 1:
            observed = as_mask_tensor("observed", observed, ("T",), dims, dtype=x.dtype)[:, None].expand(T, B)
        else:
            observed = as_mask_tensor("observed", observed, ("T", "B"), dims, dtype=x.dtype)
    return mus, xi, observed


def rollout(params: Params, x, c0, h0, *, tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0,
            alpha_c: float = 0.0, sigma_r: float = 0.0, sigma_c: float = 1.0, mus=None,
            rng: Optional[torch.Generator] = None, xi=None, observed=None) -> Trace:
    """``step`` for t = 0 .. T-1 (see ``pc_numpy.rollout``).  ``x (T, B, O)``; ``xi (T, B, C)``
    or ``rng`` (a ``torch.Generator``) when ``sigma_r > 0``; ``observed (T,)`` or ``(T, B)`` of
    0/1.  Differentiable (autograd).  (Every mode runs ``step`` at every step here: the reference
    need not be fast.)"""
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_tensor("x", x, ("T", "B", "O"), dims)
    c0, h0 = check_initial_state(c0, h0, dims)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    T, B, C = dims["T"], dims["B"], dims["C"]
    check_memory("rollout", trace_bytes(T, B, dims["O"], dims["S"], C),
                 dict(x=f"{T}x{B}x{dims['O']} (T x B x O)", h0=f"S={dims['S']}"))
    mus, xi, observed = check_step_inputs(rates, dims, x, mus, rng, xi, observed)


    steps = []
    h_post, c = h0, c0
    for t in range(T):
        out = step(x[t], h_post, c, params, mus=mus, xi_t=None if xi is None else xi[t],
                   observed_t=None if observed is None else observed[t], **rates)
        steps.append(out)
        h_post, c = out.h_post, out.c
    trace = Trace(*(torch.stack(values) for values in zip(*steps)))
    if not all(bool(torch.isfinite(v.detach()).all()) for v in (trace.error, trace.h_post, trace.c)):
        check_trace("rollout", trace, x=x, params=tuple(params), c0=c0, h0=h0, mus=mus, **rates)
    return trace


def generate(params: Params, c0, h0, *, tau: float, steps: int) -> torch.Tensor:
    """``steps`` outputs generated from ``c0`` (no target).  Returns ``x_pred (T, B, O)``."""
    T = as_scalar("steps", steps, low=1, integer=True)
    dims: dict = {}
    params = check_params(params, dims)
    c0t, h0t = as_float_tensor("c0", c0), as_float_tensor("h0", h0)
    B = c0t.shape[0] if c0t.dim() == 2 else (h0t.shape[0] if h0t.dim() == 2 else 1)
    check_memory("generate", 8 * T * B * dims["O"] + trace_bytes(T, B, dims["O"], dims["S"], dims["C"]),
                 dict(steps=T, batch=B))
    x = torch.zeros(T, B, dims["O"], dtype=params.w_o.dtype)
    return rollout(params, x, c0, h0, tau=tau).x_pred
