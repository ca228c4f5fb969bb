"""The two equations of PC-RNN-HC-M that differ from PC-RNN-HC-A: (1m) and (6m) (docs/model.md §2b).

The hidden causes *gate* the recurrence through ``F`` factors instead of being added to it.  The
other equations, (2)-(5), (7) and (8), are those of PC-RNN-HC-A and are not repeated here:
``pc_numpy.generative``, ``pc_numpy.inference`` and ``pc_numpy.prior`` implement them once, for
both models (they use only ``params.w_o`` and ``params.b_o``, which both models have).

Shapes: ``B`` batch, ``S`` hidden state, ``C`` hidden causes, ``F`` factors.
These are the formulas and check nothing (the entry points check their arguments once).
"""
from __future__ import annotations

import numpy as np

from .params import Params


def hidden_prior(h_post_prev: np.ndarray, c_prev: np.ndarray, params: Params, *, tau: float) -> np.ndarray:
    """Equation (1m), the hidden prior: a leaky-integrator step whose recurrence the causes gate.

        h_prior[t] = (1 - 1/tau) * h_post[t-1]
                     + (1/tau) * ( ((tanh(h_post[t-1]) @ w_pd) * (c[t-1] @ w_cd)) @ w_fd.T + b_r )

    ``*`` is elementwise on (B, F) arrays: each of the ``F`` factors ``tanh(h) @ w_pd`` of the
    previous state is multiplied by a gain ``c @ w_cd`` set by the causes, and the gated factors
    are mapped back to the state by ``w_fd``.

    where
        h_post_prev : (B, S)  hidden posterior of the previous step, ``h_post[t-1]`` (``h0`` at t = 0)
        c_prev      : (B, C)  hidden causes of the previous step, ``c[t-1]`` (``c0`` at t = 0)
        params      : Params  (``pc_numpy.hcm.Params``) uses ``w_pd (S, F)``, ``w_fd (S, F)``,
                              ``w_cd (C, F)``, ``b_r (S,)``
        tau         : float   time constant, >= 1

    Returns ``h_prior[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    k = 1.0 / tau
    factors = np.tanh(h_post_prev) @ params.w_pd                                          # (B, F)
    gains = c_prev @ params.w_cd                                                          # (B, F)
    return (1.0 - k) * h_post_prev + k * ((factors * gains) @ params.w_fd.T + params.b_r)  # (B, S)
    # END SOLUTION


def causes_bottom_up(c_prev: np.ndarray, error_h: np.ndarray, h_post_prev: np.ndarray,
                     params: Params, *, alpha_h: float) -> np.ndarray:
    """Equation (6m), the bottom-up update of the hidden causes.

        c = c[t-1] - alpha_h * ( ((tanh(h_post[t-1]) @ w_pd) * (error_h[t] @ w_fd)) @ w_cd.T )

    A gradient step on ``E = 0.5 * ||error_h[t]||**2 = 0.5 * ||h_prior[t](c) - h_post[t]||**2``
    with respect to the causes ``c = c[t-1]`` that entered (1m), ``h_post[t-1]`` and ``h_post[t]``
    held fixed.  By (1m), ``d h_prior / d gains = (1/tau) * factors * (. @ w_fd)``, so

        dE/dc = (1/tau) * ((factors * (error_h @ w_fd)) @ w_cd.T),   factors = tanh(h_post[t-1]) @ w_pd

    and the rule absorbs ``1/tau`` into ``alpha_h``, as (6) does.  Note the *previous* posterior
    ``h_post[t-1]``: it is the state whose factors the causes gated at step t.

    where
        c_prev      : (B, C)  hidden causes before step t, ``c[t-1]``
        error_h     : (B, S)  hidden error of step t, from (5)
        h_post_prev : (B, S)  hidden posterior of the previous step, ``h_post[t-1]`` (``h0`` at t = 0)
        params      : Params  (``pc_numpy.hcm.Params``) uses ``w_pd (S, F)``, ``w_fd (S, F)``,
                              ``w_cd (C, F)``
        alpha_h     : float   update rate, >= 0

    Returns the updated causes, shape (B, C).
    """
    # BEGIN SOLUTION
    factors = np.tanh(h_post_prev) @ params.w_pd                                          # (B, F)
    back = error_h @ params.w_fd                                                          # (B, F)
    return c_prev - alpha_h * ((factors * back) @ params.w_cd.T)                          # (B, C)
    # END SOLUTION
