"""Partial and noisy cues in retrieval (docs/model.md §4b) and online recognition.

Bit-for-bit claims (cue_steps = T, cue_noise = 0) are exact: the same operations on the same
numbers.  Rebuilt generation errors are compared to 1e-12 relative: the same rollout, rounding only."""
from __future__ import annotations

import numpy as np
import pytest

import pc_numpy as pcn
from pc_numpy.protocols.online import _steps_until_right_for_good
from pc_numpy.protocols.readout import generation_error


@pytest.fixture(scope="module")
def tiny():
    data, labels = pcn.letters()
    data, labels = data[:4, ::6], labels[:4]                                              # (4, 10, 2)
    trained = pcn.train(data, labels, states_dim=8, iterations=40, seed=0, progress=False)
    return data, trained.model


def same(a, b):
    for field in a._fields:
        if field in ("seconds", "trial_cpu_seconds", "cue_steps", "cue_noise"):     # the clock; the cue
            continue
        np.testing.assert_array_equal(np.asarray(getattr(a, field)), np.asarray(getattr(b, field)), err_msg=field)


def test_whole_cue_and_zero_noise_are_no_cue_bit_for_bit(tiny):
    data, model = tiny
    plain = pcn.retrieve(model, data, restarts=2, trials=4, seed=3, progress=False)
    same(plain, pcn.retrieve(model, data, restarts=2, trials=4, seed=3, progress=False, cue_steps=data.shape[1]))
    same(plain, pcn.retrieve(model, data, restarts=2, trials=4, seed=3, progress=False, cue_noise=0.0))
    rs = pcn.random_search(model, data, restarts=2, trials=4, seed=3, progress=False)
    same(rs, pcn.random_search(model, data, restarts=2, trials=4, seed=3, progress=False,
                               cue_steps=data.shape[1], cue_noise=0))


def test_a_partial_cue_ignores_the_unobserved_steps(tiny):
    """With cue_steps = k nothing after step k can matter: change it, get the same numbers."""
    data, model = tiny
    other = data.copy()
    other[:, 4:] = np.random.default_rng(0).standard_normal(other[:, 4:].shape)
    a = pcn.retrieve(model, data, restarts=2, trials=4, seed=1, progress=False, cue_steps=4)
    b = pcn.retrieve(model, other, restarts=2, trials=4, seed=1, progress=False, cue_steps=4)
    same(a, b)
    assert a.cue_steps == 4
    full = pcn.retrieve(model, data, restarts=2, trials=4, seed=1, progress=False)
    assert not np.array_equal(a.c_path, full.c_path)               # the mask does something
    # the readout's error is the generation error averaged over the observed steps only
    x = np.repeat(data, 2, axis=0).transpose(1, 0, 2)
    gen = pcn.rollout(model.params, x, a.c_path[1], model.h0, tau=model.tau)
    want = np.linalg.norm(gen.error[:4], axis=2).mean(axis=0)
    assert np.max(np.abs(a.generation_error[0] - want)) <= 1e-12 * np.max(want)


def test_a_noisy_cue_is_drawn_once_per_run_after_the_starts(tiny):
    data, model = tiny
    a = pcn.retrieve(model, data, restarts=2, trials=3, seed=5, progress=False, cue_noise=0.3)
    plain = pcn.retrieve(model, data, restarts=2, trials=3, seed=5, progress=False)
    np.testing.assert_array_equal(a.c_path[0], plain.c_path[0])    # same starts
    rng = np.random.default_rng(5)
    x = np.repeat(data, 2, axis=0).transpose(1, 0, 2)
    rng.standard_normal((x.shape[1], model.mus.shape[1]))         # the starts
    noisy = x + 0.3 * rng.standard_normal(x.shape)                 # the cue noise, then (7)'s draws
    for k in range(3):                                             # the same noisy target every trial
        gen = pcn.rollout(model.params, noisy, a.c_path[k + 1], model.h0, tau=model.tau)
        got, want = a.generation_error[k], generation_error(gen.error)
        assert np.max(np.abs(got - want)) <= 1e-12 * np.max(want), k
    assert a.cue_noise == 0.3


@pytest.mark.parametrize("kwargs, word", [
    (dict(cue_steps=0), "cue_steps"), (dict(cue_steps=11), "cue_steps"), (dict(cue_steps=2.5), "cue_steps"),
    (dict(cue_steps="3"), "cue_steps"), (dict(cue_noise=-0.1), "cue_noise"),
    (dict(cue_noise=float("nan")), "cue_noise"), (dict(cue_noise="x"), "cue_noise"),
])
def test_bad_cues_are_named(tiny, kwargs, word):
    data, model = tiny
    for call in (pcn.retrieve, pcn.random_search):
        with pytest.raises((ValueError, TypeError), match=word):
            call(model, data, trials=1, progress=False, **kwargs)


def test_cli_cue_arguments(tmp_path, capsys, monkeypatch):
    from pc_numpy.tools.cli import main
    import json
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert main(["demo", "--iterations", "10", "--trials", "2", "--restarts", "1", "--states", "6",
                 "--quiet", "--cue-steps", "30", "--cue-noise", "0.1", "--out", str(tmp_path)]) == 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert (s["cue_steps"], s["cue_noise"]) == (30, 0.1)
    for bad in (["--cue-steps", "0"], ["--cue-steps", "61"], ["--cue-noise", "-1"]):
        with pytest.raises(SystemExit) as exc:
            main(["demo", "--iterations", "5", "--quiet", "--out", str(tmp_path / "x")] + bad)
        assert exc.value.code == 2 and "--cue" in capsys.readouterr().err


def test_steps_until_right_for_good_by_hand():
    right = np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 1, 1, 0], [1, 1, 1, 0]], dtype=bool)   # (T=4, N=4)
    np.testing.assert_array_equal(_steps_until_right_for_good(right), [4, 1, 3, 5])


def test_online_recognition(tiny):
    data, model = tiny
    r = pcn.online_recognition(model, data, restarts=3, seed=2)
    T, N = data.shape[1], data.shape[0]
    assert r.named.shape == (T, N * 3) and r.share_right.shape == (T, N) and r.prefix_answers.shape == (T, N)
    # the last prefix answer is exhaustive matching's answer (the whole target seen)
    np.testing.assert_array_equal(r.prefix_answers[-1], pcn.exhaustive_matching(model, data).answers)
    # inference: the memory nearest c[t] of the rollout from the seed's starts
    rng = np.random.default_rng(2)
    c0 = rng.standard_normal((N * 3, model.mus.shape[1]))
    x = np.repeat(data, 3, axis=0).transpose(1, 0, 2)
    tr = pcn.rollout(model.params, x, c0, model.h0, tau=model.tau, mus=model.mus, rng=rng,
                     alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6, sigma_c=0.096)
    np.testing.assert_array_equal(r.named, np.stack([pcn.nearest_memory(c, model.mus) for c in tr.c]))
    assert ((1 <= r.steps_needed) & (r.steps_needed <= T + 1)).all()
