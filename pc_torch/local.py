"""The local predictive-coding rule in PyTorch (mirrors ``pc_numpy.local``; see it for the math
and docs/model.md §3b).  Same names and arguments, torch tensors; these check nothing."""
from __future__ import annotations

from typing import NamedTuple

import torch

from .params import Params
from .rollout import Trace


class LocalDeltas(NamedTuple):
    """``d_w_o (O, S)``, ``d_b_o (O,)``, ``d_w_c (S, C)``, ``d_w_r (S, S)``, ``d_b_r (S,)``."""
    d_w_o: torch.Tensor
    d_b_o: torch.Tensor
    d_w_c: torch.Tensor
    d_w_r: torch.Tensor
    d_b_r: torch.Tensor


def local_deltas(trace: Trace) -> LocalDeltas:
    """d_w_o = sum_t error[t].T @ tanh(h_prior[t]);  d_b_o = sum_t sum_b error[t];
    d_w_c = sum_t error_h[t].T @ c[t];  d_w_r = sum_{t>=1} error_h[t].T @ tanh(h_post[t-1]);
    d_b_r = sum_t sum_b error_h[t].  ``trace`` from ``rollout`` -> ``LocalDeltas``."""
    error, error_h = trace.error, trace.error_h                            # (T, B, O), (T, B, S)
    d_w_o = torch.einsum("tbo,tbs->os", error, torch.tanh(trace.h_prior))                # (O, S)
    d_b_o = error.sum(dim=(0, 1))                                                         # (O,)
    d_w_c = torch.einsum("tbs,tbc->sc", error_h, trace.c)                                 # (S, C)
    d_w_r = torch.einsum("tbs,tbr->sr", error_h[1:], torch.tanh(trace.h_post[:-1]))      # (S, S)
    d_b_r = error_h.sum(dim=(0, 1))                                                       # (S,)
    return LocalDeltas(d_w_o, d_b_o, d_w_c, d_w_r, d_b_r)


def apply_local_update(params: Params, deltas: LocalDeltas, *, lr_o: float, lr_h: float,
                       lr_c: float) -> Params:
    """``w_o - lr_o d_w_o, b_o - lr_o d_b_o, w_c - lr_c d_w_c, w_r - lr_h d_w_r, b_r - lr_h d_b_r``."""
    return Params(w_o=params.w_o - lr_o * deltas.d_w_o, b_o=params.b_o - lr_o * deltas.d_b_o,
                  w_c=params.w_c - lr_c * deltas.d_w_c, w_r=params.w_r - lr_h * deltas.d_w_r,
                  b_r=params.b_r - lr_h * deltas.d_b_r)


def free_energy(trace: Trace, *, alpha_x: float, alpha_h: float) -> float:
    """``0.5 alpha_x mean_{t,b} ||error||**2 + 0.5 alpha_h mean_{t,b} ||error_h||**2`` as a float."""
    T, B = trace.error.shape[:2]
    sq_error = torch.sum(trace.error ** 2) / (T * B)
    sq_error_h = torch.sum(trace.error_h ** 2) / (T * B)
    return float(0.5 * alpha_x * sq_error + 0.5 * alpha_h * sq_error_h)
