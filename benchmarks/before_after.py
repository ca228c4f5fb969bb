"""The same workloads timed on two versions of pc_numpy, side by side in one run.

    python benchmarks/before_after.py --before /path/to/old/checkout [--rounds 7]

Each version runs in its own worker process (``PYTHONPATH`` set to its tree, one BLAS thread, as
the command line runs), the rounds interleaved (a block of one version, a block of the other, and
again) so that the machine's other load affects both alike.  The workloads call only the public
API the two versions share, as ``train`` and ``retrieve`` run it (T = 60, S = 50, C = 2):

  * training iteration: ``loss_and_grads`` on B = 20 sequences, then one ``Adam.step``;
  * retrieval trial: an inference rollout with (4)-(8) on (B = 80 runs), then a generation rollout.

Times are the worker's CPU time (``time.process_time``: with one BLAS thread, the time the work
itself took, less disturbed by other jobs on a shared machine than wall-clock time).  Prints, and
with ``--json`` writes, the median milliseconds per call of each version and their
ratio after / before.  Speed is reported here, never asserted in the tests.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKER = r"""
import json, sys, time
import numpy as np
import pc_numpy as pcn
T, S, C, O, TAU = 60, 50, 2, 2, 50.0
RATES = dict(alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6, sigma_c=0.096)
rng = np.random.default_rng(0)
start = pcn.initial_values(20, O, states_dim=S, causes_dim=C, rng=rng)
x20 = rng.standard_normal((T, 20, O)) * 0.5
x80 = rng.standard_normal((T, 80, O)) * 0.5
mus = rng.standard_normal((20, C))
names = list(pcn.Params._fields) + ["c0"]
opt = pcn.Adam({k: start[k] for k in names})
h0 = start["h0"]

def train_iteration():
    v = opt.values
    loss, grads = pcn.loss_and_grads(pcn.Params(*(v[k] for k in pcn.Params._fields)), x20, v["c0"], h0, tau=TAU)
    g = grads._asdict()
    opt.step({k: g[k] for k in names})

c = rng.standard_normal((80, C))
params = pcn.Params(*(start[k] for k in pcn.Params._fields))

def retrieval_trial():
    global c
    trace = pcn.rollout(params, x80, c, h0, tau=TAU, mus=mus, rng=rng, **RATES)
    c = np.array(trace.c[-1])
    pcn.rollout(params, x80, c, h0, tau=TAU)

work = dict(train=train_iteration, trial=retrieval_trial)
for line in sys.stdin:
    name, n = line.split()
    f = work[name]
    f()
    t0 = time.process_time()
    for _ in range(int(n)):
        f()
    print(json.dumps((time.process_time() - t0) / int(n) * 1e3), flush=True)
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="a checkout of the older version")
    parser.add_argument("--after", default=ROOT, help="a checkout of the newer version (this one)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    workers = {}
    for label, tree in (("before", args.before), ("after", args.after)):
        env = dict(os.environ, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1")
        workers[label] = subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=tree,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    times = {(label, w): [] for label in workers for w in ("train", "trial")}
    for _ in range(args.rounds):
        for w, n in (("train", 40), ("trial", 10)):
            for label, proc in workers.items():
                proc.stdin.write(f"{w} {n}\n")
                proc.stdin.flush()
                times[(label, w)].append(json.loads(proc.stdout.readline()))
    for proc in workers.values():
        proc.stdin.close()
        proc.wait()
    load = os.getloadavg()[0]
    rows = {}
    for w, title in (("train", "training iteration (B = 20)"), ("trial", "retrieval trial (B = 80)")):
        b, a = (statistics.median(times[(label, w)]) for label in ("before", "after"))
        rows[w] = dict(before_ms=b, after_ms=a, ratio=a / b)
        print(f"{title:32s} before {b:7.2f} ms   after {a:7.2f} ms   after/before {a / b:5.2f}")
    print(f"(medians of {args.rounds} interleaved rounds; load average {load:.1f})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(rows=rows, load=load, rounds=args.rounds), f, indent=2)


if __name__ == "__main__":
    main()
