"""The command line ``python -m pc_numpy`` (issue 4): help, usage errors (exit code 2, a usage
message, no traceback), tiny runs that write summary.json and PNG figures, train-then-retrieve,
the data fingerprint, and the torch backend.

Most cases call ``pc_numpy.tools.cli.main([...])`` in-process (fast); a few run ``python -m pc_numpy``
in a subprocess to check the real exit code and that no traceback reaches the user.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import pc_numpy as pcn
from pc_numpy.tools.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG = b"\x89PNG\r\n\x1a\n"
TINY = ["--iterations", "30", "--trials", "3", "--restarts", "1", "--states", "10", "--quiet"]


@pytest.fixture(autouse=True)
def agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def run_main(argv, capsys):
    """``main(argv)`` -> (exit code, stdout, stderr); argparse's SystemExit becomes a code."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(argv, cwd, timeout=120):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "pc_numpy", *map(str, argv)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def assert_usage_error(code, out, err, *words):
    assert code == 2, f"exit code {code}, expected 2; stderr: {err[-500:]!r}"
    assert "usage:" in err, f"no usage message on stderr: {err!r}"
    assert "Traceback" not in out + err, err
    for w in words:
        assert w in err, f"stderr does not say {w!r}: {err!r}"


def assert_png(path):
    assert path.is_file(), f"missing figure {path}"
    with open(path, "rb") as f:
        assert f.read(8) == PNG, f"{path} is not a PNG"


def read_summary(out_dir):
    with open(out_dir / "summary.json") as f:
        return json.load(f)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ----------------------------------------------------------------------------- help
@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["retrieve"], ["letters"]])
def test_help_exits_0(command, capsys):
    code, out, err = run_main(command + ["--help"], capsys)
    assert code == 0, err
    assert "usage:" in out and "Traceback" not in out + err


# ----------------------------------------------------------------------------- usage errors
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    (d / "garbage.npy").write_text("this is not an array")
    (d / "a_file").write_text("x")

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {d / 'PWNED'}",))
    (d / "evil.pk").write_bytes(pickle.dumps(Evil()))
    (d / "corrupt.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    data, labels = pcn.letters()
    np.savez(d / "three.npz", data=data[:3], labels=np.array(labels[:3]))
    return d


BAD_ARGS = [
    (["bogus"], "invalid choice"),
    (["demo", "--iterations", "0"], "--iterations"),
    (["demo", "--iterations", "abc"], "--iterations"),
    (["demo", "--iterations", "2.5"], "--iterations"),
    (["demo", "--seed", "-1"], "--seed"),
    (["demo", "--tau", "0.5"], "--tau"),
    (["demo", "--lr", "0"], "--lr"),
    (["demo", "--lr", "nan"], "--lr"),
    (["demo", "--trials", "0"], "--trials"),
    (["demo", "--restarts", "0"], "--restarts"),
    (["demo", "--backend", "jax"], "--backend"),
    (["demo", "--data", "{d}/missing.npy"], "--data"),
    (["demo", "--data", "{d}/garbage.npy"], "--data"),
    (["demo", "--data", "{d}/evil.pk"], "--data"),
    (["demo", "--data", "{d}/unknown.xyz"], "--data"),
    (["demo", "--out", "{d}/a_file"], "--out"),
    (["demo", "--out", "{d}/a_file/sub"], "--out"),
    (["retrieve"], "--checkpoint"),
    (["retrieve", "--checkpoint", "{d}/corrupt.npz"], "--checkpoint"),
    (["retrieve", "--checkpoint", "{d}/missing.npz"], "--checkpoint"),
    (["retrieve", "--checkpoint", "{d}"], "--checkpoint"),
    (["demo", "--variants", "2", "--data", "{d}/three.npz"], "--variants"),
    (["letters"], "OUT.png"),
]


@pytest.mark.parametrize("argv, word", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_arguments_are_usage_errors(argv, word, files, tmp_path, capsys):
    argv = [a.format(d=files) for a in argv]
    if "--out" not in argv and argv[0] in ("demo", "retrieve", "train"):
        argv += ["--out", tmp_path / "out"]
    code, out, err = run_main(argv + (["--quiet"] if argv[0] in ("demo", "retrieve") else []), capsys)
    assert_usage_error(code, out, err, word)
    assert not (files / "PWNED").exists(), "the pickle's code was run"
    assert not (tmp_path / "out" / "model.npz").exists(), "trained before refusing the arguments"


@pytest.mark.parametrize("argv", [
    ["bogus"],
    ["demo", "--data", "{d}/evil.pk", "--out", "{t}/o"],
    ["retrieve", "--checkpoint", "{d}/corrupt.npz", "--out", "{t}/o"],
    ["demo", "--out", "{d}/a_file/sub"],
], ids=["unknown command", "malicious pickle", "corrupted checkpoint", "out under a file"])
def test_usage_errors_in_a_real_process(argv, files, tmp_path):
    code, out, err = run_subprocess([a.format(d=files, t=tmp_path) for a in argv], cwd=tmp_path)
    assert_usage_error(code, out, err)
    assert not (files / "PWNED").exists(), "the pickle's code was run"


# ----------------------------------------------------------------------------- tiny runs
def test_tiny_demo_writes_summary_and_figures(tmp_path, capsys):
    out_dir = tmp_path / "tmp"
    code, out, err = run_main(["demo", *TINY, "--out", out_dir], capsys)
    assert code == 0, err
    assert "Traceback" not in out + err
    summary = read_summary(out_dir)
    for key in ("final_loss", "retrieval_accuracy", "train_seconds", "retrieval_seconds"):
        assert is_number(summary[key]), f"summary[{key!r}] = {summary.get(key)!r}"
    assert 0 <= summary["retrieval_accuracy"] <= 1
    assert summary["final_loss"] > 0 and summary["n_sequences"] == 20 and summary["iterations"] == 30
    assert summary["figures"], "no figures listed"
    for name in summary["figures"]:
        assert_png(out_dir / name)
    assert {"training_loss.png", "retrieval_curves.png", "confusion.png"} <= set(summary["figures"])
    model = pcn.load_model(out_dir / "model.npz")
    assert model.params.w_r.shape == (10, 10) and model.labels == tuple(pcn.letters()[1])
    assert not [f for f in os.listdir(out_dir) if f.endswith(".tmp")], os.listdir(out_dir)


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("trained")
    assert main(["train", "--iterations", "20", "--states", "8", "--quiet", "--out", str(d)]) == 0
    return d


def test_train_then_retrieve_from_the_checkpoint(trained_dir, tmp_path, capsys):
    summary = read_summary(trained_dir)
    assert is_number(summary["final_loss"]) and is_number(summary["train_seconds"])
    out_dir = tmp_path / "r"
    code, out, err = run_main(["retrieve", "--checkpoint", trained_dir / "model.npz", "--trials", "3",
                               "--restarts", "2", "--quiet", "--out", out_dir], capsys)
    assert code == 0, err
    summary = read_summary(out_dir)
    assert is_number(summary["retrieval_accuracy"]) and is_number(summary["retrieval_seconds"])
    assert summary["final_loss"] is None and summary["train_seconds"] is None
    for name in summary["figures"]:
        assert_png(out_dir / name)
    # and on new variants of the letters
    code, out, err = run_main(["retrieve", "--checkpoint", trained_dir / "model.npz", "--variants", "1",
                               "--trials", "2", "--restarts", "1", "--quiet", "--out", out_dir], capsys)
    assert code == 0, err
    assert read_summary(out_dir)["retrieval_targets"] == "variants"


def test_retrieve_refuses_other_data_than_the_training_data(trained_dir, files, tmp_path, capsys):
    argv = ["retrieve", "--checkpoint", trained_dir / "model.npz", "--trials", "2", "--quiet",
            "--out", tmp_path / "o"]
    assert_usage_error(*run_main(argv + ["--data", files / "three.npz"], capsys), "fingerprint")


def test_retrieve_variants_refuses_a_model_of_other_data(files, tmp_path, capsys):
    """A model trained on a file cannot map the letters' variants to its memories."""
    assert main(["train", "--data", str(files / "three.npz"), "--iterations", "3", "--states", "4",
                 "--quiet", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    argv = ["retrieve", "--checkpoint", tmp_path / "model.npz", "--variants", "1", "--trials", "2",
            "--quiet", "--out", tmp_path]
    assert_usage_error(*run_main(argv, capsys), "fingerprint", "embedded letters")


def test_data_file_round_trip(files, tmp_path, capsys):
    code, out, err = run_main(["demo", "--data", files / "three.npz", "--iterations", "5", "--states", "4",
                               "--trials", "2", "--restarts", "1", "--quiet", "--out", tmp_path], capsys)
    assert code == 0, err
    summary = read_summary(tmp_path)
    assert summary["n_sequences"] == 3 and summary["data"].endswith("three.npz")
    assert pcn.load_model(tmp_path / "model.npz").labels == tuple(pcn.letters()[1][:3])


@pytest.fixture()
def one_torch_thread():
    """Two torch threads on a loaded two-core machine ran this test in 23 s instead of 2 s."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_backend_torch_tiny_run(tmp_path, capsys, one_torch_thread):
    code, out, err = run_main(["demo", "--backend", "torch", "--iterations", "5", "--states", "5",
                               "--trials", "2", "--restarts", "1", "--quiet", "--out", tmp_path], capsys)
    assert code == 0, err
    summary = read_summary(tmp_path)
    assert summary["backend"] == "torch" and is_number(summary["final_loss"])
    assert is_number(summary["retrieval_accuracy"])
    # the same seed and sizes: the numpy backend trains the same model (float64)
    numpy_dir = tmp_path / "np"
    assert main(["train", "--iterations", "5", "--states", "5", "--quiet", "--out", str(numpy_dir)]) == 0
    assert abs(read_summary(numpy_dir)["final_loss"] - summary["final_loss"]) <= 1e-8 * summary["final_loss"]


def test_letters_command_writes_a_png(tmp_path, capsys):
    code, out, err = run_main(["letters", tmp_path / "letters.png"], capsys)
    assert code in (0, None), err
    assert_png(tmp_path / "letters.png")


def test_tiny_demo_in_a_real_process(tmp_path):
    code, out, err = run_subprocess(["demo", "--iterations", "5", "--trials", "2", "--restarts", "1",
                                     "--states", "4", "--quiet", "--out", "o"], cwd=tmp_path)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert is_number(read_summary(tmp_path / "o")["retrieval_accuracy"])
    assert "run accuracy" in out and "answer accuracy" in out and err == "", err
