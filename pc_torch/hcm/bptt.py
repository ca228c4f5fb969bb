"""PC-RNN-HC-M's training loss and its gradients from autograd (the reference for
``pc_numpy.hcm.bptt``; no backward pass is written by hand here)."""
from __future__ import annotations

from typing import NamedTuple

import torch

from .. import doors
from .params import Params
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
    or, with a 0/1 mask ``observed (T, B)``, ``O * sum(observed)`` (the mean over observed entries)."""
    trace = rollout(params, x, c0, h0, tau=tau, observed=observed)                        # (1m), (2)-(3)
    n = trace.error.numel() if observed is None else trace.error.shape[2] * observed.sum()
    return (trace.error ** 2).sum() / n


def loss_and_grads(params: Params, x, c0, h0, *, tau: float, observed=None):
    """The loss and its gradients by autograd; same arguments and returns as
    ``pc_numpy.hcm.loss_and_grads``."""
    params, x, c0, h0, observed = doors.loss_and_grads_args(params, x, c0, h0, Params, tau=tau,
                                                            observed=observed)
    leaves = [v.detach().clone().requires_grad_(True) for v in (*params, c0, h0)]
    value = loss(Params(*leaves[:-2]), x, leaves[-2], leaves[-1], tau=tau, observed=observed)
    return float(value.detach()), Grads(*torch.autograd.grad(value, leaves))
