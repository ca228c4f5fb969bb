"""The network's parameters in PyTorch (mirrors ``pc_numpy.params``)."""
from __future__ import annotations

from typing import NamedTuple

import torch

from . import doors


class Params(NamedTuple):
    """``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)`` as tensors."""
    w_o: torch.Tensor
    b_o: torch.Tensor
    w_c: torch.Tensor
    w_r: torch.Tensor
    b_r: torch.Tensor


def init_params(causes_dim: int, states_dim: int, output_dim: int, rng: torch.Generator,
                dtype: torch.dtype = torch.float64) -> Params:
    """``w_o, w_r ~ N(0,1)/S``, ``w_c ~ N(0,1)/C``, ``b_o, b_r ~ N(0,1)/10`` (docs/model.md §2),
    drawn in that order on the device of ``rng``."""
    C, S, O = doors.init_params_args(causes_dim, states_dim, output_dim, rng)         # the door's check
    w_o = torch.randn(O, S, generator=rng, dtype=dtype, device=rng.device) / S          # (O, S)
    b_o = torch.randn(O, generator=rng, dtype=dtype, device=rng.device) / 10            # (O,)
    w_c = torch.randn(S, C, generator=rng, dtype=dtype, device=rng.device) / C          # (S, C)
    w_r = torch.randn(S, S, generator=rng, dtype=dtype, device=rng.device) / S          # (S, S)
    b_r = torch.randn(S, generator=rng, dtype=dtype, device=rng.device) / 10            # (S,)
    return Params(w_o, b_o, w_c, w_r, b_r)


def from_numpy(params, device=None) -> Params:
    """The same values as a ``pc_numpy.Params``, as float64 tensors (for the cross-checks)."""
    return Params(*(torch.as_tensor(v, dtype=torch.float64, device=device) for v in params))
