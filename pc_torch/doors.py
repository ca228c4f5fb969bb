"""The doors of pc_torch's entry points: the same checks, rules and messages as
``pc_numpy.tools.doors`` (whose primitives, ``pc_numpy.tools.checks``, they share: machinery,
not model), for tensors.

Tensors keep their floating dtype; NumPy arrays and integer tensors become float64.  Every
tensor is moved to the device and dtype of the parameters (torch does not promote a float32
tensor against a float64 one), and the noise of (7) is drawn there, so that a model on a GPU
runs there from end to end.
"""
from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping
from typing import Optional, Sequence

import numpy as np
import torch

from pc_numpy.tools.checks import (Dim, as_scalar, check_mask, check_memory, check_rates,  # noqa: F401
                                   check_shape, trace_bytes)
from pc_numpy.tools.doors import NO_FACTORS, PARAM_SHAPES, adam_settings


def as_float_tensor(name: str, value, shape: Optional[Sequence[Dim]] = None,
                    dims: Optional[dict] = None, *, finite: bool = True, device=None,
                    dtype=None) -> torch.Tensor:
    """Return ``value`` as a floating tensor (on ``device`` and of ``dtype`` if given) after
    checking type, shape (with symbols) and values."""
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(value, ma.MaskedArray):
        raise TypeError(f"{name} is a masked array: masks are not supported (the masked values "
                        f"would be used as if they were data); pass {name}.filled(...) or drop "
                        f"the masked entries")
    if isinstance(value, torch.Tensor):
        t = value
        if t.dtype == torch.bool or t.is_complex():
            raise TypeError(f"{name} must hold real numbers (float or int), got dtype {t.dtype}")
        if not t.is_floating_point():
            t = t.to(torch.float64)
    elif isinstance(value, np.ndarray) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        arr = np.asarray(value)
        if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers (float or int), got dtype {arr.dtype}")
        t = torch.as_tensor(arr.astype(np.float64, copy=False))
    else:
        raise TypeError(f"{name} must be a torch tensor of real numbers, got {type(value).__name__}")
    if shape is not None:
        check_shape(name, tuple(t.shape), shape, dims)
    if t.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(t.shape)}")
    if t.is_meta:
        raise ValueError(f"{name} is on the 'meta' device: it holds no values")
    if finite and not bool(torch.isfinite(t.detach()).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return t if device is None and dtype is None else t.to(device=device, dtype=dtype)


def check_generator(name: str, gen, device=None) -> torch.Generator:
    """Check that ``gen`` is a ``torch.Generator`` (no global random state is ever used), on
    ``device`` if given (a generator draws on its own device only)."""
    if not isinstance(gen, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
                        f"got {type(gen).__name__}")
    if device is not None and torch.device(gen.device).type != torch.device(device).type:
        raise ValueError(f"{name} is a generator on {gen.device}, but the tensors are on {device}: "
                         f"make it with torch.Generator(device={str(device)!r})")
    return gen


def as_mask_tensor(name: str, value, shape: Optional[Sequence[Dim]], dims: Optional[dict] = None, *,
                   dtype=torch.float64, device=None) -> torch.Tensor:
    """A 0/1 mask (``observed``) as a tensor of ``dtype``, checked by ``pc_numpy``'s ``check_mask``
    (the same rules and messages)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return torch.as_tensor(check_mask(name, value, shape, dims), dtype=dtype, device=device)


def check_params(params, kind: type, dims: Optional[dict] = None, name: str = "params"):
    """Check ``params`` is a ``kind`` (``pc_torch.Params`` or ``pc_torch.hcm.Params``) of finite
    tensors whose shapes agree (on the device of ``w_o``); record O, S, C (and F)."""
    if type(params) is not kind:
        got = f"{type(params).__module__}.{type(params).__qualname__}"
        where = kind.__module__.replace(".params", "")
        raise TypeError(f"{name} must be a {where}.Params (from {where}.init_params), got {got}")
    dims = {} if dims is None else dims
    device = params[0].device if isinstance(params[0], torch.Tensor) else None
    dtype = params[0].dtype if isinstance(params[0], torch.Tensor) else None
    return kind(*(as_float_tensor(f"{name}.{field}", value, PARAM_SHAPES[field], dims, device=device,
                                  dtype=dtype)
                  for field, value in zip(params._fields, params)))


def init_params_args(causes_dim, states_dim, output_dim, rng, factor_dim=NO_FACTORS) -> tuple:
    """As ``pc_numpy.tools.doors.init_params_args``, with a ``torch.Generator``."""
    C = as_scalar("causes_dim", causes_dim, low=1, integer=True)
    S = as_scalar("states_dim", states_dim, low=1, integer=True)
    O = as_scalar("output_dim", output_dim, low=1, integer=True)
    F = 0 if factor_dim is NO_FACTORS else as_scalar("factor_dim", factor_dim, low=1, integer=True)
    check_memory("init_params", 8 * (O * S + O + S * C + S * S + S + 3 * S * F + C * F),
                 dict(states_dim=S, causes_dim=C, output_dim=O))
    check_generator("rng", rng)
    return (C, S, O) if factor_dim is NO_FACTORS else (C, S, O, F)


def initial_state(c0, h0, dims: dict, device=None, dtype=None):
    """``c0`` (B, C) or (C,), ``h0`` (B, S) or (S,) -> both as (B, ·) tensors."""
    c0 = as_float_tensor("c0", c0, device=device, dtype=dtype)
    c0 = as_float_tensor("c0", c0, ("C",) if c0.dim() == 1 else ("B", "C"), dims)
    h0 = as_float_tensor("h0", h0, device=device, dtype=dtype)
    h0 = as_float_tensor("h0", h0, ("S",) if h0.dim() == 1 else ("B", "S"), dims)
    return c0.expand(dims["B"], dims["C"]), h0.expand(dims["B"], dims["S"])


def rollout_args(params, x, c0, h0, kind: type, *, tau, alpha_x, alpha_h, alpha_c, sigma_r,
                 sigma_c, mus, rng, xi, observed) -> tuple:
    """Every argument of ``pc_torch.rollout`` (either model), checked once; every tensor on the
    parameters' device, the noise of (7) drawn there.  Returns ``(params, x, c0, h0, mus, xi,
    observed)`` as ``pc_numpy.tools.doors.rollout_args`` does."""
    dims: dict = {}
    params = check_params(params, kind, dims)
    device, dtype = params.w_o.device, params.w_o.dtype
    x = as_float_tensor("x", x, ("T", "B", "O"), dims, device=device, dtype=dtype)
    c0, h0 = initial_state(c0, h0, dims, device, dtype)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    T, B, C = dims["T"], dims["B"], dims["C"]
    check_memory("rollout", trace_bytes(T, B, dims["O"], dims["S"], C),
                 dict(x=f"{T}x{B}x{dims['O']} (T x B x O)", h0=f"S={dims['S']}"))
    if mus is not None or rates["alpha_c"] > 0:
        if mus is None:
            raise ValueError("mus (the prior means, shape (P, C)) is required when alpha_c > 0")
        mus = as_float_tensor("mus", mus, ("P", "C"), dims, device=device, dtype=dtype)
    if xi is not None and rng is not None:
        raise ValueError("give either rng or xi (the noise draws of (7)), not both")
    if xi is not None:
        xi = as_float_tensor("xi", xi, ("T", "B", "C"), dims, device=device, dtype=dtype)
    elif rng is not None:
        check_generator("rng", rng, device)
        if rates["sigma_r"] > 0:
            xi = torch.randn(T, B, C, generator=rng, dtype=x.dtype, device=device)       # (T, B, C)
    elif rates["sigma_r"] > 0:
        raise ValueError("sigma_r > 0 needs the noise of (7): pass rng (a torch.Generator) "
                         "or xi (standard normal draws of shape (T, B, C))")
    if observed is not None:
        observed = as_mask_tensor("observed", observed, None)
        if observed.dim() == 1:
            observed = as_mask_tensor("observed", observed, ("T",), dims, dtype=x.dtype,
                                      device=device)[:, None].expand(T, B)
        else:
            observed = as_mask_tensor("observed", observed, ("T", "B"), dims, dtype=x.dtype, device=device)
    return params, x, c0, h0, mus, xi, observed


def generate_args(params, c0, h0, kind: type, *, tau, steps) -> tuple:
    """``pc_torch.generate``'s arguments: ``(params, x, c0, h0)``, ``x`` a zero target (T, B, O)."""
    T = as_scalar("steps", steps, low=1, integer=True)
    as_scalar("tau", tau, low=1)
    dims: dict = {}
    params = check_params(params, kind, dims)
    c0t, h0t = as_float_tensor("c0", c0), as_float_tensor("h0", h0)
    B = c0t.shape[0] if c0t.dim() == 2 else (h0t.shape[0] if h0t.dim() == 2 else 1)
    check_memory("generate", 8 * T * B * dims["O"] + trace_bytes(T, B, dims["O"], dims["S"], dims["C"]),
                 dict(steps=T, batch=B))
    x = torch.zeros(T, B, dims["O"], dtype=params.w_o.dtype, device=params.w_o.device)
    return params, x, c0, h0


def loss_and_grads_args(params, x, c0, h0, kind: type, *, tau, observed) -> tuple:
    """``pc_torch.loss_and_grads``' arguments: ``(params, x, c0, h0, observed)``, with ``c0`` and
    ``h0`` as given (a vector keeps its shape, so that autograd sums its gradient), ``observed``
    as (T, B) or None."""
    dims: dict = {}
    params = check_params(params, kind, dims)
    device, dtype = params.w_o.device, params.w_o.dtype
    x = as_float_tensor("x", x, ("T", "B", "O"), dims, device=device, dtype=dtype)
    initial_state(c0, h0, dims, device, dtype)
    as_scalar("tau", tau, low=1)
    T, B = dims["T"], dims["B"]
    if observed is not None:
        observed = as_mask_tensor("observed", observed, None)
        shape = ("T",) if observed.dim() == 1 else ("T", "B")
        observed = as_mask_tensor("observed", observed, shape, dims, dtype=x.dtype, device=device)
        observed = observed[:, None].expand(T, B) if observed.dim() == 1 else observed
        if not bool(observed.any()):
            raise ValueError("observed must mark at least one step as observed (1): the loss is a "
                             "mean over the observed entries")
    c0 = as_float_tensor("c0", c0, device=device, dtype=dtype)
    h0 = as_float_tensor("h0", h0, device=device, dtype=dtype)
    return params, x, c0, h0, observed


def adam_args(values, **settings) -> dict:
    """``pc_torch.Adam``'s arguments: a non-empty dict of name -> finite tensor, the settings
    by ``pc_numpy``'s ``adam_settings``.  Returns ``(values, (lr, betas, eps, weight_decay))``."""
    if not isinstance(values, Mapping) or not values:
        raise TypeError("values must be a non-empty dict of name -> tensor")
    checked = adam_settings(**settings)
    return {name: as_float_tensor(f"values[{name!r}]", v) for name, v in values.items()}, checked


def check_dtype_device(dtype, device) -> None:
    """``dtype`` torch.float32 or torch.float64; ``device`` None or a device torch knows and can
    use here (so that a bad one is named at the door, not as torch's error midway)."""
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    if device is None:
        return
    if not isinstance(device, (str, torch.device, int)) or isinstance(device, bool):
        raise TypeError(f"device must be None, a str or a torch.device, got {type(device).__name__}")
    try:
        where = torch.device(device)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', got {device!r} "
                         f"({exc})") from None
    if where.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: CUDA is not available on this machine")
