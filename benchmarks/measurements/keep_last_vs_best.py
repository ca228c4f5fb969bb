"""Scratch measurement (issue 13, item 4): does stopping on the last iterate cost accuracy
against keeping the best (lowest-loss) iterate?  Default training (1000 iterations).  One
training run per seed gives both models: the loop below is train()'s (initial_values, BPTT by
hand, Adam), keeping a copy of the lowest-loss iterate; the result equals train(keep=...) (checked
on the losses).  Usage: keep_last_vs_best.py TRIALS SEED..."""
import json, sys, time
import numpy as np
import pc_numpy as pcn
from pc_numpy.protocols.train import PARAM_NAMES, initial_values
from pc_numpy.protocols.model import fingerprint
from pc_numpy.tools.blas import one_blas_thread

one_blas_thread()
data, labels = pcn.letters()
trials, seeds = int(sys.argv[1]), [int(s) for s in sys.argv[2:]]
x = np.ascontiguousarray(data.transpose(1, 0, 2))
fp = fingerprint(data)
for seed in seeds:
    t0 = time.perf_counter()
    start = initial_values(20, 2, states_dim=50, causes_dim=2, rng=np.random.default_rng(seed))
    names = list(PARAM_NAMES) + ["c0"]
    opt = pcn.Adam({k: start[k] for k in names}, lr=0.03, weight_decay=1e-4)
    best, losses = None, []
    for i in range(1000):
        v = opt.values
        params = pcn.Params(*(v[k] for k in PARAM_NAMES))
        loss, grads = pcn.loss_and_grads(params, x, v["c0"], start["h0"], tau=50.0)
        losses.append(loss)
        if best is None or loss < best[0]:
            best = (loss, i, {k: v[k].copy() for k in names})
        opt.step({k: getattr(grads, k) for k in names})
    models = {}
    for keep, v in (("last", opt.values), ("best", best[2])):
        models[keep] = pcn.Model(pcn.Params(*(v[k] for k in PARAM_NAMES)), v["c0"], start["h0"], 50.0,
                                 tuple(labels), fp)
    out = dict(seed=seed, last_recorded_loss=float(losses[-1]), best_iteration=best[1])
    for keep, m in models.items():
        loss, _ = pcn.loss_and_grads(m.params, x, m.mus, m.h0, tau=50.0)
        r = pcn.retrieve(m, data, trials=trials, seed=seed, progress=False)
        out[keep] = dict(loss=float(loss), run=float(r.final_accuracy), answer=float(r.final_answer_accuracy),
                         answer_at_10=float(r.answer_accuracy[9]), answer_at_25=float(r.answer_accuracy[24]))
    out["seconds"] = time.perf_counter() - t0
    print(json.dumps(out), flush=True)
