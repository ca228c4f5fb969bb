"""The hyper-parameter search of docs/model.md §4d: Optuna over the five retrieval rates.

The original notebook says its retrieval rates "were found using a hyperparameter optimizer" and
ships only the result.  This module makes that search reproducible:

    models  = [train_or_load(data, labels, s, DIR/models/seed<s>.npz, ...) for s in seeds]
    search  = TuneSetup(models, targets, target_ids, trials=K, ...)
    study.optimize(search.objective, n_trials=N)

* **What is searched**: ``alpha_x, alpha_h, alpha_c, sigma_r, sigma_c``, each log-uniform on
  ``[default / 10, default * 10]`` around the notebook's values (``SEARCH_SPACE``).  Log-uniform,
  because every one of them is a step size or a width that acts by its order of magnitude (the
  defaults themselves span 0.0085 to 2.6); a factor 10 each side, because the notebook's values are
  one point found by an optimiser we cannot rerun, so the search should be able to move each rate
  by an order of magnitude either way and still spend as many samples near the default as far from
  it.  Rates outside stall (``c`` never moves) or blow up (the noise (7) throws ``c`` around).
* **The objective**: the *answer accuracy* (docs/model.md §4: for each target, the memory nearest
  the ``c`` with the lowest generation error seen so far over its restarts and trials) after ``K``
  retrieval trials, averaged over the seeds, each seed a model trained once and reused by every
  Optuna trial.  The targets are *not* the training sequences where the data allows it: new
  handwritten variants (``letter_variants``) of the embedded letters, drawn from a fixed seed of
  their own (``VARIANT_SEED``), so the search does not tune to the test.  For a file of the user's
  there are no other instances of its sequences: the targets are then a noisy copy of the training
  sequences (Gaussian noise of ``NOISE`` times the data's standard deviation, drawn once), and the
  command says so.
* **Pruning**: after each seed the running mean is reported (``trial.report(value, step=i)``), so
  that a ``MedianPruner`` stops a trial whose first seeds are worse than the median of the others.
* The retrieval of every Optuna trial uses the same random numbers for a given seed (``seed=s``):
  trials then differ by their rates only, not by luck of the draw (common random numbers).

Optuna is imported inside the functions that need it: ``import pc_numpy`` works without it.
"""
from __future__ import annotations

import json
import math
import random
import time
import warnings
from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence

import numpy as np

from ..tools.files import atomic_write
from .checkpoint import load_model, save_model
from .model import Model, fingerprint
from .retrieval import RETRIEVAL_RATES, nearest_memory, retrieve
from .train import train

RATE_NAMES = ("alpha_x", "alpha_h", "alpha_c", "sigma_r", "sigma_c")
FACTOR = 10.0                                           # each range: default / 10 .. default * 10
SEARCH_SPACE = {name: (RETRIEVAL_RATES[name] / FACTOR, RETRIEVAL_RATES[name] * FACTOR)
                for name in RATE_NAMES}
VARIANT_SEED = 17                  # the variants the search retrieves: rng (VARIANT_SEED, seed)
NOISE = 0.1                        # a user's file: targets = data + NOISE * std(data) * N(0, 1)
MISSING_OPTUNA = 'tune needs Optuna: pip install -e ".[tune]"'


def import_optuna():
    """``optuna``, or an ``ImportError`` with the install command (Optuna is an optional extra)."""
    try:
        import optuna
    except ImportError:
        raise ImportError(MISSING_OPTUNA) from None
    return optuna


# --- the models: trained once per seed, kept in DIR/models ------------------------------------

def training_settings(data, *, seed, iterations, states_dim, causes_dim, tau, lr) -> dict:
    """What a kept model must have been trained with to be reused (the ``.json`` beside it)."""
    return dict(data_fingerprint=fingerprint(data), seed=int(seed), iterations=int(iterations),
                states_dim=int(states_dim), causes_dim=int(causes_dim), tau=float(tau), lr=float(lr))


def train_or_load(data, labels, seed: int, path, *, iterations: int = 1000, states_dim: int = 50,
                  causes_dim: int = 2, tau: float = 50.0, lr: float = 0.03,
                  progress=False) -> Model:
    """The model of one seed: loaded from ``path`` (a ``save_model`` file) if it is there and was
    trained on the same data (its fingerprint) with the same settings (``path`` with ``.json``),
    otherwise trained now and saved there (model first, then its settings, both atomically: a
    half-written pair is never taken for a finished one).

    Raises ``ValueError`` if ``path`` holds a model trained otherwise: the search of a folder must
    keep evaluating the same models, so such a file is never silently replaced.
    """
    path = Path(path)
    meta = path.with_suffix(".json")
    want = training_settings(data, seed=seed, iterations=iterations, states_dim=states_dim,
                             causes_dim=causes_dim, tau=tau, lr=lr)
    if path.exists() and meta.exists():
        try:
            have = json.loads(meta.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{str(meta)!r} cannot be read: {exc}") from None
        if have != want:
            diff = sorted(k for k in want if have.get(k) != want[k])
            raise ValueError(f"{str(path)!r} was trained with other settings ({', '.join(diff)} "
                             f"differ); use another --out folder or delete {str(path.parent)!r}")
        model = load_model(path)
        if model.data_fingerprint != want["data_fingerprint"]:
            raise ValueError(f"{str(path)!r} was trained on other data (fingerprints differ)")
        return model
    model = train(data, labels, states_dim=states_dim, causes_dim=causes_dim, tau=tau,
                  iterations=iterations, lr=lr, seed=seed, progress=progress).model
    save_model(path, model)
    text = json.dumps(want, indent=2, sort_keys=True) + "\n"
    atomic_write(meta, lambda f: f.write(text.encode()))
    return model


# --- the targets --------------------------------------------------------------------------------

def tuning_targets(model: Model, seed: int, data: Optional[np.ndarray] = None):
    """The sequences the search retrieves for ``seed`` and the memory each should find.

    ``data is None`` (the embedded letters): one new variant of every letter,
    ``letter_variants(default_rng((VARIANT_SEED, seed)), 1)``: not the training letters, and not
    the variants ``demo --variants`` draws (``default_rng(seed + 1)``).
    Otherwise (a user's file): ``data + NOISE * std(data) * N(0, 1)``, drawn from the same seed.
    Returns ``(targets (N, T, O), target_ids (N,))``.
    """
    rng = np.random.default_rng((VARIANT_SEED, int(seed)))
    if data is None:
        from ..data.letters import letter_variants
        variants, vlabels = letter_variants(rng, 1)
        index = {lab: i for i, lab in enumerate(model.labels)}
        return variants, np.array([index[lab] for lab in vlabels], dtype=np.int64)
    data = np.asarray(data, dtype=np.float64)
    noisy = data + NOISE * data.std() * rng.standard_normal(data.shape)
    return noisy, np.arange(data.shape[0], dtype=np.int64)


# --- the objective ------------------------------------------------------------------------------

def _answer_accuracy_curve(result, mus: np.ndarray, restarts: int) -> np.ndarray:
    """Answer accuracy after each trial, ``(K,)`` (docs/model.md §4).

    Uses ``result.answer_accuracy`` where retrieval provides it; otherwise computes the readout
    from ``result.c_path (K+1, B, C)``, ``result.generation_error (K, B)`` and
    ``result.target_ids (B,)``, run ``n * R + r`` being target ``n``, restart ``r``
    (``R = restarts``; ``mus (P, C)`` the memories):

        best[k, n] = argmin over (j <= k, r) of generation_error[j, n*R + r]
        answer[k, n] = nearest memory to c_path[j + 1, n*R + r] at that argmin
        accuracy[k] = mean over n of (answer[k, n] == target_ids[n*R])

    A NaN or inf generation error (rates so large that the rollout blew up) never wins; a target
    whose every error so far is non-finite has no answer and counts as wrong.
    """
    curve = getattr(result, "answer_accuracy", None)
    if curve is not None:
        return np.asarray(curve, dtype=np.float64)
    error = np.asarray(result.generation_error, dtype=np.float64)                        # (K, B)
    c_path = np.asarray(result.c_path, dtype=np.float64)                                 # (K+1, B, C)
    run_ids = np.asarray(result.target_ids)                                              # (B,)
    K, B = error.shape
    R = int(restarts)
    N = B // R
    if N * R != B or np.any(run_ids.reshape(N, R) != run_ids[::R, None]):
        raise ValueError(f"result.target_ids ({B} runs) is not grouped as run n*R + r = target n, "
                         f"restart r with R = {R}")
    first = np.arange(0, B, R)                                          # the first run of each target
    error = np.where(np.isfinite(error), error, np.inf).reshape(K, N, R)                # (K, N, R)
    nearest = np.stack([nearest_memory(np.nan_to_num(c, nan=np.inf), mus, check=False)
                        for c in c_path[1:]]).reshape(K, N, R)                          # (K, N, R)
    best_error = np.full(N, np.inf)
    answer = np.full(N, -1)
    accuracy = np.empty(K)
    for k in range(K):                              # running minimum over trials and restarts
        r = error[k].argmin(axis=1)                                                      # (N,)
        e = error[k, np.arange(N), r]
        better = e < best_error
        best_error = np.where(better, e, best_error)
        answer = np.where(better, nearest[k, np.arange(N), r], answer)
        accuracy[k] = np.mean(answer == run_ids[first])
    return accuracy


class SeedCase(NamedTuple):
    """One seed of the search: its trained model and the targets it retrieves."""
    seed: int
    model: Model
    targets: np.ndarray
    target_ids: np.ndarray


class Objective:
    """``objective(trial) -> float``: the mean answer accuracy over the seeds after ``trials``
    retrieval trials with the rates the Optuna ``trial`` proposes.  After seed ``i`` it reports
    the running mean at step ``i`` and raises ``optuna.TrialPruned`` if the pruner says so.
    The per-seed values are kept as the trial's user attribute ``per_seed``.  Rates so large
    that retrieval blows up (``c`` becomes NaN or inf, which ``retrieve`` refuses) score 0 on that
    seed: a failed trial would tell the sampler nothing, a zero tells it to stay away."""

    def __init__(self, cases: Sequence[SeedCase], *, trials: int, restarts: int = 4,
                 space: Optional[dict] = None):
        if not cases:
            raise ValueError("cases must hold at least one seed")
        self.cases = list(cases)
        self.trials = int(trials)
        self.restarts = int(restarts)
        self.space = dict(SEARCH_SPACE if space is None else space)

    def suggest(self, trial) -> dict:
        """The rates of this trial, each log-uniform on its range."""
        return {name: trial.suggest_float(name, lo, hi, log=True) for name, (lo, hi) in self.space.items()}

    def __call__(self, trial) -> float:
        optuna = import_optuna()
        rates = self.suggest(trial)
        values: List[float] = []
        for i, case in enumerate(self.cases):
            try:
                with np.errstate(all="ignore"):        # large rates may overflow: scored below
                    result = retrieve(case.model, case.targets, case.target_ids,
                                      restarts=self.restarts, trials=self.trials, seed=case.seed,
                                      progress=False, **rates)
            except ValueError as exc:                  # c became NaN/inf: retrieval blew up
                trial.set_user_attr(f"diverged_seed{case.seed}", str(exc))
                values.append(0.0)
            else:
                values.append(float(_answer_accuracy_curve(result, case.model.mus, self.restarts)[-1]))
            trial.set_user_attr("per_seed", values)
            mean = float(np.mean(values))
            trial.report(mean, step=i)
            if i + 1 < len(self.cases) and trial.should_prune():
                raise optuna.TrialPruned(f"pruned after {i + 1} of {len(self.cases)} seeds "
                                         f"(mean answer accuracy {mean:.3f})")
        return float(np.mean(values))


# --- storage and study ----------------------------------------------------------------------------

STORAGE_SCHEMES = ("sqlite", "journal", "postgresql", "mysql")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for tune.json and messages)."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail.split("/", 1)[0]:
        return url
    auth, at, rest = tail.partition("@")
    user, colon, _ = auth.partition(":")
    return f"{head}://{user}{':***' if colon else ''}@{rest}"


def check_storage_url(url: str) -> str:
    """The scheme of ``url`` (one of ``STORAGE_SCHEMES``, a driver suffix ``+psycopg2`` allowed),
    or ``ValueError`` saying which schemes work."""
    scheme = url.partition("://")[0].split("+")[0].lower() if "://" in url else ""
    if scheme not in STORAGE_SCHEMES:
        raise ValueError(f"unsupported storage {redact(url)!r}: use sqlite:///FILE.db, "
                         f"journal:///PATH/tune.log (a file on a shared file system), "
                         f"postgresql://USER:PASS@HOST/DB or mysql://USER:PASS@HOST/DB")
    if scheme in ("sqlite", "journal") and not url.partition("://")[2].startswith("/"):
        raise ValueError(f"storage {url!r} names no file: write {scheme}:///relative/path or "
                         f"{scheme}:////absolute/path")
    return scheme


# the package to install for each database driver SQLAlchemy may import (its name for the driver)
DRIVER_PACKAGES = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary",
                   "pg8000": "pg8000", "asyncpg": "asyncpg", "mysqldb": "mysqlclient",
                   "pymysql": "PyMySQL", "mysqlconnector": "mysql-connector-python"}


def check_driver(url: str) -> None:
    """For a database server's URL (``postgresql://``, ``mysql://``): the driver SQLAlchemy will
    import for it must be installed, else ``ImportError`` naming the package to install.

    SQLAlchemy chooses the driver from the URL: ``postgresql://`` means ``psycopg`` (version 3)
    from SQLAlchemy 2.1 on (``psycopg2`` before), ``postgresql+psycopg2://`` means ``psycopg2``,
    ``mysql://`` means ``mysqlclient``.  The ``tune`` extra installs ``psycopg``."""
    if check_storage_url(url) in ("sqlite", "journal"):
        return
    import_optuna()                                      # SQLAlchemy comes with Optuna
    from sqlalchemy.engine import make_url
    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
    except Exception as exc:                             # ArgumentError, NoSuchModuleError
        raise ValueError(f"storage {redact(url)!r} is not a database URL SQLAlchemy knows "
                         f"({type(exc).__name__}: {exc})") from None
    try:
        dialect.import_dbapi()
    except ImportError:
        driver = parsed.get_driver_name()
        package = DRIVER_PACKAGES.get(driver, driver)
        raise ImportError(f"storage {redact(url)!r} needs the database driver {driver!r}, which "
                          f"is not installed: pip install '{package}'"
                          + (" (or pip install -e '.[tune]')" if driver == "psycopg" else "")) from None


HEARTBEAT = 60          # seconds (an integer, as Optuna wants) between a running trial's signs of life in a database storage


def open_storage(url: str, *, attempts: int = 5, heartbeat: int = HEARTBEAT):
    """An Optuna storage for ``url``: ``journal:///PATH`` is a ``JournalStorage`` on a
    ``JournalFileBackend`` (appends with a lock file, safe on a shared file system); ``sqlite``,
    ``postgresql`` and ``mysql`` URLs an ``RDBStorage`` (SQLite waits up to 60 s for a lock held by
    another process instead of failing at once).

    In a database storage every running trial records a heartbeat every ``heartbeat`` seconds;
    a trial whose process died (killed, machine lost) is marked failed by the next process that
    starts a trial, once it has been silent for ``3 * heartbeat`` seconds, instead of staying
    "running" for ever.

    Processes started together on a new database race to create its tables (seen: SQLite's
    ``UNIQUE constraint failed: alembic_version``); the loser tries again, up to ``attempts``
    times, after a short random wait, and then finds the tables made."""
    scheme = check_storage_url(url)
    check_driver(url)
    for attempt in range(attempts):
        try:
            return _open_storage(url, scheme, heartbeat)
        except Exception:                              # SQLAlchemy's errors, whatever the driver
            if attempt + 1 == attempts:
                raise
            time.sleep(0.5 + random.random())


def _open_storage(url: str, scheme: str, heartbeat: int):
    optuna = import_optuna()
    if scheme == "journal":
        from optuna.storages.journal import JournalFileBackend, JournalStorage
        path = Path(url.partition("://")[2][1:])
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    kwargs = dict(heartbeat_interval=int(heartbeat), grace_period=3 * int(heartbeat))
    if scheme == "sqlite":
        Path(url.partition("://")[2][1:]).parent.mkdir(parents=True, exist_ok=True)
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
    with warnings.catch_warnings():                  # "heartbeat is an experimental feature"
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(url, **kwargs)


def open_study(storage, study_name: str, *, n_startup_trials: int = 5):
    """The study ``study_name`` in ``storage`` (created if absent, ``load_if_exists=True``, so
    that running again, or another process, adds trials to it): maximise, TPE sampler (unseeded:
    several workers must not propose the same rates), ``MedianPruner`` that prunes after
    ``n_startup_trials`` finished trials.  A new study's first trial is the notebook's defaults
    (``enqueue_trial``), so that the search always measures the rates it is meant to beat."""
    optuna = import_optuna()
    study = optuna.create_study(
        storage=storage, study_name=study_name, direction="maximize", load_if_exists=True,
        sampler=optuna.samplers.TPESampler(),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=n_startup_trials, n_warmup_steps=0))
    if not study.get_trials(deepcopy=False):         # the baseline first: best_value >= its score
        study.enqueue_trial({k: RETRIEVAL_RATES[k] for k in RATE_NAMES},
                            user_attrs={"enqueued": "the notebook's defaults"}, skip_if_exists=True)
    return study


def finished_counts(study) -> dict:
    """Trials of the study in its storage (every process together), by state."""
    optuna = import_optuna()
    S = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    count = {name: sum(t.state == getattr(S, name.upper()) for t in trials)
             for name in ("complete", "pruned", "fail", "running")}
    count["finished"] = count["complete"] + count["pruned"]
    return count


def param_importances(study) -> Optional[dict]:
    """The parameters' importances (Optuna's ``PedAnovaImportanceEvaluator``, which needs no
    scikit-learn), or None with fewer than ``MIN_TRIALS_FOR_IMPORTANCE`` complete trials or if the
    evaluator cannot tell (e.g. every trial scored the same)."""
    optuna = import_optuna()
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < MIN_TRIALS_FOR_IMPORTANCE:
        return None
    try:
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        values = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError, ZeroDivisionError):
        return None
    values = {k: float(v) for k, v in values.items()}
    if not values or not all(math.isfinite(v) for v in values.values()):
        return None
    return values


MIN_TRIALS_FOR_IMPORTANCE = 10               # fewer: the importances are noise (measured)
