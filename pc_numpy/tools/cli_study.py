"""``python -m pc_numpy study``: train and retrieve on many seeds in parallel, report distributions.

    python -m pc_numpy study --seeds 0-9 --workers 2 --out runs/study

writes ``OUT/study.json`` (schema in ``pc_numpy.protocols.study`` and docs/model.md §4c),
``OUT/study_accuracy.png``, ``OUT/per_letter.md`` and, as each seed finishes, its curves in
``OUT/seeds/seed_<s>.json``.  Every argument is checked before the
first seed starts.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from .cli_args import UsageError, _load_data, _positive_float, _positive_int, _tau, add_model_arguments, model_kwargs
from .files import atomic_write


def _non_negative_float(text: str) -> float:
    import argparse
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def add_cue_arguments(p) -> None:
    """``--cue-steps K`` and ``--cue-noise S`` (docs/model.md §4b), for demo, retrieve and study."""
    p.add_argument("--cue-steps", type=_positive_int, default=None, metavar="K",
                   help="observe only the first K steps of each target (default: all)")
    p.add_argument("--cue-noise", type=_non_negative_float, default=0.0, metavar="S",
                   help="add Gaussian noise of standard deviation S to each run's target (default: 0)")


def add_study_parser(sub) -> None:
    """Register the ``study`` subcommand on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("study", help="train + retrieve on many seeds in parallel; distributions",
                       description="For every seed: train (seed s), retrieve (seed s), random search "
                                   "(to inference's CPU seconds) and exhaustive matching; summarise "
                                   "over seeds (mean, 95%% Wilson interval with an effective n, min, "
                                   "max; paired differences) into OUT/study.json.  Also: 'study merge "
                                   "DIR1 DIR2 ... --out DIR' joins runs over disjoint seeds; 'study "
                                   "sweep DIR1 DIR2 ... --out FIG.png' draws studies of several C.")
    p.add_argument("--seeds", default="0-9", help="seeds, e.g. 0-9 or 0,3,5-7 (default: 0-9)")
    p.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                   help="worker processes (default: the number of CPUs)")
    p.add_argument("--data", metavar="PATH", help="a trajectory file; default: the embedded letters")
    p.add_argument("--out", default="study", metavar="DIR", help="output folder (default: study)")
    p.add_argument("--iterations", type=_positive_int, default=1000, help="training iterations (1000)")
    p.add_argument("--trials", type=_positive_int, default=1000, help="retrieval trials (1000)")
    p.add_argument("--restarts", type=_positive_int, default=4, help="random starts per target (4)")
    p.add_argument("--states", type=_positive_int, default=50, help="S (50)")
    p.add_argument("--causes", type=_positive_int, default=2, help="C (2)")
    p.add_argument("--tau", type=_tau, default=50.0, help="time constant (50)")
    p.add_argument("--lr", type=_positive_float, default=0.03, help="Adam learning rate (0.03)")
    p.add_argument("--keep", choices=("last", "best"), default="last",
                   help="the model after the last update, or the iterate of lowest loss (last)")
    p.add_argument("--variants", type=_positive_int, default=None, metavar="N",
                   help="retrieve N unseen variants of every embedded letter (embedded letters only)")
    p.add_argument("--search", choices=("seconds", "rollouts"), default="seconds",
                   help="random search runs until it has spent the CPU seconds inference spent "
                        "(seconds: the comparison at equal seconds), or 2K draws only (rollouts: "
                        "equal rollouts, cheaper) (seconds)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                   help="the precision the seeds train and retrieve in: the dtype follows the data "
                        "(float32; float64 gives the same distributions, docs/results.md, in "
                        "about 1.5x the time)")
    p.add_argument("--stack", type=_positive_int, default=None, metavar="Z",
                   help="seeds a worker runs at once as one stack of models (same numbers, less "
                        "time; default: the seeds divided evenly between the workers, at most 10; "
                        "hc-a only: hc-m runs one seed at a time)")
    add_cue_arguments(p)
    add_model_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {str(out)!r} cannot be created: {exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"--out {str(out)!r} is not writable")


def run_study_command(args) -> int:
    """The ``study`` subcommand (arguments checked first, then the seeds in parallel)."""
    from ..protocols.model import fingerprint
    from ..protocols.study import SeedConfig, environment, parse_seeds, run_seeds, seed_record
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out)
    _check_out(out)
    if args.variants and args.data is not None:
        raise UsageError("--variants works with the embedded letters only (drop --data)")
    data, labels, source = _load_data(args)
    data = data.astype(args.dtype)                       # the dtype follows the data from here on
    if args.cue_steps is not None and args.cue_steps > data.shape[1]:
        raise UsageError(f"--cue-steps {args.cue_steps} is more than the {data.shape[1]} steps of the data")
    targets = target_ids = None
    if args.variants:
        from ..data.letters import letter_variants
        targets, vlabels = letter_variants(np.random.default_rng(10_000), args.variants)
        targets = targets.astype(args.dtype)
        index = {lab: i for i, lab in enumerate(labels)}
        target_ids = np.array([index[lab] for lab in vlabels])
    train_kwargs = dict(iterations=args.iterations, states_dim=args.states, causes_dim=args.causes,
                        tau=args.tau, lr=args.lr, keep=args.keep, **model_kwargs(args))
    configs = [SeedConfig(s, data, None if labels is None else tuple(labels), targets, target_ids,
                          train_kwargs, args.trials, args.restarts, args.cue_steps, args.cue_noise,
                          args.search)
               for s in seeds]
    records = {}

    def done(r, finished, total):
        # each seed's curves as soon as it finishes (kept if a later seed fails or is interrupted)
        rec = seed_record(r)
        seed_text = json.dumps(rec)
        records[rec["seed"]] = json.loads(seed_text)        # what a merge reads back, exactly
        atomic_write(out / "seeds" / f"seed_{r['seed']}.json", lambda f: f.write(seed_text.encode()))
        if not args.quiet:
            print(f"seed {r['seed']} done ({finished}/{total}): loss {r['final_loss']:.4f}, "
                  f"run {r['run'][-1]:.3f}, answer {r['answer'][-1]:.3f}, random search "
                  f"{r['random_search'][2 * args.trials - 1]:.3f} (equal rollouts), "
                  f"exhaustive {r['exhaustive']:.3f}, {r['seconds']:.1f} s", flush=True)

    print(f"study: {len(seeds)} seeds on {data.shape[0]} sequences ({source}), {args.workers} workers, "
          f"{args.iterations} iterations, {args.trials} trials x {args.restarts} restarts, "
          f"{args.dtype}", flush=True)
    t0 = time.perf_counter()
    run_seeds(configs, args.workers, done, stack=args.stack, progress=not args.quiet)
    seconds = time.perf_counter() - t0
    meta = dict(environment(), data=source, data_sha256=fingerprint(data),
                targets_sha256=None if targets is None else fingerprint(targets),
                process="in-process" if args.workers == 1 else "worker processes, one BLAS thread each",
                settings=dict(train_kwargs, trials=args.trials, restarts=args.restarts,
                              cue_steps=args.cue_steps, cue_noise=args.cue_noise,
                              variants=args.variants, search=args.search, dtype=args.dtype))
    write_study(out, [records[s] for s in seeds], meta, dict(seconds=seconds, workers=args.workers))
    return 0


def write_study(out: Path, records, meta: dict, timing: dict) -> dict:
    """study.json, per_letter.md, study_accuracy.png (equal rollouts: no clock in it) and
    study_seconds.png (equal CPU seconds) from the seeds' ``records`` (``seed_record``), for a
    run and a merge alike; prints the headline."""
    from ..protocols.study import per_letter_markdown, summarise_study
    from .study_plots import plot_study, plot_study_seconds
    trials = int(meta["settings"]["trials"])
    summary = summarise_study(records, trials)
    summary.update(meta)
    summary["timing"].update(timing)
    text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    atomic_write(out / "study.json", lambda f: f.write(text.encode()))
    md = (f"# Per memory over {len(records)} seeds (final answers after {trials} trials)\n\n"
          + per_letter_markdown(summary["per_letter"]))
    atomic_write(out / "per_letter.md", lambda f: f.write(md.encode()))
    records = sorted(records, key=lambda r: r["seed"])
    plot_study(records, out / "study_accuracy.png")
    plot_study_seconds(records, summary, out / "study_seconds.png")
    m = summary["methods"]
    last = str(summary["budgets"][-1])
    for name in ("run", "answer", "random_search"):
        s = m[name]["by_budget"][last]
        lo, hi = s["ci95"]
        print(f"{name:>13} at {last} trials: mean {s['mean']:.3f} (95% {lo:.3f}-{hi:.3f}), "
              f"range {s['min']:.3f}-{s['max']:.3f}" + ("  [equal rollouts: 2 draws per trial]"
                                                       if name == "random_search" else ""))
    print(f"   exhaustive: mean {m['exhaustive']['mean']:.3f}, range {m['exhaustive']['min']:.3f}-"
          f"{m['exhaustive']['max']:.3f}")
    eq = summary["timing"]["equal_seconds"]
    for i in range(len(eq["cpu_seconds"])):
        a, r, d = eq["answer"][i], eq["random_search"][i], eq["difference"][i]
        lo, hi = d["ci95"] if d["ci95"][0] is not None else (float("nan"), float("nan"))
        print(f"  equal CPU seconds {eq['cpu_seconds'][i]:8.2f}: inference {a['mean']:.3f}, random search "
              f"{r['mean']:.3f}, difference {d['mean']:+.3f} (95% {lo:+.3f} to {hi:+.3f})")
    print(f"wrote {out / 'study.json'}, {out / 'study_accuracy.png'}, {out / 'study_seconds.png'}, "
          f"{out / 'per_letter.md'} (numpy {meta['numpy']}, {meta['blas']['name']} {meta['blas']['version']})")
    return summary


def build_merge_parser():
    import argparse
    p = argparse.ArgumentParser(
        prog="python -m pc_numpy study merge",
        description="Join studies run on disjoint seeds (e.g. --seeds 0-4 on one machine, 5-9 on "
                    "another) into one: the same study.json (but for its 'timing'), figure and "
                    "per-letter table as one run over all the seeds.  Refuses runs whose settings, "
                    "data or numerical environment differ, naming what differs.")
    p.add_argument("dirs", nargs="+", metavar="DIR", help="the output folders of the runs")
    p.add_argument("--out", required=True, metavar="DIR", help="the merged study's folder")
    return p


def run_merge(argv) -> int:
    """``python -m pc_numpy study merge DIR1 DIR2 ... --out DIR``."""
    from ..protocols.study import merge_checks
    from .files import display
    parser = build_merge_parser()
    args = parser.parse_args(argv)
    try:
        metas, records = [], []
        names = [str(d) for d in args.dirs]
        for d in args.dirs:
            path = Path(d) / "study.json"
            try:
                meta = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise UsageError(f"{display(path)!r}: cannot read a study.json ({exc})") from None
            if not isinstance(meta, dict) or "settings" not in meta or "seeds" not in meta:
                raise UsageError(f"{display(path)!r} is not a study's study.json (no settings or seeds)")
            metas.append(meta)
        try:
            merge_checks(metas, names)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for d, meta in zip(args.dirs, metas):
            for s in meta["seeds"]:
                path = Path(d) / "seeds" / f"seed_{s}.json"
                try:
                    rec = json.loads(path.read_text())
                except (OSError, ValueError) as exc:
                    raise UsageError(f"{display(path)!r}: cannot read seed {s} ({exc})") from None
                if rec.get("seed") != s:
                    raise UsageError(f"{display(path)!r} holds seed {rec.get('seed')!r}, not {s}")
                records.append(rec)
        out = Path(args.out)
        _check_out(out)
        for rec in records:                  # a merged study is a study: it can be merged again
            text = json.dumps(rec)
            atomic_write(out / "seeds" / f"seed_{rec['seed']}.json", lambda f, t=text: f.write(t.encode()))
        meta = {k: metas[0][k] for k in ("numpy", "blas", "data", "data_sha256", "targets_sha256",
                                          "process", "settings")}
        timing = dict(seconds=sum(m["timing"]["seconds"] for m in metas),
                      workers=[m["timing"]["workers"] for m in metas], merged_from=names,
                      note="seconds: the runs' wall-clock seconds added up")
        write_study(out, records, meta, timing)
    except UsageError as exc:
        parser.error(str(exc))
    return 0


def sweep_markdown(studies) -> str:
    """The sweep's table: for each study (one value of C), at its budgets in equal CPU seconds,
    inference, random search and their paired difference, with intervals."""
    lines = ["| C | CPU s | trials (inference) | inference | random search | inference - search (paired) |",
             "|---|---|---|---|---|---|"]
    for summary in studies:
        C = summary["settings"]["causes_dim"]
        eq = summary["timing"]["equal_seconds"]
        for i, s in enumerate(eq["cpu_seconds"]):
            a, r, d = eq["answer"][i], eq["random_search"][i], eq["difference"][i]
            dlo, dhi = d["ci95"]
            lines.append(f"| {C} | {s:.2f} | {eq['budgets'][i]} | {a['mean']:.3f} ({a['ci95'][0]:.3f}-"
                         f"{a['ci95'][1]:.3f}) | {r['mean']:.3f} ({r['ci95'][0]:.3f}-{r['ci95'][1]:.3f}) | "
                         f"{d['mean']:+.3f} ({dlo:+.3f} to {dhi:+.3f}) |")
    return "\n".join(lines) + "\n"


def run_sweep(argv) -> int:
    """``python -m pc_numpy study sweep DIR1 DIR2 ... --out FIG.png``: one panel per study (one
    value of C each), answer accuracy against CPU seconds for inference and random search, and
    the table of ``sweep_markdown`` on stdout (and in ``--table``)."""
    import argparse
    from .files import display
    from .study_plots import plot_sweep
    p = argparse.ArgumentParser(prog="python -m pc_numpy study sweep",
                                description="One figure over studies of several C (study --causes C): "
                                            "answer accuracy against CPU seconds, inference and "
                                            "random search, one panel per study.")
    p.add_argument("dirs", nargs="+", metavar="DIR", help="the studies' output folders")
    p.add_argument("--out", required=True, metavar="FIG.png", help="the figure to write")
    p.add_argument("--table", metavar="TABLE.md", help="also write the table here")
    args = p.parse_args(argv)
    studies, seeds = [], []
    for d in args.dirs:
        path = Path(d) / "study.json"
        try:
            summary = json.loads(path.read_text())
            recs = [json.loads((Path(d) / "seeds" / f"seed_{s}.json").read_text()) for s in summary["seeds"]]
        except (OSError, ValueError, KeyError) as exc:
            p.error(f"{display(path)!r}: cannot read the study ({exc})")
        studies.append(summary)
        seeds.append(recs)
    order = sorted(range(len(studies)), key=lambda i: studies[i]["settings"]["causes_dim"])
    studies, seeds = [studies[i] for i in order], [seeds[i] for i in order]
    plot_sweep(studies, seeds, args.out)
    md = sweep_markdown(studies)
    if args.table:
        atomic_write(Path(args.table), lambda f: f.write(md.encode()))
    print(md, end="")
    print(f"wrote {args.out}")
    return 0
