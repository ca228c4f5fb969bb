"""The network's parameters in PyTorch (mirrors ``pc_numpy.params``)."""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch

from pc_numpy._checks import check_memory
from ._checks import as_float_tensor, as_scalar, check_generator


class Params(NamedTuple):
    """``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)`` as tensors."""
    w_o: torch.Tensor
    b_o: torch.Tensor
    w_c: torch.Tensor
    w_r: torch.Tensor
    b_r: torch.Tensor


def init_params(causes_dim: int, states_dim: int, output_dim: int, rng: torch.Generator,
                dtype: torch.dtype = torch.float64) -> Params:
    """``w_o, w_r ~ N(0,1)/S``, ``w_c ~ N(0,1)/C``, ``b_o, b_r ~ N(0,1)/10`` (docs/model.md §2)."""
    C = as_scalar("causes_dim", causes_dim, low=1, integer=True)
    S = as_scalar("states_dim", states_dim, low=1, integer=True)
    O = as_scalar("output_dim", output_dim, low=1, integer=True)
    check_memory("init_params", 8 * (O * S + O + S * C + S * S + S),
                 dict(states_dim=S, causes_dim=C, output_dim=O))
    check_generator("rng", rng)
    randn = lambda *shape: torch.randn(*shape, generator=rng, dtype=dtype)  # noqa: E731
    return Params(randn(O, S) / S, randn(O) / 10, randn(S, C) / C, randn(S, S) / S, randn(S) / 10)


def from_numpy(params) -> Params:
    """The same values as a ``pc_numpy.Params``, as float64 tensors (for the cross-checks)."""
    return Params(*(torch.as_tensor(v, dtype=torch.float64) for v in params))


def check_params(params, dims: Optional[dict] = None, name: str = "params") -> Params:
    """Check ``params`` is a ``Params`` of finite tensors whose shapes agree; record O, S, C."""
    if not isinstance(params, Params):
        raise TypeError(f"{name} must be a pc_torch Params (from init_params), got {type(params).__name__}")
    dims = {} if dims is None else dims
    return Params(
        w_o=as_float_tensor(f"{name}.w_o", params.w_o, ("O", "S"), dims),
        b_o=as_float_tensor(f"{name}.b_o", params.b_o, ("O",), dims),
        w_c=as_float_tensor(f"{name}.w_c", params.w_c, ("S", "C"), dims),
        w_r=as_float_tensor(f"{name}.w_r", params.w_r, ("S", "S"), dims),
        b_r=as_float_tensor(f"{name}.b_r", params.b_r, ("S",), dims),
    )
