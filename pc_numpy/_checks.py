"""Argument checks shared by every public function.

Each check names the argument it looks at and says what was expected, so that a wrong call
teaches rather than confuses: ``ValueError`` for a wrong value or shape, ``TypeError`` for a
wrong type.  The checks run once per public call, never inside a time loop.
"""
from __future__ import annotations

import numbers
from typing import Optional, Sequence, Tuple, Union

import numpy as np

Dim = Union[int, str, None]   # an exact size, a symbol to agree across arguments, or any size


def _describe_shape(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name: str, got: tuple, shape: Sequence[Dim], dims: Optional[dict]) -> None:
    """Check the shape ``got`` of argument ``name`` against ``shape`` (ints exact, ``None`` any,
    symbols recorded in ``dims`` the first time and required to agree afterwards)."""
    if len(got) != len(shape):
        raise ValueError(f"{name} must have shape {_describe_shape(shape)} ({len(shape)}-D), "
                         f"got shape {got}")
    for want, size in zip(shape, got):
        if isinstance(want, str):
            if dims is None:
                continue
            if want in dims and dims[want] != size:
                raise ValueError(f"{name} must have shape {_describe_shape(shape)} with "
                                 f"{want} = {dims[want]} (from {dims.get('_src_' + want, 'an earlier argument')}), "
                                 f"got shape {got}")
            if want not in dims:
                dims[want] = size
                dims["_src_" + want] = name
        elif want is not None and want != size:
            raise ValueError(f"{name} must have shape {_describe_shape(shape)}, got shape {got}")


def as_float_array(name: str, value, shape: Optional[Sequence[Dim]] = None,
                   dims: Optional[dict] = None, *, finite: bool = True,
                   allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array after checking its type, shape and values.

    ``shape`` lists the expected sizes: an ``int`` is exact, ``None`` is any size, a ``str`` is a
    symbol (``"B"``, ``"S"``...) whose size is recorded in ``dims`` the first time it is seen and
    must agree afterwards, so that arguments can be checked against each other.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (np.ndarray, numbers.Real, list, tuple)):
        raise TypeError(f"{name} must be a numpy array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numpy array of real numbers ({exc})") from None
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if shape is not None:
        check_shape(name, tuple(arr.shape), shape, dims)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_scalar(name: str, value, *, low: Optional[float] = None, low_inclusive: bool = True,
              high: Optional[float] = None, integer: bool = False) -> float:
    """Return ``value`` as a Python number after checking it is a finite real (>= or > ``low``,
    and <= ``high`` if given)."""
    ok_types = (numbers.Integral,) if integer else (numbers.Real,)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, ok_types):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    if isinstance(value, np.ndarray):  # 0-d arrays count as numbers.Real only via np.generic
        value = value.item()
    number = int(value) if integer else float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None:
        if low_inclusive and number < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
        if not low_inclusive and number <= low:
            raise ValueError(f"{name} must be > {low}, got {value}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return number


def check_mask(name: str, value, shape: Sequence[Dim], dims: Optional[dict] = None) -> np.ndarray:
    """Return a mask of 0/1 (``observed``) as a float64 array after checking its shape and that
    every entry is 0 or 1 (booleans are accepted here)."""
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        value = value.astype(np.float64)
    arr = as_float_array(name, value, shape, dims)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError(f"{name} must hold only 0 (not observed) and 1 (observed), "
                         f"got values such as {arr[~np.isin(arr, (0.0, 1.0))].flat[0]!r}")
    return arr


def check_rng(name: str, rng) -> np.random.Generator:
    """Check that ``rng`` is a ``numpy.random.Generator`` (no global random state is ever used)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
                        f"got {type(rng).__name__}")
    return rng


def shape_of(dims: dict, *symbols: str) -> Tuple[int, ...]:
    """The sizes recorded in ``dims`` for ``symbols``."""
    return tuple(dims[s] for s in symbols)
