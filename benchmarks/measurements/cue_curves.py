"""Scratch (issue 14, item 2): answer and run accuracy against the fraction of the letter observed,
against cue noise, and on unseen variants, per seed.  Usage: cue_curves.py OUT.json TRIALS SEED...
Each seed: train at the defaults (seed s), then retrieve (seed s) under every cue setting."""
import json, sys, time
import numpy as np
import pc_numpy as pcn
from pc_numpy.tools.blas import one_blas_thread

one_blas_thread()
out_path, trials, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
data, labels = pcn.letters()
T = data.shape[1]
FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 3 / 4, 1.0)
NOISES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
variants, vlabels = pcn.letter_variants(np.random.default_rng(10_000), 2)
vids = np.array([labels.index(l) for l in vlabels])
rows = []
for seed in seeds:
    t0 = time.perf_counter()
    model = pcn.train(data, labels, seed=seed, progress=False).model
    row = dict(seed=seed, partial={}, noise={}, variants={})

    def measure(**kw):
        r = pcn.retrieve(model, kw.pop("targets", data), kw.pop("ids", None), trials=trials, seed=seed,
                         progress=False, **kw)
        ex = pcn.exhaustive_matching(model, data if "cue_noise" in kw or "cue_steps" not in kw else data,
                                     cue_steps=kw.get("cue_steps"))
        return dict(answer=float(r.final_answer_accuracy), run=float(r.final_accuracy),
                    answer_at_25=float(r.answer_accuracy[min(24, trials - 1)]), exhaustive=float(ex.accuracy))
    for f in FRACTIONS:
        k = int(round(f * T))
        row["partial"][str(f)] = measure(cue_steps=k)
    for s in NOISES:
        if s == 0.0:
            row["noise"]["0.0"] = row["partial"]["1.0"]
        else:
            row["noise"][str(s)] = measure(cue_noise=s)
    r = pcn.retrieve(model, variants, vids, trials=trials, seed=seed, progress=False)
    ex = pcn.exhaustive_matching(model, variants, vids)
    row["variants"] = dict(answer=float(r.final_answer_accuracy), run=float(r.final_accuracy),
                           answer_at_25=float(r.answer_accuracy[min(24, trials - 1)]), exhaustive=float(ex.accuracy))
    row["seconds"] = time.perf_counter() - t0
    rows.append(row)
    print(json.dumps(row), flush=True)
    json.dump(rows, open(out_path, "w"), indent=1)
