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
                                   "at equal rollouts and exhaustive matching; summarise over seeds "
                                   "(mean, 95%% t interval, min, max) into OUT/study.json.")
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
    add_cue_arguments(p)
    add_model_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def run_study_command(args) -> int:
    """The ``study`` subcommand (arguments checked first, then the seeds in parallel)."""
    from ..protocols.study import (SeedConfig, environment, parse_seeds, per_letter_markdown,
                                   run_seeds, summarise_study)
    from .study_plots import plot_study
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {str(out)!r} cannot be created: {exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"--out {str(out)!r} is not writable")
    if args.variants and args.data is not None:
        raise UsageError("--variants works with the embedded letters only (drop --data)")
    data, labels, source = _load_data(args)
    if args.cue_steps is not None and args.cue_steps > data.shape[1]:
        raise UsageError(f"--cue-steps {args.cue_steps} is more than the {data.shape[1]} steps of the data")
    targets = target_ids = None
    if args.variants:
        from ..data.letters import letter_variants
        targets, vlabels = letter_variants(np.random.default_rng(10_000), args.variants)
        index = {lab: i for i, lab in enumerate(labels)}
        target_ids = np.array([index[lab] for lab in vlabels])
    train_kwargs = dict(iterations=args.iterations, states_dim=args.states, causes_dim=args.causes,
                        tau=args.tau, lr=args.lr, keep=args.keep, **model_kwargs(args))
    configs = [SeedConfig(s, data, None if labels is None else tuple(labels), targets, target_ids,
                          train_kwargs, args.trials, args.restarts, args.cue_steps, args.cue_noise)
               for s in seeds]

    def done(r, finished, total):
        # each seed's curves as soon as it finishes (kept if a later seed fails or is interrupted)
        seed_text = json.dumps({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in r.items()})
        atomic_write(out / "seeds" / f"seed_{r['seed']}.json", lambda f: f.write(seed_text.encode()))
        if not args.quiet:
            print(f"seed {r['seed']} done ({finished}/{total}): loss {r['final_loss']:.4f}, "
                  f"run {r['run'][-1]:.3f}, answer {r['answer'][-1]:.3f}, random search "
                  f"{r['random_search'][-1]:.3f}, exhaustive {r['exhaustive']:.3f}, "
                  f"{r['seconds']:.1f} s", flush=True)

    print(f"study: {len(seeds)} seeds on {data.shape[0]} sequences ({source}), {args.workers} workers, "
          f"{args.iterations} iterations, {args.trials} trials x {args.restarts} restarts", flush=True)
    t0 = time.perf_counter()
    results = run_seeds(configs, args.workers, done)
    seconds = time.perf_counter() - t0
    summary = summarise_study(results, args.trials)
    env = environment()
    summary.update(env, seconds=seconds, workers=args.workers, data=source,
                   settings=dict(train_kwargs, trials=args.trials, restarts=args.restarts,
                                 cue_steps=args.cue_steps, cue_noise=args.cue_noise,
                                 variants=args.variants))
    text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    atomic_write(out / "study.json", lambda f: f.write(text.encode()))
    md = (f"# Per memory over {len(seeds)} seeds (final answers after {args.trials} trials)\n\n"
          + per_letter_markdown(summary["per_letter"]))
    atomic_write(out / "per_letter.md", lambda f: f.write(md.encode()))
    plot_study(results, out / "study_accuracy.png")
    m = summary["methods"]
    last = str(summary["budgets"][-1])
    for name in ("run", "answer", "random_search"):
        s = m[name]["by_budget"][last]
        lo, hi = s["ci95"]
        ci = "" if lo is None else f" (95% CI {lo:.3f}-{hi:.3f})"
        print(f"{name:>13} at {last} trials: mean {s['mean']:.3f}{ci}, range {s['min']:.3f}-{s['max']:.3f}")
    print(f"   exhaustive: mean {m['exhaustive']['mean']:.3f}, range {m['exhaustive']['min']:.3f}-"
          f"{m['exhaustive']['max']:.3f}")
    print(f"wrote {out / 'study.json'}, {out / 'study_accuracy.png'}, {out / 'per_letter.md'} "
          f"in {seconds:.1f} s (numpy {env['numpy']}, {env['blas']['name']} {env['blas']['version']})")
    return 0
