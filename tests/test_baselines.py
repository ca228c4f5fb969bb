"""Baselines of retrieval (docs/model.md §4): random search with the same readout, exhaustive
matching as the ceiling.  Argmin and equality logic: compared exactly."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import pc_numpy as pcn
from pc_numpy.protocols import readout
from pc_numpy.protocols.readout import generation_error, read_answers
from strategies import examples


def tiny_model(seed, P=3, C=2, S=6, O=2, T=5):
    rng = np.random.default_rng(seed)
    params = pcn.init_params(C, S, O, rng)
    mus = 2.0 * rng.standard_normal((P, C))
    h0 = rng.standard_normal(S)
    model = pcn.Model(params, mus, h0, 5.0, tuple("abcdefgh"[:P]), "none")
    return model, T


def generated_targets(model, T):
    """Targets that the memories generate exactly: x_n = generate(mu_n)."""
    return pcn.generate(model.params, model.mus, model.h0, tau=model.tau, steps=T).transpose(1, 0, 2)


@examples(20)
@given(seed=st.integers(0, 2**31 - 1), P=st.integers(1, 5), T=st.integers(1, 8))
def test_exhaustive_answers_are_the_argmin_of_its_errors(seed, P, T):
    model, _ = tiny_model(seed, P=P, T=T)
    rng = np.random.default_rng(seed + 1)
    targets = rng.standard_normal((4, T, 2))
    ids = rng.integers(0, P, 4)
    m = pcn.exhaustive_matching(model, targets, ids)
    assert m.errors.shape == (4, P) and m.rollouts == P
    np.testing.assert_array_equal(m.answers, m.errors.argmin(axis=1))
    assert m.accuracy == np.mean(m.answers == ids)
    # each entry is the generation error of that memory's own rollout
    for n in range(4):
        for p in range(P):
            gen = pcn.rollout(model.params, targets[n][:, None], model.mus[p], model.h0, tau=model.tau)
            assert abs(m.errors[n, p] - generation_error(gen.error)[0]) <= 1e-12 * (1 + m.errors[n, p]), (n, p)


@examples(15)
@given(seed=st.integers(0, 2**31 - 1), P=st.integers(2, 5))
def test_exhaustive_is_perfect_when_memories_generate_the_targets(seed, P):
    model, T = tiny_model(seed, P=P)
    mus = model.mus
    if np.min([np.linalg.norm(mus[i] - mus[j]) for i in range(P) for j in range(i)]) < 1e-3:
        return                                         # two memories (nearly) equal: no unique answer
    m = pcn.exhaustive_matching(model, generated_targets(model, T))
    np.testing.assert_array_equal(np.diag(m.errors), 0.0)      # x_pred - x of the same numbers
    assert m.accuracy == 1.0 or np.any(np.sort(m.errors, axis=1)[:, 1] == 0.0)


def test_random_search_is_reproducible_and_uses_the_same_readout(monkeypatch):
    model, T = tiny_model(3, P=3)
    targets = generated_targets(model, T)
    a = pcn.random_search(model, targets, restarts=2, trials=6, seed=4, progress=False)
    b = pcn.random_search(model, targets, restarts=2, trials=6, rng=np.random.default_rng(4), progress=False)
    for field in a._fields:
        if field not in ("seconds", "trial_cpu_seconds"):                # the clock
            np.testing.assert_array_equal(np.asarray(getattr(a, field)), np.asarray(getattr(b, field)), err_msg=field)
    assert a.rollouts == 6 and a.rollouts_per_trial == 1 and a.answers.shape == (6, 3)
    # the draws are c ~ N(0, I), one (B, C) call per trial: rebuild them and read them out
    rng = np.random.default_rng(4)
    cand = np.stack([rng.standard_normal((6, 2)) for _ in range(6)])
    x = np.repeat(targets, 2, axis=0).transpose(1, 0, 2)
    err = np.stack([generation_error(pcn.rollout(model.params, x, c, model.h0, tau=model.tau).error) for c in cand])
    np.testing.assert_array_equal(a.generation_error, err)
    want = read_answers(cand, err, np.arange(3), model.mus, 2)
    np.testing.assert_array_equal(a.answers, want.answers)
    # the same function object reads out inference and search: count the calls
    calls = []
    real = readout.read_answers
    import pc_numpy.protocols.baselines as baselines
    import pc_numpy.protocols.retrieval as retrieval
    spy = lambda *args, **kw: calls.append(1) or real(*args, **kw)  # noqa: E731
    monkeypatch.setattr(baselines, "read_answers", spy)
    monkeypatch.setattr(retrieval, "read_answers", spy)
    pcn.random_search(model, targets, restarts=1, trials=2, progress=False)
    pcn.retrieve(model, targets, restarts=1, trials=2, progress=False)
    assert len(calls) == 2


def test_rollouts_go_through_rollout_of(monkeypatch):
    """retrieve, random_search and exhaustive_matching call the network only through
    ``rollout_of(model)`` (the hook for other model kinds)."""
    import pc_numpy.protocols.baselines as baselines
    import pc_numpy.protocols.retrieval as retrieval
    model, T = tiny_model(1)
    targets = generated_targets(model, T)
    counted = []

    def fake_rollout_of(m):
        def counting(*args, **kw):
            counted.append(1)
            return pcn.rollout(*args, **kw)
        return counting
    for mod in (baselines, retrieval):
        monkeypatch.setattr(mod, "rollout_of", fake_rollout_of)
    pcn.retrieve(model, targets, restarts=1, trials=3, progress=False)
    assert len(counted) == 6                                      # 2 rollouts per trial
    pcn.random_search(model, targets, restarts=1, trials=3, progress=False)
    assert len(counted) == 9                                      # 1 per draw
    pcn.exhaustive_matching(model, targets)
    assert len(counted) == 10                                     # one batch of N P runs


def test_baselines_name_bad_arguments():
    model, T = tiny_model(0)
    targets = generated_targets(model, T)
    with pytest.raises(ValueError, match="trials"):
        pcn.random_search(model, targets, trials=0, progress=False)
    with pytest.raises(ValueError, match="restarts"):
        pcn.random_search(model, targets, restarts=0, progress=False)
    with pytest.raises(ValueError, match="target_ids"):
        pcn.exhaustive_matching(model, targets[:2])
    with pytest.raises(TypeError, match="model"):
        pcn.exhaustive_matching("model", targets)
    with pytest.raises(ValueError, match="cue_steps"):
        pcn.random_search(model, targets, cue_steps=T + 1, progress=False)
