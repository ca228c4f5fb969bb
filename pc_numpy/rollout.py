"""The time loop: one step of PC-RNN-HC-A, (1)-(8) in order, and a rollout over a sequence.

Shapes: ``T`` time steps, ``B`` batch, ``O`` output, ``S`` hidden state, ``C`` hidden causes,
``P`` memories.  Arrays are time-major: ``x`` is (T, B, O).  The equations are those of
docs/model.md §2; each is one function of ``generative``, ``inference`` or ``prior``, and this
module only calls them.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ._checks import (as_float_array, as_scalar, check_mask, check_memory, check_rates,
                      check_rng, check_trace, trace_bytes)
from .generative import hidden_prior, output_error, prediction
from .inference import causes_bottom_up, causes_noise, hidden_error, hidden_posterior
from .params import Params, check_params
from .prior import causes_prior


class Step(NamedTuple):
    """The values of one time step ``t`` (docs/model.md §2); shapes (B, ·)."""
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


def step(x_t: np.ndarray, h_post_prev: np.ndarray, c_prev: np.ndarray, params: Params, *,
         tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
         sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
         xi_t: Optional[np.ndarray] = None, observed_t: Optional[np.ndarray] = None) -> Step:
    """One time step: equations (1)-(8) of docs/model.md §2, in order.

        (1) h_prior = (1 - 1/tau) h_post_prev + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r)
        (2) x_pred  = tanh(h_prior) @ w_o.T + b_o
        (3) error   = x_pred - x_t                       (times observed_t, if given)
        (4) h_post  = h_prior - alpha_x (1 - tanh(h_prior)**2) (error @ w_o)
        (5) error_h = h_prior - h_post
        (6) c = c_prev - alpha_h (error_h @ w_c)
        (7) c = c + sigma_r ||error_h|| xi_t
        (8) c = c + alpha_c g(c)

    An update whose rate is zero is the identity and is skipped.  This function does not check
    its arguments: ``rollout`` checks them once.  (In pure generation, every rate zero, ``rollout``
    runs only (1) in its loop and applies (2)-(3) to all steps at once afterwards: nothing they
    compute feeds back.  The numbers are those of this function.)

    where
        x_t         : (B, O)  target at step t
        h_post_prev : (B, S)  ``h_post[t-1]`` (``h0`` at t = 0)
        c_prev      : (B, C)  ``c[t-1]`` (``c0`` at t = 0)
        mus         : (P, C)  prior means, needed when ``alpha_c > 0``
        xi_t        : (B, C)  standard normal draws, needed when ``sigma_r > 0``
        observed_t  : (B,)    optional 0/1 mask of (3): 1 where step t of the target is observed

    Returns a ``Step``.
    """
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau, check=False)              # (1)
    x_pred = prediction(h_prior, params, check=False)                                     # (2)
    error = output_error(x_pred, x_t, observed=observed_t, check=False)                   # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x, check=False)   # (4)
    error_h = hidden_error(h_prior, h_post, check=False)                                  # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, params, alpha_h=alpha_h, check=False)            # (6)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r, check=False)                  # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c, check=False)           # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


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


def check_observed(observed, dims: dict) -> Optional[np.ndarray]:
    """``observed``: None, or 0/1 of shape (T,) (the same for every row) or (T, B); as (T, B)."""
    if observed is None:
        return None
    observed = check_mask("observed", observed, None)
    if observed.ndim == 1:
        observed = check_mask("observed", observed, ("T",), dims)
        return np.broadcast_to(observed[:, None], (dims["T"], dims["B"]))
    return check_mask("observed", observed, ("T", "B"), dims)


def check_noise(rates: dict, rng, xi, dims: dict) -> Optional[np.ndarray]:
    """The draws ``xi (T, B, C)`` of (7): given, drawn from ``rng`` (one call), or None when
    ``sigma_r = 0``."""
    if xi is not None and rng is not None:
        raise ValueError("give either rng or xi (the noise draws of (7)), not both")
    if xi is not None:
        return as_float_array("xi", xi, ("T", "B", "C"), dims)
    if rng is not None:
        check_rng("rng", rng)
        if rates["sigma_r"] > 0:
            return rng.standard_normal((dims["T"], dims["B"], dims["C"]))                 # (T, B, C)
        return None
    if rates["sigma_r"] > 0:
        raise ValueError("sigma_r > 0 needs the noise of (7): pass rng (a numpy.random.Generator) "
                         "or xi (standard normal draws of shape (T, B, C))")
    return None


def rollout(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
            sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
            rng: Optional[np.random.Generator] = None, xi: Optional[np.ndarray] = None,
            observed: Optional[np.ndarray] = None) -> Trace:
    """Run ``step`` for t = 0 .. T-1 over a batch of target sequences and record every step.

    With every rate zero (``alpha_x = alpha_h = alpha_c = sigma_r = 0``) this is pure
    generation, the mode used for training: ``c[t] = c0`` and ``h_post = h_prior``.  Then
    nothing computed by (2)-(3) feeds back into the recursion, so the loop runs (1) alone, by
    ``hidden_prior`` at every step, and (2)-(3) are applied to all T steps at once after it (the
    same functions, on a (T, B, ·) stack: the same numbers as ``step`` run T times).

    where
        params   : Params  from ``init_params``; ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``,
                           ``w_r (S, S)``, ``b_r (S,)``
        x        : (T, B, O)  target sequences, time-major
        c0       : (B, C) or (C,)  initial hidden causes (a (C,) vector is shared by all rows)
        h0       : (B, S) or (S,)  initial hidden state
        tau      : float >= 1      time constant
        alpha_x, alpha_h, alpha_c : float >= 0   update rates of (4), (6), (8)
        sigma_r  : float >= 0      noise scale of (7)
        sigma_c  : float > 0       prior width of (8)
        mus      : (P, C)          prior means, required when ``alpha_c > 0``
        rng      : numpy.random.Generator, draws ``xi`` of shape (T, B, C) at the start (one call)
        xi       : (T, B, C)       the standard normal draws of (7), given explicitly instead of
                                   ``rng`` (one of the two is required when ``sigma_r > 0``)
        observed : (T,) or (T, B)  optional 0/1 mask of (3): ``error[t] = observed[t] * (x_pred[t] - x[t])``;
                                   at an unobserved step only (1)-(2) and the prior (8) act (docs/model.md §4b)

    Returns a read-only ``Trace``: ``x_pred (T, B, O)``, ``error (T, B, O)``, ``h_prior (T, B, S)``,
    ``h_post (T, B, S)``, ``error_h (T, B, S)``, ``c (T, B, C)`` (``c[t]`` after step t).
    An overflow raises ``NumericalError`` naming the time step and the likely culprit argument.
    """
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_array("x", x, ("T", "B", "O"), dims)
    c0, h0 = check_initial_state(c0, h0, dims)
    rates = check_rates(tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
                        sigma_r=sigma_r, sigma_c=sigma_c)
    if mus is not None or rates["alpha_c"] > 0:
        if mus is None:
            raise ValueError("mus (the prior means, shape (P, C)) is required when alpha_c > 0")
        mus = as_float_array("mus", mus, ("P", "C"), dims)
    T, B, O, S, C = dims["T"], dims["B"], dims["O"], dims["S"], dims["C"]
    check_memory("rollout", trace_bytes(T, B, O, S, C), dict(x=x.shape, h0=h0.shape))
    xi = check_noise(rates, rng, xi, dims)
    observed = check_observed(observed, dims)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):     # checked just below
        if all(rates[k] == 0 for k in ("alpha_x", "alpha_h", "alpha_c", "sigma_r")):
            trace = _generation(params, x, c0, h0, tau=rates["tau"], observed=observed)
        else:
            trace = _inference(params, x, c0, h0, rates=rates, mus=mus, xi=xi, observed=observed)
    check_trace("rollout", trace, x=x, params=params, c0=c0, h0=h0, mus=mus, **rates)
    for array in trace:
        array.flags.writeable = False
    return trace


def _inference(params: Params, x, c0, h0, *, rates: dict, mus, xi, observed) -> Trace:
    """``rollout`` with inference on: ``step`` for t = 0 .. T-1, each step written into the
    trace as soon as it is made, while it is still in the cache.  ``rates``: the checked ``tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c``."""
    T = x.shape[0]
    h_post, c = h0, c0
    for t in range(T):
        now = step(x[t], h_post, c, params, mus=mus, xi_t=None if xi is None else xi[t],
                   observed_t=None if observed is None else observed[t], **rates)
        if t == 0:
            trace = Trace(*(np.empty((T,) + value.shape) for value in now))               # (T, B, .)
        for record, value in zip(trace, now):
            record[t] = value
        h_post, c = now.h_post, now.c
    return trace


def _generation(params: Params, x, c0, h0, *, tau: float, observed) -> Trace:
    """``rollout`` in pure generation mode: (1) in the loop, (2)-(3) on all steps at once.
    ``h_post`` is ``h_prior``; ``error_h`` and ``c`` are broadcast views of zeros and ``c0``."""
    T = x.shape[0]
    h_prior = np.empty((T,) + h0.shape)                                                   # (T, B, S)
    h = h0
    for t in range(T):
        h = h_prior[t] = hidden_prior(h, c0, params, tau=tau, check=False)                # (1)
    x_pred = prediction(h_prior, params, check=False)                                     # (2) (T, B, O)
    error = output_error(x_pred, x, observed=observed, check=False)                       # (3) (T, B, O)
    return Trace(x_pred, error, h_prior, h_prior, np.broadcast_to(0.0, h_prior.shape),
                 np.broadcast_to(c0, (T,) + c0.shape))


def generation_input(params, c0, h0, *, steps, check_params=check_params):
    """For ``generate`` of either model (its ``check_params``): ``(params, x, c0, h0)`` checked, ``x`` a
    zero target (T, B, O), ``B`` from whichever of ``c0``, ``h0`` has rows (1 if neither)."""
    T = as_scalar("steps", steps, low=1, integer=True)
    dims: dict = {}
    params = check_params(params, dims)
    c0a, h0a = as_float_array("c0", c0), as_float_array("h0", h0)
    rows = [a.shape[0] for a in (c0a, h0a) if a.ndim == 2]
    dims["B"] = rows[0] if rows else 1
    c0, h0 = check_initial_state(c0a, h0a, dims)
    check_memory("generate", trace_bytes(T, dims["B"], dims["O"], dims["S"], dims["C"]), dict(steps=T))
    return params, np.zeros((T, dims["B"], dims["O"])), c0, h0                            # x (T, B, O)


def generate(params: Params, c0: np.ndarray, h0: np.ndarray, *, tau: float, steps: int) -> np.ndarray:
    """Generate ``steps`` outputs from hidden causes ``c0`` (pure generation, no target).
    ``c0`` (B, C) or (C,);  ``h0`` (B, S) or (S,);  tau >= 1;  steps = T >= 1.
    Returns ``x_pred`` of shape (T, B, O) (B = 1 when both ``c0`` and ``h0`` are vectors)."""
    params, x, c0, h0 = generation_input(params, c0, h0, steps=steps)
    return rollout(params, x, c0, h0, tau=tau).x_pred
