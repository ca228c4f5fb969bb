"""What every subcommand of the command line shares: the usage error, the argument types, the
model options and the loading of ``--data`` (``cli``, ``cli_study`` and ``cli_tune`` import
them from here, so that none of them imports another)."""
from __future__ import annotations

import argparse
import json

import numpy as np

from .checks import MAX_INT
from .files import atomic_write, display


class UsageError(Exception):
    """A problem with what the user asked for: reported with the usage and exit code 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"expected a positive integer <= 2**63 - 1, got {len(str(value))} digits")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer <= 2**63 - 1, got "
                                         f"{len(str(value))} digits")
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


DEFAULT_FACTORS = 32        # F of PC-RNN-HC-M when --factors is not given (docs/results.md: the F sweep)


def add_model_arguments(p) -> None:
    """``--model hc-a|hc-m`` and ``--factors F`` (demo, train, retrieve, study)."""
    p.add_argument("--model", choices=("hc-a", "hc-m"), default="hc-a",
                   help="hc-a: additive hidden causes (default); hc-m: multiplicative, through factors")
    p.add_argument("--factors", type=_positive_int, default=None, metavar="F",
                   help=f"F, the factors of hc-m (default: {DEFAULT_FACTORS}); not for hc-a")


def model_kwargs(args) -> dict:
    """``kind`` and ``factor_dim`` for ``train`` from ``--model``/``--factors`` (UsageError if
    ``--factors`` is given to hc-a, or ``--backend torch`` to hc-m)."""
    if args.model == "hc-a":
        if args.factors is not None:
            raise UsageError("--factors is for --model hc-m only (PC-RNN-HC-A has no factors)")
        return dict(kind="hc-a")
    if getattr(args, "backend", "numpy") != "numpy":
        raise UsageError("--model hc-m runs with --backend numpy only (pc_torch.hcm is the "
                         "autograd reference the tests hold it against)")
    return dict(kind="hc-m", factor_dim=args.factors or DEFAULT_FACTORS)


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
        source = display(args.data)
    labels = None if labels is None else distinct_labels([str(v) for v in labels])
    return np.asarray(data, dtype=np.float64), labels, source


def distinct_labels(labels):
    """Labels name memories, one each, so they must be distinct (``train`` refuses repeats).  A
    file's class labels often repeat (a ``.ts`` file holds many instances of each letter): the
    k-th repeat of ``a`` becomes ``a.k`` (``a``, ``a.2``, ``a.3``...), and a note says so."""
    seen: dict = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}.{seen[label]}")
    repeated = sum(1 for n in seen.values() if n > 1)
    if repeated:
        import sys
        print(f"note: {repeated} label(s) of --data repeat; each sequence is its own memory, so "
              f"the repeats are numbered (a, a.2, a.3, ...)", file=sys.stderr)
        if len(set(out)) != len(out):                    # a file with both "a.2" and "a", "a"
            out = [f"{i}:{label}" for i, label in enumerate(labels)]
    return out


def _write_json(path, obj) -> None:
    """``obj`` as indented JSON at ``path``, written whole or not at all."""
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))
