"""Print the study's tables (Markdown) from DIR/study.json: accuracies at equal rollouts, the
paired difference, the comparison at equal CPU seconds, the cost of each method, the final loss.

    python benchmarks/measurements/study_table.py DIR [BUDGET ...]     # budgets default: 10 100 1000
"""
import json
import os
import sys


def cell(c, d=3):
    return f"{c['mean']:.{d}f} ({c['ci95'][0]:.{d}f}–{c['ci95'][1]:.{d}f}; {c['min']:.{d}f}–{c['max']:.{d}f})"


def dcell(c, d=3):
    lo, hi = c["ci95"]
    ci = "–" if lo is None else f"{lo:+.{d}f} to {hi:+.{d}f}"
    return f"{c['mean']:+.{d}f} ({ci}; {c['min']:+.{d}f} to {c['max']:+.{d}f})"


d = sys.argv[1]
budgets = sys.argv[2:] or ["10", "100", "1000"]
s = json.load(open(os.path.join(d, "study.json")))
t = s["timing"]
print(f"{len(s['seeds'])} seeds {s['seeds']}, C = {s['settings']['causes_dim']}, {t['seconds']:.0f} s wall, "
      f"numpy {s['numpy']}, {s['blas']['name']} {s['blas']['version']}, {s['process']}\n")
budgets = [b for b in budgets if b in s["methods"]["answer"]["by_budget"]]
print("Equal rollouts (mean (95% Wilson, effective n; range)):\n")
print("| method | " + " | ".join(f"{b} trials ({2 * int(b)} rollouts)" for b in budgets) + " |")
print("|---|" + "---|" * len(budgets))
for m, name in (("run", "run accuracy"), ("answer", "answer accuracy (inference)"),
                ("random_search", "random search (2 draws per trial)")):
    print(f"| {name} | " + " | ".join(cell(s["methods"][m]["by_budget"][b]) for b in budgets) + " |")
print("| inference - random search (paired, t over seeds) | "
      + " | ".join(dcell(s["paired_difference"]["by_budget"][b]) for b in budgets) + " |")
e = s["methods"]["exhaustive"]
print(f"| exhaustive matching ({t['cost']['exhaustive']['rollouts_per_target']} rollouts per target) | {cell(e)} |" + " |" * (len(budgets) - 1))
eq = t["equal_seconds"]
print("\nEqual CPU seconds (each method's answers after the trials or draws it finished within s CPU seconds):\n")
print("| CPU s | inference trials | inference | random search | inference - random search (paired) |")
print("|---|---|---|---|---|")
for i, sec in enumerate(eq["cpu_seconds"]):
    print(f"| {sec:.2f} | {eq['budgets'][i]} | {cell(eq['answer'][i])} | {cell(eq['random_search'][i])} | "
          f"{dcell(eq['difference'][i])} |")
c = t["cost"]
inf, rs = c["inference"], c["random_search"]
print(f"\nCost per seed, CPU seconds (mean, range over seeds): training {c['train_seconds']['mean']:.1f} "
      f"(wall); inference {inf['cpu_seconds']['mean']:.1f} ({inf['cpu_seconds']['min']:.1f}-{inf['cpu_seconds']['max']:.1f}) "
      f"for {inf['rollouts_per_run']} rollouts per run, {inf['ms_per_trial']['mean']:.1f} ms per trial; "
      f"random search {rs['cpu_seconds']['mean']:.1f} ({rs['cpu_seconds']['min']:.1f}-{rs['cpu_seconds']['max']:.1f}) "
      f"for {min(rs['rollouts_per_run'])}-{max(rs['rollouts_per_run'])} draws, {rs['ms_per_draw']['mean']:.2f} ms "
      f"per draw ({inf['ms_per_trial']['mean'] / rs['ms_per_draw']['mean']:.1f} draws per inference trial); "
      f"exhaustive matching {c['exhaustive']['cpu_seconds']['mean'] * 1e3:.0f} ms "
      f"({c['exhaustive']['rollouts_per_target']} rollouts per target).")
f = s["final_loss"]
print(f"Final loss {f['mean']:.4f} ({f['ci95'][0]:.4f}–{f['ci95'][1]:.4f}; {f['min']:.4f}–{f['max']:.4f}).")
worst = sorted(s["per_letter"].items(), key=lambda kv: -kv[1]["wrong"])[:5]
print("Per letter (final answers wrong of shown): " + ", ".join(f"{k} {v['wrong']}/{v['shown']}" for k, v in worst))
