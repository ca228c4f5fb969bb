"""Equations (1m) and (6m) in PyTorch (mirrors ``pc_numpy.hcm.equations``; see it for the math).
These are the formulas and check nothing."""
from __future__ import annotations

import torch

from .params import Params


def hidden_prior(h_post_prev, c_prev, params: Params, *, tau: float) -> torch.Tensor:
    """(1m) h_prior = (1 - 1/tau) h_post_prev
    + (1/tau)(((tanh(h_post_prev) @ w_pd) * (c_prev @ w_cd)) @ w_fd.T + b_r).
    ``h_post_prev (B, S)``, ``c_prev (B, C)`` -> ``(B, S)``."""
    k = 1.0 / tau
    factors = torch.tanh(h_post_prev) @ params.w_pd                                       # (B, F)
    gains = c_prev @ params.w_cd                                                          # (B, F)
    return (1.0 - k) * h_post_prev + k * ((factors * gains) @ params.w_fd.T + params.b_r)  # (B, S)


def causes_bottom_up(c_prev, error_h, h_post_prev, params: Params, *, alpha_h: float) -> torch.Tensor:
    """(6m) c = c_prev - alpha_h (((tanh(h_post_prev) @ w_pd) * (error_h @ w_fd)) @ w_cd.T).
    ``c_prev (B, C)``, ``error_h (B, S)``, ``h_post_prev (B, S)`` -> ``(B, C)``."""
    factors = torch.tanh(h_post_prev) @ params.w_pd                                       # (B, F)
    back = error_h @ params.w_fd                                                          # (B, F)
    return c_prev - alpha_h * ((factors * back) @ params.w_cd.T)                          # (B, C)
