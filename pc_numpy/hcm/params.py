"""PC-RNN-HC-M's parameters: their names, shapes and initialisation (docs/model.md §2b).

Shapes: ``O`` output dimension, ``S`` hidden-state dimension, ``C`` hidden-causes dimension,
``F`` number of factors.  Batch is in rows, so a weight multiplies from the right
(``tanh(h) @ w_pd``, ``(...) @ w_fd.T``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tools import doors


class Params(NamedTuple):
    """The six weights of PC-RNN-HC-M (the names are part of the API).

    The causes gate the recurrence through ``F`` factors (equation (1m)):
    ``((tanh(h) @ w_pd) * (c @ w_cd)) @ w_fd.T + b_r``.

    where
        w_o  : (O, S)  output weights, ``x_pred = tanh(h) @ w_o.T + b_o`` (as PC-RNN-HC-A)
        b_o  : (O,)    output bias
        w_pd : (S, F)  state-to-factor weights: the previous state's factors ``tanh(h) @ w_pd``
        w_fd : (S, F)  factor-to-state weights: the gated factors enter as ``(...) @ w_fd.T``
        w_cd : (C, F)  cause-to-factor weights: the gains ``c @ w_cd`` of the factors
        b_r  : (S,)    recurrent bias
    """
    w_o: np.ndarray
    b_o: np.ndarray
    w_pd: np.ndarray
    w_fd: np.ndarray
    w_cd: np.ndarray
    b_r: np.ndarray


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, stable (the row maximum subtracted before ``exp``)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))                                        # (C, F)
    return e / e.sum(axis=-1, keepdims=True)                                              # (C, F)


def init_params(causes_dim: int, states_dim: int, output_dim: int, factor_dim: int,
                rng: np.random.Generator) -> Params:
    """Draw initial parameters (docs/model.md §2b).

        w_o ~ N(0, 1) / S,    b_o, b_r ~ N(0, 1) / 10,    w_pd, w_fd ~ N(0, 1) / sqrt(F),
        w_cd = F * softmax_row(0.5 * N(0, 1))       (each row of w_cd is positive and sums to F)

    Draws in the order of the fields, ``w_o, b_o, w_pd, w_fd, w_cd, b_r``, one
    ``rng.standard_normal`` call each, from ``rng`` (a ``numpy.random.Generator``).

    where
        causes_dim : int >= 1   C
        states_dim : int >= 1   S
        output_dim : int >= 1   O
        factor_dim : int >= 1   F

    Returns ``Params`` with ``w_o (O, S)``, ``b_o (O,)``, ``w_pd (S, F)``, ``w_fd (S, F)``,
    ``w_cd (C, F)``, ``b_r (S,)``.
    """
    C, S, O, F = doors.init_params_args(causes_dim, states_dim, output_dim, rng, factor_dim)  # the door
    w_o = rng.standard_normal((O, S)) / S                                                 # (O, S)
    b_o = rng.standard_normal(O) / 10                                                     # (O,)
    w_pd = rng.standard_normal((S, F)) / np.sqrt(F)                                       # (S, F)
    w_fd = rng.standard_normal((S, F)) / np.sqrt(F)                                       # (S, F)
    w_cd = F * _softmax_rows(0.5 * rng.standard_normal((C, F)))                           # (C, F)
    b_r = rng.standard_normal(S) / 10                                                     # (S,)
    return Params(w_o, b_o, w_pd, w_fd, w_cd, b_r)
