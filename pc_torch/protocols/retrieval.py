"""Memory retrieval in PyTorch (mirrors ``pc_numpy.protocols.retrieval``; see it for the protocol)."""
from __future__ import annotations

import time
from typing import Optional, Sequence

import numpy as np
import torch

from pc_numpy.protocols.model import check_model
from pc_numpy.protocols.retrieval import RetrievalResult, check_retrieval_args, check_trial, summarise
from pc_numpy.tools.checks import as_scalar
from pc_numpy.tools.progress import Progress
from ..doors import check_dtype_device, check_generator
from ..params import Params
from ..rollout import rollout


@torch.no_grad()
def retrieve(model, targets, target_ids: Optional[Sequence[int]] = None, *, restarts: int = 4,
             trials: int = 1000, alpha_x: float = 0.1, alpha_h: float = 0.019,
             alpha_c: float = 0.0085, sigma_r: float = 2.6, sigma_c: float = 0.096,
             radius: float = 0.1, rng: Optional[torch.Generator] = None, seed: int = 0,
             progress=True, dtype: torch.dtype = torch.float64, device=None) -> RetrievalResult:
    """``pc_numpy.retrieve`` run with torch tensors (no autograd).  ``model`` is a ``pc_numpy``
    ``Model``; ``rng`` a ``torch.Generator`` on ``device`` (default: one seeded with ``seed``).
    Every tensor and every draw lives on ``device`` (``"cuda"`` runs on a GPU).  Same result type;
    torch does not raise on overflow, so each trial's ``c`` and generation error are checked."""
    model = check_model(model)
    targets, target_ids, R, K, radius, rates = check_retrieval_args(
        model, targets, target_ids, restarts=restarts, trials=trials, radius=radius,
        rates=dict(alpha_x=alpha_x, alpha_h=alpha_h, alpha_c=alpha_c, sigma_r=sigma_r, sigma_c=sigma_c))
    check_dtype_device(dtype, device)
    if rng is None:
        rng = torch.Generator(device=device or "cpu").manual_seed(as_scalar("seed", seed, low=0, integer=True))
    check_generator("rng", rng, device or "cpu")
    as_t = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
    params = Params(*(as_t(v) for v in model.params))
    mus, h0 = as_t(model.mus), as_t(model.h0)
    x = as_t(np.repeat(targets, R, axis=0).transpose(1, 0, 2))                            # (T, B, O)
    run_ids = np.repeat(target_ids, R)
    B, C = x.shape[1], mus.shape[1]
    c = torch.randn(B, C, generator=rng, dtype=dtype, device=device)
    c_path = torch.empty(K + 1, B, C, dtype=dtype, device=device)
    c_path[0] = c
    generation_error = torch.empty(K, B, dtype=dtype, device=device)
    report = Progress("retrieve", K, progress)
    cpu = np.empty(K)                                     # cumulative CPU seconds after each trial
    t0, cpu0 = time.perf_counter(), time.process_time()
    for k in range(K):
        trace = rollout(params, x, c, h0, mus=mus, rng=rng, **rates)                      # inference
        c = trace.c[-1]
        if not bool(torch.isfinite(trace.c).all()):          # the shared per-trial check, by name
            check_trial(k, dict(c=trace.c.cpu().numpy()), model, targets, rates)
        gen = rollout(params, x, c, h0, tau=rates["tau"])                                 # generation
        generation_error[k] = torch.linalg.norm(gen.error, dim=2).mean(dim=0)
        if not bool(torch.isfinite(generation_error[k]).all()):
            check_trial(k, dict(generation_error=generation_error[k].cpu().numpy()), model, targets, rates)
        c_path[k + 1] = c
        cpu[k] = time.process_time() - cpu0
        if report.emit is not None:
            report.update(k + 1, f"generation error {float(generation_error[k].mean()):.4f}")
    seconds = time.perf_counter() - t0
    return summarise(c_path.cpu().numpy(), run_ids, generation_error.cpu().numpy(),
                     model.mus, model.labels, radius, seconds, restarts=R, trial_cpu_seconds=cpu)
