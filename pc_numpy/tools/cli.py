"""The command line: ``python -m pc_numpy {demo,train,retrieve,letters,tune} ...``.

    python -m pc_numpy demo                      # train on the embedded letters, retrieve, plot
    python -m pc_numpy demo --data letters.pk    # the same on a file of yours
    python -m pc_numpy train --out runs/a        # train only; writes runs/a/model.npz
    python -m pc_numpy retrieve --checkpoint runs/a/model.npz --out runs/a
    python -m pc_numpy letters docs/letters.png  # the figure of the embedded letters
    python -m pc_numpy tune --n-trials 40 --out runs/tune   # search the retrieval rates (Optuna)

Every run writes ``OUT/summary.json`` and its figures.  Bad arguments get a usage message and
exit code 2; a training run that diverges exits with code 1 and says why.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np

from .files import atomic_write


class UsageError(Exception):
    """A problem with what the user asked for: reported with the usage and exit code 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative finite number, got {text}")
    return value


def _tau(text: str) -> float:
    value = _positive_float(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"tau must be >= 1, got {text}")
    return value


def _retrieval_rates(p) -> None:
    """``--alpha-x --alpha-h --alpha-c --sigma-r --sigma-c``: the retrieval rates of (4)-(8)
    (defaults: the notebook's, ``RETRIEVAL_RATES``; ``tune`` prints a command with better ones)."""
    from ..protocols.retrieval import RETRIEVAL_RATES
    for name, kind, what in (("alpha_x", _positive_float, "rate of (4), the output error's pull on h"),
                             ("alpha_h", _positive_float, "rate of (6), the hidden error's pull on c"),
                             ("alpha_c", _nonnegative_float, "rate of (8), the prior's pull on c"),
                             ("sigma_r", _nonnegative_float, "scale of the exploration noise (7)"),
                             ("sigma_c", _positive_float, "width of the prior (8) around each memory")):
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=kind,
                       default=RETRIEVAL_RATES[name], metavar="X",
                       help=f"{what} (default: {RETRIEVAL_RATES[name]:g})")


def _rates_of(args) -> dict:
    """The retrieval rates given on the command line, as keywords of ``retrieve``."""
    from ..protocols.retrieval import RETRIEVAL_RATES
    return {name: getattr(args, name) for name in RETRIEVAL_RATES}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pc_numpy",
        description="PC-RNN-HC-A: train a predictive-coding RNN to generate handwritten letters, "
                    "then retrieve each letter's hidden cause by predictive-coding inference.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(p, *, data=True, train=True, retrieve=True):
        p.add_argument("--out", default="out", metavar="DIR", help="folder for summary.json, "
                       "figures and the checkpoint (default: out)")
        p.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
        p.add_argument("--backend", choices=("numpy", "torch"), default="numpy",
                       help="numpy: hand-written BPTT and Adam (default); torch: autograd and "
                            "torch.optim.Adam (needs torch)")
        p.add_argument("--quiet", action="store_true", help="no progress lines")
        if data:
            p.add_argument("--data", metavar="PATH", help="a trajectory file (.npy .npz .csv .pk "
                           ".pkl .ts); default: the embedded letters")
        if train:
            p.add_argument("--iterations", type=_positive_int, default=1000,
                           help="training iterations (default: 1000)")
            p.add_argument("--states", type=_positive_int, default=50, help="S, hidden states (default: 50)")
            p.add_argument("--causes", type=_positive_int, default=2, help="C, hidden causes (default: 2)")
            p.add_argument("--tau", type=_tau, default=50.0, help="time constant (default: 50)")
            p.add_argument("--lr", type=_positive_float, default=0.03, help="Adam learning rate (default: 0.03)")
        if retrieve:
            p.add_argument("--trials", type=_positive_int, default=1000,
                           help="retrieval trials (default: 1000)")
            p.add_argument("--restarts", type=_positive_int, default=4,
                           help="random starts per target (default: 4)")
            p.add_argument("--variants", type=_positive_int, default=None, metavar="N",
                           help="retrieve N new handwritten variants of every embedded letter "
                                "instead of the training letters (embedded letters only)")
            _retrieval_rates(p)

    demo = sub.add_parser("demo", help="train, retrieve, write figures and summary.json",
                          description="Train on the embedded letters (or --data), retrieve every "
                                      "letter's memory, write figures and OUT/summary.json.")
    common(demo)
    tr = sub.add_parser("train", help="train only and save OUT/model.npz",
                        description="Train and save the model to OUT/model.npz, with figures.")
    common(tr, retrieve=False)
    rt = sub.add_parser("retrieve", help="retrieve from a saved checkpoint",
                        description="Load a checkpoint and run memory retrieval on its data.")
    common(rt, train=False)
    rt.add_argument("--checkpoint", required=True, metavar="PATH", help="a model.npz written by train/demo")
    from .cli_tune import add_parser as add_tune
    add_tune(sub)
    lt = sub.add_parser("letters", help="draw the embedded letters to a PNG",
                        description="Draw the 20 embedded letters (and optional variants) to a PNG.")
    lt.add_argument("png", metavar="OUT.png", help="the figure to write")
    lt.add_argument("--variants", type=_positive_int, default=0, metavar="N", help="also draw N variants per letter")
    lt.add_argument("--seed", type=_seed, default=0, help="seed of the variants (default: 0)")
    return parser


def _load_data(args):
    from ..data.letters import letters
    from ..data.loaders import load_trajectories
    if args.data is None:
        data, labels = letters()
        source = "embedded letters"
    else:
        try:
            data, labels = load_trajectories(args.data)
        except (ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise UsageError(f"--data: {exc}") from None
        source = str(args.data)
    return np.asarray(data, dtype=np.float64), (list(labels) if labels is not None else None), source


def _backend(name: str):
    if name == "numpy":
        import pc_numpy
        return pc_numpy
    try:
        import pc_torch
    except ImportError as exc:
        raise UsageError(f"--backend torch needs PyTorch ({exc}); install it with "
                         f"pip install -e '.[torch]'") from None
    return pc_torch


def _targets(args, data, labels, model):
    """The sequences to retrieve and the memory each should find."""
    if getattr(args, "variants", None):
        if args.data is not None:
            raise UsageError("--variants works with the embedded letters only (drop --data)")
        from ..data.letters import letter_variants
        variants, vlabels = letter_variants(np.random.default_rng(args.seed + 1), args.variants)
        index = {lab: i for i, lab in enumerate(model.labels)}
        return variants, np.array([index[lab] for lab in vlabels]), "variants"
    return data, None, "training sequences"


def _write_json(path: Path, obj) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))


def _say(args, text: str) -> None:
    print(text, flush=True)


def run_train(args, data, labels, source, out: Path) -> dict:
    from . import plots
    from ..rollout import generate
    backend = _backend(args.backend)
    _say(args, f"training on {data.shape[0]} sequences of {data.shape[1]} steps ({source}), "
               f"backend {args.backend}, {args.iterations} iterations, seed {args.seed}")
    result = backend.train(data, labels, states_dim=args.states, causes_dim=args.causes, tau=args.tau,
                           iterations=args.iterations, lr=args.lr, seed=args.seed,
                           progress=not args.quiet, checkpoint_path=out / "model.npz")
    model = result.model
    generated = generate(model.params, model.mus, model.h0, tau=model.tau,
                         steps=data.shape[1]).transpose(1, 0, 2)                           # (N, T, O)
    figures = [plots.plot_loss(result.losses, out / "training_loss.png")]
    if data.shape[2] >= 2:
        figures.append(plots.plot_generations(generated, data, model.labels, out / "generations.png"))
    if model.mus.shape[1] >= 2:
        figures.append(plots.plot_causes(model.mus, model.labels, out / "hidden_causes.png"))
    _say(args, f"final loss {result.losses[-1]:.5f} after {args.iterations} iterations "
               f"in {result.seconds:.1f} s; checkpoint {out / 'model.npz'}")
    return dict(final_loss=float(result.losses[-1]), train_seconds=result.seconds,
                iterations=args.iterations, states_dim=args.states, causes_dim=args.causes,
                tau=args.tau, lr=args.lr, checkpoint=str(out / "model.npz"),
                figures=[os.path.basename(f) for f in figures]), model


def run_retrieve(args, model, data, labels, out: Path) -> dict:
    from . import plots
    backend = _backend(args.backend)
    targets, target_ids, what = _targets(args, data, labels, model)
    _say(args, f"retrieving {targets.shape[0]} {what} x {args.restarts} restarts, "
               f"{args.trials} trials, backend {args.backend}")
    try:
        result = backend.retrieve(model, targets, target_ids, restarts=args.restarts,
                                  trials=args.trials, seed=args.seed, progress=not args.quiet,
                                  **_rates_of(args))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    figures = [plots.plot_retrieval_curves(result, out / "retrieval_curves.png"),
               plots.plot_confusion(result, out / "confusion.png")]
    if model.mus.shape[1] >= 2:
        figures.append(plots.plot_retrieval_paths(result, model.mus, int(result.target_ids[0]),
                                                  out / "retrieval_paths.png"))
    per = {lab: (None if np.isnan(a) else float(a)) for lab, a in zip(model.labels, result.accuracy_per_target)}
    _say(args, f"retrieval accuracy {result.final_accuracy:.3f} (nearest memory), "
               f"{result.final_within:.3f} within {result.radius:g}, in {result.seconds:.1f} s")
    worst = sorted((a, lab) for lab, a in per.items() if a is not None)[:5]
    _say(args, "hardest: " + ", ".join(f"{lab} {a:.2f}" for a, lab in worst))
    return dict(retrieval_accuracy=result.final_accuracy, retrieval_within=result.final_within,
                retrieval_seconds=result.seconds, trials=args.trials, restarts=args.restarts,
                rates=_rates_of(args),
                retrieval_targets=what, accuracy_per_target=per,
                final_generation_error=float(result.generation_error[-1].mean()),
                figures=[os.path.basename(f) for f in figures])


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "letters":
            from ..data.letters import main as letters_main
            return letters_main([args.png] + (["--variants", str(args.variants), "--seed", str(args.seed)]
                                              if args.variants else []))
        if args.command == "tune":
            from .cli_tune import run_tune
            return run_tune(args)
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {str(out)!r} exists and is not a folder")
        if getattr(args, "variants", None) and args.data is not None:      # before any training
            raise UsageError("--variants works with the embedded letters only (drop --data)")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--out {str(out)!r} cannot be created: {exc}") from None
        data, labels, source = _load_data(args)
        summary = dict(command=args.command, backend=args.backend, seed=args.seed, data=source,
                       n_sequences=int(data.shape[0]), steps=int(data.shape[1]))
        if args.command in ("demo", "train"):
            info, model = run_train(args, data, labels, source, out)
            figures = info.pop("figures")
            summary.update(info)
        else:
            from ..protocols.checkpoint import load_model
            from ..protocols.model import fingerprint
            try:
                model = load_model(args.checkpoint)
            except (ValueError, FileNotFoundError) as exc:
                raise UsageError(f"--checkpoint: {exc}") from None
            if fingerprint(data) != model.data_fingerprint:     # --variants needs the letters' model too
                raise UsageError(f"--checkpoint {args.checkpoint!r} was trained on other data than "
                                 f"{source!r} (fingerprints differ); " +
                                 ("--variants needs a model trained on the embedded letters" if args.variants
                                  else "pass the --data it was trained on"))
            figures = []
            summary.update(final_loss=None, train_seconds=None, checkpoint=str(args.checkpoint))
        if args.command in ("demo", "retrieve"):
            info = run_retrieve(args, model, data, labels, out)
            figures += info.pop("figures")
            summary.update(info)
        summary["figures"] = figures
        _write_json(out / "summary.json", summary)
        print(f"wrote {out / 'summary.json'} and {len(figures)} figures in {out}/")
        return 0
    except UsageError as exc:
        parser.error(str(exc))                                 # usage, message, exit code 2
    except ImportError as exc:
        parser.error(f"{exc} (install the figures' extra: pip install -e '.[plot]')")
    except ValueError as exc:                                  # e.g. TrainingDiverged
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
