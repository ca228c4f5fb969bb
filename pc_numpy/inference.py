"""Bottom-up inference: equations (4)-(7) of the model (docs/model.md §2).

The output error pulls the hidden state toward states that explain the target (4); what that
correction could not have been predicted, the hidden error (5), pulls the hidden causes (6),
with exploration noise proportional to it (7).

Shapes: ``B`` batch, ``S`` hidden state, ``C`` hidden causes, ``O`` output (leading axes alike:
``pc_numpy.params``).  The formulas check nothing (the entry points check, at the door).
"""

import numpy as np

from .params import Params


def hidden_posterior(h_prior: np.ndarray, error: np.ndarray, params: Params, *,
                     alpha_x: float) -> np.ndarray:
    """Equation (4), the hidden posterior: one gradient step on the output error.

        h_post[t] = h_prior[t] - alpha_x * (1 - tanh(h_prior[t])**2) * (error[t] @ w_o)

    This is exactly ``h_prior - alpha_x * d/dh_prior (0.5 * ||error[t]||**2)``, since
    ``error = tanh(h_prior) @ w_o.T + b_o - x``.

    where
        h_prior : (B, S)  hidden prior of step t, from (1)
        error   : (B, O)  output error of step t, from (3)
        params  : Params  uses ``w_o (O, S)``
        alpha_x : float   update rate, >= 0 (``0``: no inference, ``h_post = h_prior``)
    Returns ``h_post[t]`` of shape (B, S).
    """
    # BEGIN SOLUTION
    return h_prior - alpha_x * (1.0 - np.tanh(h_prior) ** 2) * (error @ params.w_o)       # (B, S)
    # END SOLUTION


def hidden_error(h_prior: np.ndarray, h_post: np.ndarray) -> np.ndarray:
    """Equation (5), the hidden prediction error: how far inference moved the hidden state.

        error_h[t] = h_prior[t] - h_post[t]

    where  h_prior : (B, S) from (1);  h_post : (B, S) from (4).   Returns ``error_h[t]`` (B, S).
    """
    return h_prior - h_post                                                               # (B, S)


def causes_bottom_up(c_prev: np.ndarray, error_h: np.ndarray, params: Params, *,
                     alpha_h: float) -> np.ndarray:
    """Equation (6), the bottom-up update of the hidden causes.

        c = c[t-1] - alpha_h * (error_h[t] @ w_c)

    A gradient step on ``0.5 * ||error_h[t]||**2`` with respect to ``c[t-1]`` (``h_post`` held
    fixed): the exact gradient is ``(1/tau) * error_h[t] @ w_c``, and the rule absorbs ``1/tau``
    into ``alpha_h``.

    where
        c_prev  : (B, C)  hidden causes before step t, ``c[t-1]``
        error_h : (B, S)  hidden error of step t, from (5)
        params  : Params  uses ``w_c (S, C)``
        alpha_h : float   update rate, >= 0
    Returns the updated causes, shape (B, C).
    """
    # BEGIN SOLUTION
    return c_prev - alpha_h * (error_h @ params.w_c)                                      # (B, C)
    # END SOLUTION


def causes_noise(c: np.ndarray, error_h: np.ndarray, xi: np.ndarray, *,
                 sigma_r: float) -> np.ndarray:
    """Equation (7), exploration noise on the hidden causes, scaled by the hidden error.

        c = c + sigma_r * ||error_h[t]|| * xi[t],    xi[t] ~ N(0, I_C) per row

    ``||.||`` is the Euclidean norm of each row: a sequence that is well explained (small hidden
    error) barely moves; one that is badly explained explores.  The standard normal draws ``xi``
    are an argument, so that two implementations can be fed the same numbers.

    where  c : (B, C) causes after (6);  error_h : (B, S) hidden error of step t, from (5);
           xi : (B, C) standard normal draws for step t;  sigma_r : float, noise scale >= 0.
    Returns the updated causes, shape (B, C).
    """
    norm = np.sqrt((error_h ** 2).sum(axis=-1, keepdims=True))                            # (B, 1)
    return c + sigma_r * norm * xi                                                        # (B, C)
