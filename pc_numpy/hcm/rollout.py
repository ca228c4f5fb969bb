"""The time loop of PC-RNN-HC-M: one step, (1m), (2)-(5), (6m), (7), (8) in order, and a rollout.

The same loop as ``pc_numpy.rollout`` (same keywords, same door, same ``Step`` and ``Trace``),
with the two equations of docs/model.md §2b in place of (1) and (6).  Every other equation is
called from the module that implements it for both models.

Shapes: ``T`` time steps, ``B`` batch, ``O`` output, ``S`` hidden state, ``C`` hidden causes,
``F`` factors, ``P`` memories.  Arrays are time-major: ``x`` is (T, B, O).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..generative import output_error, prediction
from ..inference import causes_noise, hidden_error, hidden_posterior
from ..prior import causes_prior
from ..rollout import Step, Trace
from ..tools import doors
from ..tools.checks import overflow_error
from .equations import causes_bottom_up, hidden_prior
from .params import Params

__all__ = ["Step", "Trace", "step", "rollout", "generate"]


def step(x_t: np.ndarray, h_post_prev: np.ndarray, c_prev: np.ndarray, params: Params, *,
         tau: float, alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
         sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
         xi_t: Optional[np.ndarray] = None, observed_t: Optional[np.ndarray] = None) -> Step:
    """One time step of PC-RNN-HC-M, in order:

        (1m) h_prior = (1 - 1/tau) h_post_prev
                       + (1/tau)(((tanh(h_post_prev) @ w_pd) * (c_prev @ w_cd)) @ w_fd.T + b_r)
        (2)  x_pred  = tanh(h_prior) @ w_o.T + b_o
        (3)  error   = x_pred - x_t                       (times observed_t, if given)
        (4)  h_post  = h_prior - alpha_x (1 - tanh(h_prior)**2) (error @ w_o)
        (5)  error_h = h_prior - h_post
        (6m) c = c_prev - alpha_h (((tanh(h_post_prev) @ w_pd) * (error_h @ w_fd)) @ w_cd.T)
        (7)  c = c + sigma_r ||error_h|| xi_t
        (8)  c = c + alpha_c g(c)

    An update whose rate is zero is the identity and is skipped.  It checks nothing
    (``rollout`` checks its arguments once).

    where
        x_t         : (B, O)  target at step t
        h_post_prev : (B, S)  ``h_post[t-1]`` (``h0`` at t = 0)
        c_prev      : (B, C)  ``c[t-1]`` (``c0`` at t = 0)
        params      : Params  ``pc_numpy.hcm.Params``
        mus         : (P, C)  prior means, needed when ``alpha_c > 0``
        xi_t        : (B, C)  standard normal draws, needed when ``sigma_r > 0``
        observed_t  : (B,)    optional 0/1 mask of (3): 1 where step t of the target is observed

    Returns a ``Step`` (``pc_numpy.rollout.Step``: the same fields as PC-RNN-HC-A's).
    """
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau)                          # (1m)
    x_pred = prediction(h_prior, params)                                                  # (2)
    error = output_error(x_pred, x_t, observed=observed_t)                                # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x)                # (4)
    error_h = hidden_error(h_prior, h_post)                                               # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, h_post_prev, params, alpha_h=alpha_h)            # (6m)
    if sigma_r > 0:
        c = causes_noise(c, error_h, xi_t, sigma_r=sigma_r)                               # (7)
    if alpha_c > 0:
        c = causes_prior(c, mus, alpha_c=alpha_c, sigma_c=sigma_c)                        # (8)
    return Step(x_pred, error, h_prior, h_post, error_h, c)


def rollout(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            alpha_x: float = 0.0, alpha_h: float = 0.0, alpha_c: float = 0.0,
            sigma_r: float = 0.0, sigma_c: float = 1.0, mus: Optional[np.ndarray] = None,
            rng: Optional[np.random.Generator] = None, xi: Optional[np.ndarray] = None,
            observed: Optional[np.ndarray] = None) -> Trace:
    """Run ``step`` for t = 0 .. T-1 over a batch of target sequences and record every step.

    With every rate zero (``alpha_x = alpha_h = alpha_c = sigma_r = 0``) this is pure
    generation, the mode used for training: ``c[t] = c0`` and ``h_post = h_prior``.

    where
        params  : Params  from ``pc_numpy.hcm.init_params``; ``w_o (O, S)``, ``b_o (O,)``,
                          ``w_pd (S, F)``, ``w_fd (S, F)``, ``w_cd (C, F)``, ``b_r (S,)``
        x       : (T, B, O)  target sequences, time-major
        c0      : (B, C) or (C,)  initial hidden causes (a (C,) vector is shared by all rows)
        h0      : (B, S) or (S,)  initial hidden state
        tau     : float >= 1      time constant
        alpha_x, alpha_h, alpha_c : float >= 0   update rates of (4), (6m), (8)
        sigma_r : float >= 0      noise scale of (7)
        sigma_c : float > 0       prior width of (8)
        mus     : (P, C)          prior means, required when ``alpha_c > 0``
        rng     : numpy.random.Generator, draws ``xi`` of shape (T, B, C) at the start (one call)
        xi      : (T, B, C)       the standard normal draws of (7), given explicitly instead of ``rng``
                                  (one of the two is required when ``sigma_r > 0``)
        observed : (T,) or (T, B)  optional 0/1 mask of (3): ``error[t] = observed[t] * (x_pred[t] - x[t])``;
                                   an unobserved step runs as generation (docs/model.md §4b)

    Returns a ``Trace`` (``pc_numpy.rollout.Trace``): ``x_pred (T, B, O)``, ``error (T, B, O)``,
    ``h_prior (T, B, S)``, ``h_post (T, B, S)``, ``error_h (T, B, S)``, ``c (T, B, C)`` (``c[t]``
    after step t).  An entry point, as ``pc_numpy.rollout``: one check at its top, overflows
    raised on their equation's line and named as ``NumericalError``.
    """
    params, x, c0, h0, rates, mus, xi, observed = doors.rollout_args(
        params, x, c0, h0, Params, tau=tau, alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c,
        sigma_r=sigma_r, sigma_c=sigma_c, mus=mus, rng=rng, xi=xi, observed=observed)
    T = x.shape[0]
    h_post, c = h0, c0
    try:
        with np.errstate(over="raise", invalid="raise"):
            for t in range(T):
                now = step(x[t], h_post, c, params, **rates, mus=mus, xi_t=None if xi is None else xi[t],
                           observed_t=None if observed is None else observed[t])
                if t == 0:      # the trace, filled step by step (each step's arrays freed at once)
                    trace = Trace(*(np.empty((T,) + v.shape, v.dtype) for v in now))      # (T, B, .)
                for record, value in zip(trace, now):
                    record[t] = value
                h_post, c = now.h_post, now.c
    except FloatingPointError as exc:
        raise overflow_error("rollout", exc, step=t, x=x, params=params, c0=c0, h0=h0, mus=mus,
                             **rates) from exc
    return trace


def generate(params: Params, c0: np.ndarray, h0: np.ndarray, *, tau: float, steps: int) -> np.ndarray:
    """Generate ``steps`` outputs from hidden causes ``c0`` (pure generation, no target).

    where  c0 : (B, C) or (C,);  h0 : (B, S) or (S,);  tau >= 1;  steps = T >= 1.
    Returns ``x_pred`` of shape (T, B, O) (B = 1 when both ``c0`` and ``h0`` are vectors).
    """
    params, x, c0, h0 = doors.generate_args(params, c0, h0, Params, tau=tau, steps=steps)
    return rollout(params, x, c0, h0, tau=tau).x_pred
