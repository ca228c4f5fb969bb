"""Training by BPTT and Adam: the protocol of docs/model.md §3.

Generation mode (every inference rate zero), loss ``mean(error**2)``, full batch.  Adam (lr 0.03,
betas (0.9, 0.999), eps 1e-8, weight decay 1e-4) updates the five weights and ``c0``: one row of
``c0`` per training sequence.  Those rows are the learned hidden causes, the memories ``mus`` that
retrieval (§4) looks for.  ``h0`` is one ``N(0, 1)`` vector shared by every sequence, held fixed
unless ``learn_h0=True``.
"""
from __future__ import annotations

import os
import time
from typing import NamedTuple, Optional

import numpy as np

from ..tools.checks import NumericalError, as_scalar, check_memory
from ..adam import Adam
from ..params import Params
from ..tools.files import check_writable
from ..tools.progress import Progress
from .checkpoint import save_model
from .model import (Model, TrainResult, TrainingDiverged, check_data, check_kind, check_labels, family,
                    fingerprint)

PARAM_NAMES = Params._fields                     # ("w_o", "b_o", "w_c", "w_r", "b_r") of PC-RNN-HC-A


def initial_values(n_sequences: int, output_dim: int, *, states_dim: int, causes_dim: int,
                   rng: np.random.Generator, kind: str = "hc-a", factor_dim=None) -> dict:
    """The starting point of training (docs/model.md §2-§3), drawn in this order from ``rng``:

        the parameters            by ``init_params`` of the kind ("hc-a": w_o, b_o, w_c, w_r, b_r;
                                  "hc-m": w_o, b_o, w_pd, w_fd, w_cd, b_r, with ``factor_dim`` F)
        c0 ~ 0.01 * N(0, 1)       (N, C), one row per training sequence
        h0 ~ N(0, 1)              (S,)

    Both backends start from these values, so that their training can be compared.
    Returns a dict with the parameters' names and ``c0``, ``h0``.
    """
    n_sequences = as_scalar("n_sequences", n_sequences, low=1, integer=True)
    output_dim = as_scalar("output_dim", output_dim, low=1, integer=True)
    fam = family(check_kind(kind))
    if kind == "hc-m":
        if factor_dim is None:
            raise ValueError("factor_dim (F, the number of factors) is required for kind='hc-m'")
        params = fam.init_params(causes_dim, states_dim, output_dim, factor_dim, rng)
    else:
        if factor_dim is not None:
            raise ValueError("factor_dim is for kind='hc-m' only (PC-RNN-HC-A has no factors)")
        params = fam.init_params(causes_dim, states_dim, output_dim, rng)
    c0 = 0.01 * rng.standard_normal((n_sequences, causes_dim))                           # (N, C)
    h0 = rng.standard_normal(states_dim)                                                  # (S,)
    return dict(params._asdict(), c0=c0, h0=h0)


def training_bytes(N: int, T: int, O: int, S: int, C: int, iterations: int) -> int:
    """An upper estimate of the bytes one ``train`` call allocates (float64): the traces and
    backward arrays of one iteration, ``T*N*(3O + 6S + C)`` and ``T*S*S``, four copies of the
    parameters and ``c0`` (values, gradients, Adam's two moments), the losses."""
    return 8 * (T * N * (3 * O + 6 * S + C) + T * S * S
                + 4 * (O * S + O + S * C + S * S + 2 * S + N * C) + iterations)


def check_training_args(*, states_dim, causes_dim, tau, iterations, lr, weight_decay, seed,
                        data_shape=None):
    """Check the hyper-parameters of ``train`` (shared by both backends); with ``data_shape``
    ``(N, T, O)`` also check that the run fits in ``memory_budget()`` before it starts."""
    hp = _check_training_args(states_dim=states_dim, causes_dim=causes_dim, tau=tau,
                              iterations=iterations, lr=lr, weight_decay=weight_decay, seed=seed)
    if data_shape is not None:
        N, T, O = data_shape
        check_memory("train", training_bytes(N, T, O, hp["states_dim"], hp["causes_dim"], hp["iterations"]),
                     dict(states_dim=hp["states_dim"], iterations=hp["iterations"], data=f"{N}x{T}x{O}"))
    return hp


def _check_training_args(*, states_dim, causes_dim, tau, iterations, lr, weight_decay, seed):
    return dict(
        states_dim=as_scalar("states_dim", states_dim, low=1, integer=True),
        causes_dim=as_scalar("causes_dim", causes_dim, low=1, integer=True),
        tau=as_scalar("tau", tau, low=1),
        iterations=as_scalar("iterations", iterations, low=1, integer=True),
        lr=as_scalar("lr", lr, low=0, low_inclusive=False),
        weight_decay=as_scalar("weight_decay", weight_decay, low=0),
        seed=as_scalar("seed", seed, low=0, integer=True),    # default_rng takes any; <= 2**63 - 1
    )


def check_run_args(*, learn_h0, checkpoint_path, checkpoint_every):
    """Check ``learn_h0`` and the checkpoint arguments of ``train`` before the first iteration
    (shared by both backends), so that a bad path fails at once, not after the training."""
    if not isinstance(learn_h0, (bool, np.bool_)):
        raise TypeError(f"learn_h0 must be True or False, got {type(learn_h0).__name__}")
    every = as_scalar("checkpoint_every", checkpoint_every, low=1, integer=True)
    if checkpoint_path is not None:
        if not isinstance(checkpoint_path, (str, os.PathLike)) or \
                not isinstance(os.fspath(checkpoint_path), str):
            raise TypeError(f"checkpoint_path must be a file path (str or os.PathLike), "
                            f"got {type(checkpoint_path).__name__}")
        if os.path.isdir(checkpoint_path):
            raise ValueError(f"checkpoint_path {os.fspath(checkpoint_path)!r} is a folder; "
                             f"give a file name (e.g. model.npz)")
        check_writable(checkpoint_path, "checkpoint_path")
    return bool(learn_h0), checkpoint_path, every


class TrainArgs(NamedTuple):
    """``train``'s arguments, checked (``train_args``)."""
    data: np.ndarray          # (N, T, O) float64
    labels: tuple             # N strings
    hp: dict                  # states_dim, causes_dim, tau, iterations, lr, weight_decay, seed
    learn_h0: bool
    checkpoint_path: object   # None or a writable file path
    checkpoint_every: int
    kind: str                 # "hc-a" or "hc-m"
    factor_dim: Optional[int]


def train_args(data, labels, *, states_dim, causes_dim, tau, iterations, lr, weight_decay, seed,
               learn_h0, checkpoint_path, checkpoint_every, keep="last", kind="hc-a",
               factor_dim=None) -> TrainArgs:
    """The door of ``train`` (both backends): every argument checked once, before the first
    iteration (a bad checkpoint path fails at once, a run too large for memory before it starts)."""
    if keep not in ("last", "best"):
        raise ValueError(f"keep must be 'last' or 'best', got {keep!r}")
    check_kind(kind)
    if factor_dim is not None:
        factor_dim = as_scalar("factor_dim", factor_dim, low=1, integer=True)
    data = check_data(data)
    labels = check_labels(labels, data.shape[0])
    hp = check_training_args(states_dim=states_dim, causes_dim=causes_dim, tau=tau,
                             iterations=iterations, lr=lr, weight_decay=weight_decay, seed=seed,
                             data_shape=data.shape)
    learn_h0, checkpoint_path, checkpoint_every = check_run_args(
        learn_h0=learn_h0, checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every)
    return TrainArgs(data, labels, hp, learn_h0, checkpoint_path, checkpoint_every, kind, factor_dim)


def diverged(iteration: int, what: str, lr: float) -> TrainingDiverged:
    """The error for a NaN/inf at ``iteration``: before any update the data is to blame, after
    some updates most often the learning rate."""
    if iteration == 0:
        return TrainingDiverged(
            f"training diverged at iteration 0: {what} is NaN or inf before any update; "
            f"the data are probably too large (normalise them to unit-order values)")
    return TrainingDiverged(
        f"training diverged at iteration {iteration}: {what} is NaN or inf; "
        f"try a lower learning rate (lr={lr:g}, e.g. lr={lr / 3:.3g})")


def check_update(iteration: int, arrays: dict, *, lr: float, weight_decay: float,
                 is_finite=lambda a: bool(np.isfinite(a).all())) -> None:
    """The check after every update of ``train`` (both backends): every value and every part of
    the optimizer's state in ``arrays`` (name -> array, e.g. ``"w_o"``, ``"Adam's second moment
    of w_o"``) must be finite, else ``TrainingDiverged`` naming the iteration, the array and the
    likely culprit (``weight_decay`` when only the moments overflowed, else ``lr``)."""
    for name, array in arrays.items():
        if not is_finite(array):
            if "moment" in name:
                hint = (f"weight_decay={weight_decay:g} times the parameters, or the gradients, "
                        f"overflowed; try a smaller weight_decay (e.g. 1e-4)" if weight_decay > 1
                        else f"the gradients overflowed; try a lower learning rate (lr={lr:g})")
            else:
                hint = f"try a lower learning rate (lr={lr:g}, e.g. lr={lr / 3:.3g})"
            raise TrainingDiverged(f"training diverged at iteration {iteration}: after the update "
                                   f"{name} is NaN or inf; {hint}")


def train(data: np.ndarray, labels=None, *, states_dim: int = 50, causes_dim: int = 2,
          tau: float = 50.0, iterations: int = 1000, lr: float = 0.03, betas=(0.9, 0.999),
          eps: float = 1e-8, weight_decay: float = 1e-4, learn_h0: bool = False, seed: int = 0,
          progress=True, checkpoint_path=None, checkpoint_every: int = 100,
          keep: str = "last", kind: str = "hc-a", factor_dim=None) -> TrainResult:
    """Train PC-RNN-HC-A (or PC-RNN-HC-M) to generate every sequence of ``data`` from its own
    hidden cause.

    Each iteration: ``loss, grads = loss_and_grads(params, x, c0, h0, tau)`` (BPTT by hand:
    ``pc_numpy.bptt`` or ``pc_numpy.hcm``), then one step of the hand-written ``Adam`` on the
    parameters and ``c0`` (and ``h0`` if ``learn_h0``).

    where
        data          : (N, T, O)  training sequences (transposed to time-major (T, N, O) inside)
        labels        : N strings or None
        states_dim    : S (50);  causes_dim : C (2);  tau : time constant (50)
        iterations    : full-batch updates (1000)
        lr, betas, eps, weight_decay : Adam's (0.03, (0.9, 0.999), 1e-8, 1e-4)
        seed          : the seed of ``numpy.random.default_rng`` that draws ``initial_values``
        progress      : True (a line on stderr about once a second), False, or a callable
        checkpoint_path : if given, the model is saved there (atomically) every ``checkpoint_every``
                          iterations and at the end; on divergence the last good one stays
        keep          : "last" (the parameters after the last update) or "best" (the iterate with
                        the lowest loss seen, ``losses.argmin()``: Adam sometimes spikes near
                        the end); "last" is the original protocol; the two are compared over
                        10 seeds in docs/results.md
        kind          : "hc-a" (additive causes, the default) or "hc-m" (multiplicative, docs/model.md §2b)
        factor_dim    : F, the number of factors of "hc-m" (required there, refused for "hc-a")

    Returns ``TrainResult(model, losses, seconds)``; ``model.mus`` are the learned ``c0`` rows.
    Raises ``TrainingDiverged`` (a ``ValueError``) naming the iteration if the loss or a gradient
    becomes NaN or inf, or, checked after every update (``check_update``), a value or Adam's
    state; ``TooLarge`` before the first iteration if the run would not fit in memory.
    """
    data, labels, hp, learn_h0, checkpoint_path, checkpoint_every, kind, factor_dim = train_args(
        data, labels, states_dim=states_dim, causes_dim=causes_dim, tau=tau, iterations=iterations,
        lr=lr, weight_decay=weight_decay, seed=seed, learn_h0=learn_h0, checkpoint_path=checkpoint_path,
        checkpoint_every=checkpoint_every, keep=keep, kind=kind, factor_dim=factor_dim)   # the door
    fam = family(kind)
    N, T, O = data.shape
    x = np.ascontiguousarray(data.transpose(1, 0, 2))                                     # (T, N, O)
    start = initial_values(N, O, states_dim=hp["states_dim"], causes_dim=hp["causes_dim"],
                           rng=np.random.default_rng(hp["seed"]), kind=kind, factor_dim=factor_dim)
    start = {k: v.astype(x.dtype, copy=False) for k, v in start.items()}  # the dtype follows the data
    names = fam.Params._fields
    trainable = list(names) + ["c0"] + (["h0"] if learn_h0 else [])
    opt = Adam({k: start[k] for k in trainable}, lr=hp["lr"], betas=betas, eps=eps,
               weight_decay=hp["weight_decay"])
    h0 = start["h0"]
    fp = fingerprint(data)

    def current_model() -> Model:
        v = opt.values
        return Model(fam.Params(*(v[k] for k in names)), v["c0"].copy(),
                     (v["h0"] if learn_h0 else h0).copy(), hp["tau"], labels, fp, kind)

    losses = np.empty(hp["iterations"])
    best = None                                          # (loss, model) of the best iterate so far
    report = Progress("train", hp["iterations"], progress)
    t0 = time.perf_counter()
    for i in range(hp["iterations"]):
        v = opt.values
        params = fam.Params(*(v[k] for k in names))
        try:
            loss, grads = fam.loss_and_grads(params, x, v["c0"], v["h0"] if learn_h0 else h0,
                                             tau=hp["tau"])
        except NumericalError as exc:
            raise diverged(i, f"{exc.quantity or 'a value'} of the forward or backward pass", hp["lr"]) from None
        if not np.isfinite(loss):
            raise diverged(i, "the loss", hp["lr"])
        grads = grads._asdict()
        if not all(np.isfinite(grads[k]).all() for k in trainable):
            raise diverged(i, "a gradient", hp["lr"])
        losses[i] = loss
        if keep == "best" and (best is None or loss < best[0]):
            m = current_model()                          # the values this loss was measured on
            best = (loss, m._replace(params=fam.Params(*(a.copy() for a in m.params))))
        with np.errstate(over="ignore", invalid="ignore"):          # checked just below, by name
            opt.step({k: grads[k] for k in trainable})
        check_update(i, {**opt.values, **{f"Adam's first moment of {k}": m for k, m in opt.m.items()},
                         **{f"Adam's second moment of {k}": m for k, m in opt.v.items()}},
                     lr=hp["lr"], weight_decay=hp["weight_decay"])
        if checkpoint_path is not None and (i + 1) % checkpoint_every == 0 and i + 1 < hp["iterations"]:
            _save_if_finite(checkpoint_path, current_model(), i + 1, hp["lr"])
        report.update(i + 1, f"loss {loss:.5f}")
    final = best[1] if keep == "best" else current_model()
    return finish_training(final, losses, time.perf_counter() - t0, checkpoint_path, hp["lr"])


def _save_if_finite(path, model: Model, iteration: int, lr: float, what: str = "a parameter") -> None:
    """Save ``model`` to ``path`` unless a value is NaN/inf (then the last good file stays)."""
    if not all(np.isfinite(a).all() for a in (*model.params, model.mus, model.h0)):
        raise diverged(iteration, what, lr)
    if path is not None:
        save_model(path, model)


def finish_training(model: Model, losses: np.ndarray, seconds: float, checkpoint_path, lr: float) -> TrainResult:
    """The end of training in both backends: check the final values, save them, return the result."""
    _save_if_finite(checkpoint_path, model, losses.size, lr, "a parameter after the last update")
    return TrainResult(model, losses, seconds)
