"""Equations (1)-(3) in PyTorch (mirrors ``pc_numpy.generative``; see it for the math).

These functions are the formulas and check nothing: the entry points check their arguments once.
"""
from __future__ import annotations

import torch

from .params import Params


def hidden_prior(h_post_prev: torch.Tensor, c_prev: torch.Tensor, params: Params, *, tau: float) -> torch.Tensor:
    """(1) h_prior = (1 - 1/tau) h_post_prev + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r).
    ``h_post_prev (B, S)``, ``c_prev (B, C)`` -> ``(B, S)``."""
    k = 1.0 / tau
    drive = torch.tanh(h_post_prev) @ params.w_r.mT + c_prev @ params.w_c.mT + params.b_r  # (B, S)
    return (1.0 - k) * h_post_prev + k * drive                                            # (B, S)


def prediction(h_prior: torch.Tensor, params: Params) -> torch.Tensor:
    """(2) x_pred = tanh(h_prior) @ w_o.T + b_o.  ``h_prior (B, S)`` -> ``(B, O)``."""
    return torch.tanh(h_prior) @ params.w_o.mT + params.b_o                               # (B, O)


def output_error(x_pred: torch.Tensor, x: torch.Tensor, *, observed=None) -> torch.Tensor:
    """(3) error = x_pred - x, or ``observed[..., None] * (x_pred - x)`` with a 0/1 mask ``observed (B,)``.
    ``(B, O)``, ``(B, O)`` -> ``(B, O)`` (any leading axes alike)."""
    if observed is None:
        return x_pred - x                                                                 # (B, O)
    return observed[..., None] * (x_pred - x)                                             # (B, O)
