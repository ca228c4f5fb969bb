"""What the one loop costs a training iteration (issue 22).

``rollout`` runs ``step`` at every time step in every mode, so training's forward pass computes
(2)-(3) one step at a time.  Before, the generation mode had a path of its own: (1) alone in the
loop, then (2)-(3) on all T steps at once (one (T*B, S) @ (S, O) product), since nothing they
compute feeds back.  This script times one training iteration (``loss_and_grads`` + one Adam
step, T = 60, B = 20, S = 50, as ``train`` runs it) both ways in one process, rounds interleaved,
one BLAS thread, in CPU time (``time.process_time``: less disturbed by other jobs than wall-clock
time): the library as it is, and the same library with its forward pass swapped for the batched
one (the same equation functions, called on a (T, B, S) stack).

    OPENBLAS_NUM_THREADS=1 python benchmarks/one_loop.py [--rounds 9]
"""
import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import pc_numpy as pcn  # noqa: E402

BPTT = sys.modules["pc_numpy.bptt"]


def batched_generation(params, x, c0, h0, *, tau, observed=None):
    """The former generation path: (1) in the loop, (2)-(3) on all steps at once afterwards."""
    h, states = h0, []
    for _ in range(x.shape[0]):
        h = pcn.hidden_prior(h, c0, params, tau=tau)                                      # (1)
        states.append(h)
    h_prior = np.array(states)                                                            # (T, B, S)
    x_pred = pcn.prediction(h_prior, params)                                              # (2) (T, B, O)
    error = pcn.output_error(x_pred, x, observed=observed)                                # (3) (T, B, O)
    zeros = np.zeros_like(h_prior)
    return pcn.Trace(x_pred, error, h_prior, h_prior, zeros, np.broadcast_to(c0, x.shape[:1] + c0.shape))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    start = pcn.initial_values(20, 2, states_dim=50, causes_dim=2, rng=rng)
    x = pcn.letters()[0].transpose(1, 0, 2)                                               # (60, 20, 2)
    names = list(pcn.Params._fields) + ["c0"]
    opt = pcn.Adam({k: start[k] for k in names})

    def iteration():
        v = opt.values
        loss, grads = pcn.loss_and_grads(pcn.Params(*(v[k] for k in pcn.Params._fields)), x,
                                         v["c0"], start["h0"], tau=50.0)
        g = grads._asdict()
        opt.step({k: g[k] for k in names})
        return loss

    one_loop = BPTT.rollout
    same = []
    for forward in (one_loop, batched_generation):                  # the same numbers both ways
        BPTT.rollout = forward
        same.append(pcn.loss_and_grads(pcn.Params(*(start[k] for k in pcn.Params._fields)), x,
                                       start["c0"], start["h0"], tau=50.0))
    BPTT.rollout = one_loop
    assert abs(same[0][0] - same[1][0]) < 1e-12, same

    times = {"one loop": [], "batched (2)-(3)": []}
    for _ in range(args.rounds):
        for label, forward in (("one loop", one_loop), ("batched (2)-(3)", batched_generation)):
            BPTT.rollout = forward
            iteration()
            t0 = time.process_time()
            for _ in range(args.calls):
                iteration()
            times[label].append((time.process_time() - t0) / args.calls * 1e3)
    BPTT.rollout = one_loop
    a, b = statistics.median(times["one loop"]), statistics.median(times["batched (2)-(3)"])
    print(f"training iteration, one loop        {a:6.2f} ms")
    print(f"training iteration, batched (2)-(3) {b:6.2f} ms")
    print(f"the one loop costs {100 * (a / b - 1):+.0f}% "
          f"(medians of {args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
