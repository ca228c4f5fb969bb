"""The hyper-parameter search ``python -m pc_numpy tune`` (issue 17, docs/model.md §4d).

- without Optuna, ``import pc_numpy`` works and ``tune`` exits 2 with the install command;
- the answer readout of the objective against a plain loop over targets, restarts and trials;
- the objective reports after each seed, so that a pruner can stop a trial;
- a tiny search end to end on a real SQLite file, run twice (resumed: the trials add up, the
  model is reused, not retrained);
- two processes started together on one journal-file study: the storage holds both's trials;
- on a real PostgreSQL server (``PC_TEST_POSTGRES_URL``, started by ``.ci/run``): two worker
  processes on one study (every trial finished once), a worker killed mid-trial (its trial failed
  by the heartbeat, the study goes on), a study resumed from the database.  Without the variable
  they skip, saying how to run them; in CI (``CI`` set) its absence is a failure;
- a database URL whose driver is missing: exit 2 naming the package to install, before training;
- bad arguments exit 2 with a message naming the argument, before any training.

The searches are tiny (10 training iterations, 5 retrieval trials, S = 10): they test the
plumbing, not the rates.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import time
import types
import uuid

import numpy as np
import pytest

import pc_numpy as pcn
from pc_numpy.protocols import tune
from pc_numpy.tools.cli import build_parser, main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAVE_OPTUNA = importlib.util.find_spec("optuna") is not None
needs_optuna = pytest.mark.skipif(not HAVE_OPTUNA, reason="optuna is not installed (the 'tune' "
                                  "extra: pip install -e '.[tune]'); the search cannot run")
TINY = ["--trials", "5", "--iterations", "10", "--seeds", "0", "--states", "10", "--quiet"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def env():
    return dict(os.environ, MPLBACKEND="Agg",
                PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run_main(argv, capsys):
    """``main(argv)`` -> (exit code, stdout, stderr); argparse's SystemExit becomes a code."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(code, out, err, *words):
    assert code == 2, f"exit code {code}, expected 2; stderr: {err[-800:]!r}"
    assert "Traceback" not in out + err, err
    for w in words:
        assert w in err, f"stderr does not say {w!r}: {err!r}"


# --- without Optuna -----------------------------------------------------------------------------

NO_OPTUNA = textwrap.dedent("""
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "optuna":
                raise ImportError(f"{name} is blocked: pc_numpy must not need it")
            return None

    sys.meta_path.insert(0, Block())
    try:
        import optuna
    except ImportError:
        pass
    else:
        raise SystemExit("could not block optuna")
    import pc_numpy, pc_numpy.protocols.tune, pc_numpy.tools.cli_tune
    from pc_numpy.tools.cli import main
    assert not [m for m in sys.modules if m.split(".")[0] == "optuna"], "optuna was imported"
    print("import OK", flush=True)
    sys.exit(main(sys.argv[1:]))
""")


def test_without_optuna_import_works_and_tune_says_how_to_install(tmp_path):
    p = subprocess.run([sys.executable, "-c", NO_OPTUNA, "tune", "--n-trials", "1", "--out",
                        str(tmp_path / "t")], cwd=ROOT, env=env(), capture_output=True,
                       text=True, timeout=120)
    assert "import OK" in p.stdout, p.stdout + p.stderr
    assert p.returncode == 2, f"exit code {p.returncode}: {p.stderr}"
    assert 'tune needs Optuna: pip install -e ".[tune]"' in p.stderr, p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    assert not (tmp_path / "t" / "models").exists(), "trained although the search cannot run"


# --- the readout ----------------------------------------------------------------------------------

def answer_by_loops(c_path, generation_error, target_ids, mus, R):
    """The readout of docs/model.md §4 written as plain loops (the reference for the test)."""
    K, B = generation_error.shape
    N = B // R
    curve = []
    for k in range(K):
        right = 0
        for n in range(N):
            best, answer = np.inf, None
            for j in range(k + 1):
                for r in range(R):
                    e = generation_error[j, n * R + r]
                    if np.isfinite(e) and e < best:
                        best = e
                        d = ((c_path[j + 1, n * R + r] - mus) ** 2).sum(axis=1)
                        answer = int(np.argmin(d))
            right += answer == target_ids[n * R]
        curve.append(right / N)
    return np.array(curve)


@pytest.mark.parametrize("seed", range(5))
def test_answer_readout_matches_plain_loops(seed):
    rng = np.random.default_rng(seed)
    K, N, R, P, C = 7, 4, 3, 5, 2
    mus = rng.standard_normal((P, C))
    target_ids = np.repeat(rng.integers(0, P, N), R)
    c_path = rng.standard_normal((K + 1, N * R, C))
    error = rng.random((K, N * R))
    error[rng.random(error.shape) < 0.2] = np.nan                      # blown-up rollouts never win
    result = types.SimpleNamespace(c_path=c_path, generation_error=error, target_ids=target_ids)
    got = tune._answer_accuracy_curve(result, mus, R)
    want = answer_by_loops(c_path, error, target_ids, mus, R)
    assert np.array_equal(got, want), f"answer accuracy {got} != plain loops {want}"


def test_answer_readout_uses_retrievals_own_curve_when_present():
    own = np.array([0.25, 0.5, 1.0])
    result = types.SimpleNamespace(answer_accuracy=own, c_path=None, generation_error=None, target_ids=None)
    assert np.array_equal(tune._answer_accuracy_curve(result, None, 1), own)


def test_answer_readout_of_a_target_that_never_had_a_finite_error_is_wrong():
    mus = np.array([[0.0, 0.0], [5.0, 5.0]])
    c_path = np.zeros((3, 2, 2))                      # run 0 sits on memory 0, its own memory ...
    c_path[:, 1] = 5.0                                # ... run 1 on memory 1, its own memory
    error = np.array([[np.nan, 1.0], [np.inf, 1.0]])  # but run 0's errors are all NaN/inf
    result = types.SimpleNamespace(c_path=c_path, generation_error=error, target_ids=np.array([0, 1]))
    got = tune._answer_accuracy_curve(result, mus, 1)
    assert np.array_equal(got, [0.5, 0.5]), f"{got}: target 0 has no answer, target 1 is right"


def test_answer_readout_refuses_runs_not_grouped_by_target():
    result = types.SimpleNamespace(c_path=np.zeros((2, 4, 2)), generation_error=np.ones((1, 4)),
                                   target_ids=np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="not grouped"):
        tune._answer_accuracy_curve(result, np.zeros((2, 2)), 2)


def test_search_space_is_a_factor_ten_around_the_defaults():
    for name, (lo, hi) in tune.SEARCH_SPACE.items():
        d = pcn.protocols.retrieval.RETRIEVAL_RATES[name]
        assert np.isclose(lo * 10, d) and np.isclose(hi / 10, d), (name, lo, hi, d)
    assert set(tune.SEARCH_SPACE) == {"alpha_x", "alpha_h", "alpha_c", "sigma_r", "sigma_c"}


def test_tuning_targets_are_not_the_training_letters():
    data, labels = pcn.letters()
    model = types.SimpleNamespace(labels=tuple(labels))
    targets, ids = tune.tuning_targets(model, 0)
    assert targets.shape == data.shape and np.array_equal(ids, np.arange(20))
    assert not np.allclose(targets, data), "the search would tune on the training letters"
    again, _ = tune.tuning_targets(model, 0)
    other, _ = tune.tuning_targets(model, 1)
    assert np.array_equal(again, targets) and not np.allclose(other, targets)
    noisy, nid = tune.tuning_targets(model, 0, data)
    assert np.array_equal(nid, np.arange(20)) and 0 < np.abs(noisy - data).max() < 1


def test_storage_urls():
    for url in ("sqlite:///a.db", "sqlite:////tmp/a.db", "journal:///x/tune.log",
                "postgresql://u:p@host/db", "postgresql+psycopg2://u@host/db", "mysql+pymysql://h/db"):
        tune.check_storage_url(url)
    for url in ("redis://host", "tune.db", "file:///x", "sqlite://"):
        with pytest.raises(ValueError, match="storage"):
            tune.check_storage_url(url)
    assert tune.redact("postgresql://me:secret@host:5432/db") == "postgresql://me:***@host:5432/db"
    assert tune.redact("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


# --- the objective and the pruner -----------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_model():
    data, labels = pcn.letters()
    return pcn.train(data[:3], labels[:3], states_dim=6, iterations=5, progress=False).model


@needs_optuna
def test_objective_reports_each_seed_so_a_pruner_can_stop_it(tiny_model):
    import optuna
    data = pcn.letters()[0][:3]
    cases = [tune.SeedCase(s, tiny_model, *tune.tuning_targets(tiny_model, s, data)) for s in (0, 1, 2)]
    objective = tune.Objective(cases, trials=2, restarts=1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    never = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    never.optimize(objective, n_trials=1)
    t = never.trials[0]
    assert t.state == optuna.trial.TrialState.COMPLETE
    assert sorted(t.intermediate_values) == [0, 1, 2], t.intermediate_values
    per_seed = t.user_attrs["per_seed"]
    assert len(per_seed) == 3 and np.isclose(t.value, np.mean(per_seed))
    assert np.isclose(t.intermediate_values[0], per_seed[0])
    always = optuna.create_study(direction="maximize",
                                 pruner=optuna.pruners.ThresholdPruner(lower=2.0))  # every value < 2
    always.optimize(objective, n_trials=1)
    t = always.trials[0]
    assert t.state == optuna.trial.TrialState.PRUNED, t.state
    assert list(t.intermediate_values) == [0], "should stop after the first seed"


@needs_optuna
def test_rates_that_blow_up_score_zero_instead_of_failing(tiny_model):
    import optuna
    data = pcn.letters()[0][:3]
    huge = {k: (hi * 1e6, hi * 1e6 + 1) for k, (lo, hi) in tune.SEARCH_SPACE.items()}
    huge["sigma_c"] = (1e-9, 2e-9)                     # a razor-thin prior: its gradient explodes
    case = tune.SeedCase(0, tiny_model, *tune.tuning_targets(tiny_model, 0, data))
    study = optuna.create_study(direction="maximize")
    study.optimize(tune.Objective([case], trials=3, restarts=1, space=huge), n_trials=1)
    t = study.trials[0]
    assert t.state == optuna.trial.TrialState.COMPLETE, t.state
    assert "diverged_seed0" in t.user_attrs and t.value == 0.0, (t.value, t.user_attrs)


# --- the command end to end -----------------------------------------------------------------------

@needs_optuna
def test_tiny_search_end_to_end_and_resumed(tmp_path, capsys):
    out = tmp_path / "tune"
    code, stdout, err = run_main(["tune", "--n-trials", "2", *TINY, "--out", out], capsys)
    assert code == 0, err[-2000:]
    summary = json.loads((out / "tune.json").read_text())
    assert summary["n_trials"] == 2 and summary["study_name"] == "pc-rnn-hc-a"
    assert summary["storage"] == f"sqlite:///{(out / 'tune.db').resolve()}"
    assert (out / "tune.db").is_file() and (out / "models" / "seed0.npz").is_file()
    assert set(summary["best_params"]) == set(tune.SEARCH_SPACE)
    assert 0 <= summary["best_value"] <= 1 and summary["numpy"] == np.__version__
    import optuna
    first = optuna.load_study(study_name="pc-rnn-hc-a", storage=f"sqlite:///{out / 'tune.db'}").trials[0]
    assert first.params == {k: tune.RETRIEVAL_RATES[k] for k in tune.RATE_NAMES}, first.params
    for name, v in summary["best_params"].items():
        lo, hi = tune.SEARCH_SPACE[name]
        assert lo <= v <= hi, (name, v)
    for png in ("tune_history.png", "tune_importances.png"):
        assert (out / png).read_bytes()[:8] == PNG, png
    assert summary["demo_command"] in stdout
    demo = build_parser().parse_args(summary["demo_command"].split()[3:])     # the printed command parses
    for name, v in summary["best_params"].items():
        assert np.isclose(getattr(demo, name), v, rtol=1e-3), (name, getattr(demo, name), v)

    model_bytes = (out / "models" / "seed0.npz").read_bytes()
    code, stdout, err = run_main(["tune", "--n-trials", "1", *TINY, "--out", out], capsys)
    assert code == 0, err[-2000:]
    assert "seed 0: loading" in stdout, stdout
    assert (out / "models" / "seed0.npz").read_bytes() == model_bytes
    assert json.loads((out / "tune.json").read_text())["n_trials"] == 3, "the second run did not resume"

    # the same study with another training length: refused before training, exit 2
    code, stdout, err = run_main(["tune", "--n-trials", "1", *TINY, "--iterations", "11", "--out", out], capsys)
    assert_usage_error(code, stdout, err, "iterations", "--study-name")


@needs_optuna
@pytest.mark.parametrize("scheme", ["journal", "sqlite"])
def test_two_processes_share_one_study(scheme, tmp_path):
    """Both started at once on a storage that does not exist yet (for SQLite, both race to
    create its tables: the loser must retry, not fail)."""
    import optuna
    log = tmp_path / "shared" / ("tune.log" if scheme == "journal" else "tune.db")
    url = f"{scheme}:///{log}"
    cmd = lambda name: [sys.executable, "-m", "pc_numpy", "tune", "--n-trials", "2", *TINY,
                        "--storage", url, "--study-name", "shared",
                        "--out", str(tmp_path / name)]
    procs = [subprocess.Popen(cmd(name), cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (o, e) in zip(procs, outputs):
        assert p.returncode == 0, f"a worker failed:\n{o}\n{e}"
    study = optuna.load_study(study_name="shared", storage=tune.open_storage(url))
    finished = [t for t in study.trials if t.state.is_finished()]
    assert len(finished) == 4, [t.state for t in study.trials]
    counts = [json.loads((tmp_path / n / "tune.json").read_text())["n_trials"] for n in ("a", "b")]
    assert min(counts) >= 2 and max(counts) == 4, counts   # the one that finished last saw all 4


# --- on a real PostgreSQL server ------------------------------------------------------------------

def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def postgres_url():
    """``PC_TEST_POSTGRES_URL``, checked: the driver is there and the server answers.  Absent:
    skip, saying how to run the tests (a failure in CI, where .ci/run starts the server); present
    but unusable: an error, never a skip."""
    url = os.environ.get("PC_TEST_POSTGRES_URL")
    if not url:
        why = ("PC_TEST_POSTGRES_URL is not set: no PostgreSQL server to run tune against "
               "(`. .ci/postgres` starts one on loopback and sets it)")
        if _in_ci():
            pytest.fail(f"CI is set but {why}; .ci/run must start the server", pytrace=False)
        pytest.skip(why)
    tune.import_optuna()
    tune.check_driver(url)                                      # ImportError naming the package
    tune.open_storage(url, attempts=1)                         # the server answers
    return url


@pytest.fixture()
def pg_study(postgres_url):
    """A study name of its own in the database, deleted afterwards."""
    import optuna
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    try:
        optuna.delete_study(study_name=name, storage=postgres_url)
    except KeyError:                                            # never created
        pass


PG_TINY = ["--trials", "3", "--restarts", "1", "--iterations", "5", "--seeds", "0", "--states", "6",
           "--quiet"]


def tune_worker(url, study, out, n_trials, *extra):
    return subprocess.Popen([sys.executable, "-m", "pc_numpy", "tune", "--n-trials", str(n_trials),
                             "--storage", url, "--study-name", study, "--out", str(out), *extra],
                            cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc, timeout=600):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"a worker failed (exit {proc.returncode}):\n{out}\n{err}"
    return out


def trials_by_state(url, study):
    import optuna
    loaded = optuna.load_study(study_name=study, storage=tune.open_storage(url))
    return {t.number: t.state.name for t in loaded.get_trials(deepcopy=False)}


def test_postgres_two_workers_share_one_study(postgres_url, pg_study, tmp_path):
    """Two processes started at once on a new study: 3 + 3 trials, each finished exactly once,
    none lost or left running; each process's tune.json lists the trials it ran, disjoint."""
    procs = [tune_worker(postgres_url, pg_study, tmp_path / name, 3, *PG_TINY) for name in "ab"]
    for p in procs:
        finish(p)
    states = trials_by_state(postgres_url, pg_study)
    assert sorted(states) == list(range(6)), states
    assert all(s in ("COMPLETE", "PRUNED") for s in states.values()), states
    ran = [json.loads((tmp_path / name / "tune.json").read_text())["trials_this_process"]
           for name in "ab"]
    assert sorted(ran[0] + ran[1]) == list(range(6)) and len(ran[0]) == len(ran[1]) == 3, ran
    summary = json.loads((tmp_path / "a" / "tune.json").read_text())
    assert "pc:***@" in summary["storage"] and ":pc@" not in summary["storage"], summary["storage"]


def test_postgres_a_killed_worker_s_trial_is_failed_and_the_study_goes_on(postgres_url, pg_study,
                                                                         tmp_path):
    """A worker killed (SIGKILL) in the middle of a trial leaves it RUNNING; the next worker,
    once the trial has been silent for 3 x --heartbeat seconds, marks it FAIL and runs its own.
    The kill comes once the same trial has been running for 2 heartbeats (Optuna records the
    first heartbeat just after it creates the trial, and a trial without one is never failed)."""
    beat = 1
    slow = [a if a != "3" else "1500" for a in PG_TINY] + ["--heartbeat", str(beat)]  # long trials
    out = tmp_path / "w"
    first = tune_worker(postgres_url, pg_study, out, 5, *slow)
    deadline, running, since = time.time() + 300, None, None
    try:
        while True:
            assert first.poll() is None, first.communicate()
            assert time.time() < deadline, "the first worker never ran a trial for 2 heartbeats"
            try:
                states = trials_by_state(postgres_url, pg_study)
            except KeyError:                                    # the study is not created yet
                states = {}
            now = [n for n, s in states.items() if s == "RUNNING"]
            if now != [running]:
                running, since = (now[0], time.time()) if now else (None, None)
            elif time.time() - since > 2 * beat:
                break
            time.sleep(0.1)
    finally:
        first.kill()
        first.communicate()
    assert trials_by_state(postgres_url, pg_study)[running] == "RUNNING"
    time.sleep(3 * beat + 1)                                    # past the grace period
    finish(tune_worker(postgres_url, pg_study, out, 1, *slow))
    states = trials_by_state(postgres_url, pg_study)
    assert states[running] == "FAIL", states
    assert "RUNNING" not in states.values(), states
    assert list(states.values()).count("FAIL") == 1, states
    assert max(states) > running and states[max(states)] in ("COMPLETE", "PRUNED"), states
    summary = json.loads((out / "tune.json").read_text())
    assert summary["n_failed"] == 1 and summary["n_running"] == 0, summary
    assert summary["trials_this_process"] == [max(states)], summary


def test_postgres_study_resumed_from_the_database(postgres_url, pg_study, tmp_path):
    """Run 2 trials, then 1 more in a new process: the study in the database has 3 finished
    trials, numbered 0-2, and the second process reused the first's model."""
    out = tmp_path / "t"
    finish(tune_worker(postgres_url, pg_study, out, 2, *PG_TINY))
    model = (out / "models" / "seed0.npz").read_bytes()
    stdout = finish(tune_worker(postgres_url, pg_study, out, 1, *PG_TINY))
    assert "seed 0: loading" in stdout, stdout
    assert (out / "models" / "seed0.npz").read_bytes() == model
    states = trials_by_state(postgres_url, pg_study)
    assert sorted(states) == [0, 1, 2] and all(s in ("COMPLETE", "PRUNED") for s in states.values()), states
    summary = json.loads((out / "tune.json").read_text())
    assert summary["n_trials"] == 3 and summary["trials_this_process"] == [2], summary


@needs_optuna
@pytest.mark.parametrize("url, package", [
    ("postgresql://me:secret@127.0.0.1:1/optuna", "psycopg[binary]"),     # psycopg blocked below
    ("postgresql+pg8000://me:secret@127.0.0.1:1/optuna", "pg8000"),
    ("mysql+pymysql://me:secret@127.0.0.1:1/optuna", "PyMySQL"),
])
def test_a_missing_database_driver_is_named_before_any_work(url, package, tmp_path, capsys,
                                                            monkeypatch):
    """SQLAlchemy imports a driver chosen by the URL; a missing one is an exit 2 that names the
    package to install (and hides the password), before the folder or any model is made."""
    for module in ("psycopg", "pg8000", "pymysql"):
        monkeypatch.setitem(sys.modules, module, None)          # import -> ImportError
    code, out, err = run_main(["tune", "--n-trials", "1", *TINY, "--storage", url,
                               "--out", tmp_path / "t"], capsys)
    assert_usage_error(code, out, err, "--storage", f"pip install '{package}'")
    assert "secret" not in out + err
    assert not (tmp_path / "t").exists()


@needs_optuna
def test_tune_json_failing_on_a_full_disk_is_exit_1_naming_it_and_keeps_the_old_one(tmp_path, capsys,
                                                                                   monkeypatch):
    import errno
    from pc_numpy.tools import cli_args, files
    out = tmp_path / "t"
    code, _, err = run_main(["tune", "--n-trials", "1", *TINY, "--out", out], capsys)
    assert code == 0, err[-2000:]
    before = (out / "tune.json").read_bytes()

    def full_disk(path, write):
        def half(f):
            f.write(b'{"half": ')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return files.atomic_write(path, half)
    monkeypatch.setattr(cli_args, "atomic_write", full_disk)
    code, _, err = run_main(["tune", "--n-trials", "1", *TINY, "--out", out], capsys)
    assert code == 1 and "Traceback" not in err, err[-2000:]
    assert "tune.json" in err and "No space left on device" in err and "unchanged" in err, err
    assert (out / "tune.json").read_bytes() == before
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


# --- bad arguments ------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["--n-trials", "0"], ["--n-trials", "positive integer"]),
    (["--n-trials", "1", "--seeds", "2-1"], ["--seeds"]),
    (["--n-trials", "1", "--trials", "-3"], ["--trials"]),
    (["--n-trials", "1", "--model", "hc-z"], ["--model"]),
])
def test_bad_numbers_exit_2(argv, words, tmp_path, capsys):
    code, out, err = run_main(["tune", *argv, "--out", tmp_path / "t"], capsys)
    assert_usage_error(code, out, err, *words)
    assert not (tmp_path / "t").exists()


@needs_optuna
def test_bad_storage_scheme_exits_2_before_training(tmp_path, capsys):
    code, out, err = run_main(["tune", "--n-trials", "1", *TINY, "--storage", "redis://localhost/0",
                               "--out", tmp_path / "t"], capsys)
    assert_usage_error(code, out, err, "--storage", "redis://localhost/0", "journal:///")
    assert not (tmp_path / "t" / "models").exists()


@needs_optuna
def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "sub"):
        code, stdout, err = run_main(["tune", "--n-trials", "1", *TINY, "--out", out], capsys)
        assert_usage_error(code, stdout, err, "--out", str(blocker))


@needs_optuna
def test_missing_data_file_exits_2(tmp_path, capsys):
    code, out, err = run_main(["tune", "--n-trials", "1", *TINY, "--data", tmp_path / "none.npy",
                               "--out", tmp_path / "t"], capsys)
    assert_usage_error(code, out, err, "--data")


# --- the rates on demo / retrieve ---------------------------------------------------------------

def test_demo_takes_the_retrieval_rates(tmp_path, capsys):
    code, out, err = run_main(["demo", "--iterations", "5", "--trials", "2", "--restarts", "1",
                               "--states", "6", "--quiet", "--alpha-x", "0.2", "--sigma-c", "0.05",
                               "--out", tmp_path], capsys)
    assert code == 0, err[-2000:]
    rates = json.loads((tmp_path / "summary.json").read_text())["rates"]
    assert rates == dict(pcn.protocols.retrieval.RETRIEVAL_RATES, alpha_x=0.2, sigma_c=0.05), rates
    code, out, err = run_main(["demo", "--alpha-h", "-1", "--out", tmp_path], capsys)
    assert_usage_error(code, out, err, "--alpha-h")
