"""The time loop: one step of PC-RNN-HC-A, (1)-(8) in order, and a rollout over a sequence.

Shapes: ``T`` time steps, ``B`` batch, ``O`` output, ``S`` hidden state, ``C`` hidden causes,
``P`` memories.  Arrays are time-major: ``x`` is (T, B, O).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ._checks import as_float_array, as_scalar, check_buffer, check_rng
from .generative import hidden_prior, output_error, prediction
from .inference import causes_bottom_up, causes_noise, hidden_error, hidden_posterior
from .params import Params, check_params
from .prior import causes_prior


class Step(NamedTuple):
    """The values of one time step ``t`` (DESIGN §2); shapes (B, ·)."""
    x_pred: np.ndarray   # (B, O)  prediction (2)
    error: np.ndarray    # (B, O)  output error (3)
    h_prior: np.ndarray  # (B, S)  hidden prior (1)
    h_post: np.ndarray   # (B, S)  hidden posterior (4)
    error_h: np.ndarray  # (B, S)  hidden error (5)
    c: np.ndarray        # (B, C)  causes after (6)-(8): the ``c[t]`` that step t+1 uses


class Trace(NamedTuple):
    """Every step of a rollout, stacked over time (the fields of ``Step`` with a leading ``T``).

    The arrays are read-only: a trace is a record of what happened.  (In generation mode
    ``h_post`` is ``h_prior`` itself, and ``error_h`` and ``c`` are broadcast views of zeros and
    ``c0``: no memory is spent on copies.)
    """
    x_pred: np.ndarray   # (T, B, O)
    error: np.ndarray    # (T, B, O)
    h_prior: np.ndarray  # (T, B, S)
    h_post: np.ndarray   # (T, B, S)
    error_h: np.ndarray  # (T, B, S)
    c: np.ndarray        # (T, B, C)

    @classmethod
    def empty(cls, T: int, B: int, O: int, S: int, C: int) -> "Trace":
        """Uninitialised writeable arrays of a trace's shapes, for ``rollout(..., out=...)``."""
        return cls(np.empty((T, B, O)), np.empty((T, B, O)), np.empty((T, B, S)),
                   np.empty((T, B, S)), np.empty((T, B, S)), np.empty((T, B, C)))


def step(x_t: np.ndarray, h_post_prev: np.ndarray, c_prev: np.ndarray, params: Params, *,
         tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
         sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
         xi_t: Optional[np.ndarray] = None) -> Step:
    """One time step: equations (1)-(8) of DESIGN §2, in order.

        (1) h_prior = (1 - 1/tau) h_post_prev + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r)
        (2) x_pred  = tanh(h_prior) @ w_o.T + b_o
        (3) error   = x_pred - x_t
        (4) h_post  = h_prior - alpha_x (1 - tanh(h_prior)**2) (error @ w_o)
        (5) error_h = h_prior - h_post
        (6) c = c_prev - alpha_h (error_h @ w_c)
        (7) c = c + sigma_r ||error_h|| xi_t
        (8) c = c + alpha_c g(c)

    An update whose rate is zero is the identity and is skipped (so pure generation costs only
    (1)-(3) and (5)); ``tanh(h_prior)`` is computed once, for (2) and (4).  This function does
    not check its arguments: ``rollout`` checks them once.

    where
        x_t         : (B, O)  target at step t
        h_post_prev : (B, S)  ``h_post[t-1]`` (``h0`` at t = 0)
        c_prev      : (B, C)  ``c[t-1]`` (``c0`` at t = 0)
        mus         : (P, C)  prior means, needed when ``alpha_c > 0``
        xi_t        : (B, C)  standard normal draws, needed when ``sigma_r > 0``

    Returns a ``Step``.
    """
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau, check=False)              # (1)
    a = np.tanh(h_prior)                                             # tanh(h_prior), for (2) and (4)
    x_pred = prediction(h_prior, params, a=a, check=False)                                # (2)
    error = output_error(x_pred, x_t, check=False)                                        # (3)
    h_post = (hidden_posterior(h_prior, error, params, alpha_x=alpha_x, a=a, check=False)
              if alpha_x > 0 else h_prior)                                                # (4)
    error_h = hidden_error(h_prior, h_post, check=False)                                  # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, params, alpha_h=alpha_h, check=False)            # (6)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r, check=False)                  # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c, check=False)           # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def check_rates(*, tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c) -> dict:
    """Check the hyper-parameters of §2 and return them as floats (a dict of the same names)."""
    return dict(
        tau=as_scalar("tau", tau, low=1),
        alpha_x=as_scalar("alpha_x", alpha_x, low=0),
        alpha_h=as_scalar("alpha_h", alpha_h, low=0),
        alpha_c=as_scalar("alpha_c", alpha_c, low=0),
        sigma_r=as_scalar("sigma_r", sigma_r, low=0),
        sigma_c=as_scalar("sigma_c", sigma_c, low=0, low_inclusive=False),
    )


def check_initial_state(c0, h0, dims: dict):
    """Check ``c0`` ((B, C) or (C,)) and ``h0`` ((B, S) or (S,)); return both as (B, ·) arrays."""
    c0 = as_float_array("c0", c0)
    if c0.ndim == 1:
        c0 = as_float_array("c0", c0, ("C",), dims)
        c0 = np.broadcast_to(c0, (dims["B"], dims["C"]))
    else:
        c0 = as_float_array("c0", c0, ("B", "C"), dims)
    h0 = as_float_array("h0", h0)
    if h0.ndim == 1:
        h0 = as_float_array("h0", h0, ("S",), dims)
        h0 = np.broadcast_to(h0, (dims["B"], dims["S"]))
    else:
        h0 = as_float_array("h0", h0, ("B", "S"), dims)
    return c0, h0


def rollout(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
            sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
            rng: Optional[np.random.Generator] = None, xi: Optional[np.ndarray] = None,
            out: Optional[Trace] = None) -> Trace:
    """Run ``step`` for t = 0 .. T-1 over a batch of target sequences and record every step.

    With every rate zero (``alpha_x = alpha_h = alpha_c = sigma_r = 0``) this is pure
    generation, the mode used for training: ``c[t] = c0`` and ``h_post = h_prior``.

    The loop calls ``step`` (below, ``_inference``); in generation mode only (1) runs in the
    loop (``_generation``).  What does not change over time is prepared once before the loop
    (DESIGN §9): the weights stored column-major, the drive of (1) in generation mode.

    where
        params  : Params  from ``init_params``; ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``,
                          ``w_r (S, S)``, ``b_r (S,)``
        x       : (T, B, O)  target sequences, time-major
        c0      : (B, C) or (C,)  initial hidden causes (a (C,) vector is shared by all rows)
        h0      : (B, S) or (S,)  initial hidden state
        tau     : float >= 1      time constant
        alpha_x, alpha_h, alpha_c : float >= 0   update rates of (4), (6), (8)
        sigma_r : float >= 0      noise scale of (7)
        sigma_c : float > 0       prior width of (8)
        mus     : (P, C)          prior means, required when ``alpha_c > 0``
        rng     : numpy.random.Generator, draws ``xi`` of shape (T, B, C) at the start (one call)
        xi      : (T, B, C)       the standard normal draws of (7), given explicitly instead of ``rng``
                                  (one of the two is required when ``sigma_r > 0``)
        out     : Trace           optional, from ``Trace.empty(T, B, O, S, C)``: the arrays to
                                  write the trace into instead of new ones (retrieval reuses one
                                  per trial).  It must not share memory with ``x``, ``c0`` or
                                  ``h0``.  In generation mode only ``x_pred``, ``error`` and
                                  ``h_prior`` are written.  (pc_torch has no ``out``.)

    Returns a ``Trace``: ``x_pred (T, B, O)``, ``error (T, B, O)``, ``h_prior (T, B, S)``,
    ``h_post (T, B, S)``, ``error_h (T, B, S)``, ``c (T, B, C)`` (``c[t]`` after step t).  Its
    arrays are read-only, except when they are ``out``'s (they are then the caller's).
    """
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_array("x", x, ("T", "B", "O"), dims)
    c0, h0 = check_initial_state(c0, h0, dims)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    T, B, O, S, C = (dims[k] for k in "TBOSC")
    if rates["alpha_c"] > 0:
        if mus is None:
            raise ValueError("mus (the prior means, shape (P, C)) is required when alpha_c > 0")
        mus = as_float_array("mus", mus, ("P", "C"), dims)
    elif mus is not None:
        mus = as_float_array("mus", mus, ("P", "C"), dims)
    if xi is not None and rng is not None:
        raise ValueError("give either rng or xi (the noise draws of (7)), not both")
    if xi is not None:
        xi = as_float_array("xi", xi, ("T", "B", "C"), dims)
    elif rng is not None:
        check_rng("rng", rng)
        if rates["sigma_r"] > 0:
            xi = rng.standard_normal((T, B, C))                                           # (T, B, C)
    elif rates["sigma_r"] > 0:
        raise ValueError("sigma_r > 0 needs the noise of (7): pass rng (a numpy.random.Generator) "
                         "or xi (standard normal draws of shape (T, B, C))")
    if out is None:
        trace = Trace.empty(T, B, O, S, C)
    else:
        trace = check_out(out, dims, inputs=dict(x=x, c0=c0, h0=h0))

    if all(rates[k] == 0 for k in ("alpha_x", "alpha_h", "alpha_c", "sigma_r")):
        trace = _generation(params, x, c0, h0, tau=rates["tau"], out=trace)
    else:
        trace = _inference(params, x, c0, h0, rates=rates, mus=mus, xi=xi, out=trace)
    return trace if out is not None else _read_only(trace)


def check_out(out, dims: dict, inputs: dict, name: str = "out") -> Trace:
    """Check ``rollout``'s ``out``: a ``Trace`` of writeable float64 arrays of the rollout's
    shapes, sharing no memory with the inputs.  Returns it."""
    if not isinstance(out, Trace):
        raise TypeError(f"{name} must be a Trace (from Trace.empty(T, B, O, S, C)), got {type(out).__name__}")
    for field, last in zip(Trace._fields, "OOSSSC"):
        check_buffer(f"{name}.{field}", getattr(out, field), (dims["T"], dims["B"], dims[last]), inputs)
    return out


def _read_only(trace: Trace) -> Trace:
    for a in trace:
        a.flags.writeable = False
    return trace


def _column_major(params: Params) -> Params:
    """The same parameters with each weight matrix stored column-major (Fortran order).

    The rules multiply by transposed weights (``a @ w_r.T``); on a C-ordered ``w_r`` that is a
    transposed view, for which BLAS takes a slower path (11.6 instead of 8.5 us for
    (80, 50) @ (50, 50)).  Stored column-major, ``w_r.T`` is a C-ordered array: the same numbers,
    the same formula, the fast path.  The rollout makes this copy once, before its loop.
    """
    return Params(*(np.asfortranarray(p) if p.ndim == 2 else p for p in params))


def _inference(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, rates: dict,
               mus: Optional[np.ndarray], xi: Optional[np.ndarray], out: Trace) -> Trace:
    """``rollout`` with inference on: ``step`` for t = 0 .. T-1, each step recorded in ``out``.
    ``rates``: the checked ``tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c`` (``check_rates``)."""
    params = _column_major(params)                                       # once, before the loop
    h_post, c = h0, c0
    for t in range(x.shape[0]):
        now = step(x[t], h_post, c, params, mus=mus, xi_t=None if xi is None else xi[t], **rates)
        (out.x_pred[t], out.error[t], out.h_prior[t],
         out.h_post[t], out.error_h[t], out.c[t]) = now                                   # record step t
        h_post, c = now.h_post, now.c
    return out


def _generation(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
                out: Trace, a_out: Optional[np.ndarray] = None) -> Trace:
    """``rollout`` in pure generation mode (every rate zero), the training forward pass.

    Then ``h_post = h_prior``, ``error_h = 0`` and ``c[t] = c0``: (4)-(8) are the identity, and
    nothing computed from the prediction feeds back into the recursion.  So only (1) runs in the
    time loop, with its drive ``c0 @ w_c.T + b_r`` (the same at every step) computed once, and
    ``tanh(h_prior[t])`` computed once for (1) at step t+1 (where it is ``tanh(h_post[t])``) and
    for (2); (2) and (3) are applied to all T steps at once after the loop (a batch of T matrix
    products: the same numbers as ``step`` run T times).  ``out.h_post``, ``out.error_h`` and
    ``out.c`` are not written: the returned trace has ``h_post = h_prior`` itself and broadcast
    views of zeros and ``c0``.

    ``a_out`` (optional, (T + 1, B, S)) receives ``tanh(h0)`` and every ``tanh(h_prior[t])``:
    the backward pass of training needs them (``bptt.forward``).
    """
    T, B, S = out.h_prior.shape
    params = _column_major(params)                                       # once, before the loop
    drive = c0 @ params.w_c.T + params.b_r                        # (B, S), constant over time: hoisted
    a = np.empty((T + 1, B, S)) if a_out is None else a_out       # a[t + 1] = tanh(h_prior[t])
    h = h0
    a[0] = np.tanh(h0)
    for t in range(T):
        h = out.h_prior[t] = hidden_prior(h, c0, params, tau=tau, drive=drive, a=a[t],
                                          check=False)                                     # (1)
        np.tanh(h, out=a[t + 1])                          # for (2), and for (1) at the next step
    out.x_pred[...] = prediction(out.h_prior, params, a=a[1:], check=False)               # (2)
    np.subtract(out.x_pred, x, out=out.error)                                             # (3)
    return Trace(out.x_pred, out.error, out.h_prior, out.h_prior,
                 np.broadcast_to(0.0, out.h_prior.shape), np.broadcast_to(c0, (T,) + c0.shape))


def generate(params: Params, c0: np.ndarray, h0: np.ndarray, *, tau: float, steps: int) -> np.ndarray:
    """Generate ``steps`` outputs from hidden causes ``c0`` (pure generation, no target).

    where  c0 : (B, C) or (C,);  h0 : (B, S) or (S,);  tau >= 1;  steps = T >= 1.
    Returns ``x_pred`` of shape (T, B, O) (B = 1 when both ``c0`` and ``h0`` are vectors).
    """
    T = as_scalar("steps", steps, low=1, integer=True)
    dims: dict = {}
    params = check_params(params, dims)
    c0a, h0a = as_float_array("c0", c0), as_float_array("h0", h0)
    rows = [a.shape[0] for a in (c0a, h0a) if a.ndim == 2]
    dims["B"] = rows[0] if rows else 1
    dims["_src_B"] = "c0" if c0a.ndim == 2 else "h0"
    c0, h0 = check_initial_state(c0a, h0a, dims)
    x = np.zeros((T, dims["B"], dims["O"]))
    return rollout(params, x, c0, h0, tau=tau).x_pred
