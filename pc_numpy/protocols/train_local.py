"""Training without back-propagation: the local predictive-coding rule (docs/model.md §3b).

Each iteration runs one *inference* rollout over the whole batch (``alpha_x, alpha_h > 0``,
``alpha_c = sigma_r = 0``; ``c0`` the fixed causes, ``h0`` shared by every sequence), then moves
every weight by the rule's local sums (``local_deltas``, ``apply_local_update``).  No gradient is
propagated through time, and the causes are not learned: ``model.mus`` are the given causes.

Two numbers are recorded before each update: the **generation loss** ``mean(error**2)`` of a
generation rollout (every rate zero, from the same ``c0``, ``h0``), the loss ``train`` records,
so that the two rules can be compared; and the **free energy** of the inference rollout,
``0.5 alpha_x mean_{t,b} ||error||**2 + 0.5 alpha_h mean_{t,b} ||error_h||**2`` (``free_energy``).
"""
from __future__ import annotations

import time

import numpy as np

from ..tools.checks import NumericalError, as_float_array, as_scalar, check_memory
from ..local import apply_local_update, free_energy, local_deltas
from ..params import Params
from ..rollout import rollout
from ..tools.progress import Progress
from .model import Model, TrainResult, TrainingDiverged, check_data, check_labels, fingerprint
from .train import PARAM_NAMES, initial_values, training_bytes


def check_local_args(*, states_dim, tau, alpha_x, alpha_h, lr_o, lr_h, lr_c, iterations, seed) -> dict:
    """Check the hyper-parameters of ``train_local``; return them as numbers (a dict)."""
    return dict(
        states_dim=as_scalar("states_dim", states_dim, low=1, integer=True),
        tau=as_scalar("tau", tau, low=1),
        alpha_x=as_scalar("alpha_x", alpha_x, low=0, low_inclusive=False),
        alpha_h=as_scalar("alpha_h", alpha_h, low=0, low_inclusive=False),
        lr_o=as_scalar("lr_o", lr_o, low=0),
        lr_h=as_scalar("lr_h", lr_h, low=0),
        lr_c=as_scalar("lr_c", lr_c, low=0),
        iterations=as_scalar("iterations", iterations, low=1, integer=True),
        seed=as_scalar("seed", seed, low=0, integer=True),
    )


def check_causes(causes, n: int) -> np.ndarray:
    """``causes``: ``None`` (then the one-hot identity, ``C = N``) or an (N, C) array, one row
    per sequence.  Returns a float64 (N, C) array."""
    if causes is None:
        return np.eye(n)                                                                  # (N, N)
    return as_float_array("causes", causes, (n, None)).copy()                             # (N, C)


def _diverged(iteration: int, what: str, hp: dict) -> TrainingDiverged:
    rates = f"lr_o={hp['lr_o']:g}, lr_h={hp['lr_h']:g}, lr_c={hp['lr_c']:g}"
    if iteration == 0:
        return TrainingDiverged(
            f"training diverged at iteration 0: {what} is NaN or inf before any update; the data "
            f"are probably too large (normalise them to unit-order values)")
    return TrainingDiverged(f"training diverged at iteration {iteration}: {what} is NaN or inf; "
                            f"try lower learning rates ({rates})")


def train_local(data: np.ndarray, labels=None, *, causes=None, states_dim: int = 30,
                tau: float = 30.0, alpha_x: float = 0.001, alpha_h: float = 10.0,
                lr_o: float = 0.002, lr_h: float = 2.0, lr_c: float = 2.0,
                iterations: int = 3000, seed: int = 0, progress=True) -> TrainResult:
    """Train PC-RNN-HC-A with the local predictive-coding rule (no back-propagation).

    Each iteration ``i``:

        trace  = rollout(params, x, causes, h0, tau, alpha_x, alpha_h)   # inference, (1)-(6)
        losses[i]      = mean(rollout(params, x, causes, h0, tau).error**2)   # generation loss
        free_energy[i] = free_energy(trace, alpha_x, alpha_h)
        params = apply_local_update(params, local_deltas(trace), lr_o, lr_h, lr_c)

    The defaults are the authors' example (3 letters, one-hot causes, S = 30, tau = 30).  The
    rule's deltas are sums over the batch, so its rates do not carry over to more sequences:
    on the 20 embedded letters these rates diverge (iteration 85), and rates times 3/20 train
    (tutorial 10).

    where
        data        : (N, T, O)  training sequences (transposed to time-major (T, N, O) inside)
        labels      : N strings or None
        causes      : (N, C) fixed hidden causes, one row per sequence, or None: the one-hot
                      identity (C = N).  They are the rollout's ``c0`` and the model's ``mus``.
        states_dim  : S (30);  tau : time constant (30)
        alpha_x, alpha_h : inference rates of (4) and (6) during training, > 0 (0.001, 10)
        lr_o, lr_h, lr_c : learning rates of ``w_o, b_o``, of ``w_r, b_r`` and of ``w_c``
                      (0.002, 2, 2)
        iterations  : full-batch updates (3000)
        seed        : seed of ``numpy.random.default_rng`` that draws ``initial_values`` (the
                      weights and ``h0``, as ``train`` draws them for ``causes_dim = C``; its
                      ``c0`` draw is not used)
        progress    : True (a line on stderr about once a second), False, or a callable

    Returns ``TrainResult(model, losses, seconds, free_energy)``: ``losses (iterations,)`` the
    generation loss and ``free_energy (iterations,)``, both before each update.  Raises
    ``TrainingDiverged`` (a ``ValueError``) naming the iteration if a loss, a delta or a
    parameter becomes NaN or inf.
    """
    data = check_data(data)
    N, T, O = data.shape
    labels = check_labels(labels, N)
    causes = check_causes(causes, N)                                                      # (N, C)
    hp = check_local_args(states_dim=states_dim, tau=tau, alpha_x=alpha_x, alpha_h=alpha_h,
                          lr_o=lr_o, lr_h=lr_h, lr_c=lr_c, iterations=iterations, seed=seed)
    check_memory("train_local", 2 * training_bytes(N, T, O, hp["states_dim"], causes.shape[1], hp["iterations"]),
                 dict(states_dim=hp["states_dim"], iterations=hp["iterations"], data=f"{N}x{T}x{O}"))
    x = np.ascontiguousarray(data.transpose(1, 0, 2))                                     # (T, N, O)
    start = initial_values(N, O, states_dim=hp["states_dim"], causes_dim=causes.shape[1],
                           rng=np.random.default_rng(hp["seed"]))
    params = Params(*(start[k] for k in PARAM_NAMES))
    h0 = start["h0"]                                                                      # (S,)
    rates = dict(lr_o=hp["lr_o"], lr_h=hp["lr_h"], lr_c=hp["lr_c"])

    losses = np.empty(hp["iterations"])
    energies = np.empty(hp["iterations"])
    report = Progress("train_local", hp["iterations"], progress)
    t0 = time.perf_counter()
    for i in range(hp["iterations"]):
        with np.errstate(over="ignore", invalid="ignore"):          # checked just below, by name
            try:                                         # the rollouts check their own results
                trace = rollout(params, x, causes, h0, tau=hp["tau"], alpha_x=hp["alpha_x"],
                                alpha_h=hp["alpha_h"])                                    # inference
                generated = rollout(params, x, causes, h0, tau=hp["tau"])                # generation
            except NumericalError as exc:
                raise _diverged(i, f"{exc.quantity} of the rollout", hp) from None
            losses[i] = np.mean(generated.error ** 2)
            energies[i] = free_energy(trace, alpha_x=hp["alpha_x"], alpha_h=hp["alpha_h"])
            if not (np.isfinite(losses[i]) and np.isfinite(energies[i])):
                raise _diverged(i, "the generation loss or the free energy", hp)
            deltas = local_deltas(trace)
            if not all(np.isfinite(d).all() for d in deltas):
                raise _diverged(i, "a delta of the local rule", hp)
            params = apply_local_update(params, deltas, **rates)
            if not all(np.isfinite(p).all() for p in params):
                raise _diverged(i + 1, "a parameter after the update", hp)
        report.update(i + 1, f"loss {losses[i]:.5f}  free energy {energies[i]:.3g}")
    seconds = time.perf_counter() - t0
    model = Model(params, causes, h0.copy(), hp["tau"], labels, fingerprint(data))
    return TrainResult(model, losses, seconds, energies)
