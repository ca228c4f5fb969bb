"""Back-propagation through time by hand, for training in generation mode (DESIGN §3).

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

Structure (as in CS231n's ``rnn_layers.py``): ``step_backward`` is one step of the recursion;
``backward`` is the visible loop that calls it from ``t = T-1`` down to ``0``; ``loss_and_grads``
runs the forward, the loop, and the sums over time (each a batch of per-step matrix products,
summed over t).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ._checks import as_float_array, as_scalar, check_buffer
from .params import Params, check_params
from .rollout import Trace, _generation, check_initial_state, check_out


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


class Workspace(NamedTuple):
    """The large arrays of one training iteration, to be written over at the next one.

    ``train`` makes one with ``Workspace.empty(T, B, O, S, C)`` and passes it to every
    ``loss_and_grads`` call: new arrays of these sizes at every iteration cost more in page
    faults than the arithmetic (the memory allocator hands freed megabytes back to the system
    and must fault them in again; measured 1.4 of 3.2 ms per iteration at the demo's size).
    """
    trace: Trace        # the forward rollout's arrays, (T, B, .)
    a: np.ndarray       # (T + 1, B, S)  tanh(h0), then a[t] = tanh(h_prior[t]) for each t
    g: np.ndarray       # (T, B, S)      g[t] = dL/dh_prior[t]
    outer: np.ndarray   # (T, S, S)      the per-step products g[t].T @ a[t-1] summed into d_w_r

    @classmethod
    def empty(cls, T: int, B: int, O: int, S: int, C: int) -> "Workspace":
        """Uninitialised arrays for sequences of T steps, a batch of B, sizes O, S, C."""
        return cls(Trace.empty(T, B, O, S, C), np.empty((T + 1, B, S)), np.empty((T, B, S)),
                   np.empty((T, S, S)))


def check_workspace(workspace, dims: dict, inputs: dict) -> "Workspace":
    """Check ``loss_and_grads``'s ``workspace`` against the sizes in ``dims`` (and that it shares
    no memory with the ``inputs``); return it."""
    if not isinstance(workspace, Workspace):
        raise TypeError(f"workspace must be a Workspace (from Workspace.empty(T, B, O, S, C)), "
                        f"got {type(workspace).__name__}")
    T, B, S = dims["T"], dims["B"], dims["S"]
    check_out(workspace.trace, dims, inputs=inputs, name="workspace.trace")
    for field, want in (("a", (T + 1, B, S)), ("g", (T, B, S)), ("outer", (T, S, S))):
        check_buffer(f"workspace.{field}", getattr(workspace, field), want, inputs)
    return workspace


def step_backward(d_error_t: np.ndarray, g_next: np.ndarray, a_t: np.ndarray, params: Params, *,
                  tau: float) -> np.ndarray:
    """One step of the BPTT recursion: ``g[t]`` from ``g[t+1]`` (DESIGN §3).

        g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)
               + (1 - k) * g[t+1] + ((k * g[t+1]) @ w_r) * (1 - a[t]**2),      k = 1/tau

    The first line is the path ``h_prior[t] -> a[t] -> x_pred[t] -> error[t]``; the second, the
    two paths into ``h_prior[t+1]`` of (1): the leak ``(1 - k) h`` and the recurrence
    ``k tanh(h) @ w_r.T``.

    where
        d_error_t : (B, O)  dL/d error[t] = 2 * error[t] / N
        g_next    : (B, S)  g[t+1] = dL/dh_prior[t+1] (zeros at t = T-1)
        a_t       : (B, S)  a[t] = tanh(h_prior[t])
        params    : Params  uses ``w_o (O, S)``, ``w_r (S, S)``
        tau       : float   time constant

    Returns ``g[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    k = 1.0 / tau
    d_a = d_error_t @ params.w_o + (k * g_next) @ params.w_r                              # (B, S) dL/da[t]
    return d_a * (1.0 - a_t * a_t) + (1.0 - k) * g_next                                   # (B, S)
    # END SOLUTION


def backward(d_error: np.ndarray, a: np.ndarray, params: Params, *, tau: float,
             out: Optional[np.ndarray] = None) -> np.ndarray:
    """The BPTT loop: ``g[t]`` for t = T-1 down to 0, each by ``step_backward``.

    where
        d_error : (T, B, O)  dL/d error = 2 * error / N
        a       : (T, B, S)  tanh(h_prior)
        out     : (T, B, S)  optional array to write ``g`` into (``Workspace.g``)
    Returns ``g`` of shape (T, B, S), ``g[t] = dL/dh_prior[t]``.
    """
    T, B, S = a.shape
    g = np.empty((T, B, S)) if out is None else out                                       # (T, B, S)
    # BEGIN SOLUTION
    g_next = np.zeros((B, S))                                                             # g[T] = 0
    for t in reversed(range(T)):
        g_next = g[t] = step_backward(d_error[t], g_next, a[t], params, tau=tau)
    # END SOLUTION
    return g


def forward(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *, tau: float,
            workspace: Optional[Workspace] = None):
    """The training forward pass: a generation-mode rollout and the loss ``mean(error**2)``.

    Arguments as ``loss_and_grads`` (already checked).  Returns ``(loss, ForwardCache)``.
    """
    if workspace is None:
        T, B, O = x.shape
        workspace = Workspace.empty(T, B, O, h0.shape[1], c0.shape[1])
    a_all = workspace.a                                # tanh(h0), then tanh(h_prior[t]) for each t
    trace = _generation(params, x, c0, h0, tau=tau, out=workspace.trace,
                        a_out=a_all)                   # rollout(params, x, c0, h0, tau=tau), keeping a
    loss = float(np.mean(trace.error ** 2))
    return loss, ForwardCache(trace.error, a_all[1:], a_all[:-1], c0)


def loss_and_grads(params: Params, x: np.ndarray, c0: np.ndarray, h0: np.ndarray, *,
                   tau: float, workspace: Optional[Workspace] = None) -> tuple:
    """The training loss and its gradients by BPTT (DESIGN §3), in generation mode.

        L = mean((x_pred - x)**2)    over all N = T * B * O entries

    where
        params : Params          ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)``
        x      : (T, B, O)       target sequences
        c0     : (B, C) or (C,)  hidden causes, one row per sequence (the memories to learn)
        h0     : (B, S) or (S,)  initial hidden state
        tau    : float >= 1      time constant
        workspace : Workspace    optional, from ``Workspace.empty(T, B, O, S, C)``: the large
                                 arrays to write over instead of new ones (``train`` passes one
                                 to every iteration).  (pc_torch has no ``workspace``.)

    Returns ``(loss, grads)``: ``loss`` a float, ``grads`` a ``Grads`` with ``w_o, b_o, w_c,
    w_r, b_r, c0, h0`` of the shapes of the values (a vector ``c0``/``h0`` gets the gradient
    summed over the batch).
    """
    dims: dict = {}
    params = check_params(params, dims)
    x = as_float_array("x", x, ("T", "B", "O"), dims)
    c0_vector = as_float_array("c0", c0).ndim == 1        # a shared (C,) vector: sum its gradient
    h0_vector = as_float_array("h0", h0).ndim == 1
    c0, h0 = check_initial_state(c0, h0, dims)
    tau = as_scalar("tau", tau, low=1)

    if workspace is not None:
        workspace = check_workspace(workspace, dims, inputs=dict(x=x, c0=c0, h0=h0))
    else:
        workspace = Workspace.empty(*(dims[k] for k in "TBOSC"))

    loss, cache = forward(params, x, c0, h0, tau=tau, workspace=workspace)
    d_error = 2.0 * cache.error / x.size                                                  # (T, B, O)
    g = backward(d_error, cache.a, params, tau=tau, out=workspace.g)                      # (T, B, S)

    # The sums over time of §3, each a batch of per-step products summed over t, with the
    # constant k taken out of the sums.  (A batch of small (S, B) @ (B, S) products also stays
    # on one core, where one (S, T*B) @ (T*B, S) product would make OpenBLAS start threads,
    # which is slower at these sizes on a busy machine.)
    k = 1.0 / tau
    d_w_o = (d_error.transpose(0, 2, 1) @ cache.a).sum(axis=0)                            # (O, S)
    d_b_o = d_error.sum(axis=(0, 1))                                                      # (O,)
    d_w_r = k * np.matmul(g.transpose(0, 2, 1), cache.a_prev, out=workspace.outer).sum(axis=0)  # (S, S)
    g_sum_t = g.sum(axis=0)                                                               # (B, S)
    d_b_r = k * g_sum_t.sum(axis=0)                                                       # (S,)
    d_w_c = k * (g_sum_t.T @ cache.c0)                                                    # (S, C)
    d_c0 = k * (g_sum_t @ params.w_c)                                                     # (B, C)
    d_h0 = (1.0 - k) * g[0] + ((k * g[0]) @ params.w_r) * (1.0 - cache.a_prev[0] ** 2)   # (B, S)
    if c0_vector:
        d_c0 = d_c0.sum(axis=0)                                                           # (C,)
    if h0_vector:
        d_h0 = d_h0.sum(axis=0)                                                           # (S,)
    return loss, Grads(d_w_o, d_b_o, d_w_c, d_w_r, d_b_r, d_c0, d_h0)
