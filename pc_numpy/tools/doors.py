"""The doors of the model: the one argument check at the top of each of its entry points.

``init_params``, ``rollout``, ``generate`` and ``loss_and_grads`` (and their PC-RNN-HC-M
versions) each start with one call to a function here, which a debugger steps over with ``n``.
It checks every argument once, names the one that is wrong (``ValueError`` for a value or a
shape, ``TypeError`` for a type), refuses a call too large for memory (``TooLarge``) before
anything is allocated, and returns the arrays ready for the formulas: as float64, or float32
when they are float32 (the dtype follows the data), ``c0``/``h0`` given as vectors broadcast to
one row per sequence, the noise of (7) drawn, the mask as (T, B).

The checks are light: they import nothing, and they compute nothing about blame unless
something is wrong.  An overflow inside the model is not looked for here: the entry point runs
the model under ``np.errstate(over="raise", invalid="raise")``, NumPy raises on the line of the
equation, and the entry point turns that into ``NumericalError`` (``checks.overflow_error``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import numpy as np

from .checks import (as_float_array, as_scalar, check_mask, check_memory, check_rates, check_rng,
                     check_shape, trace_bytes)

# The shape of every parameter of both models, by name (docs/model.md §2, §2b).
PARAM_SHAPES = dict(w_o=("O", "S"), b_o=("O",), w_c=("S", "C"), w_r=("S", "S"), b_r=("S",),
                    w_pd=("S", "F"), w_fd=("S", "F"), w_cd=("C", "F"))
# ... and of a stack of Z models of PC-RNN-HC-A (pc_numpy.params): a leading Z, biases (Z, 1, .)
STACK_SHAPES = {name: ("Z", 1, *shape) if len(shape) == 1 else ("Z", *shape) for name, shape in PARAM_SHAPES.items()}


def check_params(params, kind: type, dims: Optional[dict] = None, name: str = "params",
                 lead: tuple = ()):
    """Check ``params`` is a ``kind`` (``pc_numpy.Params`` or ``pc_numpy.hcm.Params``) of finite
    real arrays whose shapes agree; record ``O, S, C`` (and ``F``) in ``dims``; return it with
    float arrays.  ``lead=("Z",)``: a stack of Z models, every weight (Z, ·, ·), every bias (Z, 1, ·)."""
    if type(params) is not kind:
        got = f"{type(params).__module__}.{type(params).__qualname__}"
        raise TypeError(f"{name} must be a {kind.__module__.replace('.params', '')}.Params (from "
                        f"{kind.__module__.replace('.params', '')}.init_params), got {got}")
    dims = {} if dims is None else dims
    arrays = []
    shapes = STACK_SHAPES if lead else PARAM_SHAPES
    for field, value in zip(params._fields, params):
        arrays.append(as_float_array(f"{name}.{field}", value, shapes[field], dims))
    return kind(*arrays)


NO_FACTORS = object()      # HC-A's init_params passes no factor_dim (HC-M's may pass None: refused)


def init_params_args(causes_dim, states_dim, output_dim, rng, factor_dim=NO_FACTORS) -> tuple:
    """``init_params``' arguments: sizes as ints >= 1, ``rng`` a ``numpy.random.Generator``,
    the parameters within the memory budget.  Returns ``(C, S, O)`` (and ``F`` if given)."""
    C = as_scalar("causes_dim", causes_dim, low=1, integer=True)
    S = as_scalar("states_dim", states_dim, low=1, integer=True)
    O = as_scalar("output_dim", output_dim, low=1, integer=True)
    F = 0 if factor_dim is NO_FACTORS else as_scalar("factor_dim", factor_dim, low=1, integer=True)
    check_rng("rng", rng)
    check_memory("init_params", 8 * (O * S + O + S * C + S * S + S + 3 * S * F + C * F),
                 dict(states_dim=S, causes_dim=C, output_dim=O))
    return (C, S, O) if factor_dim is NO_FACTORS else (C, S, O, F)


def initial_state(c0, h0, dims: dict, lead: tuple = ()):
    """``c0`` ((B, C) or (C,)) and ``h0`` ((B, S) or (S,)) as (B, ·) arrays; a vector is shared
    by every row.  A stack (``lead=("Z",)``): ``c0 (Z, B, C)``, ``h0 (Z, S)`` or ``(Z, B, S)``."""
    c0, h0 = as_float_array("c0", c0), as_float_array("h0", h0)
    check_shape("c0", c0.shape, ("C",) if c0.ndim == 1 and not lead else (*lead, "B", "C"), dims)
    check_shape("h0", h0.shape, (*lead, "S") if h0.ndim == 1 + len(lead) else (*lead, "B", "S"), dims)
    if c0.ndim == 1:
        c0 = c0[None].repeat(dims["B"], axis=0)                                           # (B, C)
    if h0.ndim == 1 + len(lead):
        h0 = h0[..., None, :].repeat(dims["B"], axis=-2)                                  # (B, S)
    return c0, h0


def observed_mask(observed, dims: dict, dtype) -> Optional[np.ndarray]:
    """``observed``: None, or 0/1 of shape (T,) (the same for every row) or (T, B); as (T, B)."""
    if observed is None:
        return None
    observed = check_mask("observed", observed, None)
    if observed.ndim == 1:
        observed = check_mask("observed", observed, ("T",), dims)
        return observed[:, None].repeat(dims["B"], axis=1).astype(dtype)                  # (T, B)
    return check_mask("observed", observed, ("T", "B"), dims).astype(dtype)               # (T, B)


def noise(sigma_r: float, rng, xi, dims: dict, dtype) -> Optional[np.ndarray]:
    """The draws ``xi (T, B, C)`` of (7): given, drawn from ``rng`` (one call), or None when
    ``sigma_r = 0``."""
    if xi is not None and rng is not None:
        raise ValueError("give either rng or xi (the noise draws of (7)), not both")
    if xi is not None:
        return as_float_array("xi", xi, ("T", *dims["_lead"], "B", "C"), dims)
    if rng is not None:
        check_rng("rng", rng)
        if sigma_r > 0:
            return rng.standard_normal((dims["T"], *dims["_sizes"], dims["B"], dims["C"]), dtype=dtype)  # (T, B, C)
        return None
    if sigma_r > 0:
        raise ValueError("sigma_r > 0 needs the noise of (7): pass rng (a numpy.random.Generator) "
                         "or xi (standard normal draws of shape (T, B, C))")
    return None


def rollout_args(params, x, c0, h0, kind: type, *, tau, alpha_x, alpha_h, alpha_c, sigma_r,
                 sigma_c, mus, rng, xi, observed) -> tuple:
    """Every argument of ``rollout`` (either model; ``kind`` its ``Params``), checked once.

    Returns ``(params, x, c0, h0, rates, mus, xi, observed)``: ``x (T, B, O)``, ``c0 (B, C)``,
    ``h0 (B, S)``, ``rates`` a dict of ``tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c`` as
    floats, ``mus (P, C)`` or None, ``xi (T, B, C)`` or None, ``observed (T, B)`` or None.
    """
    # a stack of HC-A models: its three weights 3-D (HC-M's equations take none: refused by shape)
    stack = type(params) is kind and "w_r" in kind._fields and getattr(params.w_o, "ndim", 0) == 3
    lead = ("Z",) if stack and getattr(params.w_c, "ndim", 0) == getattr(params.w_r, "ndim", 0) == 3 else ()
    dims: dict = {"_lead": lead}
    params = check_params(params, kind, dims, lead=lead)
    x = as_float_array("x", x, ("T", *lead, "B", "O"), dims, finite=False)  # finite: after the budget
    dims["_sizes"] = x.shape[1:-2]                                       # (Z,) for a stack, else ()
    c0, h0 = initial_state(c0, h0, dims, lead)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    if mus is not None or rates["alpha_c"] > 0:
        if mus is None:
            raise ValueError("mus (the prior means, shape (P, C)) is required when alpha_c > 0")
        mus = as_float_array("mus", mus, (*lead, "P", "C"), dims)
    T, B, O, S, C = dims["T"], dims["B"] * dims.get("Z", 1), dims["O"], dims["S"], dims["C"]
    check_memory("rollout", trace_bytes(T, B, O, S, C), dict(x=x.shape, h0=h0.shape))
    if not np.logical_and.reduce(np.isfinite(x), axis=None):   # (a huge broadcast view: budget first)
        raise ValueError("x must be finite (no NaN or inf)")
    xi = noise(rates["sigma_r"], rng, xi, dims, x.dtype)
    observed = observed_mask(observed, dims, x.dtype)
    return params, x, c0, h0, rates, mus, xi, observed


def generate_args(params, c0, h0, kind: type, *, tau, steps) -> tuple:
    """``generate``'s arguments (either model): returns ``(params, x, c0, h0)`` with ``x`` a zero
    target (T, B, O), ``B`` from whichever of ``c0``, ``h0`` has rows (1 if neither)."""
    T = as_scalar("steps", steps, low=1, integer=True)
    as_scalar("tau", tau, low=1)
    dims: dict = {}
    params = check_params(params, kind, dims)
    c0a, h0a = as_float_array("c0", c0), as_float_array("h0", h0)
    rows = [a.shape[0] for a in (c0a, h0a) if a.ndim == 2]
    dims["B"] = rows[0] if rows else 1
    c0, h0 = initial_state(c0a, h0a, dims)
    check_memory("generate", trace_bytes(T, dims["B"], dims["O"], dims["S"], dims["C"]), dict(steps=T))
    return params, np.zeros((T, dims["B"], dims["O"]), dtype=params.w_o.dtype), c0, h0


def loss_and_grads_args(params, x, c0, h0, kind: type, *, tau, observed) -> tuple:
    """``loss_and_grads``' arguments (either model), checked once.  Returns ``(params, x, c0, h0,
    observed, c0_vector, h0_vector)``; ``c0_vector``: ``c0`` was given as one (C,) vector shared
    by every row (its gradient is then summed over the batch), likewise ``h0_vector``."""
    dims: dict = {}
    params = check_params(params, kind, dims)
    x = as_float_array("x", x, ("T", "B", "O"), dims)
    c0, h0 = as_float_array("c0", c0), as_float_array("h0", h0)
    c0_vector, h0_vector = c0.ndim == 1, h0.ndim == 1
    c0, h0 = initial_state(c0, h0, dims)
    as_scalar("tau", tau, low=1)
    observed = observed_mask(observed, dims, x.dtype)
    if observed is not None and not observed.any():
        raise ValueError("observed must mark at least one step as observed (1): the loss is a "
                         "mean over the observed entries")
    T, B, O, S, C = dims["T"], dims["B"], dims["O"], dims["S"], dims["C"]
    check_memory("loss_and_grads", trace_bytes(T, B, O, S, C) + 8 * T * B * 4 * S,
                 dict(x=f"{T}x{B}x{O} (T x B x O)", h0=f"S={S}"))
    return params, x, c0, h0, observed, c0_vector, h0_vector


def adam_settings(*, lr, betas, eps, weight_decay) -> tuple:
    """Adam's settings (both backends): returns ``(lr, (beta1, beta2), eps, weight_decay)``."""
    lr = as_scalar("lr", lr, low=0, low_inclusive=False)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    beta1 = as_scalar("betas[0]", betas[0], low=0)
    beta2 = as_scalar("betas[1]", betas[1], low=0)
    for name, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
        if beta >= 1:
            raise ValueError(f"{name} must be in [0, 1), got {beta}")
    eps = as_scalar("eps", eps, low=0, low_inclusive=False)
    weight_decay = as_scalar("weight_decay", weight_decay, low=0)
    return lr, (beta1, beta2), eps, weight_decay


def adam_args(values, **settings) -> dict:
    """``Adam(values, lr=, betas=, eps=, weight_decay=)``: ``values`` a non-empty dict of name ->
    finite array, the settings by ``adam_settings``.  Returns ``(values, settings)``: the values
    as float arrays, the settings as ``adam_settings`` returns them."""
    if not isinstance(values, Mapping) or not values:
        raise TypeError("values must be a non-empty dict of name -> numpy array")
    checked = adam_settings(**settings)
    return {name: as_float_array(f"values[{name!r}]", v) for name, v in values.items()}, checked

