"""Speed of pc_numpy against pc_torch (autograd) on the CPU, side by side in one run.

    python benchmarks/bench.py                 # the experiment's size and the sweeps (~2-4 min)
    python benchmarks/bench.py --quick         # the experiment's size only
    python benchmarks/bench.py --json out.json # also write the numbers as JSON

Two workloads, as in the experiment (DESIGN §3-§4):
  * one training iteration: forward, gradients (BPTT by hand / autograd), one Adam step,
    with B = number of training sequences;
  * one retrieval trial: an inference rollout with (4)-(8) on, then a generation rollout, B runs.

The two backends are timed in interleaved rounds (numpy, torch, numpy, torch, ...) so that
whatever else the machine is doing affects both alike; each round times a block of calls and
the table gives the median over rounds, in milliseconds per call, and the ratio torch / numpy.
Speed is reported here, never asserted in the tests (shared machines are noisy).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pc_numpy as pcn  # noqa: E402

RATES = dict(alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6, sigma_c=0.096)


def numpy_workloads(T, B, S, C=2, O=2, P=20, seed=0):
    rng = np.random.default_rng(seed)
    start = pcn.initial_values(B, O, states_dim=S, causes_dim=C, rng=rng)
    x = rng.standard_normal((T, B, O)) * 0.5
    names = list(pcn.Params._fields) + ["c0"]
    opt = pcn.Adam({k: start[k] for k in names})
    h0 = start["h0"]

    def train_iteration():
        v = opt.values
        loss, grads = pcn.loss_and_grads(pcn.Params(*(v[k] for k in pcn.Params._fields)), x, v["c0"], h0, tau=50.0)
        g = grads._asdict()
        opt.step({k: g[k] for k in names})

    params = pcn.Params(*(start[k] for k in pcn.Params._fields))
    mus = rng.standard_normal((P, C))
    c = rng.standard_normal((B, C))

    inference_trace, generation_trace = pcn.Trace.empty(T, B, O, S, C), pcn.Trace.empty(T, B, O, S, C)

    def retrieval_trial():                            # as pc_numpy.retrieve runs it (traces reused)
        trace = pcn.rollout(params, x, c, h0, tau=50.0, mus=mus, rng=rng, out=inference_trace, **RATES)
        gen = pcn.rollout(params, x, trace.c[-1].copy(), h0, tau=50.0, out=generation_trace)
        np.linalg.norm(gen.error, axis=2).mean(axis=0)

    def gradients():
        pcn.loss_and_grads(params, x, start["c0"], h0, tau=50.0)

    return train_iteration, retrieval_trial, gradients, (start, x, mus, c)


def torch_workloads(start, x, mus, c, seed=0):
    import torch
    import pc_torch as pct
    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    names = list(pct.Params._fields) + ["c0"]
    opt = pct.Adam({k: t(start[k]) for k in names})
    h0, xt = t(start["h0"]), t(x)

    def train_iteration():
        v = opt.values
        opt.optimizer.zero_grad()
        loss = pct.loss(pct.Params(*(v[k] for k in pct.Params._fields)), xt, v["c0"], h0, tau=50.0)
        loss.backward()
        opt.optimizer.step()

    params = pct.Params(*(t(start[k]) for k in pct.Params._fields))
    mus_t, c_t = t(mus), t(c)
    gen = torch.Generator().manual_seed(seed)

    def retrieval_trial():
        with torch.no_grad():
            trace = pct.rollout(params, xt, c_t, h0, tau=50.0, mus=mus_t, rng=gen, **RATES)
            g = pct.rollout(params, xt, trace.c[-1], h0, tau=50.0)
            torch.linalg.norm(g.error, dim=2).mean(dim=0)

    def gradients():
        pct.loss_and_grads(params, xt, t(start["c0"]), h0, tau=50.0)

    return train_iteration, retrieval_trial, gradients


def block_seconds(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def compare(fn_numpy, fn_torch, rounds, budget=0.25):
    """Median seconds per call of each, over interleaved rounds of about ``budget`` seconds."""
    fn_numpy(), fn_torch()                                              # warm up
    calls_n = max(1, int(budget / max(block_seconds(fn_numpy, 2), 1e-6)))
    calls_t = max(1, int(budget / max(block_seconds(fn_torch, 2), 1e-6)))
    tn, tt = [], []
    for _ in range(rounds):
        tn.append(block_seconds(fn_numpy, calls_n))
        tt.append(block_seconds(fn_torch, calls_t))
    return statistics.median(tn), statistics.median(tt)


def run(sizes, rounds):
    rows = []
    for (T, B, S) in sizes:
        workloads = [("loss_and_grads", B), ("train iteration", B), ("retrieval trial", 80 if B == 20 else B)]
        for name, Bw in workloads:
            if name == "loss_and_grads" and (T, B, S) != sizes[0]:
                continue
            *fns_n, state = numpy_workloads(T, Bw, S)
            fns_t = torch_workloads(*state)
            i = {"train iteration": 0, "retrieval trial": 1, "loss_and_grads": 2}[name]
            n, t = compare(fns_n[i], fns_t[i], rounds)
            rows.append(dict(workload=name, T=T, B=Bw, S=S, numpy_ms=n * 1e3, torch_ms=t * 1e3, ratio=t / n))
            print(f"{name:16s} T={T:<4d} B={Bw:<4d} S={S:<4d} numpy {n*1e3:8.2f} ms  torch {t*1e3:8.2f} ms  "
                  f"torch/numpy {t/n:5.1f}x", flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the experiment's size only")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per measurement (7)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    ap.add_argument("--json", default=None, metavar="PATH", help="write the rows as JSON")
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    sizes = [(60, 20, 50)]
    if not args.quick:
        sizes += [(60, 20, S) for S in (100, 200, 400)]
        sizes += [(240, 20, 50)]
        sizes += [(60, B, 50) for B in (80, 320)]
    rows = run(sizes, args.rounds)
    if args.json:
        from pc_numpy._files import atomic_write
        text = json.dumps(dict(machine=dict(python=platform.python_version(), numpy=np.__version__,
                                            torch=torch.__version__, cores=os.cpu_count()),
                               rows=rows), indent=2)
        atomic_write(args.json, lambda f: f.write(text.encode()))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
