"""Aggregate benchmarks/measurements/cue_curves.py outputs (JSON lists of per-seed rows) into docs/cues_partial.png,
docs/cues_noise.png and a text table.  Usage: plot_cues.py A.json [B.json ...]"""
import json, sys
import numpy as np
from pc_numpy.tools.plots import _figure, _save_atomically
from pc_numpy.tools.study_plots import mean_and_band

rows = [r for p in sys.argv[1:] for r in json.load(open(p))]
rows.sort(key=lambda r: r["seed"])
seeds = [r["seed"] for r in rows]
print(f"seeds {seeds}")


def table(key, xs, name):
    out = {}
    for m in ("answer", "run", "answer_at_25"):
        vals = np.array([[r[key][str(x)][m] for x in xs] for r in rows])                 # (n, len(xs))
        out[m] = vals
        print(f"{name} {m:>12}: " + "  ".join(f"{x:g}: {v.mean():.2f} [{v.min():.2f}-{v.max():.2f}]"
                                              for x, v in zip(xs, vals.T)))
    return out


def figure(key, xs, xlabel, path, title):
    t = table(key, xs, key)
    fig = _figure(5.6, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    for m, label, colour, ls in (("answer", "answer (readout)", "tab:blue", "-"),
                                 ("answer_at_25", "answer after 25 trials", "tab:purple", ":"),
                                 ("run", "run accuracy", "tab:green", "--")):
        mean, lo, hi = mean_and_band(t[m])
        ax.plot(xs, mean, color=colour, ls=ls, marker="o", label=label)
        ax.fill_between(xs, np.clip(lo, 0, 1), np.clip(hi, 0, 1), color=colour, alpha=0.15, lw=0)
    if key == "partial":
        ex = np.array([[r[key][str(x)]["exhaustive"] for x in xs] for r in rows]).mean(axis=0)
        ax.plot(xs, ex, color="k", ls=":", label="exhaustive matching (prefix)")
    ax.set_ylim(0, 1.03)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}: mean and 95% t band over {len(rows)} seeds", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    _save_atomically(fig, path, 90)


figure("partial", [0.125, 0.25, 0.5, 0.75, 1.0], "fraction of the letter observed (first steps)",
       "docs/cues_partial.png", "partial cues")
figure("noise", [0.0, 0.05, 0.1, 0.2, 0.3, 0.5], "cue noise (standard deviation)", "docs/cues_noise.png",
       "noisy cues")
for m in ("answer", "run", "answer_at_25", "exhaustive"):
    v = np.array([r["variants"][m] for r in rows])
    print(f"variants {m:>12}: {v.mean():.2f} [{v.min():.2f}-{v.max():.2f}] per seed {v.round(2).tolist()}")
