"""The network's parameters: their names, shapes and initialisation (docs/model.md §2).

Shapes: ``O`` output dimension, ``S`` hidden-state dimension, ``C`` hidden-causes dimension.
Batch is in rows, so a weight multiplies from the right as its transpose, written ``h @ w_r.mT``:
``.mT`` transposes the last two axes (``.T`` of a matrix), so the same lines run a *stack* of Z
models (``protocols.stacked``: each array with a leading Z axis, biases (Z, 1, ·)) on (Z, B, ·).
"""

from typing import NamedTuple

import numpy as np

from .tools import doors


class Params(NamedTuple):
    """The five weights of PC-RNN-HC-A (the names are part of the API).

    where
        w_o : (O, S)  output weights, ``x_pred = tanh(h) @ w_o.T + b_o``
        b_o : (O,)    output bias
        w_c : (S, C)  hidden-cause weights, the causes enter as ``c @ w_c.T``
        w_r : (S, S)  recurrent weights, ``tanh(h) @ w_r.T``
        b_r : (S,)    recurrent bias
    """
    w_o: np.ndarray
    b_o: np.ndarray
    w_c: np.ndarray
    w_r: np.ndarray
    b_r: np.ndarray


def init_params(causes_dim: int, states_dim: int, output_dim: int,
                rng: np.random.Generator) -> Params:
    """Draw initial parameters (docs/model.md §2).

        w_o, w_r ~ N(0, 1) / S,    w_c ~ N(0, 1) / C,    b_o, b_r ~ N(0, 1) / 10

    Draws in the order ``w_o, b_o, w_c, w_r, b_r`` from ``rng`` (a ``numpy.random.Generator``).

    Returns ``Params`` with ``w_o (O, S)``, ``b_o (O,)``, ``w_c (S, C)``, ``w_r (S, S)``, ``b_r (S,)``.
    """
    C, S, O = doors.init_params_args(causes_dim, states_dim, output_dim, rng)      # the door's check
    w_o = rng.standard_normal((O, S)) / S      # (O, S)
    b_o = rng.standard_normal(O) / 10          # (O,)
    w_c = rng.standard_normal((S, C)) / C      # (S, C)
    w_r = rng.standard_normal((S, S)) / S      # (S, S)
    b_r = rng.standard_normal(S) / 10          # (S,)
    return Params(w_o, b_o, w_c, w_r, b_r)
