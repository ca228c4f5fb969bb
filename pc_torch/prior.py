"""Equation (8), the Gaussian-mixture prior, in PyTorch (mirrors ``pc_numpy.prior``; see it for
the math).  These functions are the formulas and check nothing."""
from __future__ import annotations

import torch


def prior_logits(c, mus, *, sigma_c: float) -> torch.Tensor:
    """l_k(c) = -(||c||**2 - 2 c . mus[k] + ||mus[k]||**2) / (2 sigma_c**2), the expanded square
    of ``pc_numpy.prior_logits``.  ``(B, C)``, ``(P, C)`` -> ``(B, P)``."""
    sq_dist = ((c ** 2).sum(dim=-1, keepdim=True) - 2.0 * (c @ mus.mT)                   # (B, P)
               + (mus ** 2).sum(dim=-1)[..., None, :])
    return -sq_dist / (2.0 * sigma_c ** 2)                                                # (B, P)


def responsibilities(c, mus, *, sigma_c: float) -> torch.Tensor:
    """r = softmax_k(l_k(c)), stable (the row maximum subtracted before exp).  -> ``(B, P)``."""
    logits = prior_logits(c, mus, sigma_c=sigma_c)                                        # (B, P)
    weights = torch.exp(logits - logits.max(dim=-1, keepdim=True).values)                 # (B, P)
    return weights / weights.sum(dim=-1, keepdim=True)                                    # (B, P)


def prior_gradient(c, mus, *, sigma_c: float) -> torch.Tensor:
    """g = -(c - r(c) @ mus) / (2 sigma_c**2).  -> ``(B, C)``."""
    r = responsibilities(c, mus, sigma_c=sigma_c)                                         # (B, P)
    return -(c - r @ mus) / (2.0 * sigma_c ** 2)                                          # (B, C)


def causes_prior(c, mus, *, alpha_c: float, sigma_c: float) -> torch.Tensor:
    """(8) c = c + alpha_c g(c).  -> ``(B, C)``."""
    return c + alpha_c * prior_gradient(c, mus, sigma_c=sigma_c)                          # (B, C)


def log_prior(c, mus, *, sigma_c: float) -> torch.Tensor:
    """log sum_k exp(l_k(c)), by the log-sum-exp trick.  -> ``(B,)``."""
    logits = prior_logits(c, mus, sigma_c=sigma_c)                                        # (B, P)
    top = logits.max(dim=-1).values                                                       # (B,)
    return top + torch.log(torch.exp(logits - top[..., None]).sum(dim=-1))               # (B,)
