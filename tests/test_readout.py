"""The answer readout of retrieval (docs/model.md §4): answers are the memory nearest to the
best-explaining candidate so far, over restarts and trials; retrieve reports it; summary.json
carries it.  The readout is exact integer/argmin logic: compared for equality with a brute
force written independently (no tolerance needed)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import pc_numpy as pcn
from pc_numpy.protocols.readout import generation_error, read_answers
from strategies import examples


def brute_force_answers(cand, err, ids, mus, R):
    K, B, _ = cand.shape
    N = len(ids)
    answers = np.empty((K, N), dtype=int)
    for n in range(N):
        best, best_c = np.inf, None
        for k in range(K):
            for r in range(R):
                if err[k, n * R + r] < best:
                    best, best_c = err[k, n * R + r], cand[k, n * R + r]
            answers[k, n] = int(np.argmin([np.linalg.norm(best_c - m) for m in mus]))
    return answers


@examples(30)
@given(seed=st.integers(0, 2**31 - 1), K=st.integers(1, 6), N=st.integers(1, 4),
       R=st.integers(1, 3), P=st.integers(1, 5), C=st.integers(1, 3))
def test_answers_are_the_memory_nearest_the_lowest_error_candidate(seed, K, N, R, P, C):
    rng = np.random.default_rng(seed)
    cand = rng.standard_normal((K, N * R, C))
    err = rng.random((K, N * R))
    mus = rng.standard_normal((P, C))
    ids = rng.integers(0, P, N)
    out = read_answers(cand, err, ids, mus, R)
    want = brute_force_answers(cand, err, ids, mus, R)
    np.testing.assert_array_equal(out.answers, want)
    np.testing.assert_array_equal(out.answer_accuracy, (want == ids).mean(axis=1))
    # best_error is the running minimum over trials and restarts, never increasing
    np.testing.assert_array_equal(out.best_error,
                                  np.minimum.accumulate(err.reshape(K, N, R).min(axis=2), axis=0))


def test_a_run_kicked_out_after_a_good_trial_keeps_its_answer():
    """One target, one run: trial 0 sits on memory 0 with a low error, trial 1 drifts to memory 1
    with a higher error: the answer stays 0 (run accuracy would drop)."""
    mus = np.array([[0.0, 0.0], [1.0, 1.0]])
    cand = np.array([[[0.0, 0.1]], [[1.0, 0.9]]])                                         # (K=2, B=1, C=2)
    err = np.array([[0.1], [0.5]])
    out = read_answers(cand, err, np.array([0]), mus, 1)
    np.testing.assert_array_equal(out.answers, [[0], [0]])
    np.testing.assert_array_equal(out.answer_accuracy, [1.0, 1.0])
    out = read_answers(cand, err[::-1].copy(), np.array([0]), mus, 1)                     # now trial 1 is better
    np.testing.assert_array_equal(out.answers, [[0], [1]])


def test_read_answers_names_bad_arguments():
    with pytest.raises(ValueError, match="restarts"):
        read_answers(np.zeros((2, 4, 2)), np.zeros((2, 4)), np.array([0, 1]), np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match="N \\* R"):
        read_answers(np.zeros((2, 4, 2)), np.zeros((2, 4)), np.array([0, 1]), np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match="errors"):
        read_answers(np.zeros((2, 4, 2)), np.zeros((3, 4)), np.array([0, 1]), np.zeros((2, 2)), 2)


def test_generation_error_averages_over_observed_steps_only():
    rng = np.random.default_rng(0)
    error = rng.standard_normal((6, 3, 2))
    np.testing.assert_array_equal(generation_error(error), np.linalg.norm(error, axis=2).mean(axis=0))
    m = (np.arange(6) < 2).astype(float)
    np.testing.assert_allclose(generation_error(error, m), np.linalg.norm(error[:2], axis=2).mean(axis=0),
                               rtol=1e-15)   # the same two-term sum in another order: rounding only


@pytest.fixture(scope="module")
def tiny():
    data, labels = pcn.letters()
    data, labels = data[:4, ::6], labels[:4]                                              # (4, 10, 2)
    trained = pcn.train(data, labels, states_dim=8, iterations=40, seed=0, progress=False)
    return data, trained.model


def test_retrieve_reports_the_readout_of_its_own_c_path(tiny):
    data, model = tiny
    r = pcn.retrieve(model, data, restarts=3, trials=7, seed=2, progress=False)
    assert r.answers.shape == (7, 4) and r.answer_accuracy.shape == (7,) and r.best_error.shape == (7, 4)
    assert r.final_answer_accuracy == r.answer_accuracy[-1]
    want = read_answers(r.c_path[1:], r.generation_error, r.target_ids[::3], model.mus, 3)
    np.testing.assert_array_equal(r.answers, want.answers)
    assert r.restarts == 3 and r.rollouts_per_trial == 2
    # the run accuracy is unchanged by the readout: still the share of runs nearest their memory
    nearest = np.stack([pcn.nearest_memory(c, model.mus) for c in r.c_path[1:]])
    np.testing.assert_array_equal(r.accuracy, (nearest == r.target_ids).mean(axis=1))


def test_pc_torch_retrieve_has_the_readout_too(tiny):
    pct = pytest.importorskip("pc_torch")
    data, model = tiny
    r = pct.retrieve(model, data, restarts=2, trials=3, seed=1, progress=False)
    want = read_answers(r.c_path[1:], r.generation_error, r.target_ids[::2], model.mus, 2)
    np.testing.assert_array_equal(r.answers, want.answers)


def test_demo_summary_has_answer_accuracy_and_versions(tmp_path, capsys, monkeypatch):
    from pc_numpy.tools.cli import main
    import json
    monkeypatch.setenv("MPLBACKEND", "Agg")
    code = main(["demo", "--iterations", "20", "--trials", "3", "--restarts", "1", "--states", "8",
                 "--quiet", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert 0 <= s["answer_accuracy"] <= 1 and 0 <= s["retrieval_accuracy"] <= 1
    assert s["numpy"] == np.__version__ and set(s["blas"]) == {"name", "version"}
    assert "answer accuracy" in out and "run accuracy" in out
