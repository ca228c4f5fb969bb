"""Issue 19, reliability: one test group per failure class, each against the one mechanism that
fixes the class (not against single cases).

1. Overflow    ``np.errstate`` at the doors, ``NumericalError`` (``checks.overflow_error``),
               ``trial_error`` (retrieval),
               the prior computed without ``sigma_c**2``; the command line: exit 1 naming the file
2. Sizes       ``as_scalar`` (any Python int, bounded), ``check_memory``/``TooLarge``
3. Divergence  ``check_update`` after every training update (both backends)
4. Buffers     gone: ``rollout`` has no ``out``, there is no ``Workspace``
5. Outputs     ``tools.files``: ``check_writable``, ``atomic_write``, a run's temporary folder,
               writes failing midway (EFBIG, ENOSPC), the --out lock
6. Files       ``read_npz`` (members, CRCs, headers), the restricted unpickler, masked arrays
7. Labels      ``check_unique_labels``: duplicates refused wherever labels enter

Every case expects an error that names the argument or the file, raised before any long work;
none may end in a traceback of another type (MemoryError, OverflowError, TypeError from NumPy).
"""
from __future__ import annotations

import hashlib
import inspect
import io
import json
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pc_numpy as pcn
from pc_numpy.tools.checks import MAX_INT, NumericalError, TooLarge, as_scalar
from pc_numpy.data.loaders import load_trajectories, read_npz
from pc_numpy.protocols.model import check_labels, check_model
from pc_numpy.tools import files
from pc_numpy.tools.cli import main
from strategies import examples

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEW = examples(12)                 # 16 examples under the ci profile, 4 under dev
DATA, LABELS = pcn.letters()


@pytest.fixture(autouse=True)
def agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.fixture(scope="module")
def model():
    return pcn.train(DATA[:3], LABELS[:3], iterations=3, states_dim=6, progress=False).model


def run_main(argv, capsys):
    try:
        code = main([a if isinstance(a, (str, bytes)) else str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_env(**extra):
    return dict(os.environ, MPLBACKEND="Agg",
                PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra)


def no_tmp_files(folder):
    """Temporary files (``atomic_write``'s ``.NAME.XXXX.tmp``) and folders (a run's ``.run-XXXX``)."""
    return [f for f in os.listdir(folder) if f.endswith(".tmp") or f.startswith(".run-")]


# ============================================================================ 1. overflow
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_retrieval_overflow_on_huge_targets_names_targets_and_the_trial(model, backend):
    retrieve = pcn.retrieve if backend == "numpy" else pytest.importorskip("pc_torch").retrieve
    with pytest.raises(NumericalError) as info:
        retrieve(model, DATA[:3] * 1e300, trials=3, restarts=1, progress=False)
    message = str(info.value)
    assert "targets" in message and "trial 0" in message and "c0" not in message, message
    assert isinstance(info.value, ValueError) and isinstance(info.value, FloatingPointError)


@FEW
@given(st.floats(-300, -6))
def test_retrieval_overflow_on_tiny_sigma_c_names_sigma_c(model, log_sigma):
    """A prior so narrow that (8) throws c to infinity: blamed on sigma_c, per trial, never c0;
    below 1e-100 (where sigma_c**2 underflows) refused at once, naming sigma_c and the range."""
    sigma_c = 10.0 ** log_sigma
    try:
        pcn.retrieve(model, DATA[:3], trials=2, restarts=1, sigma_c=sigma_c, progress=False)
    except NumericalError as exc:
        assert sigma_c >= 1e-100
        assert "sigma_c" in str(exc) and "trial" in str(exc) and "c0" not in str(exc), str(exc)
        assert exc.function == "retrieve" and "sigma_c" in exc.culprits
    except ValueError as exc:
        assert sigma_c < 1e-100 and "sigma_c" in str(exc) and "1e-100" in str(exc), str(exc)


@FEW
@given(st.floats(-330, 308))
def test_prior_is_finite_for_every_sigma_c_in_its_range(log_sigma):
    """In [1e-100, 1e100], where sigma_c**2 is a normal float, responsibilities are finite rows
    summing to one and the prior's gradient and log-density are finite; outside it the door of
    ``rollout`` refuses sigma_c by name (never NaN, never OverflowError)."""
    rng = np.random.default_rng(0)
    c, mus, sigma_c = rng.standard_normal((4, 2)), rng.standard_normal((3, 2)), 10.0 ** log_sigma
    params = pcn.init_params(2, 3, 2, rng)
    if not 1e-100 <= sigma_c <= 1e100:
        with pytest.raises(ValueError, match="sigma_c"):
            pcn.rollout(params, np.zeros((2, 4, 2)), c, np.zeros(3), tau=2.0, alpha_c=0.1,
                        sigma_c=sigma_c, mus=mus)
        return
    r = pcn.responsibilities(c=c, mus=mus, sigma_c=sigma_c)
    assert np.isfinite(r).all() and np.allclose(r.sum(axis=1), 1.0)
    for f in (pcn.prior_gradient, pcn.log_prior):
        assert np.isfinite(f(c, mus, sigma_c=sigma_c)).all()


def test_prior_overflow_from_huge_causes_is_an_error_naming_the_equation_and_c0():
    """Causes of 1e300 overflow the prior's squared distances at t = 0: the rollout stops on
    that line (``prior_logits``) and its door names the time step and ``c0``."""
    rng = np.random.default_rng(0)
    params = pcn.init_params(2, 3, 2, rng)
    with pytest.raises(NumericalError) as info:
        pcn.rollout(params, np.zeros((3, 2, 2)), np.full((2, 2), 1e300), np.zeros(3), tau=2.0,
                    alpha_c=0.1, sigma_c=0.1, mus=np.zeros((3, 2)))
    exc = info.value
    assert (exc.function, exc.quantity, exc.step) == ("rollout", "prior_logits", 0), str(exc)
    assert "c0" in exc.culprits, str(exc)
    assert isinstance(exc.__cause__, FloatingPointError)       # NumPy's own error, on the equation's line


def test_the_equations_called_directly_behave_as_numpy_does():
    """No check inside the model: an equation called with huge values gives NumPy's warning and
    inf, as NumPy itself would (the entry points are where the checks live)."""
    with np.errstate(over="warn", invalid="warn"):
        with pytest.warns(RuntimeWarning):
            r = pcn.prior_logits(np.full((2, 2), 1e300), np.zeros((3, 2)), sigma_c=0.1)
    assert not np.isfinite(r).all()


def test_rollout_overflow_is_an_error_naming_the_time_step_and_x():
    """(pc_torch's rollout, as torch does, returns inf instead: its train and retrieve check.)"""
    rng = np.random.default_rng(0)
    params = pcn.init_params(2, 4, 2, rng)
    x = np.full((5, 3, 2), 1e300)
    with pytest.raises(NumericalError) as info:
        pcn.rollout(params, x, np.zeros((3, 2)), np.zeros((3, 4)), tau=2.0, alpha_x=0.1,
                       alpha_h=0.1, alpha_c=0.1, sigma_r=0.5, mus=np.zeros((3, 2)),
                       xi=rng.standard_normal((5, 3, 2)))
    message = str(info.value)
    assert "rollout" in message and f"time step {info.value.step}" in message, message
    assert info.value.step == 0 and info.value.culprits == ("x",), message     # the noise of (7) at t = 0


def test_generation_overflow_names_params():
    """x_pred = tanh(h) @ w_o.T + b_o > 4 * 0.98e308 + 1.7e308: inf at every step."""
    zeros = np.zeros
    params = pcn.Params(w_o=np.full((2, 4), 1e308), b_o=np.full(2, 1.7e308), w_c=zeros((4, 2)),
                        w_r=zeros((4, 4)), b_r=zeros(4))
    with pytest.raises(NumericalError) as info:
        pcn.generate(params, np.zeros(2), np.full(4, 5.0), tau=2.0, steps=3)
    assert info.value.step == 0 and info.value.quantity == "prediction"
    assert "params" in info.value.culprits, str(info.value)


def test_cli_retrieve_with_a_diverged_checkpoint_is_a_data_error_naming_the_file(model, tmp_path, capsys):
    """Finite but huge weights: retrieval overflows.  Exit 1 (not usage 2), the file named."""
    huge = model._replace(params=model.params._replace(w_o=model.params.w_o * 1e300),
                          data_fingerprint=pcn.fingerprint(DATA))
    huge = huge._replace(mus=np.zeros((20, huge.mus.shape[1])), labels=tuple(LABELS))
    path = tmp_path / "diverged.npz"
    pcn.save_model(path, huge)
    code, out, err = run_main(["retrieve", "--checkpoint", path, "--trials", "2", "--restarts", "1",
                               "--quiet", "--out", tmp_path / "o"], capsys)
    assert code == 1, err
    assert "diverged.npz" in err and "trial" in err and "c0" not in err and "usage:" not in err, err


def test_non_finite_checkpoint_is_a_numerical_error_and_exit_1(model, tmp_path, capsys):
    path = tmp_path / "nan.npz"
    pcn.save_model(path, model)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["w_r"] = arrays["w_r"].copy()
    arrays["w_r"][0, 0] = np.nan
    np.savez(path, **arrays)
    with pytest.raises(NumericalError, match="w_r"):
        pcn.load_model(path)
    code, out, err = run_main(["retrieve", "--checkpoint", path, "--trials", "2", "--quiet",
                               "--data", tmp_path / "none.npy", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "--data" in err, err           # a missing --data is usage, and found first
    np.save(tmp_path / "three.npy", DATA[:3])
    code, out, err = run_main(["retrieve", "--checkpoint", path, "--trials", "2", "--quiet",
                               "--data", tmp_path / "three.npy", "--out", tmp_path / "o"], capsys)
    assert code == 1 and "nan.npz" in err and "w_r" in err and "usage:" not in err, err


# ============================================================================ 2. integers and sizes
HUGE_INTS = st.one_of(st.integers(2 ** 63, 2 ** 400), st.sampled_from([10 ** 30, 2 ** 70, 10 ** 20]))


@FEW
@given(HUGE_INTS, st.sampled_from(["iterations", "seed", "states_dim", "causes_dim", "checkpoint_every"]))
def test_huge_integers_in_train_name_the_argument(value, name):
    with pytest.raises(ValueError) as info:
        pcn.train(DATA[:2], **{name: value}, progress=False)
    assert name in str(info.value), str(info.value)


@FEW
@given(HUGE_INTS, st.sampled_from(["trials", "restarts", "seed"]))
def test_huge_integers_in_retrieve_name_the_argument(model, value, name):
    with pytest.raises(ValueError) as info:
        pcn.retrieve(model, DATA[:3], **{name: value}, progress=False)
    assert name in str(info.value), str(info.value)


def test_letter_variants_budget():
    with pytest.raises(TooLarge, match="n_per_letter"):
        pcn.letter_variants(np.random.default_rng(0), 10 ** 12)


def test_huge_steps_and_tau():
    params = pcn.init_params(2, 4, 2, np.random.default_rng(0))
    for steps in (10 ** 20, 2 ** 70, 10 ** 12):
        with pytest.raises(ValueError, match="steps"):
            pcn.generate(params, np.zeros(2), np.zeros(4), tau=2.0, steps=steps)
    for tau in (10 ** 400, -(10 ** 400)):
        with pytest.raises(ValueError, match="tau"):
            pcn.train(DATA[:2], tau=tau, progress=False)
    assert as_scalar("seed", 2 ** 63 - 1, low=0, integer=True) == MAX_INT
    with pytest.raises(ValueError, match="seed"):
        as_scalar("seed", 2 ** 63, low=0, integer=True)


@pytest.mark.parametrize("call, names", [
    (lambda m: pcn.init_params(2, 10 ** 6, 2, np.random.default_rng(0)), ["states_dim"]),
    (lambda m: pcn.train(DATA[:2], states_dim=10 ** 6, progress=False), ["states_dim"]),
    (lambda m: pcn.train(DATA[:2], iterations=10 ** 15, progress=False), ["iterations"]),
    (lambda m: pcn.retrieve(m, DATA[:3], trials=10 ** 15, progress=False), ["trials"]),
    (lambda m: pcn.retrieve(m, DATA[:3], restarts=10 ** 12, progress=False), ["restarts"]),
])
def test_memory_budget_refuses_before_allocating(model, call, names):
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as info:
            call(model)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2 ** 20, f"allocated {peak} bytes before refusing"
    assert all(n in str(info.value) for n in names) and "memory" in str(info.value), str(info.value)


def test_memory_budget_can_be_lowered(monkeypatch):
    """(A call of at most 16 MiB, ``ALWAYS_FITS``, is never refused.)"""
    monkeypatch.setenv("PC_NUMPY_MEMORY_BUDGET", str(2 ** 24))
    with pytest.raises(TooLarge, match="states_dim"):
        pcn.init_params(2, 2000, 2, np.random.default_rng(0))            # 32 MB
    pcn.init_params(2, 1000, 2, np.random.default_rng(0))                # 8 MB


@pytest.mark.parametrize("argv, word", [
    (["train", "--iterations", str(10 ** 30)], "--iterations"),
    (["train", "--seed", str(2 ** 70)], "--seed"),
    (["train", "--states", str(10 ** 6)], "--states"),
    (["demo", "--trials", str(10 ** 15)], "--trials"),
    (["demo", "--restarts", str(10 ** 13)], "--restarts"),
    (["train", "--tau", "1e400"], "--tau"),
])
def test_cli_sizes_are_usage_errors_before_training(argv, word, tmp_path, capsys):
    small = [] if "--states" in argv or "--iterations" in argv else ["--states", "4", "--iterations", "2"]
    code, out, err = run_main(argv + small + ["--quiet", "--out", tmp_path], capsys)
    assert code == 2 and "usage:" in err and word in err and "Traceback" not in err, err
    assert not (tmp_path / "model.npz").exists(), "trained before refusing the sizes"


# ============================================================================ 3. divergence
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_weight_decay_overflow_is_divergence_at_iteration_0(backend, tmp_path):
    train = pcn.train if backend == "numpy" else pytest.importorskip("pc_torch").train
    path = tmp_path / "model.npz"
    with pytest.raises(pcn.TrainingDiverged) as info:
        train(DATA[:2], iterations=5, states_dim=4, weight_decay=1e300, progress=False,
              checkpoint_path=path, checkpoint_every=1)
    message = str(info.value)
    assert "iteration 0" in message and "weight_decay" in message and "moment" in message, message
    assert not path.exists(), "a checkpoint of a diverged run was written"


@FEW
@given(st.floats(10, 308))
def test_any_learning_rate_trains_or_diverges_naming_the_iteration(log_lr):
    try:
        result = pcn.train(DATA[:2], iterations=3, states_dim=4, lr=10.0 ** log_lr, progress=False)
    except pcn.TrainingDiverged as exc:
        assert "iteration" in str(exc) and "lr=" in str(exc), str(exc)
    else:
        assert all(np.isfinite(p).all() for p in result.model.params)


def test_check_update_names_the_array():
    from pc_numpy.protocols.train import check_update
    with pytest.raises(pcn.TrainingDiverged, match="iteration 7.*b_r"):
        check_update(7, dict(w_o=np.ones(2), b_r=np.array([np.inf])), lr=0.1, weight_decay=0.0)
    check_update(7, dict(w_o=np.ones(2)), lr=0.1, weight_decay=0.0)


# ============================================================================ 4. buffers
def test_the_trace_buffers_are_gone():
    """rollout writes into arrays of its own only: no out=, no Workspace, no Trace.empty."""
    assert "out" not in inspect.signature(pcn.rollout).parameters
    assert "workspace" not in inspect.signature(pcn.loss_and_grads).parameters
    assert not hasattr(pcn, "Workspace") and not hasattr(pcn.Trace, "empty")


# ============================================================================ 5. output paths
@pytest.fixture()
def specials(tmp_path):
    """A FIFO (stands for /dev/null), a symlink to a file, a folder, a file, a folder named summary.json."""
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    target = tmp_path / "target.npz"
    target.write_bytes(b"precious")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "plain").write_text("x")
    return dict(fifo=fifo, link=link, target=target, folder=tmp_path / "folder.npz",
                under_file=tmp_path / "plain" / "model.npz", proc="/proc/pc_numpy_test/model.npz")


@pytest.mark.parametrize("kind", ["fifo", "link", "folder", "under_file", "proc"])
def test_check_writable_refuses_what_cannot_be_replaced_by_a_file(specials, kind):
    with pytest.raises(ValueError) as info:
        files.check_writable(specials[kind], "checkpoint_path")
    assert "checkpoint_path" in str(info.value) and os.path.basename(str(specials[kind])) in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "link"])
def test_saving_never_replaces_a_device_or_a_symlink(specials, model, kind):
    path = specials[kind]
    with pytest.raises(ValueError):
        pcn.save_model(path, model)
    from pc_numpy.tools import plots
    with pytest.raises(ValueError):
        plots.plot_loss(np.ones(3), path)
    mode = os.lstat(path).st_mode
    assert stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISLNK(mode)
    assert specials["target"].read_bytes() == b"precious"
    assert no_tmp_files(path.parent) == []


def test_train_checks_its_checkpoint_path_before_the_first_iteration(specials):
    seen = []
    for kind in ("fifo", "link", "under_file", "proc"):
        with pytest.raises(ValueError, match="checkpoint_path"):
            pcn.train(DATA[:2], iterations=10 ** 6, states_dim=4, checkpoint_path=specials[kind],
                      progress=seen.append)
    assert not seen, "training started before the path was checked"


@pytest.mark.parametrize("blocker", ["summary.json", "model.npz", "confusion.png", "training_loss.png"])
def test_cli_checks_every_output_before_training(blocker, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / blocker).mkdir()
    code, _, err = run_main(["demo", "--iterations", "2", "--states", "4", "--trials", "1",
                             "--restarts", "1", "--quiet", "--out", out], capsys)
    assert code == 2 and "--out" in err and blocker in err, err
    assert not (out / "model.npz").is_file(), "trained before checking the outputs"


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    def fail(f):
        f.write(b"half")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(tmp_path / "x.bin", fail)
    assert os.listdir(tmp_path) == []


def _start_training(out, iterations=200000, seed=0):
    return subprocess.Popen([sys.executable, "-m", "pc_numpy", "train", "--iterations", str(iterations),
                             "--states", "3", "--seed", str(seed), "--quiet", "--out", str(out)],
                            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(pattern, folder, proc, seconds=60):
    end = time.time() + seconds
    while not list(folder.glob(pattern)):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < end, f"the run never wrote {pattern}"
        time.sleep(0.05)


def _contents(folder):
    """name -> bytes of the files in ``folder`` (not the temporary ones)."""
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.name not in no_tmp_files(folder)}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_the_previous_outputs_whole(sig, tmp_path, capsys):
    """A run stopped in the middle of training (its checkpoints being written every ~100 ms)
    leaves the previous run's outputs byte for byte; SIGTERM removes its temporary folder and
    exits 143, SIGKILL leaves it to the next run, which removes it."""
    out = tmp_path / "o"
    code, _, err = run_main(["train", "--iterations", "2", "--states", "3", "--quiet", "--out", out], capsys)
    assert code == 0, err
    before = _contents(out)
    proc = _start_training(out, seed=1)
    _wait_for(".run-*/model.npz", out, proc)
    time.sleep(0.3)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert _contents(out) == before, "the stopped run changed the previous outputs"
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        assert no_tmp_files(out) == [], "SIGTERM left temporary files"
    code, _, err = run_main(["train", "--iterations", "2", "--states", "3", "--quiet", "--out", out], capsys)
    assert code == 0, err
    assert no_tmp_files(out) == []


def _limit_file_size(limit):
    def preexec():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)         # write(2) then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_write_failing_midway_is_an_error_naming_the_file_and_loses_nothing(tmp_path, capsys):
    """Under a file-size limit (EFBIG: the file would grow past it, as on a full disk) the run
    ends with exit 1 naming the file it could not write, no traceback, and the previous
    outputs (model, figures, summary.json) byte for byte as they were."""
    out = tmp_path / "o"
    code, _, err = run_main(["train", "--iterations", "2", "--states", "3", "--quiet", "--out", out], capsys)
    assert code == 0, err
    before = _contents(out)
    limit = min(len(v) for k, v in before.items() if k.endswith(".png")) - 1   # every figure fails
    p = subprocess.run([sys.executable, "-m", "pc_numpy", "train", "--iterations", "3", "--states",
                        "3", "--seed", "1", "--quiet", "--out", str(out)], env=subprocess_env(),
                       capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size(limit))
    assert p.returncode == 1, (p.returncode, p.stderr[-2000:])
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    assert "File too large" in p.stderr and ".png" in p.stderr and str(out) in p.stderr, p.stderr
    assert "previous outputs are as they were" in p.stderr, p.stderr
    assert _contents(out) == before, "the failed run changed or removed the previous outputs"


def test_summary_json_failing_on_a_full_disk_leaves_the_previous_run_whole(tmp_path, capsys,
                                                                           monkeypatch):
    """The last file of a run fails half-written (ENOSPC): exit 1 naming summary.json, and the
    previous model, figures and summary.json are all still there, unchanged and matching."""
    import errno
    from pc_numpy.tools import cli_args
    out = tmp_path / "o"
    code, _, err = run_main(["train", "--iterations", "2", "--states", "3", "--quiet", "--out", out], capsys)
    assert code == 0, err
    before = _contents(out)

    def full_disk(path, write):
        def half(f):
            f.write(b'{"half": ')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return files.atomic_write(path, half if os.path.basename(path) == "summary.json" else write)
    monkeypatch.setattr(cli_args, "atomic_write", full_disk)
    code, _, err = run_main(["train", "--iterations", "3", "--states", "3", "--seed", "1", "--quiet",
                             "--out", out], capsys)
    assert code == 1, err
    assert "summary.json" in err and "No space left on device" in err and "Traceback" not in err, err
    assert _contents(out) == before


def test_two_runs_sharing_out_leave_a_matching_summary_and_model(tmp_path):
    out = tmp_path / "shared"
    runs = [subprocess.Popen([sys.executable, "-m", "pc_numpy", "train", "--iterations", it, "--states",
                              "3", "--seed", seed, "--quiet", "--out", str(out)], env=subprocess_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for it, seed in (("60", "1"), ("5", "2"))]
    for p in runs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    summary = json.loads((out / "summary.json").read_text())
    digest = hashlib.sha256((out / "model.npz").read_bytes()).hexdigest()
    assert summary["checkpoint_sha256"] == digest, "summary.json describes another run's model"


def test_non_utf8_file_names_under_a_strict_utf8_locale(tmp_path):
    folder = os.fsencode(tmp_path)
    data = folder + b"/d\xff.npz"
    np.savez(os.fsdecode(data), data=DATA[:2], labels=np.array(["a", "b"]))
    env = subprocess_env(LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8:strict")
    p = subprocess.run([sys.executable, "-m", "pc_numpy", "train", "--data", data, "--iterations",
                        "2", "--states", "3", "--out", folder + b"/o\xfe"], env=env,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in p.stdout + p.stderr
    assert b"\\xff" in p.stdout and b"\\xfe" in p.stdout, p.stdout
    assert os.path.isfile(folder + b"/o\xfe/model.npz")


# ============================================================================ 6. files
def _evil(reduce):
    class Evil:
        def __reduce__(self):
            return reduce
    return Evil()


def test_a_npy_header_claiming_more_than_the_file_holds_allocates_nothing(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, dict(descr="<f8", fortran_order=False, shape=(1024, 1024, 512)))
    (tmp_path / "claim.npy").write_bytes(buf.getvalue() + bytes(16))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="claim.npy.*header"):
            load_trajectories(tmp_path / "claim.npy")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20


def test_a_pickle_that_allocates_uninitialised_memory_is_refused(tmp_path):
    raw = pickle.dumps(_evil((np.ndarray, ((1024, 1024, 128),))), protocol=2)
    assert len(raw) <= 60
    (tmp_path / "big.pk").write_bytes(raw)
    from numpy._core import multiarray
    raw2 = pickle.dumps(_evil((multiarray._reconstruct, (np.ndarray, (1024, 1024, 128), b"b"))), protocol=4)
    (tmp_path / "big2.pk").write_bytes(raw2)
    tracemalloc.start()
    try:
        for name in ("big.pk", "big2.pk"):
            with pytest.raises(ValueError) as info:
                load_trajectories(tmp_path / name)
            assert name in str(info.value) and "memory" in str(info.value), str(info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20


@FEW
@given(st.integers(1, 2 ** 40), st.sampled_from([2, 4, 5]))
def test_a_pickle_claiming_more_data_than_it_holds_is_refused(claim, protocol):
    """NumPy's own recipe (_reconstruct, then a state) with a shape larger than its bytes."""
    from numpy._core import multiarray
    state = (1, (1, 2, 2 + claim), np.dtype("f8"), False, b"\0" * 32)
    raw = pickle.dumps(_evil((multiarray._reconstruct, (np.ndarray, (0,), b"b"), state)), protocol=protocol)
    path = f"/tmp/pc_numpy_claim_{os.getpid()}.pk"
    with open(path, "wb") as f:
        f.write(raw)
    try:
        with pytest.raises(ValueError, match="claims shape"):
            load_trajectories(path)
    finally:
        os.unlink(path)


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _rewrite_member(path, name, transform, fix_crc=True):
    """Rewrite member ``name`` of the (uncompressed) zip at ``path`` in place, byte for byte."""
    raw = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    # the local header's extra field may differ from the central one
    n_len, e_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + n_len + e_len
    body = bytes(raw[start: start + info.compress_size])
    new = transform(body)
    assert len(new) == len(body)
    raw[start: start + len(body)] = new
    if fix_crc:
        crc = struct.pack("<I", zlib.crc32(new))
        raw[info.header_offset + 14: info.header_offset + 18] = crc
        central = raw.find(b"PK\x01\x02" + raw[info.header_offset + 4: info.header_offset + 14])
        raw[central + 16: central + 20] = crc
    open(path, "wb").write(bytes(raw))
    return path


def test_npz_member_with_a_flipped_byte_fails_its_crc(tmp_path):
    path = _npz(tmp_path / "d.npz", data=DATA[:2], labels=np.array(["a", "b"]))
    _rewrite_member(path, "data.npy", lambda b: b[:-3] + bytes([b[-3] ^ 1]) + b[-2:], fix_crc=False)
    with pytest.raises(ValueError, match="d.npz.*data.*CRC"):
        load_trajectories(path)


def test_npz_header_edited_with_a_stale_or_fresh_crc_is_refused(tmp_path):
    for fix in (False, True):
        path = _npz(tmp_path / f"h{fix}.npz", data=DATA[:4])
        _rewrite_member(path, "data.npy", lambda b: b.replace(b"(4, 60, 2)", b"(2, 60, 2)"), fix_crc=fix)
        with pytest.raises(ValueError) as info:
            load_trajectories(path)
        assert f"h{fix}.npz" in str(info.value) and "data" in str(info.value), str(info.value)


@pytest.mark.parametrize("members, word", [
    (dict(data=DATA[:2], label=np.array(["a", "b"])), "label"),        # renamed: labels not dropped
    (dict(data=DATA[:2], labels=np.array(["a", "b"]), extra=np.zeros(1)), "extra"),
    (dict(dat=DATA[:2]), "data"),
    (dict(data=DATA[:2], mask=np.zeros((2, 60, 2), bool)), "masked"),
])
def test_npz_members_must_be_exactly_the_expected_ones(tmp_path, members, word):
    path = _npz(tmp_path / "m.npz", **members)
    with pytest.raises(ValueError) as info:
        load_trajectories(path)
    assert "m.npz" in str(info.value) and word in str(info.value), str(info.value)


@FEW
@given(st.data())
def test_any_damage_to_a_checkpoint_is_a_value_error(model, draw):
    """Truncation or a changed byte anywhere: the same model back, or a ValueError naming the
    file; never AttributeError, RuntimeError, NotImplementedError, zlib.error..."""
    buf = io.BytesIO()
    arrays = dict(model.params._asdict(), mus=model.mus, h0=model.h0, tau=np.float64(model.tau),
                  labels=np.array(model.labels), data_fingerprint=np.array(model.data_fingerprint),
                  format=np.array("pc-rnn-hc-a/1"))
    compressed = draw.draw(st.booleans())
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    raw = bytearray(buf.getvalue())
    if draw.draw(st.booleans()):
        raw = raw[: draw.draw(st.integers(0, len(raw) - 1))]
    else:
        i = draw.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= draw.draw(st.integers(1, 255))
    path = f"/tmp/pc_numpy_damaged_{os.getpid()}.npz"
    with open(path, "wb") as f:
        f.write(bytes(raw))
    try:
        loaded = pcn.load_model(path)
    except ValueError as exc:
        assert "pc_numpy_damaged" in str(exc), str(exc)
    else:
        for a, b in zip((*loaded.params, loaded.mus, loaded.h0), (*model.params, model.mus, model.h0)):
            np.testing.assert_array_equal(a, b)
        assert loaded.labels == model.labels
    finally:
        os.unlink(path)


def test_unknown_compression_and_encryption_flags_are_value_errors(tmp_path, model):
    for offset, value, name in ((8, 99, "method"), (6, 1, "encrypted")):
        path = tmp_path / f"{name}.npz"
        pcn.save_model(path, model)
        raw = bytearray(path.read_bytes())
        raw[offset] = value                              # the first member's local header
        central = raw.find(b"PK\x01\x02")
        raw[central + offset + 2] = value                # and the central directory's
        path.write_bytes(bytes(raw))
        with pytest.raises(ValueError, match=f"{name}.npz"):
            pcn.load_model(path)


@pytest.mark.parametrize("call", [
    lambda m: pcn.train(m, iterations=2, states_dim=3, progress=False),
    lambda m: pcn.rollout(pcn.init_params(2, 3, 2, np.random.default_rng(0)), m.transpose(1, 0, 2),
                          np.zeros(2), np.zeros(3), tau=2.0),
    lambda m: pcn.fingerprint(m),
])
def test_masked_arrays_are_refused_not_unmasked(call):
    masked = np.ma.masked_array(DATA[:2], mask=np.zeros(DATA[:2].shape, bool))
    with pytest.raises(TypeError, match="masked"):
        call(masked)


def test_read_npz_returns_exactly_the_members(tmp_path):
    path = _npz(tmp_path / "ok.npz", data=DATA[:2], labels=np.array(["a", "b"]))
    got = read_npz(path, required=["data"], optional=["labels"])
    assert set(got) == {"data", "labels"} and np.array_equal(got["data"], DATA[:2])


# ============================================================================ 7. labels
@FEW
@given(st.lists(st.sampled_from("abc"), min_size=2, max_size=6))
def test_duplicate_labels_are_refused_naming_them(labels):
    repeated = {lab for lab in labels if labels.count(lab) > 1}
    if not repeated:
        assert check_labels(labels, len(labels)) == tuple(labels)
        return
    with pytest.raises(ValueError) as info:
        check_labels(labels, len(labels))
    assert all(repr(lab) in str(info.value) for lab in list(repeated)[:5]), str(info.value)


def test_int_and_str_labels_that_collide_are_refused():
    with pytest.raises(ValueError, match="'1'"):
        check_labels([1, "1"], 2)


def test_duplicate_labels_in_train_model_and_checkpoint(model, tmp_path):
    with pytest.raises(ValueError, match="'a'"):
        pcn.train(DATA[:3], ["a", "b", "a"], iterations=2, states_dim=3, progress=False)
    with pytest.raises(ValueError, match="model.labels"):
        check_model(model._replace(labels=("a", "a", "b")))
    path = tmp_path / "dup.npz"
    pcn.save_model(path, model)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["labels"] = np.array(["a", "a", "b"])
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="dup.npz.*'a'"):
        pcn.load_model(path)


def test_cli_numbers_repeated_labels_of_the_data_so_none_overwrites_another(tmp_path, capsys):
    """A file's class labels may repeat (a .ts file holds many instances of each letter); every
    sequence is its own memory, so the command line numbers the repeats (x, y, x.2) and says so:
    summary.json then has one entry per memory, none overwritten (the API's train refuses
    repeats, test above)."""
    import json
    path = _npz(tmp_path / "dup.npz", data=DATA[:3], labels=np.array(["x", "y", "x"]))
    code, _, err = run_main(["demo", "--data", path, "--iterations", "2", "--states", "3",
                             "--trials", "1", "--restarts", "1", "--quiet", "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    assert "repeat" in err and "numbered" in err, err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert sorted(summary["accuracy_per_target"]) == ["x", "x.2", "y"], summary["accuracy_per_target"]
    assert pcn.load_model(tmp_path / "o" / "model.npz").labels == ("x", "y", "x.2")
