"""The generative (top-down) pass: equations (1)-(3) of the model (docs/model.md §2).

Shapes: ``B`` batch, ``S`` hidden state, ``C`` hidden causes, ``O`` output (leading axes alike:
``pc_numpy.params``).  The formulas check nothing (the entry points check, at the door).
"""

from typing import Optional

import numpy as np

from .params import Params


def hidden_prior(h_post_prev: np.ndarray, c_prev: np.ndarray, params: Params, *,
                 tau: float) -> np.ndarray:
    """Equation (1), the hidden prior: one leaky-integrator step of the recurrent network.

        h_prior[t] = (1 - 1/tau) * h_post[t-1]
                     + (1/tau) * (tanh(h_post[t-1]) @ w_r.T + c[t-1] @ w_c.T + b_r)

    where
        h_post_prev : (B, S)  hidden posterior of the previous step, ``h_post[t-1]`` (``h0`` at t = 0)
        c_prev      : (B, C)  hidden causes of the previous step, ``c[t-1]`` (``c0`` at t = 0)
        params      : Params  uses ``w_r (S, S)``, ``w_c (S, C)``, ``b_r (S,)``
        tau         : float   time constant, >= 1 (``tau = 1``: no leak, a plain RNN)
    Returns ``h_prior[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    k = 1.0 / tau
    drive = np.tanh(h_post_prev) @ params.w_r.mT + c_prev @ params.w_c.mT + params.b_r    # (B, S)
    return (1.0 - k) * h_post_prev + k * drive                                            # (B, S)
    # END SOLUTION


def prediction(h_prior: np.ndarray, params: Params) -> np.ndarray:
    """Equation (2), the prediction of the output from the hidden prior.

        x_pred[t] = tanh(h_prior[t]) @ w_o.T + b_o

    where
        h_prior : (B, S)  hidden prior of step t, from (1)
        params  : Params  uses ``w_o (O, S)``, ``b_o (O,)``
    Returns ``x_pred[t]`` of shape (B, O).  (Any leading axes work alike: ``(T, B, S) -> (T, B, O)``.)
    """
    # BEGIN SOLUTION
    return np.tanh(h_prior) @ params.w_o.mT + params.b_o                                  # (B, O)
    # END SOLUTION


def output_error(x_pred: np.ndarray, x: np.ndarray, *,
                 observed: Optional[np.ndarray] = None) -> np.ndarray:
    """Equation (3), the output prediction error, of a target that may be observed only in part.

        error[t] = x_pred[t] - x[t]                      (the whole target observed)
        error[t] = m[t] * (x_pred[t] - x[t])             (``observed`` given: m[t] = 1 observed, 0 not)

    An unobserved row has no error: nothing pulls its hidden state (4) or its causes (6)-(7);
    only the prior (8) still moves the causes (docs/model.md §4b).

    where
        x_pred   : (B, O)  prediction of step t, from (2)
        x        : (B, O)  target (the observed letter) at step t
        observed : (B,)    optional mask ``m[t]`` of 0/1, one per row
    Returns ``error[t]`` of shape (B, O).  (Any leading axes work alike: ``(T, B, O)`` with
    ``observed (T, B)``.)
    """
    if observed is None:
        return x_pred - x                                                                 # (B, O)
    return observed[..., None] * (x_pred - x)                                             # (B, O)
