"""Equations (1)-(3) in PyTorch (mirrors ``pc_numpy.generative``; see it for the math)."""
from __future__ import annotations

import torch

from ._checks import as_float_tensor, as_mask_tensor, as_scalar
from .params import Params, check_params


def hidden_prior(h_post_prev: torch.Tensor, c_prev: torch.Tensor, params: Params, *, tau: float,
                 check: bool = True) -> torch.Tensor:
    """(1) h_prior = (1 - 1/tau) h_post_prev + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r).
    ``h_post_prev (B, S)``, ``c_prev (B, C)`` -> ``(B, S)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_post_prev = as_float_tensor("h_post_prev", h_post_prev, ("B", "S"), dims)
        c_prev = as_float_tensor("c_prev", c_prev, ("B", "C"), dims)
        tau = as_scalar("tau", tau, low=1)
    k = 1.0 / tau
    drive = torch.tanh(h_post_prev) @ params.w_r.T + c_prev @ params.w_c.T + params.b_r          # (B, S)
    return (1.0 - k) * h_post_prev + k * drive                                            # (B, S)


def prediction(h_prior: torch.Tensor, params: Params, *, check: bool = True) -> torch.Tensor:
    """(2) x_pred = tanh(h_prior) @ w_o.T + b_o.  ``h_prior (B, S)`` -> ``(B, O)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_prior = as_float_tensor("h_prior", h_prior, ("B", "S"), dims)
    return torch.tanh(h_prior) @ params.w_o.T + params.b_o                                # (B, O)


def output_error(x_pred: torch.Tensor, x: torch.Tensor, *, observed=None, check: bool = True) -> torch.Tensor:
    """(3) error = x_pred - x, or ``observed[..., None] * (x_pred - x)`` with a 0/1 mask ``observed (B,)``.
    ``(B, O)``, ``(B, O)`` -> ``(B, O)`` (any leading axes alike)."""
    if check:
        dims = {}
        x_pred = as_float_tensor("x_pred", x_pred, ("B", "O"), dims)
        x = as_float_tensor("x", x, ("B", "O"), dims)
        if observed is not None:
            observed = as_mask_tensor("observed", observed, ("B",), dims, dtype=x_pred.dtype)
    if observed is None:
        return x_pred - x                                                                 # (B, O)
    return observed[..., None] * (x_pred - x)                                             # (B, O)
