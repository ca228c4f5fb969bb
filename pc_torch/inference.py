"""Equations (4)-(7) in PyTorch (mirrors ``pc_numpy.inference``; see it for the math)."""
from __future__ import annotations

import torch

from ._checks import as_float_tensor, as_scalar
from .params import Params, check_params


def hidden_posterior(h_prior: torch.Tensor, error: torch.Tensor, params: Params, *, alpha_x: float,
                     check: bool = True) -> torch.Tensor:
    """(4) h_post = h_prior - alpha_x (1 - tanh(h_prior)**2)(error @ w_o).  -> ``(B, S)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        h_prior = as_float_tensor("h_prior", h_prior, ("B", "S"), dims)
        error = as_float_tensor("error", error, ("B", "O"), dims)
        alpha_x = as_scalar("alpha_x", alpha_x, low=0)
    return h_prior - alpha_x * (1.0 - torch.tanh(h_prior) ** 2) * (error @ params.w_o)    # (B, S)


def hidden_error(h_prior: torch.Tensor, h_post: torch.Tensor, *, check: bool = True) -> torch.Tensor:
    """(5) error_h = h_prior - h_post.  -> ``(B, S)``."""
    if check:
        dims = {}
        h_prior = as_float_tensor("h_prior", h_prior, ("B", "S"), dims)
        h_post = as_float_tensor("h_post", h_post, ("B", "S"), dims)
    return h_prior - h_post


def causes_bottom_up(c_prev: torch.Tensor, error_h: torch.Tensor, params: Params, *, alpha_h: float,
                     check: bool = True) -> torch.Tensor:
    """(6) c = c_prev - alpha_h (error_h @ w_c).  -> ``(B, C)``."""
    if check:
        dims = {}
        params = check_params(params, dims)
        c_prev = as_float_tensor("c_prev", c_prev, ("B", "C"), dims)
        error_h = as_float_tensor("error_h", error_h, ("B", "S"), dims)
        alpha_h = as_scalar("alpha_h", alpha_h, low=0)
    return c_prev - alpha_h * (error_h @ params.w_c)


def causes_noise(c: torch.Tensor, error_h: torch.Tensor, xi: torch.Tensor, *, sigma_r: float,
                 check: bool = True) -> torch.Tensor:
    """(7) c = c + sigma_r ||error_h|| xi, the norm per row.  -> ``(B, C)``."""
    if check:
        dims = {}
        c = as_float_tensor("c", c, ("B", "C"), dims)
        error_h = as_float_tensor("error_h", error_h, ("B", "S"), dims)
        xi = as_float_tensor("xi", xi, ("B", "C"), dims)
        sigma_r = as_scalar("sigma_r", sigma_r, low=0)
    norm = torch.sqrt((error_h * error_h).sum(dim=1, keepdim=True))
    return c + sigma_r * norm * xi
