"""The experiment end to end (issue 4): training in both backends, retrieval, its metrics.

Measured facts these tests rest on (5 letters a e m o v, S = 20, 300 iterations, seeds 0-9,
on the embedded letters of this commit):

- loss[0] / loss[-1] was 14.9 to 40.0 (median ~23): asserted > 8;
- retrieval of the 5 training letters, 4 restarts, 100 trials, ``alpha_c = 0.001``: final
  accuracy 0.65 to 1.0 (chance 0.2): asserted >= 0.5; of 2 unseen variants per letter: 0.5 to
  0.9: asserted >= 0.4.
- With the default ``alpha_c = 0.0085`` (tuned for 20 memories) the same 5-letter models reach
  only 0.35 to 0.75 after 100 trials: with few, far-apart memories the narrow prior basins
  (``sigma_c = 0.096``) capture ``c`` before the bottom-up term can move it.  The full experiment
  (20 letters, S = 50, 1000 iterations, 1000 trials, defaults) measured 0.80 (seed 0), in ~22 s:
  too slow for this suite.
- pc_numpy vs pc_torch training, float64, same initial values: loss histories agree to ~4e-16
  relative, final parameters to ~1e-14 relative (5 letters S = 20 and 20 letters S = 50, 50
  iterations).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import pc_numpy as pcn
import pc_torch as pct
from pc_numpy.protocols.retrieval import nearest_memory, summarise

NAMES = ["a", "e", "m", "o", "v"]

# Same algebra in float64, summed in a different order: the loss is a mean of T*B*O squares, each
# a few hundred operations deep; 50 Adam steps later the measured difference is ~4e-16 relative.
RTOL_LOSS = 1e-8
# Parameters after 50 Adam steps.  Adam divides the first moment by sqrt(v) + eps: where v is
# tiny (a gradient entry near zero) a rounding-level difference in the gradient becomes a
# visible difference in the step (at worst lr * |dg| / eps).  Measured: <= 1.0e-14 relative to
# max|param| for every array; 1e-9 keeps five orders of margin and still catches any algebraic
# slip (which shows as >= 1e-4 after 50 steps).
RTOL_PARAMS = 1e-9


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Two torch threads on a loaded two-core machine run ~7x slower than one (measured)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def subset(names=NAMES, steps=None):
    data, labels = pcn.letters()
    idx = [labels.index(n) for n in names]
    return data[idx, :steps], [labels[i] for i in idx]


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def compare_backends(data, labels, states_dim, iterations, seed):
    a = pcn.train(data, labels, states_dim=states_dim, iterations=iterations, seed=seed, progress=False)
    b = pct.train(data, labels, states_dim=states_dim, iterations=iterations, seed=seed, progress=False)
    assert type(a) is type(b) and type(a.model) is type(b.model)
    assert a.losses.shape == b.losses.shape == (iterations,)
    per_iter = np.abs(a.losses - b.losses) / np.abs(b.losses)                              # (iterations,)
    worst = int(np.argmax(per_iter))
    assert per_iter[worst] <= RTOL_LOSS, \
        f"loss at iteration {worst}: numpy {a.losses[worst]!r} torch {b.losses[worst]!r} rel {per_iter[worst]:.2e}"
    for name, x, y in zip(pcn.Params._fields + ("mus", "h0"), (*a.model.params, a.model.mus, a.model.h0),
                          (*b.model.params, b.model.mus, b.model.h0)):
        assert x.shape == y.shape, f"{name}: {x.shape} vs {y.shape}"
        assert rel(x, y) <= RTOL_PARAMS, f"{name} after {iterations} iterations: rel. error {rel(x, y):.2e}"
    assert a.model.labels == b.model.labels and a.model.tau == b.model.tau
    assert a.model.data_fingerprint == b.model.data_fingerprint == pcn.fingerprint(data)
    return a, b


@pytest.mark.parametrize("seed", [0, 7])
def test_both_backends_train_the_same_model_small(seed):
    data, labels = subset(steps=None)
    compare_backends(data, labels, states_dim=20, iterations=50, seed=seed)


def test_both_backends_train_the_same_model_at_the_experiment_size():
    """All 20 letters, S = 50, 50 iterations (measured ~0.6 s numpy + ~0.9 s torch)."""
    data, labels = pcn.letters()
    a, _ = compare_backends(data, labels, states_dim=50, iterations=50, seed=0)
    assert a.losses[-1] < a.losses[0]


def test_both_backends_agree_with_a_learned_h0():
    data, labels = subset(["c", "l", "s"], steps=20)
    a = pcn.train(data, labels, states_dim=6, iterations=20, learn_h0=True, progress=False)
    b = pct.train(data, labels, states_dim=6, iterations=20, learn_h0=True, progress=False)
    assert rel(a.losses, b.losses) <= RTOL_LOSS
    assert rel(a.model.h0, b.model.h0) <= RTOL_PARAMS
    start = pcn.initial_values(3, 2, states_dim=6, causes_dim=2, rng=np.random.default_rng(0))["h0"]
    assert not np.array_equal(a.model.h0, start), "learn_h0=True left h0 unchanged"


# ----------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def experiment():
    data, labels = subset()
    trained = pcn.train(data, labels, states_dim=20, iterations=300, seed=0, progress=False)
    result = pcn.retrieve(trained.model, data, restarts=4, trials=100, alpha_c=0.001, seed=0,
                          progress=False)
    return data, trained, result


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_loss_falls(seed):
    data, labels = subset()
    losses = pcn.train(data, labels, states_dim=20, iterations=300, seed=seed, progress=False).losses
    assert np.isfinite(losses).all()
    assert losses[-1] < losses[0] / 8, f"loss {losses[0]:.4f} -> {losses[-1]:.4f} (factor {losses[0] / losses[-1]:.1f})"
    assert losses[-50:].mean() < losses[:50].mean() / 5


def test_retrieval_accuracy_is_well_above_chance(experiment):
    _, trained, result = experiment
    P = trained.model.mus.shape[0]
    assert result.final_accuracy >= 0.5, f"accuracy {result.final_accuracy} (chance {1 / P})"
    assert result.accuracy[-1] > result.accuracy[0] or result.accuracy[0] >= 0.5


def test_retrieval_result_is_consistent(experiment):
    data, trained, result = experiment
    model = trained.model
    P, C = model.mus.shape
    R, K = 4, 100
    B = P * R
    assert isinstance(result, pcn.RetrievalResult)
    assert result.c_path.shape == (K + 1, B, C)
    np.testing.assert_array_equal(result.target_ids, np.repeat(np.arange(P), R))
    assert result.generation_error.shape == (K, B)
    assert np.isfinite(result.generation_error).all() and (result.generation_error >= 0).all()
    assert result.accuracy.shape == result.within.shape == (K,)
    assert ((0 <= result.accuracy) & (result.accuracy <= 1)).all()
    assert ((0 <= result.within) & (result.within <= 1)).all()
    assert result.final_accuracy == result.accuracy[-1] and result.final_within == result.within[-1]
    assert result.labels == tuple(NAMES) and result.radius == 0.1 and result.seconds > 0
    # accuracy recomputed by brute force from c_path: the share of runs nearest their own mean
    dist = np.linalg.norm(result.c_path[1:, :, None, :] - model.mus[None, None], axis=3)  # (K, B, P)
    nearest = dist.argmin(axis=2)                                                         # (K, B)
    np.testing.assert_array_equal(result.accuracy, (nearest == result.target_ids).mean(axis=1))
    own = dist[:, np.arange(B), result.target_ids]                                        # (K, B)
    np.testing.assert_array_equal(result.within, (own < result.radius).mean(axis=1))
    # confusion: R runs per target; the diagonal is the final hits
    assert result.confusion.shape == (P, P) and result.confusion.dtype.kind == "i"
    np.testing.assert_array_equal(result.confusion.sum(axis=1), np.full(P, R))
    assert result.confusion.trace() / B == result.final_accuracy
    np.testing.assert_array_equal(result.accuracy_per_target, np.diag(result.confusion) / R)
    assert abs(result.accuracy_per_target.mean() - result.final_accuracy) < 1e-15   # equal restarts per target
    # within implies nearest when every two means are more than 2 * radius apart (measured: 0.85)
    gaps = np.linalg.norm(model.mus[:, None] - model.mus[None], axis=2)[np.triu_indices(P, 1)]
    assert gaps.min() > 2 * result.radius
    assert (result.within <= result.accuracy).all()
    # the generation error after the last trial is lower for the runs that found their memory
    hit = nearest[-1] == result.target_ids
    if hit.any() and (~hit).any():
        assert result.generation_error[-1, hit].mean() < result.generation_error[-1, ~hit].mean()


def test_default_target_ids_are_the_training_sequences(experiment):
    data, trained, result = experiment
    again = pcn.retrieve(trained.model, data, np.arange(len(data)), restarts=4, trials=5,
                         alpha_c=0.001, seed=0, progress=False)
    np.testing.assert_array_equal(again.c_path, result.c_path[:6])


def test_unseen_variants_are_retrieved_with_target_ids(experiment):
    _, trained, _ = experiment
    variants, vlabels = pcn.letter_variants(np.random.default_rng(123), 2)
    keep = [i for i, lab in enumerate(vlabels) if lab in NAMES]
    targets = variants[keep]                                                              # (10, 60, 2)
    ids = np.array([NAMES.index(vlabels[i]) for i in keep])
    result = pcn.retrieve(trained.model, targets, ids, restarts=2, trials=100, alpha_c=0.001,
                          seed=0, progress=False)
    assert result.c_path.shape == (101, 20, 2)
    np.testing.assert_array_equal(result.target_ids, np.repeat(ids, 2))
    np.testing.assert_array_equal(result.confusion.sum(axis=1), np.full(5, 4))
    assert result.final_accuracy >= 0.4, f"variants: accuracy {result.final_accuracy} (chance 0.2)"
    # a memory never shown gets NaN, the others a share
    one = pcn.retrieve(trained.model, targets[:2], ids[:2], restarts=1, trials=2, seed=0, progress=False)
    shown = np.isin(np.arange(5), ids[:2])
    assert np.isnan(one.accuracy_per_target[~shown]).all()
    assert np.isfinite(one.accuracy_per_target[shown]).all()


# ----------------------------------------------------------------------------- pc_torch.retrieve
def test_pc_torch_retrieve_has_the_same_type_shapes_and_metrics(experiment):
    data, trained, result = experiment
    b = pct.retrieve(trained.model, data, restarts=4, trials=10, alpha_c=0.001, seed=0, progress=False)
    a = pcn.retrieve(trained.model, data, restarts=4, trials=10, alpha_c=0.001, seed=0, progress=False)
    assert type(a) is type(b) is pcn.RetrievalResult
    for field in a._fields:
        x, y = getattr(a, field), getattr(b, field)
        assert type(x) is type(y), f"{field}: {type(x)} vs {type(y)}"
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and x.dtype == y.dtype, f"{field}: {x.shape} {x.dtype} vs {y.shape} {y.dtype}"
    # the metrics are a function of the c path: summarise gives back each backend's own fields
    for r in (a, b):
        again = summarise(r.c_path, r.target_ids, r.generation_error, trained.model.mus,
                          trained.model.labels, r.radius, r.seconds, restarts=r.restarts,
                          trial_cpu_seconds=r.trial_cpu_seconds)
        for field in r._fields:
            np.testing.assert_array_equal(np.asarray(getattr(again, field)), np.asarray(getattr(r, field)),
                                          err_msg=field)


def test_pc_torch_retrieve_follows_the_same_path_from_the_same_start(experiment, monkeypatch):
    """Without the noise of (7) the only random draw is the start: give torch numpy's start,
    and both backends must follow the same c path and so report the same metrics."""
    data, trained, _ = experiment
    kw = dict(restarts=2, trials=20, alpha_c=0.001, sigma_r=0.0, seed=3, progress=False)
    a = pcn.retrieve(trained.model, data, **kw)
    start = torch.from_numpy(a.c_path[0].copy())
    calls = []

    def same_start(*shape, generator=None, dtype=None, device=None):
        calls.append(shape)
        return start.to(dtype)

    monkeypatch.setattr(torch, "randn", same_start)
    b = pct.retrieve(trained.model, data, **kw)
    monkeypatch.undo()
    assert calls == [(10, 2)], calls
    # 20 trials of 60 inference steps in float64: measured 7e-17 (c_path), 5e-16 (generation error)
    assert rel(b.c_path, a.c_path) <= 1e-9, f"c_path rel. error {rel(b.c_path, a.c_path):.2e}"
    assert rel(b.generation_error, a.generation_error) <= 1e-9
    for field in ("accuracy", "within", "confusion", "accuracy_per_target", "target_ids"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    mixed = summarise(b.c_path, a.target_ids, b.generation_error, trained.model.mus, trained.model.labels,
                      0.1, 0.0)
    np.testing.assert_array_equal(mixed.accuracy, a.accuracy)


def test_nearest_memory_matches_brute_force():
    rng = np.random.default_rng(5)
    c, mus = rng.standard_normal((50, 3)), rng.standard_normal((7, 3))
    want = np.array([np.argmin([np.linalg.norm(ci - m) for m in mus]) for ci in c])
    np.testing.assert_array_equal(nearest_memory(c, mus), want)
