"""The command line: ``python -m pc_numpy {demo,train,retrieve,letters,study,tune} ...``.

    python -m pc_numpy demo                      # train on the embedded letters, retrieve, plot
    python -m pc_numpy demo --data letters.pk    # the same on a file of yours
    python -m pc_numpy train --out runs/a        # train only; writes runs/a/model.npz
    python -m pc_numpy retrieve --checkpoint runs/a/model.npz --out runs/a
    python -m pc_numpy letters docs/letters.png  # the figure of the embedded letters
    python -m pc_numpy study --seeds 0-9 --out runs/study   # distributions over seeds (cli_study)
    python -m pc_numpy tune --n-trials 40 --out runs/tune   # search the retrieval rates (Optuna)

Every run writes ``OUT/summary.json`` and its figures.  Bad arguments get a usage message and
exit code 2: unusable values, files that cannot be read, output paths that cannot be written,
and sizes that would not fit in memory are all found before any training or retrieval starts.
A run whose numbers overflow (a training run that diverges, a checkpoint whose values are not
finite or blow up in retrieval) exits with code 1 and says where, and so does a run whose outputs
cannot be written (a full disk, a file-size limit), naming the file.  A run writes its outputs
into a temporary folder in ``--out`` and moves them into place only when all are written
(``summary.json`` last): a run that fails or is stopped (Ctrl-C, ``SIGTERM``, even ``SIGKILL``)
leaves the previous outputs as they were.  Two runs sharing ``--out`` run one after the other (a
lock on the folder); ``summary.json`` records the SHA-256 of the ``model.npz`` it describes.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import List, Optional

import numpy as np

from .checks import NumericalError, TooLarge
from .cli_args import (UsageError, _load_data, _nonnegative_float, _positive_float,
                       _positive_int, _seed, _tau, _write_json, add_model_arguments, model_kwargs)
from .files import WriteFailed, check_writable, display, exclusive_folder, printable


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
        add_model_arguments(p)
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
            from .cli_study import add_cue_arguments
            add_cue_arguments(p)
            _retrieval_rates(p)

    demo = sub.add_parser("demo", help="train, retrieve, write figures and summary.json",
                          description="Train on the embedded letters (or --data), retrieve every "
                                      "letter's memory, write figures and OUT/summary.json.")
    common(demo)
    tr = sub.add_parser("train", help="train only and save OUT/model.npz",
                        description="Train and save the model to OUT/model.npz, with figures.")
    common(tr, retrieve=False)
    for p in (demo, tr):
        add_rule_arguments(p)
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
    from .cli_study import add_study_parser
    add_study_parser(sub)
    return parser


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


def _say(args, text: str) -> None:
    print(printable(text), flush=True)


FIGURES = dict(train=("training_loss.png", "generations.png", "hidden_causes.png"),
               retrieve=("retrieval_curves.png", "confusion.png", "retrieval_paths.png"))


def _outputs(command: str) -> List[str]:
    """The files a command writes in OUT (summary.json last)."""
    names = []
    if command in ("demo", "train"):
        names += ["model.npz", *FIGURES["train"]]
    if command in ("demo", "retrieve"):
        names += list(FIGURES["retrieve"])
    return names + ["summary.json"]


def _preflight(args, data, labels, out: Path, model=None) -> None:
    """Everything that can be checked before the long work: every output path, the training
    hyper-parameters and the memory training and retrieval will need.  UsageError if not."""
    for name in _outputs(args.command):
        try:
            check_writable(out / name, "--out")
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
    N, T, O = data.shape
    if args.command in ("demo", "train"):
        from ..protocols.model import check_labels
        try:
            check_labels(labels, N)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--data: {exc}") from None
    try:
        if args.command in ("demo", "train"):
            from ..protocols.train import check_training_args
            check_training_args(states_dim=args.states, causes_dim=args.causes, tau=args.tau,
                                iterations=args.iterations, lr=args.lr, weight_decay=1e-4,
                                seed=args.seed, data_shape=data.shape)
        if args.command in ("demo", "retrieve"):
            from ..protocols.retrieval import check_retrieval_memory
            from ..data.letters import LABELS
            n_targets = len(LABELS) * args.variants if getattr(args, "variants", None) else N
            if model is None:
                S, C, P = args.states, args.causes, N
            else:
                S, (P, C) = model.h0.shape[0], model.mus.shape
            check_retrieval_memory(n_targets, T, O, S, C, P=P, restarts=args.restarts,
                                   trials=args.trials)
    except (TooLarge, ValueError) as exc:
        raise UsageError(_as_flags(str(exc))) from None


_FLAGS = dict(states_dim="--states", causes_dim="--causes", iterations="--iterations",
              trials="--trials", restarts="--restarts", seed="--seed", tau="--tau", lr="--lr")


def _as_flags(message: str) -> str:
    """An API message in the command line's words: ``states_dim`` -> ``--states``..."""
    return re.sub(r"(?<![\w-])(" + "|".join(_FLAGS) + r")\b", lambda m: _FLAGS[m.group(1)], message)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_train(args, data, labels, source, out: Path, work: Path) -> dict:
    """Train; the checkpoint and figures are written in ``work`` (the run's temporary folder),
    named as they will be in ``out``."""
    from . import plots
    from ..protocols.model import family
    kinds = model_kwargs(args)
    rule = getattr(args, "rule", "bptt")
    backend = _backend(args.backend)
    _say(args, f"training on {data.shape[0]} sequences of {data.shape[1]} steps ({source}), "
               f"backend {args.backend}, rule {rule}, {args.iterations} iterations, seed {args.seed}")
    if rule == "local":
        result = run_local_rule(args, data, labels, kinds, work)
    else:
        result = backend.train(data, labels, states_dim=args.states, causes_dim=args.causes, tau=args.tau,
                               iterations=args.iterations, lr=args.lr, seed=args.seed,
                               progress=not args.quiet, checkpoint_path=work / "model.npz",
                               **({} if args.backend == "torch" else kinds))
    model = result.model
    generated = family(model.kind).generate(model.params, model.mus, model.h0, tau=model.tau,
                         steps=data.shape[1]).transpose(1, 0, 2)                           # (N, T, O)
    figures = [plots.plot_loss(result.losses, work / "training_loss.png")]
    if data.shape[2] >= 2:
        figures.append(plots.plot_generations(generated, data, model.labels, work / "generations.png"))
    if model.mus.shape[1] >= 2:
        figures.append(plots.plot_causes(model.mus, model.labels, work / "hidden_causes.png"))
    _say(args, f"final loss {result.losses[-1]:.5f} after {args.iterations} iterations "
               f"in {result.seconds:.1f} s; checkpoint {display(out / 'model.npz')}")
    return dict(final_loss=float(result.losses[-1]), train_seconds=result.seconds,
                iterations=args.iterations, states_dim=args.states, causes_dim=args.causes,
                tau=args.tau, lr=args.lr, model=model.kind, rule=rule,
                factor_dim=kinds.get("factor_dim"), checkpoint=display(out / "model.npz"),
                checkpoint_sha256=_sha256(work / "model.npz"),
                figures=[os.path.basename(f) for f in figures]), model


def add_rule_arguments(p) -> None:
    """``--rule bptt|local`` and the local rule's rates (demo, train)."""
    p.add_argument("--rule", choices=("bptt", "local"), default="bptt",
                   help="bptt: back-propagation through time and Adam (default); local: the local "
                        "predictive-coding rule, fixed one-hot causes (C = the number of sequences), "
                        "no back-propagation (docs/model.md §3b)")
    p.add_argument("--lr-o", type=_positive_float, default=0.002,
                   help="local rule: rate of w_o, b_o (default 0.002, the authors' for 3 letters; "
                        "20 letters need about 3/20 of each rate, e.g. 0.0003 0.3 0.3)")
    p.add_argument("--lr-h", type=_positive_float, default=2.0, help="local rule: rate of w_r, b_r (2)")
    p.add_argument("--lr-c", type=_positive_float, default=2.0, help="local rule: rate of w_c (2)")


def run_local_rule(args, data, labels, kinds, out: Path):
    """``train --rule local``: ``train_local`` with the command line's S, tau, iterations, seed
    and rates; the model saved to ``OUT/model.npz`` at the end."""
    from ..protocols.checkpoint import save_model
    from ..protocols.train_local import train_local
    if kinds["kind"] != "hc-a" or args.backend != "numpy":
        raise UsageError("--rule local trains PC-RNN-HC-A with --backend numpy only")
    result = train_local(data, labels, states_dim=args.states, tau=args.tau,
                         iterations=args.iterations, lr_o=args.lr_o, lr_h=args.lr_h, lr_c=args.lr_c,
                         seed=args.seed, progress=not args.quiet)
    save_model(out / "model.npz", result.model)
    return result


def _cue_kwargs(args) -> dict:
    """``cue_steps``/``cue_noise`` for ``retrieve`` when given (the torch backend has no cues)."""
    kw = {}
    if args.cue_steps is not None:
        kw["cue_steps"] = args.cue_steps
    if args.cue_noise:
        kw["cue_noise"] = args.cue_noise
    if kw and args.backend != "numpy":
        raise UsageError("--cue-steps and --cue-noise need --backend numpy")
    return kw


def _versions() -> dict:
    from ..protocols.study import environment
    return environment()


def run_retrieve(args, model, data, labels, work: Path) -> dict:
    """Retrieve; the figures are written in ``work`` (the run's temporary folder)."""
    from . import plots
    backend = _backend(args.backend)
    targets, target_ids, what = _targets(args, data, labels, model)
    _say(args, f"retrieving {targets.shape[0]} {what} x {args.restarts} restarts, "
               f"{args.trials} trials, backend {args.backend}")
    try:
        result = backend.retrieve(model, targets, target_ids, restarts=args.restarts,
                                  trials=args.trials, seed=args.seed, progress=not args.quiet,
                                  **_cue_kwargs(args), **_rates_of(args))
    except NumericalError as exc:
        where = f"--checkpoint {display(args.checkpoint)!r}: " if getattr(args, "checkpoint", None) else ""
        raise NumericalError(f"{where}{exc} (the model's numbers overflow on these targets)") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    figures = [plots.plot_retrieval_curves(result, work / "retrieval_curves.png"),
               plots.plot_confusion(result, work / "confusion.png")]
    if model.mus.shape[1] >= 2:
        figures.append(plots.plot_retrieval_paths(result, model.mus, None, work / "retrieval_paths.png"))
    per = {lab: (None if np.isnan(a) else float(a)) for lab, a in zip(model.labels, result.accuracy_per_target)}
    _say(args, f"answer accuracy {result.final_answer_accuracy:.3f} (readout: the memory nearest the "
               f"best-explaining c of each target's runs)")
    _say(args, f"run accuracy {result.final_accuracy:.3f} (share of runs whose c is nearest their "
               f"memory), {result.final_within:.3f} within {result.radius:g}, in {result.seconds:.1f} s")
    worst = sorted((a, lab) for lab, a in per.items() if a is not None)[:5]
    _say(args, "hardest: " + ", ".join(f"{lab} {a:.2f}" for a, lab in worst))
    return dict(retrieval_accuracy=result.final_accuracy, retrieval_within=result.final_within,
                answer_accuracy=result.final_answer_accuracy,
                cue_steps=result.cue_steps, cue_noise=result.cue_noise,
                retrieval_seconds=result.seconds, trials=args.trials, restarts=args.restarts,
                rates=_rates_of(args),
                retrieval_targets=what, accuracy_per_target=per,
                final_generation_error=float(result.generation_error[-1].mean()),
                figures=[os.path.basename(f) for f in figures])


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:2] in (["study", "merge"], ["study", "sweep"]):          # study's own subcommands
        from .cli_study import run_merge, run_sweep
        return (run_merge if argv[1] == "merge" else run_sweep)(argv[2:])
    parser = build_parser()
    args = parser.parse_args(argv)
    on_main_thread = threading.current_thread() is threading.main_thread()
    if on_main_thread:              # SIGTERM unwinds like Ctrl-C: the run's temporary files go
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return _main(parser, args)
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _main(parser, args) -> int:
    try:
        if args.command == "study":
            from .cli_study import run_study_command
            return run_study_command(args)
        if args.command == "letters":
            from ..data.letters import main as letters_main
            try:
                check_writable(args.png, "OUT.png")
            except (ValueError, TypeError) as exc:
                raise UsageError(str(exc)) from None
            return letters_main([args.png] + (["--variants", str(args.variants), "--seed", str(args.seed)]
                                              if args.variants else []))
        if args.command == "tune":
            from .cli_tune import run_tune
            return run_tune(args)
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {display(out)!r} exists and is not a folder")
        if getattr(args, "variants", None) and args.data is not None:      # before any training
            raise UsageError("--variants works with the embedded letters only (drop --data)")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--out {display(out)!r} cannot be created: {exc.strerror or exc}") from None
        with exclusive_folder(out, "--out"):
            return _run(args, out)
    except UsageError as exc:
        parser.error(printable(str(exc)))                      # usage, message, exit code 2
    except TooLarge as exc:                                    # a size found too late to be usage
        parser.error(printable(str(exc)))
    except ImportError as exc:
        parser.error(f"{exc} (install the figures' extra: pip install -e '.[plot]')")
    except (ValueError, OSError) as exc:       # TrainingDiverged, NumericalError, WriteFailed
        print(printable(f"error: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _run(args, out: Path) -> int:
    """One run of demo/train/retrieve, with ``out`` locked: its outputs are written in a temporary
    folder in ``out`` and moved into place once all are written (``summary.json`` last), so that
    a run that fails or is stopped leaves the previous outputs as they were."""
    data, labels, source = _load_data(args)
    if getattr(args, "cue_steps", None) is not None and args.cue_steps > data.shape[1]:
        raise UsageError(f"--cue-steps {args.cue_steps} is more than the {data.shape[1]} steps "
                         f"of the data")
    model = None
    if args.command == "retrieve":
        from ..protocols.checkpoint import load_model
        try:
            model = load_model(args.checkpoint, kind=args.model)
        except NumericalError as exc:                          # readable, but diverged: data error
            raise NumericalError(f"--checkpoint: {exc}") from None
        except (ValueError, FileNotFoundError, TypeError) as exc:
            raise UsageError(f"--checkpoint: {exc}") from None
    _preflight(args, data, labels, out, model)
    for left in out.glob(".run-*"):            # of a run killed outright (we hold the lock)
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=".run-", dir=out) as work:
        try:
            figures = _work(args, data, labels, source, model, out, Path(work))
        except WriteFailed as exc:
            name = os.path.basename(exc.filename or "?")
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise WriteFailed(f"{display(out / name)!r} could not be written ({reason}); nothing in "
                              f"{display(out)!r} was replaced: the previous outputs are as they "
                              f"were") from None
        for name in _outputs(args.command):    # rename(2) within a folder: no data is written
            if os.path.exists(os.path.join(work, name)):
                os.replace(os.path.join(work, name), out / name)
    print(printable(f"wrote {display(out / 'summary.json')} and {len(figures)} figures in {display(out)}/"))
    return 0


def _work(args, data, labels, source, model, out: Path, work: Path) -> list:
    """The run itself: every output written in ``work``; returns the figures' names."""
    summary = dict(command=args.command, backend=args.backend, seed=args.seed, data=source,
                   n_sequences=int(data.shape[0]), steps=int(data.shape[1]), **_versions())
    if args.command in ("demo", "train"):
        info, model = run_train(args, data, labels, source, out, work)
        figures = info.pop("figures")
        summary.update(info)
    else:
        from ..protocols.model import fingerprint
        if fingerprint(data) != model.data_fingerprint:     # --variants needs the letters' model too
            raise UsageError(f"--checkpoint {display(args.checkpoint)!r} was trained on other data than "
                             f"{source!r} (fingerprints differ); " +
                             ("--variants needs a model trained on the embedded letters" if args.variants
                              else "pass the --data it was trained on"))
        figures = []
        summary.update(final_loss=None, train_seconds=None, checkpoint=display(args.checkpoint),
                       checkpoint_sha256=_sha256(Path(args.checkpoint)))
    if args.command in ("demo", "retrieve"):
        info = run_retrieve(args, model, data, labels, work)
        figures += info.pop("figures")
        summary.update(info)
    summary["figures"] = figures
    _write_json(work / "summary.json", summary)
    return figures


if __name__ == "__main__":
    sys.exit(main())
