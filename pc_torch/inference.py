"""Equations (4)-(7) in PyTorch (mirrors ``pc_numpy.inference``; see it for the math).

These functions are the formulas and check nothing: the entry points check their arguments once.
"""
from __future__ import annotations

import torch

from .params import Params


def hidden_posterior(h_prior: torch.Tensor, error: torch.Tensor, params: Params, *, alpha_x: float) -> torch.Tensor:
    """(4) h_post = h_prior - alpha_x (1 - tanh(h_prior)**2)(error @ w_o).  -> ``(B, S)``."""
    return h_prior - alpha_x * (1.0 - torch.tanh(h_prior) ** 2) * (error @ params.w_o)    # (B, S)


def hidden_error(h_prior: torch.Tensor, h_post: torch.Tensor) -> torch.Tensor:
    """(5) error_h = h_prior - h_post.  -> ``(B, S)``."""
    return h_prior - h_post                                                               # (B, S)


def causes_bottom_up(c_prev: torch.Tensor, error_h: torch.Tensor, params: Params, *, alpha_h: float) -> torch.Tensor:
    """(6) c = c_prev - alpha_h (error_h @ w_c).  -> ``(B, C)``."""
    return c_prev - alpha_h * (error_h @ params.w_c)                                      # (B, C)


def causes_noise(c: torch.Tensor, error_h: torch.Tensor, xi: torch.Tensor, *, sigma_r: float) -> torch.Tensor:
    """(7) c = c + sigma_r ||error_h|| xi, the norm per row.  -> ``(B, C)``."""
    norm = torch.sqrt((error_h ** 2).sum(dim=-1, keepdim=True))                           # (B, 1)
    return c + sigma_r * norm * xi                                                        # (B, C)
