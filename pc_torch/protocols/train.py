"""Training by BPTT with autograd and ``torch.optim.Adam`` (mirrors ``pc_numpy.protocols.train``).

Same protocol, same defaults, same starting values (``pc_numpy.protocols.train.initial_values`` with the
same seed), so the two backends can be compared step by step.  Returns a ``pc_numpy`` ``Model``
(NumPy arrays), so checkpoints, retrieval and figures work with either backend.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from pc_numpy.params import Params as NumpyParams
from pc_numpy.tools.progress import Progress
from pc_numpy.tools.checks import NumericalError
from pc_numpy.protocols.train import (PARAM_NAMES, Model, TrainResult, _save_if_finite, check_update,
                                      diverged, finish_training, fingerprint, initial_values,
                                      train_args)
from ..adam import Adam
from ..doors import check_dtype_device
from ..bptt import loss
from ..params import Params


def train(data, labels=None, *, states_dim: int = 50, causes_dim: int = 2, tau: float = 50.0,
          iterations: int = 1000, lr: float = 0.03, betas=(0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 1e-4, learn_h0: bool = False, seed: int = 0, progress=True,
          checkpoint_path=None, checkpoint_every: int = 100, dtype: torch.dtype = torch.float64,
          device=None) -> TrainResult:
    """``pc_numpy.train`` with gradients from autograd and ``torch.optim.Adam``.

    ``data (N, T, O)``; see ``pc_numpy.protocols.train.train`` for every argument.  ``dtype`` and
    ``device`` choose where the tensors live (float64 on the CPU by default).
    """
    data, labels, hp, learn_h0, checkpoint_path, checkpoint_every, _, _ = train_args(
        data, labels, states_dim=states_dim, causes_dim=causes_dim, tau=tau, iterations=iterations,
        lr=lr, weight_decay=weight_decay, seed=seed, learn_h0=learn_h0, checkpoint_path=checkpoint_path,
        checkpoint_every=checkpoint_every)                                                 # the door
    check_dtype_device(dtype, device)
    N, T, O = data.shape
    start = initial_values(N, O, states_dim=hp["states_dim"], causes_dim=hp["causes_dim"],
                           rng=np.random.default_rng(hp["seed"]))
    as_t = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
    x = as_t(data.transpose(1, 0, 2))                                                     # (T, N, O)
    trainable = list(PARAM_NAMES) + ["c0"] + (["h0"] if learn_h0 else [])
    opt = Adam({k: as_t(start[k]) for k in trainable}, lr=hp["lr"], betas=betas, eps=eps,
               weight_decay=hp["weight_decay"])
    h0_fixed = as_t(start["h0"])
    fp = fingerprint(data)

    def current_model() -> Model:
        v = {k: t.detach().cpu().numpy().astype(np.float64) for k, t in opt.values.items()}
        h0 = v["h0"] if learn_h0 else start["h0"]
        return Model(NumpyParams(*(v[k] for k in PARAM_NAMES)), v["c0"].copy(), h0.copy(),
                     hp["tau"], labels, fp)

    losses = np.empty(hp["iterations"])
    report = Progress("train", hp["iterations"], progress)
    t0 = time.perf_counter()
    for i in range(hp["iterations"]):
        v = opt.values
        opt.optimizer.zero_grad()
        try:
            value = loss(Params(*(v[k] for k in PARAM_NAMES)), x, v["c0"],
                         v["h0"] if learn_h0 else h0_fixed, tau=hp["tau"])
        except NumericalError as exc:
            raise diverged(i, f"{exc.quantity or 'a value'} of the forward pass", hp["lr"]) from None
        lv = float(value.detach())
        if not np.isfinite(lv):
            raise diverged(i, "the loss", hp["lr"])
        value.backward()
        if not all(bool(torch.isfinite(v[k].grad).all()) for k in trainable):
            raise diverged(i, "a gradient", hp["lr"])
        losses[i] = lv
        opt.optimizer.step()
        state = opt.optimizer.state
        check_update(i, {**{k: v[k] for k in trainable},
                         **{f"Adam's first moment of {k}": state[v[k]]["exp_avg"] for k in trainable},
                         **{f"Adam's second moment of {k}": state[v[k]]["exp_avg_sq"] for k in trainable}},
                     lr=hp["lr"], weight_decay=hp["weight_decay"],
                     is_finite=lambda t: bool(torch.isfinite(t.detach()).all()))
        if checkpoint_path is not None and (i + 1) % checkpoint_every == 0 and i + 1 < hp["iterations"]:
            _save_if_finite(checkpoint_path, current_model(), i + 1, hp["lr"])
        report.update(i + 1, f"loss {lv:.5f}")
    return finish_training(current_model(), losses, time.perf_counter() - t0, checkpoint_path, hp["lr"])
