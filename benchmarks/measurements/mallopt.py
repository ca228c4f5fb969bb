"""What dropping ``mallopt`` (glibc's mmap and trim thresholds raised, issue 22) costs: a
retrieval trial and a training iteration as ``retrieve`` and ``train`` run them, on the embedded
letters at the experiment's size (S = 50, 20 letters x 4 restarts), in fresh processes with the
thresholds raised by ``mallopt`` (what the programs did until issue 22), by glibc's environment
variable ``GLIBC_TUNABLES`` (the same settings, read when a process starts) and without either
("plain"), alternated round by round so that the machine's load falls on all alike.  Prints the median milliseconds per trial and per iteration and the ratio, and the
page faults per trial and per iteration (``ru_minflt``: these do not depend on the load).

    python benchmarks/measurements/mallopt.py [--rounds 6]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912"

CHILD = r"""
import ctypes, json, resource, sys, time
if sys.argv[1] == "mallopt":                     # what pc_numpy.tools.allocator did until issue 22
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt.argtypes, libc.mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    assert libc.mallopt(-3, 32 * 1024 * 1024) and libc.mallopt(-1, 512 * 1024 * 1024)
from threadpoolctl import threadpool_limits
threadpool_limits(1, user_api="blas")
import pc_numpy as pcn
data, labels = pcn.letters()
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
pcn.retrieve(pcn.train(data, labels, iterations=2, progress=False).model, data, trials=2,
             progress=False)                                   # warm up: imports, first arrays
f0, t0 = faults(), time.perf_counter()
model = pcn.train(data, labels, iterations=60, seed=0, progress=False).model
train_ms, train_faults = (time.perf_counter() - t0) / 60 * 1e3, (faults() - f0) / 60
f0, t0 = faults(), time.perf_counter()
pcn.retrieve(model, data, restarts=4, trials=60, seed=0, progress=False)
trial_ms, trial_faults = (time.perf_counter() - t0) / 60 * 1e3, (faults() - f0) / 60
print(json.dumps(dict(train_ms=train_ms, trial_ms=trial_ms, train_faults=train_faults,
                      trial_faults=trial_faults)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    modes = ["mallopt", "tunables", "plain"]
    times = {mode: [] for mode in modes}
    for r in range(args.rounds):
        for mode in modes[r % 3:] + modes[:r % 3]:
            env = {"PYTHONPATH": str(ROOT)}
            if mode == "tunables":
                env["GLIBC_TUNABLES"] = TUNABLES
            out = subprocess.run([sys.executable, "-c", CHILD, mode], cwd=ROOT, check=True,
                                 capture_output=True, text=True, env=env).stdout
            times[mode].append(json.loads(out))
            print(mode, times[mode][-1], flush=True)
    for what in ("trial_ms", "train_ms", "trial_faults", "train_faults"):
        m, t, p = (statistics.median(x[what] for x in times[mode]) for mode in modes)
        print(f"{what}: mallopt {m:.2f}, tunables {t:.2f}, plain {p:.2f}; plain / mallopt "
              f"{p / max(m, 1e-9):.3f}, tunables / mallopt {t / max(m, 1e-9):.3f} (medians of "
              f"{args.rounds} fresh processes each)")


if __name__ == "__main__":
    main()
