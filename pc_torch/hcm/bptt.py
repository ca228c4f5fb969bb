"""PC-RNN-HC-M's training loss and its gradients from autograd (the reference for
``pc_numpy.hcm.bptt``; no backward pass is written by hand here)."""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import as_float_tensor, as_mask_tensor, as_scalar
from ..rollout import check_initial_state
from .params import Params, check_params
from .rollout import rollout


class Grads(NamedTuple):
    """Gradients of the loss: ``w_o, b_o, w_pd, w_fd, w_cd, b_r, c0, h0`` (shapes as the values)."""
    w_o: torch.Tensor
    b_o: torch.Tensor
    w_pd: torch.Tensor
    w_fd: torch.Tensor
    w_cd: torch.Tensor
    b_r: torch.Tensor
    c0: torch.Tensor
    h0: torch.Tensor


def loss(params: Params, x, c0, h0, *, tau: float, observed=None) -> torch.Tensor:
    """``sum(error**2) / N`` of a generation-mode rollout, differentiable: ``N = T*B*O`` (the mean)
    or, with a 0/1 mask ``observed``, ``O * sum(observed)`` (the mean over observed entries)."""
    trace = rollout(params, x, c0, h0, tau=tau, observed=observed)
    if observed is None:
        return (trace.error ** 2).mean()
    T, B, O = trace.error.shape
    mask = as_mask_tensor("observed", observed, None, dtype=trace.error.dtype)
    n = O * (mask[:, None] if mask.dim() == 1 else mask).expand(T, B).sum()
    if n == 0:
        raise ValueError("observed must mark at least one step as observed (1): the loss is a "
                         "mean over the observed entries")
    return (trace.error ** 2).sum() / n


def loss_and_grads(params: Params, x, c0, h0, *, tau: float, observed=None):
    """The loss ``mean(error**2)`` and its gradients by autograd (``torch.autograd.grad``).

    Same arguments and returns as ``pc_numpy.hcm.loss_and_grads``: ``x (T, B, O)``,
    ``c0 (B, C) or (C,)``, ``h0 (B, S) or (S,)``, ``observed (T,) or (T, B)``; returns
    ``(loss: float, Grads)``.
    """
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_tensor("x", x, ("T", "B", "O"), dims)
    check_initial_state(c0, h0, dict(dims))      # shapes and values only
    tau = as_scalar("tau", tau, low=1)
    leaves = [v.detach().clone().requires_grad_(True) for v in params]
    c0 = as_float_tensor("c0", c0).detach().clone().requires_grad_(True)
    h0 = as_float_tensor("h0", h0).detach().clone().requires_grad_(True)
    value = loss(Params(*leaves), x, c0, h0, tau=tau, observed=observed)
    grads = torch.autograd.grad(value, leaves + [c0, h0])
    return float(value.detach()), Grads(*grads)
