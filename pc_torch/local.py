"""The local predictive-coding rule in PyTorch (mirrors ``pc_numpy.local``; see it for the math
and docs/model.md §3b).  Same names and arguments, torch tensors."""
from __future__ import annotations

from typing import NamedTuple

import torch

from ._checks import as_float_tensor, as_scalar
from .params import Params, check_params
from .rollout import Trace


class LocalDeltas(NamedTuple):
    """``d_w_o (O, S)``, ``d_b_o (O,)``, ``d_w_c (S, C)``, ``d_w_r (S, S)``, ``d_b_r (S,)``."""
    d_w_o: torch.Tensor
    d_b_o: torch.Tensor
    d_w_c: torch.Tensor
    d_w_r: torch.Tensor
    d_b_r: torch.Tensor


def check_trace(trace, dims: dict, name: str = "trace") -> Trace:
    """Check ``trace`` is a pc_torch ``Trace`` of finite tensors whose shapes agree."""
    if not isinstance(trace, Trace):
        raise TypeError(f"{name} must be a pc_torch Trace (from pc_torch.rollout), got "
                        f"{type(trace).__module__}.{type(trace).__qualname__}")
    return Trace(x_pred=as_float_tensor(f"{name}.x_pred", trace.x_pred, ("T", "B", "O"), dims),
                 error=as_float_tensor(f"{name}.error", trace.error, ("T", "B", "O"), dims),
                 h_prior=as_float_tensor(f"{name}.h_prior", trace.h_prior, ("T", "B", "S"), dims),
                 h_post=as_float_tensor(f"{name}.h_post", trace.h_post, ("T", "B", "S"), dims),
                 error_h=as_float_tensor(f"{name}.error_h", trace.error_h, ("T", "B", "S"), dims),
                 c=as_float_tensor(f"{name}.c", trace.c, ("T", "B", "C"), dims))


def local_deltas(trace: Trace, *, check: bool = True) -> LocalDeltas:
    """d_w_o = sum_t error[t].T @ tanh(h_prior[t]);  d_b_o = sum_t sum_b error[t];
    d_w_c = sum_t error_h[t].T @ c[t];  d_w_r = sum_{t>=1} error_h[t].T @ tanh(h_post[t-1]);
    d_b_r = sum_t sum_b error_h[t].  ``trace`` from ``rollout`` -> ``LocalDeltas``."""
    if check:
        trace = check_trace(trace, {})
    error, error_h = trace.error, trace.error_h                            # (T, B, O), (T, B, S)
    d_w_o = torch.einsum("tbo,tbs->os", error, torch.tanh(trace.h_prior))                # (O, S)
    d_b_o = error.sum(dim=(0, 1))                                                         # (O,)
    d_w_c = torch.einsum("tbs,tbc->sc", error_h, trace.c)                                 # (S, C)
    d_w_r = torch.einsum("tbs,tbr->sr", error_h[1:], torch.tanh(trace.h_post[:-1]))      # (S, S)
    d_b_r = error_h.sum(dim=(0, 1))                                                       # (S,)
    return LocalDeltas(d_w_o, d_b_o, d_w_c, d_w_r, d_b_r)


def check_deltas(deltas, dims: dict, name: str = "deltas") -> LocalDeltas:
    """Check ``deltas`` is a pc_torch ``LocalDeltas`` of the parameters' shapes."""
    if not isinstance(deltas, LocalDeltas):
        raise TypeError(f"{name} must be a pc_torch LocalDeltas (from local_deltas), got {type(deltas).__name__}")
    shapes = (("O", "S"), ("O",), ("S", "C"), ("S", "S"), ("S",))
    return LocalDeltas(*(as_float_tensor(f"{name}.{field}", getattr(deltas, field), shape, dims)
                         for field, shape in zip(LocalDeltas._fields, shapes)))


def apply_local_update(params: Params, deltas: LocalDeltas, *, lr_o: float, lr_h: float,
                       lr_c: float, check: bool = True) -> Params:
    """``w_o - lr_o d_w_o, b_o - lr_o d_b_o, w_c - lr_c d_w_c, w_r - lr_h d_w_r, b_r - lr_h d_b_r``."""
    if check:
        dims: dict = {}
        params = check_params(params, dims)
        deltas = check_deltas(deltas, dims)
        lr_o = as_scalar("lr_o", lr_o, low=0)
        lr_h = as_scalar("lr_h", lr_h, low=0)
        lr_c = as_scalar("lr_c", lr_c, low=0)
    return Params(w_o=params.w_o - lr_o * deltas.d_w_o, b_o=params.b_o - lr_o * deltas.d_b_o,
                  w_c=params.w_c - lr_c * deltas.d_w_c, w_r=params.w_r - lr_h * deltas.d_w_r,
                  b_r=params.b_r - lr_h * deltas.d_b_r)


def free_energy(trace: Trace, *, alpha_x: float, alpha_h: float, check: bool = True) -> float:
    """``0.5 alpha_x mean_{t,b} ||error||**2 + 0.5 alpha_h mean_{t,b} ||error_h||**2`` as a float."""
    if check:
        trace = check_trace(trace, {})
        alpha_x = as_scalar("alpha_x", alpha_x, low=0)
        alpha_h = as_scalar("alpha_h", alpha_h, low=0)
    T, B = trace.error.shape[:2]
    sq_error = torch.sum(trace.error ** 2) / (T * B)
    sq_error_h = torch.sum(trace.error_h ** 2) / (T * B)
    return float(0.5 * alpha_x * sq_error + 0.5 * alpha_h * sq_error_h)
