"""Several seeds' models as one stack (``pc_numpy.protocols.stacked``) give each model's numbers
bit for bit: a stack only shares NumPy's calls, never a model's arithmetic or its random draws.

Compared with ``np.array_equal`` (exact): the study's per-seed results must not depend on which
seeds share a stack (``study merge`` joins runs split any way over seeds)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pc_numpy as pcn
from pc_numpy.tools.checks import TooLarge
from pc_numpy.protocols.baselines import random_search
from pc_numpy.protocols.model import Model
from pc_numpy.protocols.retrieval import retrieve
from pc_numpy.protocols.stacked import random_search_stacked, retrieve_stacked, stack_params
from pc_numpy.protocols.train import initial_values


def small_models(Z, dtype, seed, N=3, O=2, S=6, C=2, tau=4.0):
    """Z untrained models of one shape (their memories spread apart), and N targets (T = 7)."""
    rng = np.random.default_rng(seed)
    models = []
    for z in range(Z):
        v = initial_values(N, O, states_dim=S, causes_dim=C, rng=rng)
        params = pcn.Params(*(v[k].astype(dtype) for k in pcn.Params._fields))
        mus = (3 * rng.standard_normal((N, C))).astype(dtype)
        models.append(Model(params, mus, v["h0"].astype(dtype), tau, tuple("abc"[:N]), "x", "hc-a"))
    targets = (0.5 * rng.standard_normal((N, 7, O))).astype(dtype)
    return models, targets


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), Z=st.integers(1, 4), f32=st.booleans(),
       cue=st.sampled_from([(None, 0.0), (4, 0.0), (None, 0.1)]))
def test_retrieve_stacked_is_each_models_retrieve(seed, Z, f32, cue):
    dtype = np.float32 if f32 else np.float64
    models, targets = small_models(Z, dtype, seed)
    seeds = [seed % 1000 + 7 * z for z in range(Z)]
    kw = dict(restarts=2, trials=5, cue_steps=cue[0], cue_noise=cue[1], alpha_c=0.05, sigma_c=0.5)
    stacked = retrieve_stacked(models, targets, seeds=seeds, **kw)
    for z, (model, s) in enumerate(zip(models, seeds)):
        one = retrieve(model, targets, seed=s, progress=False, **kw)
        for field in ("c_path", "generation_error", "accuracy", "answers", "answer_accuracy", "best_error"):
            assert np.array_equal(getattr(stacked[z], field), getattr(one, field)), \
                f"model {z} of {Z} ({dtype.__name__}): {field} differs from its own retrieve"


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), Z=st.integers(1, 4), f32=st.booleans())
def test_random_search_stacked_is_each_models_search(seed, Z, f32):
    dtype = np.float32 if f32 else np.float64
    models, targets = small_models(Z, dtype, seed)
    seeds = [seed % 1000 + 3 * z for z in range(Z)]
    stacked = random_search_stacked(models, targets, seeds=seeds, restarts=2, trials=6)
    for z, (model, s) in enumerate(zip(models, seeds)):
        one = random_search(model, targets, seed=s, restarts=2, trials=6, progress=False)
        for field in ("answers", "answer_accuracy", "best_error", "generation_error"):
            assert np.array_equal(getattr(stacked[z], field), getattr(one, field)), \
                f"model {z} of {Z} ({dtype.__name__}): {field} differs from its own random search"


def test_stack_params_shapes():
    models, _ = small_models(3, np.float64, 0)
    p = stack_params([m.params for m in models])
    assert p.w_r.shape == (3, 6, 6) and p.b_r.shape == (3, 1, 6) and p.b_o.shape == (3, 1, 2)


def test_a_stack_refuses_models_that_differ():
    models, targets = small_models(2, np.float64, 1)
    other = models[1]._replace(tau=5.0)
    with pytest.raises(ValueError, match=r"models\[1\] differs"):
        retrieve_stacked([models[0], other], targets, seeds=[0, 1], trials=1)
    with pytest.raises(ValueError, match="one seed per model"):
        retrieve_stacked(models, targets, seeds=[0], trials=1)
    f32 = models[1]._replace(params=pcn.Params(*(a.astype(np.float32) for a in models[1].params)))
    with pytest.raises(ValueError, match=r"models\[1\] is float32"):
        random_search_stacked([models[0], f32], targets, seeds=[0, 1], trials=1)


def test_a_stack_is_budgeted_as_all_its_models(monkeypatch):
    """The memory check counts the Z models' runs of a stack, not one model's: a retrieval that
    fits alone is refused as a stack of 4 when the budget holds about 2, before any trial."""
    models, targets = small_models(4, np.float64, 2)
    kw = dict(restarts=64, trials=2000)
    from pc_numpy.protocols.retrieval import retrieval_bytes
    one = retrieval_bytes(3, 7, 2, 6, 2, 3, 64, 2000)
    monkeypatch.setenv("PC_NUMPY_MEMORY_BUDGET", str(int(2.5 * one)))
    from pc_numpy.protocols.retrieval import RETRIEVAL_RATES
    from pc_numpy.protocols.stacked import check_stack
    check_stack(models[:1], [0], targets, None, radius=0.1, rates=RETRIEVAL_RATES, **kw)  # one model: fits
    with pytest.raises(TooLarge, match="trials"):
        retrieve_stacked(models, targets, seeds=[0, 1, 2, 3], **kw)
