"""Equation (8), the Gaussian-mixture prior, in PyTorch (mirrors ``pc_numpy.prior``)."""
from __future__ import annotations

import torch

from pc_numpy._checks import check_sigma_c
from ._checks import as_float_tensor, as_scalar


def _check(c, mus, sigma_c):
    dims = {}
    c = as_float_tensor("c", c, ("B", "C"), dims)
    mus = as_float_tensor("mus", mus, ("P", "C"), dims)
    sigma_c = check_sigma_c(sigma_c)                    # in [1e-100, 1e100]: sigma_c**2 is exact
    return c, mus, sigma_c


def prior_logits(c, mus, *, sigma_c: float, check: bool = True) -> torch.Tensor:
    """l_k(c) = -||c - mus[k]||**2 / (2 sigma_c**2).  ``(B, C)``, ``(P, C)`` -> ``(B, P)``."""
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    diff = c[:, None, :] - mus[None, :, :]                                                # (B, P, C)
    return -(diff ** 2).sum(dim=2) / (2.0 * sigma_c ** 2)                                 # (B, P)


def responsibilities(c, mus, *, sigma_c: float, check: bool = True) -> torch.Tensor:
    """r = softmax_k(-||c - mus[k]||**2 / (2 sigma_c**2)), stable.  ``(B, C)``, ``(P, C)`` -> ``(B, P)``."""
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    return torch.softmax(prior_logits(c, mus, sigma_c=sigma_c, check=False), dim=1)


def prior_gradient(c, mus, *, sigma_c: float, check: bool = True) -> torch.Tensor:
    """g = -sum_k r_k (c - mus[k]) / (2 sigma_c**2).  -> ``(B, C)``."""
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    r = responsibilities(c, mus, sigma_c=sigma_c, check=False)
    return -(r[:, :, None] * (c[:, None, :] - mus[None, :, :])).sum(dim=1) / (2.0 * sigma_c ** 2)


def causes_prior(c, mus, *, alpha_c: float, sigma_c: float, check: bool = True) -> torch.Tensor:
    """(8) c = c + alpha_c g(c).  -> ``(B, C)``."""
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
        alpha_c = as_scalar("alpha_c", alpha_c, low=0)
    return c + alpha_c * prior_gradient(c, mus, sigma_c=sigma_c, check=False)


def log_prior(c, mus, *, sigma_c: float, check: bool = True) -> torch.Tensor:
    """log sum_k exp(-||c - mus[k]||**2 / (2 sigma_c**2)) by torch.logsumexp.  -> ``(B,)``."""
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    return torch.logsumexp(prior_logits(c, mus, sigma_c=sigma_c, check=False), dim=1)
