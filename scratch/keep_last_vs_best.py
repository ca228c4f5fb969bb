"""Scratch measurement (issue 13, item 4): does stopping on the last iterate cost accuracy
against keeping the best (lowest-loss) iterate?  10 seeds, default training (1000 iterations);
both models from one training run each (keep='last' and keep='best' follow the same path)."""
import json, sys, time
import numpy as np
import pc_numpy as pcn
from pc_numpy.tools.allocator import keep_freed_memory

keep_freed_memory()
data, labels = pcn.letters()
trials = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rows = []
for seed in range(10):
    t0 = time.perf_counter()
    out = {}
    for keep in ("last", "best"):
        tr = pcn.train(data, labels, seed=seed, keep=keep, progress=False)
        # the loss of the kept model itself (for 'last' it was never measured during training)
        x = data.transpose(1, 0, 2)
        loss, _ = pcn.loss_and_grads(tr.model.params, x, tr.model.mus, tr.model.h0, tau=tr.model.tau)
        r = pcn.retrieve(tr.model, data, trials=trials, seed=seed, progress=False)
        out[keep] = dict(loss=float(loss), run=float(r.final_accuracy), answer=float(r.final_answer_accuracy),
                         answer_at_25=float(r.answer_accuracy[24]), best_iteration=int(tr.losses.argmin()))
    rows.append(dict(seed=seed, **out))
    print(json.dumps(rows[-1]), f"{time.perf_counter() - t0:.0f}s", flush=True)
for keep in ("last", "best"):
    for k in ("loss", "run", "answer", "answer_at_25"):
        v = np.array([r[keep][k] for r in rows])
        print(f"{keep:>4} {k:>12}: mean {v.mean():.4f} min {v.min():.4f} max {v.max():.4f}")
