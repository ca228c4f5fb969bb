"""Argument checks for pc_torch: the same rules and messages as ``pc_numpy._checks``.

Tensors keep their floating dtype and device; NumPy arrays and integer tensors become float64.
"""
from __future__ import annotations

import numbers
from typing import Optional, Sequence

import numpy as np
import torch

from pc_numpy._checks import Dim, as_scalar, check_mask, check_shape  # noqa: F401  (as_scalar re-exported)


def as_float_tensor(name: str, value, shape: Optional[Sequence[Dim]] = None,
                    dims: Optional[dict] = None, *, finite: bool = True) -> torch.Tensor:
    """Return ``value`` as a floating tensor after checking type, shape (with symbols) and values."""
    if isinstance(value, np.ma.MaskedArray):
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
    if finite and not bool(torch.isfinite(t.detach()).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return t


def check_generator(name: str, gen) -> torch.Generator:
    """Check that ``gen`` is a ``torch.Generator`` (no global random state is ever used)."""
    if not isinstance(gen, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
                        f"got {type(gen).__name__}")
    return gen


def as_mask_tensor(name: str, value, shape: Optional[Sequence[Dim]], dims: Optional[dict] = None, *,
                   dtype=torch.float64) -> torch.Tensor:
    """A 0/1 mask (``observed``) as a tensor of ``dtype``, checked by ``pc_numpy._checks.check_mask``
    (the same rules and messages)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return torch.as_tensor(check_mask(name, value, shape, dims), dtype=dtype)
