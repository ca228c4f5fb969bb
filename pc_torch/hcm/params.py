"""PC-RNN-HC-M's parameters in PyTorch (mirrors ``pc_numpy.hcm.params``)."""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import torch

from .._checks import as_float_tensor, as_scalar, check_generator


class Params(NamedTuple):
    """``w_o (O, S)``, ``b_o (O,)``, ``w_pd (S, F)``, ``w_fd (S, F)``, ``w_cd (C, F)``, ``b_r (S,)``."""
    w_o: torch.Tensor
    b_o: torch.Tensor
    w_pd: torch.Tensor
    w_fd: torch.Tensor
    w_cd: torch.Tensor
    b_r: torch.Tensor


def init_params(causes_dim: int, states_dim: int, output_dim: int, factor_dim: int,
                rng: torch.Generator, dtype: torch.dtype = torch.float64) -> Params:
    """``w_o ~ N(0,1)/S``, ``b_o, b_r ~ N(0,1)/10``, ``w_pd, w_fd ~ N(0,1)/sqrt(F)``,
    ``w_cd = F * softmax_row(0.5 N(0,1))``; drawn in the order of the fields (docs/model.md §2b)."""
    C = as_scalar("causes_dim", causes_dim, low=1, integer=True)
    S = as_scalar("states_dim", states_dim, low=1, integer=True)
    O = as_scalar("output_dim", output_dim, low=1, integer=True)
    F = as_scalar("factor_dim", factor_dim, low=1, integer=True)
    check_generator("rng", rng)
    randn = lambda *shape: torch.randn(*shape, generator=rng, dtype=dtype)  # noqa: E731
    w_o, b_o = randn(O, S) / S, randn(O) / 10
    w_pd, w_fd = randn(S, F) / math.sqrt(F), randn(S, F) / math.sqrt(F)
    w_cd = F * torch.softmax(0.5 * randn(C, F), dim=1)
    return Params(w_o, b_o, w_pd, w_fd, w_cd, randn(S) / 10)


def from_numpy(params) -> Params:
    """The same values as a ``pc_numpy.hcm.Params``, as float64 tensors (for the cross-checks)."""
    return Params(*(torch.as_tensor(v, dtype=torch.float64) for v in params))


def check_params(params, dims: Optional[dict] = None, name: str = "params") -> Params:
    """Check ``params`` is a ``pc_torch.hcm.Params`` of finite tensors; record O, S, C, F."""
    if not isinstance(params, Params):
        kind = f"{type(params).__module__}.{type(params).__qualname__}"
        raise TypeError(f"{name} must be a pc_torch.hcm.Params (from pc_torch.hcm.init_params), "
                        f"got {kind}")
    dims = {} if dims is None else dims
    return Params(
        w_o=as_float_tensor(f"{name}.w_o", params.w_o, ("O", "S"), dims),
        b_o=as_float_tensor(f"{name}.b_o", params.b_o, ("O",), dims),
        w_pd=as_float_tensor(f"{name}.w_pd", params.w_pd, ("S", "F"), dims),
        w_fd=as_float_tensor(f"{name}.w_fd", params.w_fd, ("S", "F"), dims),
        w_cd=as_float_tensor(f"{name}.w_cd", params.w_cd, ("C", "F"), dims),
        b_r=as_float_tensor(f"{name}.b_r", params.b_r, ("S",), dims),
    )
