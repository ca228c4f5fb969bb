"""PC-RNN-HC-M's parameters in PyTorch (mirrors ``pc_numpy.hcm.params``)."""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .. import doors


class Params(NamedTuple):
    """``w_o (O, S)``, ``b_o (O,)``, ``w_pd (S, F)``, ``w_fd (S, F)``, ``w_cd (C, F)``, ``b_r (S,)``."""
    w_o: torch.Tensor
    b_o: torch.Tensor
    w_pd: torch.Tensor
    w_fd: torch.Tensor
    w_cd: torch.Tensor
    b_r: torch.Tensor


def _softmax_rows(z: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis, stable (the row maximum subtracted before ``exp``)."""
    e = torch.exp(z - z.max(dim=-1, keepdim=True).values)                                 # (C, F)
    return e / e.sum(dim=-1, keepdim=True)                                                # (C, F)


def init_params(causes_dim: int, states_dim: int, output_dim: int, factor_dim: int,
                rng: torch.Generator, dtype: torch.dtype = torch.float64) -> Params:
    """``w_o ~ N(0,1)/S``, ``b_o, b_r ~ N(0,1)/10``, ``w_pd, w_fd ~ N(0,1)/sqrt(F)``,
    ``w_cd = F * softmax_row(0.5 N(0,1))``; drawn in the order of the fields (docs/model.md §2b)."""
    C, S, O, F = doors.init_params_args(causes_dim, states_dim, output_dim, rng, factor_dim)  # the door
    randn = dict(generator=rng, dtype=dtype, device=rng.device)
    w_o = torch.randn(O, S, **randn) / S                                                  # (O, S)
    b_o = torch.randn(O, **randn) / 10                                                    # (O,)
    w_pd = torch.randn(S, F, **randn) / math.sqrt(F)                                      # (S, F)
    w_fd = torch.randn(S, F, **randn) / math.sqrt(F)                                      # (S, F)
    w_cd = F * _softmax_rows(0.5 * torch.randn(C, F, **randn))                            # (C, F)
    b_r = torch.randn(S, **randn) / 10                                                    # (S,)
    return Params(w_o, b_o, w_pd, w_fd, w_cd, b_r)


def from_numpy(params, device=None) -> Params:
    """The same values as a ``pc_numpy.hcm.Params``, as float64 tensors (for the cross-checks)."""
    return Params(*(torch.as_tensor(v, dtype=torch.float64, device=device) for v in params))
