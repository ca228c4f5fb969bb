"""Print the study table (run, answer, random search at 10, 100, 1000 trials; exhaustive; final
loss) from DIR/study.json, or, if the study has not finished, from the seeds in DIR/seeds/."""
import json, os, sys
from pc_numpy.protocols.study import summarise_study

d = sys.argv[1]
if os.path.exists(os.path.join(d, "study.json")):
    s = json.load(open(os.path.join(d, "study.json")))
    print(f"study.json: {len(s['seeds'])} seeds, {s['seconds']:.0f} s, numpy {s['numpy']}, {s['blas']}")
else:
    rows = [json.load(open(os.path.join(d, "seeds", f))) for f in sorted(os.listdir(os.path.join(d, "seeds")))]
    s = summarise_study(rows, len(rows[0]["answer"]))
    print(f"from seeds/: {len(rows)} seeds {s['seeds']} (study not finished)")
print("| method | trials | mean | 95% CI | min-max |\n|---|---|---|---|---|")
for m in ("run", "answer", "random_search"):
    for b in ("10", "100", "1000"):
        c = s["methods"][m]["by_budget"].get(b)
        if c:
            ci = "-" if c["ci95"][0] is None else f"{c['ci95'][0]:.3f}-{c['ci95'][1]:.3f}"
            print(f"| {m} | {b} | {c['mean']:.3f} | {ci} | {c['min']:.3f}-{c['max']:.3f} |")
e, f = s["methods"]["exhaustive"], s["final_loss"]
print(f"| exhaustive | P rollouts | {e['mean']:.3f} | - | {e['min']:.3f}-{e['max']:.3f} |")
print(f"final loss: mean {f['mean']:.4f}, range {f['min']:.4f}-{f['max']:.4f}; per seed {[round(v, 4) for v in f['per_seed']]}")
worst = sorted(s["per_letter"].items(), key=lambda kv: -kv[1]["wrong"])[:5]
print("per letter (wrong of shown): " + ", ".join(f"{k} {v['wrong']}/{v['shown']} {v['confused_with']}" for k, v in worst))
