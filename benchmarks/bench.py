"""Speed of pc_numpy against pc_torch (autograd) on the CPU, side by side in one run.

    python benchmarks/bench.py                 # the experiment's size and the sweeps (~3-5 min)
    python benchmarks/bench.py --quick         # the experiment's size only (~30 s)
    python benchmarks/bench.py --json out.json # also write the numbers as JSON

Three workloads, as in the experiment (docs/model.md §3-§4):
  * one training iteration, as ``train`` runs it: forward, gradients (BPTT by hand with the
    autograd), one Adam step, with B = number of training sequences;
  * ``loss_and_grads`` alone, called plainly (new arrays at every call);
  * one retrieval trial, as ``retrieve`` runs it: an inference rollout with (4)-(8) on, then a
    generation rollout (B runs).

Each backend runs in its own worker process, as a user runs it: the NumPy worker never imports
torch.  (In one process, torch's own allocations change how glibc's malloc hands memory back to
the system, which made NumPy's per-iteration arrays look cheaper than they are in a plain NumPy
program.)  The parent interleaves the rounds -- a block of NumPy calls, a block of torch calls,
and again -- so that whatever else the machine is doing affects both alike; the table gives the
median over rounds, in milliseconds per call, and the ratio torch / numpy.  Speed is reported
here, never asserted in the tests (shared machines are noisy).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
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
TAU = 50.0
C, O, P = 2, 2, 20


def _start(T, B, S, seed=0):
    """The same starting values for both backends: (initial values, x, mus, c)."""
    rng = np.random.default_rng(seed)
    start = pcn.initial_values(B, O, states_dim=S, causes_dim=C, rng=rng)
    x = rng.standard_normal((T, B, O)) * 0.5                                              # (T, B, O)
    mus = rng.standard_normal((P, C))                                                     # (P, C)
    c = rng.standard_normal((B, C))                                                       # (B, C)
    return start, x, mus, c


def numpy_workload(name, T, B, S):
    start, x, mus, c = _start(T, B, S)
    h0 = start["h0"]
    if name == "train iteration":
        names = list(pcn.Params._fields) + ["c0"]
        opt = pcn.Adam({k: start[k] for k in names})

        def train_iteration():
            v = opt.values
            _, grads = pcn.loss_and_grads(pcn.Params(*(v[k] for k in pcn.Params._fields)), x, v["c0"],
                                          h0, tau=TAU)
            g = grads._asdict()
            opt.step({k: g[k] for k in names})
        return train_iteration

    params = pcn.Params(*(start[k] for k in pcn.Params._fields))
    if name == "loss_and_grads":
        return lambda: pcn.loss_and_grads(params, x, start["c0"], h0, tau=TAU)

    rng = np.random.default_rng(1)

    def retrieval_trial():
        trace = pcn.rollout(params, x, c, h0, tau=TAU, mus=mus, rng=rng, **RATES)
        gen = pcn.rollout(params, x, trace.c[-1].copy(), h0, tau=TAU)
        np.linalg.norm(gen.error, axis=2).mean(axis=0)
    return retrieval_trial


def torch_workload(name, T, B, S):
    import torch
    import pc_torch as pct
    start, x, mus, c = _start(T, B, S)
    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    h0, xt = t(start["h0"]), t(x)
    if name == "train iteration":
        names = list(pct.Params._fields) + ["c0"]
        opt = pct.Adam({k: t(start[k]) for k in names})

        def train_iteration():
            v = opt.values
            opt.optimizer.zero_grad()
            loss = pct.loss(pct.Params(*(v[k] for k in pct.Params._fields)), xt, v["c0"], h0, tau=TAU)
            loss.backward()
            opt.optimizer.step()
        return train_iteration

    params = pct.Params(*(t(start[k]) for k in pct.Params._fields))
    if name == "loss_and_grads":
        c0 = t(start["c0"])
        return lambda: pct.loss_and_grads(params, xt, c0, h0, tau=TAU)

    mus_t, c_t = t(mus), t(c)
    gen = torch.Generator().manual_seed(1)

    def retrieval_trial():
        with torch.no_grad():
            trace = pct.rollout(params, xt, c_t, h0, tau=TAU, mus=mus_t, rng=gen, **RATES)
            g = pct.rollout(params, xt, trace.c[-1], h0, tau=TAU)
            torch.linalg.norm(g.error, dim=2).mean(dim=0)
    return retrieval_trial


def block_seconds(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def worker(backend, threads, conn):
    """Runs in its own process: builds workloads and times blocks of calls on request.  NumPy's
    BLAS runs on one thread (``one_blas_thread``), as ``python -m pc_numpy`` does."""
    from pc_numpy.tools.blas import one_blas_thread
    one_blas_thread()
    if backend == "torch":
        import torch
        torch.set_num_threads(threads)
        conn.send(dict(torch=torch.__version__, threads=torch.get_num_threads()))
    else:
        conn.send(dict(numpy=np.__version__, torch_imported="torch" in sys.modules))
    build = numpy_workload if backend == "numpy" else torch_workload
    fn = None
    while True:
        msg = conn.recv()
        if msg[0] == "stop":
            return
        if msg[0] == "setup":
            fn = build(*msg[1:])
            fn()                                                                          # warm up
            conn.send(block_seconds(fn, 2))
        elif msg[0] == "time":
            conn.send(block_seconds(fn, msg[1]))


class Backend:
    """The parent's handle on one worker process."""

    def __init__(self, ctx, backend, threads):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker, args=(backend, threads, child), daemon=True)
        self.process.start()
        self.info = self.conn.recv()

    def ask(self, *msg):
        self.conn.send(msg)
        return self.conn.recv()

    def stop(self):
        self.conn.send(("stop",))
        self.process.join(timeout=10)


def compare(numpy_b, torch_b, workload, rounds, budget=0.25):
    """Median seconds per call of each backend over interleaved rounds of about ``budget`` s."""
    calls = [max(1, int(budget / max(b.ask("setup", *workload), 1e-6))) for b in (numpy_b, torch_b)]
    tn, tt = [], []
    for _ in range(rounds):
        tn.append(numpy_b.ask("time", calls[0]))
        tt.append(torch_b.ask("time", calls[1]))
    return statistics.median(tn), statistics.median(tt)


def run(numpy_b, torch_b, sizes, rounds):
    rows = []
    for (T, B, S) in sizes:
        workloads = [("train iteration", B), ("loss_and_grads", B), ("retrieval trial", 80 if B == 20 else B)]
        for name, Bw in workloads:
            if name == "loss_and_grads" and (T, B, S) != sizes[0]:
                continue
            n, t = compare(numpy_b, torch_b, (name, T, Bw, S), rounds)
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
    if args.rounds < 1 or (args.threads is not None and args.threads < 1):
        ap.error("--rounds and --threads must be >= 1")
    ctx = mp.get_context("spawn")                       # fresh interpreters: nothing inherited
    numpy_b = Backend(ctx, "numpy", 0)
    torch_b = Backend(ctx, "torch", args.threads or os.cpu_count() or 1)
    assert not numpy_b.info["torch_imported"], "the NumPy worker must not import torch"
    load = os.getloadavg()
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch_b.info['torch']}, "
          f"{os.cpu_count()} cores, torch threads {torch_b.info['threads']}, load {load[0]:.2f}; "
          f"each backend in its own process")
    sizes = [(60, 20, 50)]
    if not args.quick:
        sizes += [(60, 20, S) for S in (100, 200, 400)]
        sizes += [(240, 20, 50)]
        sizes += [(60, B, 50) for B in (80, 320)]
    try:
        rows = run(numpy_b, torch_b, sizes, args.rounds)
    finally:
        numpy_b.stop()
        torch_b.stop()
    if args.json:
        from pc_numpy.tools.files import atomic_write
        text = json.dumps(dict(machine=dict(python=platform.python_version(), numpy=np.__version__,
                                            torch=torch_b.info["torch"], cores=os.cpu_count(),
                                            torch_threads=torch_b.info["threads"],
                                            load_before=load[0], load_after=os.getloadavg()[0]),
                               rows=rows), indent=2)
        atomic_write(args.json, lambda f: f.write(text.encode()))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
