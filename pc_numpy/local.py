"""Learning without back-propagation: the local predictive-coding rule (docs/model.md §3b).

BPTT (``pc_numpy.bptt``) trains in generation mode and sends the output error back through
every step.  The local rule instead runs *inference* during training (``alpha_x > 0``, so the
rollout's (4)-(6) move ``h`` and ``c``), and after the rollout moves every weight against a
product of two quantities that live at one time step, summed over ``t`` and the batch:

    d_w_o = sum_t error[t].T @ tanh(h_prior[t])             d_b_o = sum_t sum_b error[t]
    d_w_c = sum_t error_h[t].T @ c[t]                        d_w_r = sum_{t>=1} error_h[t].T @ tanh(h_post[t-1])
    d_b_r = sum_t sum_b error_h[t]

    w_o -= lr_o d_w_o,  b_o -= lr_o d_b_o,  w_r -= lr_h d_w_r,  b_r -= lr_h d_b_r,  w_c -= lr_c d_w_c

Where each comes from (the facts ``tests/test_local.py`` checks against autograd):

- Output layer.  ``error[t] = tanh(h_prior[t]) @ w_o.T + b_o - x[t]`` (2)-(3), so with
  ``h_prior`` held fixed ``d/dw_o 0.5 ||error[t]||**2 = error[t].T @ tanh(h_prior[t])`` and
  ``d/db_o = sum_b error[t]``: ``d_w_o, d_b_o`` are exactly the gradients of
  ``0.5 * sum_t ||error[t]||**2`` with ``h_prior`` held fixed.
- Recurrent layer.  ``error_h[t] = h_prior[t] - h_post[t]`` (5), and ``h_prior[t]`` is (1):
  ``(1 - k) h_post[t-1] + k (tanh(h_post[t-1]) @ w_r.T + c[t-1] @ w_c.T + b_r)``, ``k = 1/tau``.
  With ``h_post[t-1]``, ``c[t-1]`` and ``h_post[t]`` held fixed,
  ``d/dw_r 0.5 ||error_h[t]||**2 = k error_h[t].T @ tanh(h_post[t-1])`` and
  ``d/db_r = k sum_b error_h[t]``: ``d_w_r, d_b_r`` are ``tau`` times the gradients of
  ``0.5 * sum_t ||error_h[t]||**2`` (``tau`` absorbed into ``lr_h``, as (6) absorbs ``1/tau``
  into ``alpha_h``), except that ``d_w_r`` leaves out the step from ``h0`` (its sum starts at
  ``t = 1``), while ``d_b_r`` keeps it.
- Causes weights.  The same gradient for ``w_c`` is ``k sum_t error_h[t].T @ c[t-1]``: the causes
  *before* step ``t``, the ones (1) used.  The rule uses ``c[t]``, the causes *after* step t's
  update (6).  So ``d_w_c`` is ``tau`` times that gradient plus
  ``sum_t error_h[t].T @ (c[t] - c[t-1])``; the two agree only when the causes do not move
  (``alpha_h = 0``).

None of these needs a backward pass through time: each is available at step ``t`` itself.
They are sums, not means, over ``t`` and the batch: a learning rate that is stable for one
batch can diverge on a larger one.  (The output layer's step is gradient descent on a quadratic
whose largest curvature ``lambda`` grows with ``T * B``; it is stable only while
``lr_o * lambda < 2``: tutorial 10.)

The free energy the rule is monitored with (``alpha_x`` and ``alpha_h`` weigh the two errors):

    F = 0.5 * alpha_x * mean_{t,b} ||error[t, b]||**2 + 0.5 * alpha_h * mean_{t,b} ||error_h[t, b]||**2

Shapes: ``T`` time steps, ``B`` batch, ``O`` output, ``S`` hidden state, ``C`` hidden causes.
These functions check nothing: ``train_local`` (``pc_numpy.protocols``) is the entry point.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .params import Params
from .rollout import Trace


class LocalDeltas(NamedTuple):
    """The sums of the local rule, one per parameter (no learning rate applied).

    where
        d_w_o : (O, S)  sum_t error[t].T @ tanh(h_prior[t])
        d_b_o : (O,)    sum_t sum_b error[t]
        d_w_c : (S, C)  sum_t error_h[t].T @ c[t]
        d_w_r : (S, S)  sum_{t>=1} error_h[t].T @ tanh(h_post[t-1])
        d_b_r : (S,)    sum_t sum_b error_h[t]
    """
    d_w_o: np.ndarray
    d_b_o: np.ndarray
    d_w_c: np.ndarray
    d_w_r: np.ndarray
    d_b_r: np.ndarray


def local_deltas(trace: Trace) -> LocalDeltas:
    """The local predictive-coding rule's sums from one inference rollout (docs/model.md §3b).

        d_w_o = sum_t error[t].T @ tanh(h_prior[t])
        d_b_o = sum_t sum_b error[t]
        d_w_c = sum_t error_h[t].T @ c[t]                      (c[t]: after step t's update)
        d_w_r = sum_{t>=1} error_h[t].T @ tanh(h_post[t-1])    (the step from h0 left out)
        d_b_r = sum_t sum_b error_h[t]

    ``d_w_o, d_b_o`` are the gradients of ``0.5 sum_t ||error[t]||**2`` with ``h_prior`` held
    fixed; ``d_w_r, d_b_r`` are ``tau`` times those of ``0.5 sum_t ||error_h[t]||**2`` with
    ``h_post[t-1]``, ``c[t-1]``, ``h_post[t]`` held fixed (``d_w_r`` without its t = 0 term);
    ``d_w_c`` puts ``c[t]`` where that gradient has ``c[t-1]`` (see the module docstring).

    where
        trace : Trace  from ``rollout`` (with ``alpha_x > 0`` for ``error_h`` to be nonzero):
                       ``error (T, B, O)``, ``h_prior (T, B, S)``, ``h_post (T, B, S)``,
                       ``error_h (T, B, S)``, ``c (T, B, C)`` are used

    Returns ``LocalDeltas``: ``d_w_o (O, S)``, ``d_b_o (O,)``, ``d_w_c (S, C)``,
    ``d_w_r (S, S)``, ``d_b_r (S,)``.
    """
    # BEGIN SOLUTION
    error, error_h = trace.error, trace.error_h                            # (T, B, O), (T, B, S)
    sum_tb = dict(optimize=True)      # einsum's sum over (t, b) as one BLAS product (4x faster)
    d_w_o = np.einsum("tbo,tbs->os", error, np.tanh(trace.h_prior), **sum_tb)            # (O, S)
    d_b_o = error.sum(axis=(0, 1))                                                        # (O,)
    d_w_c = np.einsum("tbs,tbc->sc", error_h, trace.c, **sum_tb)                          # (S, C)
    d_w_r = np.einsum("tbs,tbr->sr", error_h[1:], np.tanh(trace.h_post[:-1]), **sum_tb)  # (S, S)
    d_b_r = error_h.sum(axis=(0, 1))                                                      # (S,)
    return LocalDeltas(d_w_o, d_b_o, d_w_c, d_w_r, d_b_r)
    # END SOLUTION


def apply_local_update(params: Params, deltas: LocalDeltas, *, lr_o: float, lr_h: float,
                       lr_c: float) -> Params:
    """One step of the local rule (docs/model.md §3b): new parameters, ``params`` untouched.

        w_o - lr_o d_w_o,  b_o - lr_o d_b_o,  w_c - lr_c d_w_c,  w_r - lr_h d_w_r,  b_r - lr_h d_b_r

    where
        params : Params       ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)``
        deltas : LocalDeltas  from ``local_deltas``, the same shapes
        lr_o, lr_h, lr_c : float >= 0  learning rates of the output layer, the recurrent layer
                                      (``w_r, b_r``) and the causes weights ``w_c``

    Returns ``Params``.
    """
    return Params(w_o=params.w_o - lr_o * deltas.d_w_o,                                  # (O, S)
                  b_o=params.b_o - lr_o * deltas.d_b_o,                                  # (O,)
                  w_c=params.w_c - lr_c * deltas.d_w_c,                                  # (S, C)
                  w_r=params.w_r - lr_h * deltas.d_w_r,                                  # (S, S)
                  b_r=params.b_r - lr_h * deltas.d_b_r)                                  # (S,)


def free_energy(trace: Trace, *, alpha_x: float, alpha_h: float) -> float:
    """The free energy the local rule is monitored with (docs/model.md §3b).

        F = 0.5 * alpha_x * mean_{t,b} ||error[t, b]||**2 + 0.5 * alpha_h * mean_{t,b} ||error_h[t, b]||**2

    where
        trace   : Trace  from ``rollout``; uses ``error (T, B, O)`` and ``error_h (T, B, S)``
        alpha_x, alpha_h : float >= 0  the weights (the rollout's inference rates)

    Returns ``F`` as a float.
    """
    T, B = trace.error.shape[:2]
    sq_error = np.sum(trace.error ** 2) / (T * B)            # mean_{t,b} ||error[t, b]||**2
    sq_error_h = np.sum(trace.error_h ** 2) / (T * B)        # mean_{t,b} ||error_h[t, b]||**2
    return float(0.5 * alpha_x * sq_error + 0.5 * alpha_h * sq_error_h)
