"""The trained model as a record: what training produces and retrieval, studies and checkpoints read.

``Model`` holds a trained network and its memories; ``check_model`` checks one field by field;
``fingerprint`` ties a model to the data it was trained on.  (Kept apart from ``train`` and
``retrieval`` so that neither imports the other, nor does ``checkpoint`` import either.)
"""
from __future__ import annotations

import hashlib
import importlib
import numbers
from typing import NamedTuple, Optional, Sequence

import numpy as np

from ..tools.checks import as_float_array, as_scalar
from ..tools.doors import check_params
from ..params import Params


KINDS = ("hc-a", "hc-m")        # PC-RNN-HC-A (additive causes), PC-RNN-HC-M (multiplicative)


class Model(NamedTuple):
    """A trained network and its memories: everything retrieval and a checkpoint need.

    where
        params           : Params  of the model's kind: ``pc_numpy.Params`` (``w_o, b_o, w_c, w_r,
                                   b_r``) for "hc-a", ``pc_numpy.hcm.Params`` (``w_o, b_o, w_pd,
                                   w_fd, w_cd, b_r``) for "hc-m"
        mus              : (P, C)  the learned ``c0`` rows, one memory per training sequence
        h0               : (S,)    the initial hidden state shared by all sequences
        tau              : float   time constant
        labels           : tuple of P strings, the name of each memory (e.g. its letter)
        data_fingerprint : str     SHA-256 of the training data (float64 bytes and shape)
        kind             : str     "hc-a" or "hc-m" (``KINDS``)
    """
    params: Params
    mus: np.ndarray
    h0: np.ndarray
    tau: float
    labels: tuple
    data_fingerprint: str
    kind: str = "hc-a"


class Family(NamedTuple):
    """The functions of one model kind that the protocols call (``family(kind)``)."""
    kind: str
    Params: type                 # the parameters' NamedTuple
    init_params: object          # (causes_dim, states_dim, output_dim, [factor_dim,] rng) -> Params
    check_params: object         # (params, dims, name) -> Params
    rollout: object              # (params, x, c0, h0, *, tau, ...) -> Trace
    loss_and_grads: object       # (params, x, c0, h0, *, tau, observed) -> (loss, Grads)
    generate: object             # (params, c0, h0, *, tau, steps) -> x_pred


def check_kind(kind, name: str = "kind") -> str:
    """``kind``: one of ``KINDS`` ("hc-a", "hc-m")."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    return kind


def _checker(kind: type):
    """``(params, dims, name) -> Params``: ``doors.check_params`` for the ``Params`` type ``kind``."""
    return lambda params, dims=None, name="params": check_params(params, kind, dims, name)


def family(kind: str) -> Family:
    """The model functions of ``kind``: PC-RNN-HC-A's from ``pc_numpy`` (``params``, ``rollout``,
    ``bptt``) or PC-RNN-HC-M's from ``pc_numpy.hcm``."""
    check_kind(kind)
    if kind == "hc-m":
        from .. import hcm
        return Family(kind, hcm.Params, hcm.init_params, _checker(hcm.Params), hcm.rollout,
                      hcm.loss_and_grads, hcm.generate)
    # the modules themselves (the package's attribute ``pc_numpy.rollout`` is the function)
    hca_params, hca_rollout, hca_bptt = (importlib.import_module(f"pc_numpy.{name}")
                                         for name in ("params", "rollout", "bptt"))
    return Family(kind, hca_params.Params, hca_params.init_params, _checker(hca_params.Params),
                  hca_rollout.rollout, hca_bptt.loss_and_grads, hca_rollout.generate)


class TrainResult(NamedTuple):
    """``model``; ``losses (iterations,)`` the loss before each update; ``seconds`` of training;
    ``free_energy (iterations,)`` before each update for the local rule (``train_local``), None
    for BPTT (``train``)."""
    model: Model
    losses: np.ndarray
    seconds: float
    free_energy: Optional[np.ndarray] = None


class TrainingDiverged(ValueError):
    """The loss or a gradient became NaN or inf: the learning rate is probably too high."""


def fingerprint(data: np.ndarray) -> str:
    """SHA-256 of a data set (its float64 bytes and its shape), to tie a model to its data."""
    data = np.ascontiguousarray(check_data(data), dtype=np.float64)
    h = hashlib.sha256(repr(data.shape).encode())
    h.update(data.tobytes())
    return h.hexdigest()


def check_data(data, name: str = "data") -> np.ndarray:
    """A data set of sequences ``(N, T, O)``, finite float64, at least one sequence of one step."""
    return as_float_array(name, data, (None, None, None))


def check_unique_labels(labels, name: str = "labels") -> None:
    """Labels name memories, one each: a label used twice would make the memories it names
    indistinguishable in every per-label result (``summary.json``, the figures, the mapping of
    variants to memories), one silently overwriting the other.  So duplicates are refused,
    everywhere a set of labels enters (``train``, ``check_model``, ``load_model``), naming them."""
    seen: dict = {}
    for i, label in enumerate(labels):
        seen.setdefault(label, []).append(i)
    repeated = {lab: where for lab, where in seen.items() if len(where) > 1}
    if repeated:
        shown = "; ".join(f"{lab!r} at {where[:6]}{'...' if len(where) > 6 else ''}"
                          for lab, where in list(repeated.items())[:5])
        raise ValueError(f"{name} must be unique (each names one memory), but {len(repeated)} "
                         f"label(s) repeat: {shown}; give every sequence its own label")


def check_labels(labels, n: int) -> tuple:
    """``labels``: ``None`` (then ``'0', '1', ...``) or ``n`` distinct strings (ints are
    converted; ``1`` and ``'1'`` are the same label).  Duplicates are refused (``check_unique_labels``)."""
    if labels is None:
        return tuple(str(i) for i in range(n))
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)):
        raise TypeError(f"labels must be a sequence of {n} strings, got {type(labels).__name__}")
    if len(labels) != n:
        raise ValueError(f"labels must have one entry per sequence ({n}), got {len(labels)}")
    bad = [v for v in labels if isinstance(v, (bool, np.bool_)) or not isinstance(v, (str, numbers.Integral))]
    if bad:
        raise TypeError(f"labels must be strings or integers, got {type(bad[0]).__name__} {bad[0]!r:.40}")
    labels = tuple(str(v) for v in labels)
    check_unique_labels(labels)
    return labels


def check_model(model) -> Model:
    """Check a ``Model`` field by field (shapes agree, finite, ``tau >= 1``, ``P`` labels) and
    return it with float64 arrays; the messages name the field (``model.mus``, ``model.params.w_r``)."""
    if not isinstance(model, Model):
        raise TypeError(f"model must be a Model (from train or load_model), got {type(model).__name__}")
    kind = check_kind(model.kind, "model.kind")
    dims: dict = {}
    params = family(kind).check_params(model.params, dims, name="model.params")
    mus = as_float_array("model.mus", model.mus, ("P", "C"), dims)                        # (P, C)
    h0 = as_float_array("model.h0", model.h0, ("S",), dims)                               # (S,)
    tau = as_scalar("model.tau", model.tau, low=1)
    P = mus.shape[0]
    labels = model.labels
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (tuple, list)) or len(labels) != P \
            or not all(isinstance(v, str) for v in labels):
        raise ValueError(f"model.labels must be {P} strings (one per memory), got {labels!r:.80}")
    check_unique_labels(labels, "model.labels")
    if not isinstance(model.data_fingerprint, str):
        raise TypeError(f"model.data_fingerprint must be a str, got {type(model.data_fingerprint).__name__}")
    return Model(params, mus, h0, tau, tuple(labels), model.data_fingerprint, kind)


def rollout_of(model: Model):
    """The rollout function of ``model``'s kind: the one entry point through which retrieval, its
    readout and the baselines run the network.  ``pc_numpy.rollout.rollout`` for PC-RNN-HC-A,
    ``pc_numpy.hcm.rollout`` for PC-RNN-HC-M, both with the same keywords
    ``(params, x, c0, h0, *, tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c, mus, rng, observed)``."""
    return family(check_kind(model.kind, "model.kind")).rollout
