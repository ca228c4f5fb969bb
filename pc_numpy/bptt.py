"""Back-propagation through time by hand, for training in generation mode (docs/model.md §3).

In generation mode (every rate zero) ``c[t] = c0`` and ``h_post = h_prior``, so the forward pass
is (1)-(3) only.  The loss is the mean squared output error

    L = mean(error**2)          over all N = T * B * O entries.

Write ``a[t] = tanh(h_prior[t])`` (with ``a[-1] = tanh(h0)``), ``k = 1/tau`` and
``g[t] = dL/dh_prior[t]``, the total gradient reaching the hidden state of step ``t`` (through the
prediction of step ``t`` and through every later step).  Going backward, with ``g[T] = 0``:

    d_error[t] = 2 * error[t] / N
    g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)                          # through the prediction (2)
           + (1 - k) * g[t+1] + ((k * g[t+1]) @ w_r) * (1 - a[t]**2)    # through the next step (1)

and the parameter gradients are sums over time of what each step contributes:

    d_w_o = sum_t d_error[t].T @ a[t]          d_b_o = sum_{t,b} d_error[t]
    d_w_r = sum_t (k * g[t]).T @ a[t-1]        d_b_r = sum_{t,b} k * g[t]
    d_w_c = sum_t (k * g[t]).T @ c0            d_c0  = sum_t (k * g[t]) @ w_c
    d_h0  = (1 - k) * g[0] + ((k * g[0]) @ w_r) * (1 - a[-1]**2)

With a partial target (``observed``, docs/model.md §4b) the loss is the mean over the observed
entries only, ``L = sum(error**2) / N`` with ``N = O * sum(observed)`` (``error`` is zero where
unobserved), and the same recursion holds with that ``N``.

Structure (as in CS231n's ``rnn_layers.py``): ``step_backward`` is one step of the recursion,
``backward`` the visible loop that calls it from ``t = T-1`` down to ``0``; ``loss_and_grads`` (the
entry point: one check at its top) runs the forward (``rollout``), the loop and the sums over time.
"""

from typing import NamedTuple, Optional

import numpy as np

from .params import Params
from .rollout import rollout
from .tools import doors
from .tools.checks import overflow_error


class Grads(NamedTuple):
    """Gradients of the loss, one per trainable value (shapes as the values themselves)."""
    w_o: np.ndarray   # (O, S)
    b_o: np.ndarray   # (O,)
    w_c: np.ndarray   # (S, C)
    w_r: np.ndarray   # (S, S)
    b_r: np.ndarray   # (S,)
    c0: np.ndarray    # (B, C), or (C,) when c0 was given as a vector
    h0: np.ndarray    # (B, S), or (S,) when h0 was given as a vector


class ForwardCache(NamedTuple):
    """What the backward pass needs from the forward pass, stacked over time."""
    error: np.ndarray    # (T, B, O)  output errors (3)
    a: np.ndarray        # (T, B, S)  a[t]   = tanh(h_prior[t])
    a_prev: np.ndarray   # (T, B, S)  a[t-1] = tanh(h_post[t-1]), with a[-1] = tanh(h0)
    c0: np.ndarray       # (B, C)     the causes, constant over time in generation mode
    n: float             # N, the number of entries the loss averages over


def step_backward(d_error_t: np.ndarray, g_next: np.ndarray, a_t: np.ndarray, params: Params, *,
                  tau: float) -> np.ndarray:
    """One step of the BPTT recursion: ``g[t]`` from ``g[t+1]`` (docs/model.md §3).

        g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)
               + (1 - k) * g[t+1] + ((k * g[t+1]) @ w_r) * (1 - a[t]**2),      k = 1/tau

    The first line is the path ``h_prior[t] -> a[t] -> x_pred[t] -> error[t]``; the second, the
    two paths into ``h_prior[t+1]`` of (1): the leak ``(1 - k) h`` and the recurrence
    ``k tanh(h) @ w_r.T``.

    where
        d_error_t : (B, O)  dL/d error[t] = 2 * error[t] / N
        g_next    : (B, S)  g[t+1] = dL/dh_prior[t+1] (zeros at t = T-1)
        a_t       : (B, S)  a[t] = tanh(h_prior[t])
        params, tau         uses ``w_o (O, S)``, ``w_r (S, S)``; the time constant
    Returns ``g[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    k = 1.0 / tau
    d_a = d_error_t @ params.w_o + (k * g_next) @ params.w_r                              # (B, S) dL/da[t]
    return d_a * (1.0 - a_t * a_t) + (1.0 - k) * g_next                                   # (B, S)
    # END SOLUTION


def backward(d_error: np.ndarray, a: np.ndarray, params: Params, *, tau: float) -> np.ndarray:
    """The BPTT loop: ``g[t]`` for t = T-1 down to 0, each by ``step_backward``.

    where
        d_error : (T, B, O)  dL/d error = 2 * error / N
        a       : (T, B, S)  tanh(h_prior)
    Returns ``g`` of shape (T, B, S), ``g[t] = dL/dh_prior[t]``.
    """
    g = np.empty_like(a)                                                                  # (T, B, S)
    # BEGIN SOLUTION
    g_next = np.zeros_like(a[0])                                                          # g[T] = 0
    for t in reversed(range(a.shape[0])):
        g_next = g[t] = step_backward(d_error[t], g_next, a[t], params, tau=tau)
    # END SOLUTION
    return g


def forward(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            observed: Optional[np.ndarray] = None):
    """The training forward pass: a generation-mode ``rollout`` and the loss ``sum(error**2) / N``.
    Arguments as ``loss_and_grads`` (``c0 (B, C)``, ``h0 (B, S)``).  Returns ``(loss, ForwardCache)``."""
    trace = rollout(params, x, c0, h0, tau=tau, observed=observed)                        # (1)-(3)
    a = np.tanh(trace.h_prior)                                                            # (T, B, S)
    a_prev = np.concatenate([np.tanh(h0)[None], a[:-1]])                                  # (T, B, S)
    n = float(x.size if observed is None else x.shape[2] * observed.sum())
    loss = float(np.sum(trace.error ** 2) / n)
    return loss, ForwardCache(trace.error, a, a_prev, c0, n)


def loss_and_grads(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *,
                   tau: float, observed: Optional[np.ndarray] = None) -> tuple:
    """The training loss and its gradients by BPTT (docs/model.md §3), in generation mode.

        L = sum((observed * (x_pred - x))**2) / N,   N = T * B * O   (all observed: the mean)
                                                     N = O * sum(observed)   (a partial target)

    where ``x (T, B, O)``, ``c0 (B, C) or (C,)`` (the memories to learn, one row per sequence),
    ``h0 (B, S) or (S,)``, ``tau >= 1`` and ``observed (T,) or (T, B)`` are as in ``rollout``.
    Returns ``(loss, grads)``: a float and a ``Grads`` of the shapes of the values (a vector
    ``c0``/``h0`` gets the gradient summed over the batch).  The door checks the arguments once;
    an overflow raises ``NumericalError`` naming the equation and the likely culprit.
    """
    params, x, c0, h0, observed, c0_vector, h0_vector = doors.loss_and_grads_args(
        params, x, c0, h0, Params, tau=tau, observed=observed)
    try:
        with np.errstate(over="raise", invalid="raise"):
            loss, cache = forward(params, x, c0, h0, tau=tau, observed=observed)
            d_error = 2.0 * cache.error / cache.n                                         # (T, B, O)
            g = backward(d_error, cache.a, params, tau=tau)                               # (T, B, S)
    except FloatingPointError as exc:
        raise overflow_error("loss_and_grads", exc, x=x, params=params, c0=c0, h0=h0) from exc

    # The sums over time of §3.  A sum over t and b of outer products, sum_t u[t].T @ v[t], is
    # one matrix product of the T*B rows stacked: rows(u).T @ rows(v).  c0 is the same at every
    # step, so sum_t (k g[t]).T @ c0 = k (sum_t g[t]).T @ c0.
    k = 1.0 / tau
    (T, B, O), S = x.shape, h0.shape[1]
    d_w_o = d_error.reshape(T * B, O).T @ cache.a.reshape(T * B, S)                       # (O, S)
    d_b_o = d_error.sum(axis=(0, 1))                                                      # (O,)
    d_w_r = k * (g.reshape(T * B, S).T @ cache.a_prev.reshape(T * B, S))                  # (S, S)
    d_b_r = k * g.sum(axis=(0, 1))                                                        # (S,)
    g_sum_t = g.sum(axis=0)                                                               # (B, S)
    d_w_c = k * (g_sum_t.T @ cache.c0)                                                    # (S, C)
    d_c0 = k * (g_sum_t @ params.w_c)                                                     # (B, C)
    d_h0 = (1.0 - k) * g[0] + ((k * g[0]) @ params.w_r) * (1.0 - cache.a_prev[0] ** 2)   # (B, S)
    if c0_vector:
        d_c0 = d_c0.sum(axis=0)                                                           # (C,)
    if h0_vector:
        d_h0 = d_h0.sum(axis=0)                                                           # (S,)
    return loss, Grads(d_w_o, d_b_o, d_w_c, d_w_r, d_b_r, d_c0, d_h0)
