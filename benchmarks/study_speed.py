"""Wall time of ``python -m pc_numpy study`` against an earlier commit's, side by side in one run.

    python benchmarks/study_speed.py                          # 10 seeds, the defaults, 1 round
    python benchmarks/study_speed.py --seeds 0-3 --rounds 2   # fewer seeds, two interleaved rounds
    python benchmarks/study_speed.py --base 76155a6 --others ea95e2f --json out.json

The base commit's tree is exported with ``git archive`` into a temporary folder (nothing in this
checkout changes).  Each round runs, one after the other, the base code's default study and this
checkout's study four ways: float64 one seed at a time (the base's work, on this code), float64
in stacks, float32 one seed at a time, and the default (float32 in stacks).  Every variant runs
random search to inference's CPU seconds (the base's default too).  Rounds are interleaved, every
second one in reverse order (A B C, C B A, ...: a load that rises or falls during the run then
affects all alike); the load average (``os.getloadavg``) is printed beside every time.  Speed is
reported here, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export(commit: str, where: Path) -> Path:
    tree = where / commit
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_study(tree: Path, out: Path, seeds: str, workers: int, extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), MPLBACKEND="Agg")
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pc_numpy", "study", "--seeds", seeds, "--workers",
                           str(workers), "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, env=env, cwd=str(tree))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"study in {tree} failed: {proc.stderr[-2000:]}")
    parts = {"train": 0.0, "retrieve": 0.0, "search": 0.0}
    for f in (out / "seeds").iterdir():
        r = json.loads(f.read_text())
        for k in parts:
            parts[k] += r[f"{k}_seconds"]
    return dict(wall=wall, load_before=load0, load_after=os.getloadavg()[0], **parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="ea95e2f", help="the commit to compare with (ea95e2f: main before "
                   "stacks and float32, whose default study ran random search to equal seconds)")
    p.add_argument("--others", nargs="*", default=[], metavar="COMMIT",
                   help="more commits to run beside (e.g. the main branch's head)")
    p.add_argument("--seeds", default="0-9")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = export(args.base, tmp)
        variants = [(f"{args.base}, its default", base, [])]
        variants += [(f"{c}, its default", export(c, tmp), []) for c in args.others]
        variants += [("this checkout, --dtype float64 --stack 1 (one seed at a time)", ROOT,
                      ["--dtype", "float64", "--stack", "1"]),
                     ("this checkout, --dtype float64 (stacks)", ROOT, ["--dtype", "float64"]),
                     ("this checkout, --dtype float32 --stack 1", ROOT, ["--dtype", "float32", "--stack", "1"]),
                     ("this checkout, default (float32, stacks)", ROOT, [])]
        for r in range(args.rounds):
            order = list(enumerate(variants))
            for i, (name, tree, extra) in (order if r % 2 == 0 else order[::-1]):   # ABBA: a trend in the load cancels
                res = run_study(tree, tmp / f"out_{r}_{i}", args.seeds, args.workers, extra)
                rows.setdefault(name, []).append(res)
                print(f"round {r + 1}: {name}: {res['wall']:.1f} s wall (load {res['load_before']:.1f} -> "
                      f"{res['load_after']:.1f}); summed over seeds: train {res['train']:.1f} s, retrieve "
                      f"{res['retrieve']:.1f} s, random search {res['search']:.1f} s", flush=True)
    base_wall = statistics.median(x["wall"] for x in rows[variants[0][0]])
    print(f"\nstudy --seeds {args.seeds} --workers {args.workers} (the defaults otherwise), median of "
          f"{args.rounds} round(s):")
    print("| code | wall s | ratio to base | load before-after |\n|---|---|---|---|")
    for name, res in rows.items():
        w = statistics.median(x["wall"] for x in res)
        loads = ", ".join(f"{x['load_before']:.1f}-{x['load_after']:.1f}" for x in res)
        print(f"| {name} | {w:.1f} | {w / base_wall:.2f} | {loads} |")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(seeds=args.seeds, workers=args.workers, rows=rows), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
