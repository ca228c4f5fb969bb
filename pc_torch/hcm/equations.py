"""Equations (1m) and (6m) in PyTorch (mirrors ``pc_numpy.hcm.equations``; see it for the math)."""
from __future__ import annotations

import torch

from .._checks import as_float_tensor, as_scalar
from .params import Params, check_params


def hidden_prior(h_post_prev, c_prev, params: Params, *, tau: float, check: bool = True) -> torch.Tensor:
    """(1m) h_prior = (1 - 1/tau) h_post_prev
    + (1/tau)(((tanh(h_post_prev) @ w_pd) * (c_prev @ w_cd)) @ w_fd.T + b_r).
    ``h_post_prev (B, S)``, ``c_prev (B, C)`` -> ``(B, S)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_post_prev = as_float_tensor("h_post_prev", h_post_prev, ("B", "S"), dims)
        c_prev = as_float_tensor("c_prev", c_prev, ("B", "C"), dims)
        tau = as_scalar("tau", tau, low=1)
    k = 1.0 / tau
    factors = torch.tanh(h_post_prev) @ params.w_pd
    gains = c_prev @ params.w_cd
    return (1.0 - k) * h_post_prev + k * ((factors * gains) @ params.w_fd.T + params.b_r)


def causes_bottom_up(c_prev, error_h, h_post_prev, params: Params, *, alpha_h: float,
                     check: bool = True) -> torch.Tensor:
    """(6m) c = c_prev - alpha_h (((tanh(h_post_prev) @ w_pd) * (error_h @ w_fd)) @ w_cd.T).
    ``c_prev (B, C)``, ``error_h (B, S)``, ``h_post_prev (B, S)`` -> ``(B, C)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        c_prev = as_float_tensor("c_prev", c_prev, ("B", "C"), dims)
        error_h = as_float_tensor("error_h", error_h, ("B", "S"), dims)
        h_post_prev = as_float_tensor("h_post_prev", h_post_prev, ("B", "S"), dims)
        alpha_h = as_scalar("alpha_h", alpha_h, low=0)
    factors = torch.tanh(h_post_prev) @ params.w_pd
    return c_prev - alpha_h * ((factors * (error_h @ params.w_fd)) @ params.w_cd.T)
