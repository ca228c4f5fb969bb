"""Back-propagation through time by hand for PC-RNN-HC-M, in generation mode (docs/model.md §2b, §3).

In generation mode (every rate zero) ``c[t] = c0`` and ``h_post = h_prior``: the forward pass is
(1m), (2), (3).  Write ``h[t] = h_prior[t]`` (``h[-1] = h0``), ``a[t] = tanh(h[t])``,
``k = 1/tau``, ``N = T * B * O`` and, for the step from ``h[t-1]`` to ``h[t]``,

    factors[t] = a[t-1] @ w_pd                  (B, F)   the previous state's factors
    gains      = c0 @ w_cd                      (B, F)   the causes' gains (constant over time)
    h[t]       = (1 - k) * h[t-1] + k * ((factors[t] * gains) @ w_fd.T + b_r)          (1m)
    x_pred[t]  = a[t] @ w_o.T + b_o,   error[t] = x_pred[t] - x[t],   L = mean(error**2)

Derivation.  Let ``g[t] = dL/dh[t]``, the total gradient reaching ``h[t]``: through the
prediction of step t, and through ``h[t+1]`` (every later step depends on ``h[t]`` only through
``h[t+1]``).  With ``g[T] = 0`` and ``u[t] = k * g[t]`` (the gradient on the bracket of (1m)):

    d_error[t]  = 2 * error[t] / N
    d_gated[t]  = u[t] @ w_fd                   (B, F)   dL/d(factors[t] * gains)
    g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)                                 # through (2)
           + (1 - k) * g[t+1]                                                 # the leak of (1m)
           + (((k * g[t+1]) @ w_fd) * gains) @ w_pd.T * (1 - a[t]**2)         # the factors of (1m)

(the last line: ``h[t+1]`` depends on ``a[t]`` through ``factors[t+1] = a[t] @ w_pd``, which is
multiplied by ``gains``; the PC-RNN-HC-A recursion has ``(k * g[t+1]) @ w_r`` there instead).
Each parameter's gradient is the sum over time of what each step contributes:

    d_w_o  = sum_t d_error[t].T @ a[t]                      d_b_o = sum_{t,b} d_error[t]
    d_w_fd = sum_t u[t].T @ (factors[t] * gains)            d_b_r = sum_{t,b} u[t]
    d_w_pd = sum_t a[t-1].T @ (d_gated[t] * gains)
    d_w_cd = c0.T @ sum_t (d_gated[t] * factors[t])         (c0 the same at every step)
    d_c0   = (sum_t d_gated[t] * factors[t]) @ w_cd.T
    d_h0   = (1 - k) * g[0] + (((k * g[0]) @ w_fd) * gains) @ w_pd.T * (1 - a[-1]**2)

``d_h0`` is the recursion's through-the-next-step part at ``t = -1`` (``h0`` makes no prediction
of its own), so it is ``step_backward`` with ``d_error = 0``.  A shared ``(C,)`` ``c0`` or
``(S,)`` ``h0`` gets its gradient summed over the batch.

With a partial target (``observed``, docs/model.md §4b) the loss is the mean over the observed
entries only, ``L = sum(error**2) / N`` with ``N = O * sum(observed)`` (``error`` is zero where
unobserved), and the same recursion holds with that ``N``.

Structure (as in CS231n's ``rnn_layers.py``, and ``pc_numpy.bptt``): ``step_backward`` is one
step of the recursion; ``backward`` is the visible loop that calls it from ``t = T-1`` down to
``0``; ``loss_and_grads`` runs the forward (a generation rollout: ``step`` at every time step), the
loop, and the sums over time.  ``loss_and_grads`` is the entry point (one check at its top).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ..tools import doors
from ..tools.checks import overflow_error
from .params import Params
from .rollout import rollout

__all__ = ["Grads", "ForwardCache", "step_backward", "backward", "forward", "loss_and_grads"]


class Grads(NamedTuple):
    """Gradients of the loss, one per trainable value (shapes as the values themselves)."""
    w_o: np.ndarray    # (O, S)
    b_o: np.ndarray    # (O,)
    w_pd: np.ndarray   # (S, F)
    w_fd: np.ndarray   # (S, F)
    w_cd: np.ndarray   # (C, F)
    b_r: np.ndarray    # (S,)
    c0: np.ndarray     # (B, C), or (C,) when c0 was given as a vector
    h0: np.ndarray     # (B, S), or (S,) when h0 was given as a vector


class ForwardCache(NamedTuple):
    """What the backward pass needs from the forward pass, stacked over time."""
    error: np.ndarray    # (T, B, O)  output errors (3)
    a: np.ndarray        # (T, B, S)  a[t]   = tanh(h_prior[t])
    a_prev: np.ndarray   # (T, B, S)  a[t-1] = tanh(h_post[t-1]), with a[-1] = tanh(h0)
    c0: np.ndarray       # (B, C)     the causes, constant over time in generation mode
    n: float             # N, the number of entries the loss averages over


def step_backward(d_error_t: np.ndarray, g_next: np.ndarray, a_t: np.ndarray, c: np.ndarray,
                  params: Params, *, tau: float) -> np.ndarray:
    """One step of the BPTT recursion of PC-RNN-HC-M: ``g[t]`` from ``g[t+1]``.

        g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)
               + (1 - k) * g[t+1] + ((((k * g[t+1]) @ w_fd) * (c @ w_cd)) @ w_pd.T) * (1 - a[t]**2)

    with ``k = 1/tau``.  The first line is the path ``h_prior[t] -> a[t] -> x_pred[t]``; the
    second, the two paths into ``h_prior[t+1]`` of (1m): the leak ``(1 - k) h`` and the factors
    ``a[t] @ w_pd``, gated by the gains ``c @ w_cd`` and mapped back by ``w_fd``.

    where
        d_error_t : (B, O)  dL/d error[t] = 2 * error[t] / N (zeros for h0, which predicts nothing)
        g_next    : (B, S)  g[t+1] = dL/dh_prior[t+1] (zeros at t = T-1)
        a_t       : (B, S)  a[t] = tanh(h_prior[t])
        c         : (B, C)  the causes that gate step t+1 (``c0`` in generation mode)
        params    : Params  uses ``w_o (O, S)``, ``w_pd (S, F)``, ``w_fd (S, F)``, ``w_cd (C, F)``
        tau       : float   time constant

    Returns ``g[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    k = 1.0 / tau
    d_factors = ((k * g_next) @ params.w_fd) * (c @ params.w_cd)         # (B, F) dL/d factors[t+1]
    d_a = d_error_t @ params.w_o + d_factors @ params.w_pd.T                              # (B, S) dL/da[t]
    return d_a * (1.0 - a_t * a_t) + (1.0 - k) * g_next                                   # (B, S)
    # END SOLUTION


def backward(d_error: np.ndarray, a: np.ndarray, c0: np.ndarray, params: Params, *,
             tau: float) -> np.ndarray:
    """The BPTT loop: ``g[t]`` for t = T-1 down to 0, each by ``step_backward``.

    where
        d_error : (T, B, O)  dL/d error = 2 * error / N
        a       : (T, B, S)  tanh(h_prior)
        c0      : (B, C)     the causes (constant over time in generation mode)
    Returns ``g`` of shape (T, B, S), ``g[t] = dL/dh_prior[t]``.
    """
    T = a.shape[0]
    g = np.empty_like(a)                                                                  # (T, B, S)
    g_next = np.zeros_like(a[0])                                                          # g[T] = 0
    for t in reversed(range(T)):
        g_next = g[t] = step_backward(d_error[t], g_next, a[t], c0, params, tau=tau)     # (B, S)
    return g


def forward(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            observed: Optional[np.ndarray] = None):
    """The training forward pass: a generation-mode ``rollout`` and the loss ``sum(error**2) / N``.

    Arguments as ``loss_and_grads``, already checked (``c0 (B, C)``, ``h0 (B, S)``,
    ``observed`` None or (T, B)).
    Returns ``(loss, ForwardCache)``.
    """
    trace = rollout(params, x, c0, h0, tau=tau, observed=observed)                        # (1m), (2)-(3)
    a = np.tanh(trace.h_prior)                                                            # (T, B, S)
    a_prev = np.concatenate([np.tanh(h0)[None], a[:-1]])                                  # (T, B, S)
    n = float(x.size if observed is None else x.shape[2] * observed.sum())
    loss = float(np.sum(trace.error ** 2) / n)
    return loss, ForwardCache(trace.error, a, a_prev, c0, n)


def loss_and_grads(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *,
                   tau: float, observed: Optional[np.ndarray] = None) -> tuple:
    """The training loss of PC-RNN-HC-M and its gradients by BPTT, in generation mode.

        L = sum((observed * (x_pred - x))**2) / N,   N = T * B * O   (all observed: the mean)
                                                     N = O * sum(observed)   (a partial target)

    (the derivation is in this module's docstring).

    where
        params : Params          ``pc_numpy.hcm.Params``: ``w_o (O, S)``, ``b_o (O,)``,
                                 ``w_pd (S, F)``, ``w_fd (S, F)``, ``w_cd (C, F)``, ``b_r (S,)``
        x      : (T, B, O)       target sequences
        c0     : (B, C) or (C,)  hidden causes, one row per sequence (the memories to learn)
        h0     : (B, S) or (S,)  initial hidden state
        tau    : float >= 1      time constant
        observed : (T,) or (T, B)  optional 0/1 mask: the loss covers the observed steps only

    Returns ``(loss, grads)``: ``loss`` a float, ``grads`` a ``Grads`` with ``w_o, b_o, w_pd,
    w_fd, w_cd, b_r, c0, h0`` of the shapes of the values (a vector ``c0``/``h0`` gets the
    gradient summed over the batch).
    """
    params, x, c0, h0, observed, c0_vector, h0_vector = doors.loss_and_grads_args(
        params, x, c0, h0, Params, tau=tau, observed=observed)
    try:
        with np.errstate(over="raise", invalid="raise"):
            loss, cache = forward(params, x, c0, h0, tau=tau, observed=observed)
            d_error = 2.0 * cache.error / cache.n                                         # (T, B, O)
            g = backward(d_error, cache.a, cache.c0, params, tau=tau)                     # (T, B, S)
    except FloatingPointError as exc:
        raise overflow_error("loss_and_grads", exc, x=x, params=params, c0=c0, h0=h0) from exc

    # The sums over time of the module docstring.  A sum over t and b of outer products,
    # sum_t u[t].T @ v[t], is one matrix product of the T*B rows stacked: rows(u).T @ rows(v).
    k = 1.0 / tau
    T, B = x.shape[:2]

    def rows(v):                                                  # (T, B, n) -> (T*B, n)
        return v.reshape(T * B, v.shape[-1])

    u = k * g                                                     # (T, B, S) dL/d bracket of (1m)
    factors = cache.a_prev @ params.w_pd                                                  # (T, B, F)
    gains = cache.c0 @ params.w_cd                                                        # (B, F)
    d_gated = u @ params.w_fd                                                             # (T, B, F)
    d_gains = (d_gated * factors).sum(axis=0)                                             # (B, F)
    d_w_o = rows(d_error).T @ rows(cache.a)                                               # (O, S)
    d_b_o = d_error.sum(axis=(0, 1))                                                      # (O,)
    d_w_fd = rows(u).T @ rows(factors * gains)                                            # (S, F)
    d_w_pd = rows(cache.a_prev).T @ rows(d_gated * gains)                                 # (S, F)
    d_w_cd = cache.c0.T @ d_gains                                                         # (C, F)
    d_b_r = u.sum(axis=(0, 1))                                                            # (S,)
    d_c0 = d_gains @ params.w_cd.T                                                        # (B, C)
    no_prediction = np.zeros_like(d_error[0])                                  # (B, O) h0 predicts nothing
    d_h0 = step_backward(no_prediction, g[0], cache.a_prev[0], cache.c0, params, tau=tau)  # (B, S)
    if c0_vector:
        d_c0 = d_c0.sum(axis=0)                                                           # (C,)
    if h0_vector:
        d_h0 = d_h0.sum(axis=0)                                                           # (S,)
    return loss, Grads(d_w_o, d_b_o, d_w_pd, d_w_fd, d_w_cd, d_b_r, d_c0, d_h0)
