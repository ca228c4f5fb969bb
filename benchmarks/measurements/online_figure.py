"""Scratch (issue 14, item 3): online recognition on the embedded letters, seeds 0-2 (train at the
defaults), figure for seed 0 into docs/online_recognition.png, steps needed printed per seed."""
import json, sys
import numpy as np
import pc_numpy as pcn
from pc_numpy.tools.blas import one_blas_thread
from pc_numpy.tools.study_plots import plot_online

one_blas_thread()
data, labels = pcn.letters()
for seed in [int(s) for s in sys.argv[1:]]:
    model = pcn.train(data, labels, seed=seed, progress=False).model
    r = pcn.online_recognition(model, data, restarts=8, seed=seed)
    if seed == 0:
        plot_online(r, "docs/online_recognition.png")
    print(json.dumps(dict(seed=seed, steps_needed=r.steps_needed.tolist(),
                          prefix_steps_needed=r.prefix_steps_needed.tolist(),
                          final_share=r.share_right[-1].round(3).tolist())), flush=True)
