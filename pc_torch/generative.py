"""Equations (1)-(3) in PyTorch (mirrors ``pc_numpy.generative``; see it for the math)."""
from __future__ import annotations

import torch

from ._checks import as_float_tensor, as_scalar
from .params import Params, check_params


def hidden_prior(h_post_prev: torch.Tensor, c_prev: torch.Tensor, params: Params, *, tau: float,
                 drive=None, a=None, check: bool = True) -> torch.Tensor:
    """(1) h_prior = (1 - 1/tau) h_post_prev + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r).
    ``h_post_prev (B, S)``, ``c_prev (B, C)`` -> ``(B, S)``; optional ``drive = c_prev @ w_c.T + b_r``
    and ``a = tanh(h_post_prev)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_post_prev = as_float_tensor("h_post_prev", h_post_prev, ("B", "S"), dims)
        c_prev = as_float_tensor("c_prev", c_prev, ("B", "C"), dims)
        tau = as_scalar("tau", tau, low=1)
        if drive is not None:
            drive = as_float_tensor("drive", drive, ("B", "S"), dims)
        if a is not None:
            a = as_float_tensor("a", a, ("B", "S"), dims)
    k = 1.0 / tau
    if drive is None:
        drive = c_prev @ params.w_c.T + params.b_r
    if a is None:
        a = torch.tanh(h_post_prev)
    return (1.0 - k) * h_post_prev + k * (a @ params.w_r.T + drive)


def prediction(h_prior: torch.Tensor, params: Params, *, a=None, check: bool = True) -> torch.Tensor:
    """(2) x_pred = tanh(h_prior) @ w_o.T + b_o.  ``h_prior (B, S)`` -> ``(B, O)``; optional
    ``a = tanh(h_prior)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_prior = as_float_tensor("h_prior", h_prior, ("B", "S"), dims)
        if a is not None:
            a = as_float_tensor("a", a, ("B", "S"), dims)
    if a is None:
        a = torch.tanh(h_prior)
    return a @ params.w_o.T + params.b_o


def output_error(x_pred: torch.Tensor, x: torch.Tensor, *, check: bool = True) -> torch.Tensor:
    """(3) error = x_pred - x.  ``(B, O)``, ``(B, O)`` -> ``(B, O)``."""
    if check:
        dims = {}
        x_pred = as_float_tensor("x_pred", x_pred, ("B", "O"), dims)
        x = as_float_tensor("x", x, ("B", "O"), dims)
    return x_pred - x
