"""The time loop: one step of PC-RNN-HC-A, (1)-(8) in order, and a rollout over a sequence.
Shapes: ``T`` steps, ``B`` batch, ``O`` output, ``S`` hidden state, ``C`` causes, ``P`` memories;
time-major (``x`` is (T, B, O)).  Each equation is one function of ``generative``, ``inference``
or ``prior``; ``step`` checks nothing; ``rollout`` and ``generate`` check once, at their top.
"""

from typing import NamedTuple, Optional

import numpy as np

from .generative import hidden_prior, output_error, prediction
from .inference import causes_bottom_up, causes_noise, hidden_error, hidden_posterior
from .params import Params
from .prior import causes_prior
from .tools import doors
from .tools.checks import overflow_error


class Step(NamedTuple):
    """The values of one time step ``t`` (docs/model.md §2); shapes (B, ·)."""
    x_pred: np.ndarray   # (B, O)  prediction (2)
    error: np.ndarray    # (B, O)  output error (3)
    h_prior: np.ndarray  # (B, S)  hidden prior (1)
    h_post: np.ndarray   # (B, S)  hidden posterior (4)
    error_h: np.ndarray  # (B, S)  hidden error (5)
    c: np.ndarray        # (B, C)  causes after (6)-(8): the ``c[t]`` that step t+1 uses


class Trace(NamedTuple):
    """Every step of a rollout, stacked over time (the fields of ``Step`` with a leading ``T``)."""
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

    An update whose rate is zero is the identity and is skipped: with every rate zero (pure
    generation, the training mode) a step is (1)-(3), ``h_post = h_prior``, ``c = c_prev``.

    where
        x_t, h_post_prev, c_prev : (B, O), (B, S), (B, C)  the target at step t, ``h_post[t-1]``
                    and ``c[t-1]`` (``h0`` and ``c0`` at t = 0)
        mus, xi_t   : (P, C), (B, C)  prior means (when ``alpha_c > 0``), draws of (7) (when ``sigma_r > 0``)
        observed_t  : (B,)  optional 0/1 mask of (3): 1 where step t of the target is observed
    Returns a ``Step``.
    """
    h_prior = hidden_prior(h_post_prev, c_prev, params, tau=tau)                          # (1)
    x_pred = prediction(h_prior, params)                                                  # (2)
    error = output_error(x_pred, x_t, observed=observed_t)                                # (3)
    h_post = h_prior
    if alpha_x > 0:
        h_post = hidden_posterior(h_prior, error, params, alpha_x=alpha_x)                # (4)
    error_h = hidden_error(h_prior, h_post)                                               # (5)
    c = c_prev
    if alpha_h > 0:
        c = causes_bottom_up(c, error_h, params, alpha_h=alpha_h)                         # (6)
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
    With every rate zero this is pure generation, the training mode: ``c[t] = c0``, ``h_post = h_prior``.

    where
        params   : Params          ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)``
        x        : (T, B, O)       target sequences, time-major
        c0, h0   : (B, C), (B, S)  initial causes and hidden state (a vector is shared by all rows)
        tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c : the rates of ``step`` (tau >= 1, the
                                   others >= 0, sigma_c > 0)
        mus      : (P, C)          prior means, required when ``alpha_c > 0``
        rng, xi  : a numpy.random.Generator that draws ``xi`` (T, B, C) at the start, or the draws
                                   of (7) themselves (one of the two is required when ``sigma_r > 0``)
        observed : (T,) or (T, B)  optional 0/1 mask of (3) (docs/model.md §4b)
    A stack of Z models (``pc_numpy.params``) takes ``x (T, Z, B, O)``, ``c0 (Z, B, C)``, ``h0 (Z, S)``
    or ``(Z, B, S)``, ``mus (Z, P, C)``, ``xi (T, Z, B, C)``, and records (T, Z, B, ·).
    Returns a ``Trace`` (``c[t]`` is the value after step t), in the dtype of the data (float64,
    or float32 when every array given is float32).  An entry point: its first line checks every
    argument (``doors.rollout_args``); the loop runs under ``np.errstate(over="raise",
    invalid="raise")``, so an overflow stops on its equation's line (``pdb.pm()`` lands there)
    and becomes a ``NumericalError`` naming the time step.
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


def generate(params: Params, c0: np.ndarray, h0: np.ndarray, *,
             tau: float, steps: int) -> np.ndarray:
    """Generate ``steps`` outputs from hidden causes ``c0`` (pure generation, no target).
    ``c0`` (B, C) or (C,);  ``h0`` (B, S) or (S,);  tau >= 1;  steps = T >= 1.
    Returns ``x_pred`` of shape (T, B, O) (B = 1 when both ``c0`` and ``h0`` are vectors)."""
    params, x, c0, h0 = doors.generate_args(params, c0, h0, Params, tau=tau, steps=steps)
    return rollout(params, x, c0, h0, tau=tau).x_pred
