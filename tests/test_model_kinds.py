"""The two model kinds through the protocols: ``train``, ``retrieve``, checkpoints and the command
line take PC-RNN-HC-M (``kind="hc-m"``, ``--model hc-m --factors F``) as they take PC-RNN-HC-A.

Small sizes (3 letters of 12 steps, S = 6, F = 4, a few iterations): the numbers are checked
against the model functions called directly, bit for bit where the code path is the same.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pc_numpy as pcn
from pc_numpy.tools.cli import main

DATA, LABELS = pcn.letters()
DATA, LABELS = DATA[:3, :12], LABELS[:3]


def _train(kind, seed=0, iterations=3, **kw):
    extra = dict(factor_dim=4) if kind == "hc-m" else {}
    return pcn.train(DATA, LABELS, states_dim=6, causes_dim=2, tau=5.0, iterations=iterations,
                     seed=seed, progress=False, kind=kind, **extra, **kw)


@settings(max_examples=5)
@given(st.integers(0, 2**32 - 1))
def test_train_hc_m_runs_its_own_bptt(seed):
    """The first loss of ``train(kind="hc-m")`` is ``pcn.hcm.loss_and_grads`` at the initial
    values ``initial_values(kind="hc-m")`` (exactly: the same call on the same arrays)."""
    result = _train("hc-m", seed=seed, iterations=2)
    assert isinstance(result.model.params, pcn.hcm.Params) and result.model.kind == "hc-m"
    start = pcn.initial_values(3, 2, states_dim=6, causes_dim=2, rng=np.random.default_rng(seed),
                               kind="hc-m", factor_dim=4)
    params = pcn.hcm.Params(*(start[k] for k in pcn.hcm.Params._fields))
    x = np.ascontiguousarray(DATA.transpose(1, 0, 2))
    loss, _ = pcn.hcm.loss_and_grads(params, x, start["c0"], start["h0"], tau=5.0)
    assert result.losses[0] == loss, f"losses[0] {result.losses[0]!r} != hcm.loss_and_grads {loss!r}"


@pytest.mark.parametrize("kind", ["hc-a", "hc-m"])
def test_checkpoint_round_trip_keeps_the_kind(tmp_path, kind):
    model = _train(kind).model
    path = tmp_path / "model.npz"
    pcn.save_model(path, model)
    loaded = pcn.load_model(path)
    assert loaded.kind == kind and type(loaded.params) is type(model.params)
    for name, a, b in zip(model.params._fields, loaded.params, model.params):
        assert a.tobytes() == b.tobytes(), f"params.{name} changed in the round trip ({kind})"
    assert pcn.load_model(path, kind=kind).kind == kind


@pytest.mark.parametrize("saved, asked", [("hc-a", "hc-m"), ("hc-m", "hc-a")])
def test_loading_one_kind_as_the_other_is_a_clear_error(tmp_path, saved, asked):
    path = tmp_path / "model.npz"
    pcn.save_model(path, _train(saved).model)
    with pytest.raises(ValueError, match=f"holds a {saved} model.*not the {asked} model"):
        pcn.load_model(path, kind=asked)


def test_check_model_refuses_parameters_of_the_other_kind():
    model = _train("hc-m").model
    with pytest.raises(TypeError, match="model.params"):
        pcn.retrieve(model._replace(kind="hc-a"), DATA, restarts=1, trials=1, progress=False)
    with pytest.raises(ValueError, match="model.kind"):
        pcn.retrieve(model._replace(kind="hc-x"), DATA, restarts=1, trials=1, progress=False)


@pytest.mark.parametrize("bad, match", [(dict(kind="hc-x"), "kind"), (dict(kind="hc-m"), "factor_dim"),
                                        (dict(kind="hc-a", factor_dim=4), "factor_dim"),
                                        (dict(kind="hc-m", factor_dim=0), "factor_dim")])
def test_train_bad_kind_arguments_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        pcn.train(DATA, LABELS, states_dim=6, iterations=1, progress=False, **bad)


def test_retrieve_runs_the_hc_m_rollout(monkeypatch):
    """One retrieval trial of an HC-M model calls ``pcn.hcm``'s step at every time step."""
    import importlib
    model = _train("hc-m").model
    module = importlib.import_module("pc_numpy.hcm.rollout")
    calls = []
    original = module.step
    monkeypatch.setattr(module, "step", lambda *a, **k: calls.append(1) or original(*a, **k))
    result = pcn.retrieve(model, DATA, restarts=1, trials=1, progress=False)
    assert len(calls) >= DATA.shape[1], f"hcm step ran {len(calls)} times in one trial of T = {DATA.shape[1]}"
    assert result.answer_accuracy.shape == (1,)


def test_cli_demo_hc_m_and_retrieve_from_its_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["demo", "--model", "hc-m", "--factors", "4", "--iterations", "3", "--trials", "2",
                 "--restarts", "1", "--states", "6", "--quiet", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "hc-m" and summary["factor_dim"] == 4
    assert pcn.load_model(out / "model.npz").kind == "hc-m"
    code = main(["retrieve", "--model", "hc-m", "--checkpoint", str(out / "model.npz"), "--trials", "1",
                 "--restarts", "1", "--quiet", "--out", str(tmp_path / "again")])
    assert code == 0
    with pytest.raises(SystemExit) as info:          # the file holds hc-m: asking for hc-a is usage
        main(["retrieve", "--checkpoint", str(out / "model.npz"), "--trials", "1", "--quiet",
              "--out", str(tmp_path / "wrong")])
    assert info.value.code == 2
    assert "holds a hc-m model" in capsys.readouterr().err


def test_cli_factors_without_hc_m_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--factors", "4", "--iterations", "1", "--trials", "1", "--quiet",
              "--out", str(tmp_path / "x")])
    assert info.value.code == 2
    assert "--factors is for --model hc-m only" in capsys.readouterr().err


def test_cli_train_rule_local_saves_a_model_with_one_hot_causes(tmp_path):
    """``train --rule local``: the local rule (``train_local``), its fixed one-hot causes kept as
    the memories (C = the number of sequences), the first loss that of ``train_local`` itself."""
    out = tmp_path / "local"
    code = main(["train", "--rule", "local", "--iterations", "3", "--states", "6", "--tau", "5",
                 "--data", str(_small_file(tmp_path)), "--quiet", "--out", str(out)])
    assert code == 0
    model = pcn.load_model(out / "model.npz")
    assert np.array_equal(model.mus, np.eye(3)), "the memories are not the one-hot causes"
    summary = json.loads((out / "summary.json").read_text())
    want = pcn.train_local(DATA, [str(i) for i in range(3)], states_dim=6, tau=5.0, iterations=3,
                           progress=False)
    assert summary["rule"] == "local" and summary["final_loss"] == float(want.losses[-1])


def test_cli_rule_local_refuses_hc_m(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--rule", "local", "--model", "hc-m", "--iterations", "1", "--quiet",
              "--out", str(tmp_path / "x")])
    assert info.value.code == 2
    assert "--rule local trains PC-RNN-HC-A" in capsys.readouterr().err


def _small_file(tmp_path):
    path = tmp_path / "three.npy"
    np.save(path, DATA)
    return path
