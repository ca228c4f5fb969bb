"""``python -m pc_numpy tune``: the hyper-parameter search of docs/model.md §4d on Optuna.

    python -m pc_numpy tune --n-trials 40 --trials 100 --seeds 0-2 --out runs/tune

trains one model per seed (kept in ``DIR/models/seed<s>.npz``, reused when the command runs
again), then runs ``--n-trials`` Optuna trials, each retrieving with proposed rates
``alpha_x, alpha_h, alpha_c, sigma_r, sigma_c`` (see ``pc_numpy.protocols.tune``).  Writes
``DIR/tune.json`` (``best_params``, ``best_value``, ``n_trials`` = finished trials in the storage,
every process together), ``DIR/tune_history.png`` and ``DIR/tune_importances.png``, and prints the
``demo`` command with the best rates.

The study lives in ``--storage`` (default ``sqlite:///DIR/tune.db``): running the command again adds
trials to it, and several processes given the same ``--storage`` and ``--study-name`` share one
study, on one machine (SQLite, or the journal file) or on many (``journal:///PATH`` on a shared
file system, or a PostgreSQL/MySQL URL; the driver the URL needs is checked before any work, and a
missing one is named with the package to install).  In a database, a trial whose process died is
marked failed by the next process once it has been silent for 3 x ``--heartbeat`` seconds.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from .cli_args import UsageError, _load_data, _positive_float, _positive_int, _tau, _write_json

DEFAULT_STUDY = "pc-rnn-hc-a"


def _seeds(text: str) -> list:
    """``0-2`` -> [0, 1, 2]; ``0,3,5`` -> [0, 3, 5]; ``4`` -> [4]; ranges and lists combine."""
    seeds = []
    try:
        for part in text.split(","):
            lo, dash, hi = part.strip().partition("-")
            lo = int(lo)
            hi = int(hi) if dash else lo
            if lo < 0 or hi < lo:
                raise ValueError
            seeds.extend(range(lo, hi + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds like 0-2 or 0,3,5 (non-negative, "
                                         f"ranges low-high), got {text!r}") from None
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"seeds repeat in {text!r}")
    return seeds


def add_parser(sub) -> None:
    """Register ``tune`` on the sub-parsers of ``python -m pc_numpy``."""
    p = sub.add_parser(
        "tune", help="search the retrieval rates with Optuna (needs the 'tune' extra)",
        description="Search alpha_x, alpha_h, alpha_c, sigma_r, sigma_c (log-uniform, a factor 10 "
                    "around the defaults) for the best answer accuracy after --trials retrieval "
                    "trials, averaged over --seeds, on letter variants (embedded letters) or a "
                    "noisy copy of --data. Resumable; several processes share one --storage.")
    p.add_argument("--n-trials", type=_positive_int, required=True, metavar="N",
                   help="Optuna trials this process runs (added to those already in the storage)")
    p.add_argument("--timeout", type=_positive_float, default=None, metavar="SECONDS",
                   help="start no new trial after this many seconds (the running one finishes)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for tune.json, the figures, the models (DIR/models) and the "
                        "default storage DIR/tune.db")
    p.add_argument("--trials", type=_positive_int, default=100, metavar="K",
                   help="retrieval trials per Optuna trial, the budget the accuracy is read at "
                        "(default: 100)")
    p.add_argument("--iterations", type=_positive_int, default=1000,
                   help="training iterations of each seed's model (default: 1000)")
    p.add_argument("--seeds", type=_seeds, default=[0, 1, 2], metavar="SEEDS",
                   help="models to average over, e.g. 0-2 or 0,4,7 (default: 0-2)")
    p.add_argument("--data", metavar="PATH", help="a trajectory file; default: the embedded letters")
    p.add_argument("--storage", metavar="URL", help="sqlite:///FILE, journal:///PATH (shared file "
                   "system), postgresql://... or mysql://... (default: sqlite:///DIR/tune.db)")
    p.add_argument("--heartbeat", type=_positive_int, default=60, metavar="SECONDS",
                   help="database storages: a running trial signals every SECONDS; one silent "
                        "for 3 x SECONDS (its process killed) is marked failed (default: 60)")
    p.add_argument("--study-name", default=DEFAULT_STUDY, metavar="NAME",
                   help=f"study in the storage (default: {DEFAULT_STUDY})")
    p.add_argument("--model", choices=("hc-a",), default="hc-a", help="the network (default: hc-a)")
    p.add_argument("--restarts", type=_positive_int, default=4, help="random starts per target (default: 4)")
    p.add_argument("--states", type=_positive_int, default=50, help="S, hidden states (default: 50)")
    p.add_argument("--causes", type=_positive_int, default=2, help="C, hidden causes (default: 2)")
    p.add_argument("--tau", type=_tau, default=50.0, help="time constant (default: 50)")
    p.add_argument("--lr", type=_positive_float, default=0.03, help="Adam learning rate (default: 0.03)")
    p.add_argument("--quiet", action="store_true", help="no line per trial")


def _check_out(out: Path) -> None:
    """``out`` is (or can be made) a folder where every output of ``tune`` can be written;
    UsageError otherwise."""
    from .files import check_writable
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a folder")
    try:
        for name in ("tune.json", "tune_history.png", "tune_importances.png", "models/seed0.npz"):
            check_writable(out / name, "--out")
        out.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _storage_url(args, out: Path) -> str:
    if args.storage is None:
        return f"sqlite:///{(out / 'tune.db').resolve()}"
    from ..protocols.tune import check_driver
    try:
        check_driver(args.storage)               # the scheme, and the driver it needs
    except (ValueError, ImportError) as exc:
        raise UsageError(f"--storage: {exc}") from None
    return args.storage


def demo_command(params: dict, args) -> str:
    """The ``demo`` command that retrieves with ``params`` (and this search's data and budget)."""
    words = ["python -m pc_numpy demo"]
    if args.data is not None:
        words.append(f"--data {args.data}")
    words += [f"--{k.replace('_', '-')} {params[k]:.4g}" for k in ("alpha_x", "alpha_h", "alpha_c",
                                                                 "sigma_r", "sigma_c")]
    return " ".join(words)


def plot_history(study, path) -> str:
    """Optimisation history: each trial's value (pruned: its last reported value, grey x) and
    the best so far."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import optuna
    from .plots import _save_atomically
    S = optuna.trial.TrialState
    done = sorted((t for t in study.get_trials(deepcopy=False) if t.state in (S.COMPLETE, S.PRUNED)),
                  key=lambda t: t.number)
    fig, ax = plt.subplots(figsize=(6.4, 4))
    comp = [t for t in done if t.state == S.COMPLETE]
    pruned = [t for t in done if t.state == S.PRUNED and t.intermediate_values]
    ax.plot([t.number for t in comp], [t.value for t in comp], "o", ms=4, label="complete")
    if pruned:
        ax.plot([t.number for t in pruned],
                [t.intermediate_values[max(t.intermediate_values)] for t in pruned],
                "x", color="0.5", ms=5, label="pruned (last reported)")
    if comp:
        best = np.maximum.accumulate([t.value for t in comp])
        ax.step([t.number for t in comp] + [done[-1].number], list(best) + [best[-1]],
                where="post", color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("answer accuracy")
    ax.set_ylim(-0.02, 1.02)
    name = study.study_name if len(study.study_name) <= 30 else study.study_name[:27] + "..."
    ax.set_title(f"study {name!r}: {len(done)} finished trials", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    _save_atomically(fig, path, 120)
    plt.close(fig)
    return os.path.basename(path)


def plot_importances(importances, n_complete: int, path) -> str:
    """Bars of the parameters' importances, or a figure saying there are too few trials."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ..protocols.tune import MIN_TRIALS_FOR_IMPORTANCE
    from .plots import _save_atomically
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    if importances is None:
        ax.text(0.5, 0.5, f"parameter importances need at least {MIN_TRIALS_FOR_IMPORTANCE} "
                          f"complete trials\nwith different values ({n_complete} so far)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        names = sorted(importances, key=importances.get)
        ax.barh(names, [importances[n] for n in names])
        ax.set_xlabel("importance (PED-ANOVA, Optuna)")
        ax.set_title(f"parameter importances over {n_complete} complete trials")
    fig.tight_layout()
    _save_atomically(fig, path, 120)
    plt.close(fig)
    return os.path.basename(path)


def run_tune(args) -> int:
    """The ``tune`` command (see the module docstring).  Every argument is checked before the
    first model is trained; UsageError -> exit code 2."""
    from ..protocols import tune
    try:
        optuna = tune.import_optuna()
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)        # our own line per trial instead
    out = Path(args.out)
    url = _storage_url(args, out)                 # the scheme and its driver, before anything
    _check_out(out)
    data, labels, source = _load_data(args)
    try:
        storage = tune.open_storage(url, heartbeat=args.heartbeat)
        study = tune.open_study(storage, args.study_name)
    except Exception as exc:        # SQLAlchemy, a missing driver, an unreachable server, a lock
        raise UsageError(f"--storage {tune.redact(url)!r} cannot be opened: "
                         f"{type(exc).__name__}: {exc}") from None
    from ..protocols.model import fingerprint
    setup = dict(data_fingerprint=fingerprint(data), seeds=args.seeds, trials=args.trials,
                 restarts=args.restarts,
                 iterations=args.iterations, states_dim=args.states, causes_dim=args.causes,
                 tau=args.tau, lr=args.lr, model=args.model)
    known = study.user_attrs.get("setup")
    if known is None:
        study.set_user_attr("setup", setup)
    elif known != setup:
        diff = sorted(k for k in setup if known.get(k) != setup[k])
        raise UsageError(f"study {args.study_name!r} in {tune.redact(url)!r} was run with other "
                         f"settings ({', '.join(f'{k}={known.get(k)!r}' for k in diff)}); give "
                         f"the same ones, or a new --study-name")
    if args.data is not None:
        print(f"note: {source} has no held-out instances of its sequences; the search retrieves "
              f"noisy copies of them (noise {tune.NOISE} x the data's std), so the rates are "
              f"tuned on the training sequences themselves", flush=True)
    verbose = not args.quiet
    cases = []
    for s in args.seeds:
        path = out / "models" / f"seed{s}.npz"
        print(f"seed {s}: {'loading' if path.exists() else 'training'} {path}", flush=True)
        try:
            model = tune.train_or_load(data, labels, s, path, iterations=args.iterations,
                                       states_dim=args.states, causes_dim=args.causes,
                                       tau=args.tau, lr=args.lr, progress=verbose)
        except FileNotFoundError as exc:
            raise UsageError(f"--out: {exc}") from None
        targets, target_ids = tune.tuning_targets(model, s, None if args.data is None else data)
        cases.append(tune.SeedCase(s, model, targets, target_ids))
    objective = tune.Objective(cases, trials=args.trials, restarts=args.restarts)

    ran = []                                         # the trials this process finished

    def report(study, trial):
        ran.append(trial.number)
        if not verbose:
            return
        rates = " ".join(f"{k}={v:.3g}" for k, v in trial.params.items())
        value = "-" if trial.value is None else f"{trial.value:.3f}"
        seeds = trial.user_attrs.get("per_seed", [])
        print(f"trial {trial.number} {trial.state.name.lower()}: answer accuracy {value} "
              f"(per seed {' '.join(f'{v:.2f}' for v in seeds)}) {rates}", flush=True)

    t0 = time.perf_counter()
    print(f"study {args.study_name!r} in {tune.redact(url)}: {args.n_trials} trials, "
          f"{len(cases)} seeds x {args.trials} retrieval trials each", flush=True)
    study.optimize(objective, n_trials=args.n_trials, timeout=args.timeout, callbacks=[report],
                   catch=(ValueError,))
    seconds = time.perf_counter() - t0

    counts = tune.finished_counts(study)
    try:
        best = study.best_trial
    except ValueError:                               # every trial pruned or failed
        best = None
    importances = tune.param_importances(study)
    defaults = {k: tune.RETRIEVAL_RATES[k] for k in tune.RATE_NAMES}
    baseline = [t for t in study.get_trials(deepcopy=False)
                if t.state == optuna.trial.TrialState.COMPLETE and t.params == defaults]
    figures = [plot_history(study, out / "tune_history.png"),
               plot_importances(importances, counts["complete"], out / "tune_importances.png")]
    summary = dict(command="tune", study_name=args.study_name, storage=tune.redact(url),
                   n_trials=counts["finished"], n_complete=counts["complete"],
                   n_pruned=counts["pruned"], n_failed=counts["fail"], n_running=counts["running"],
                   best_params=None if best is None else best.params,
                   best_value=None if best is None else best.value,
                   best_per_seed=None if best is None else best.user_attrs.get("per_seed"),
                   best_trial=None if best is None else best.number,
                   defaults=defaults,
                   defaults_value=baseline[0].value if baseline else None,
                   search_space={k: list(v) for k, v in tune.SEARCH_SPACE.items()},
                   targets="letter variants" if args.data is None else "noisy copy of the data",
                   importances=importances, numpy=np.__version__, optuna=optuna.__version__,
                   trials_this_process=ran, seconds_this_process=seconds, figures=figures, data=source, **setup)
    if best is not None:
        summary["demo_command"] = demo_command(best.params, args)
    _write_json(out / "tune.json", summary)
    print(f"{counts['finished']} finished trials in the study ({counts['complete']} complete, "
          f"{counts['pruned']} pruned); this process ran {len(ran)} in {seconds:.0f} s")
    if best is None:
        print("no trial completed yet: no best rates")
    else:
        print(f"best answer accuracy {best.value:.3f} (trial {best.number}): " +
              ", ".join(f"{k}={v:.4g}" for k, v in best.params.items()))
        if baseline:
            print(f"the notebook's defaults scored {baseline[0].value:.3f} (trial {baseline[0].number})"
                  + (": the search found nothing better" if baseline[0].value >= best.value else ""))
        print(f"retrieve with them: {summary['demo_command']}")
    print(f"wrote {out / 'tune.json'} and {len(figures)} figures in {out}/")
    return 0
