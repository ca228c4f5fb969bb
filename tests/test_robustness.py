"""Robustness (issue 8): bad input everywhere above the core, divergence, reproducibility.

1. Fuzzing (hypothesis): ``train`` (both backends), ``retrieve`` (both), ``Model`` fields,
   ``save_model``/``load_model``, ``load_trajectories``, ``letter_variants``, ``nearest_memory``,
   ``fingerprint``, ``initial_values``, and random *combinations* of bad arguments to ``rollout``.
   The answer is always a ``ValueError``/``TypeError`` whose message names one of the bad
   arguments (as a word: see ``test_bad_input.names_argument``), never a bare NumPy error, an
   ``IndexError``, a silent NaN or a hang.  (``test_bad_input.py`` covers the core equations,
   rollout one argument at a time, ``loss_and_grads`` and Adam: not repeated here.)
2. Divergence: NaN/inf during training is a ``TrainingDiverged`` (a ``ValueError``) naming the
   iteration and suggesting a lower learning rate; the last good checkpoint survives; the CLI
   exits with code 1 and the message, no traceback.
3. Reproducibility: the same seed gives bit-identical results, in this process and in fresh
   interpreters; different seeds differ.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import pc_numpy as pcn
import pc_torch as pct

np_train = importlib.import_module("pc_numpy.protocols.train")      # the module (pc_numpy.train is the function)
torch_train = importlib.import_module("pc_torch.protocols.train")
from pc_numpy.protocols.checkpoint import load_model, save_model

from strategies import examples, seeds
from test_bad_input import names_argument

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DATA, _LABELS = pcn.letters()
DATA = _DATA[:3, :6]                                   # (N=3, T=6, O=2): every call is cheap
LABELS = _LABELS[:3]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def model():
    return pcn.train(DATA, LABELS, states_dim=4, iterations=3, progress=False).model


def assert_names_one_of(exc_info, names):
    message = str(exc_info.value)
    assert any(names_argument(message, n) for n in names), \
        f"{type(exc_info.value).__name__} does not name any of {sorted(names)}: {message!r}"


# ----------------------------------------------------------------------------- bad values
def bad_arrays(shape):
    """A strategy of values that are not a finite real array of ``shape``."""
    good = np.random.default_rng(0).standard_normal(shape)

    def poke(value):
        def make(i):
            out = good.copy()
            out.flat[i % out.size] = value
            return out
        return st.integers(0, good.size - 1).map(make)

    empty = [tuple(0 if k == axis else n for k, n in enumerate(shape)) for axis in range(len(shape))]
    return st.one_of(
        poke(np.nan), poke(np.inf), poke(-np.inf),
        st.just(good[..., None]), st.just(good.reshape(-1)[:1] if len(shape) > 1 else good[:, None]),
        st.just(good[0] if len(shape) > 1 else good[None]),
        st.sampled_from([np.zeros(s) for s in empty]),
        st.sampled_from([good.astype(object), good.astype(complex), good > 0, good.astype(str)]),
        st.sampled_from([None, "abc", {"a": 1}, object(), 3 + 4j, True, [[1.0], [1.0, 2.0]]]),
    )


def bad_ints(low=1):
    return st.one_of(st.integers(-3, low - 1), st.sampled_from([2.5, float(low + 1), "3", None, True, np.array([low, low]), float("nan")]))


def bad_reals(low, inclusive=True):
    below = st.floats(-1e6, low, exclude_max=inclusive, allow_nan=False)
    return st.one_of(below, st.sampled_from([float("nan"), float("inf"), -float("inf"), "0.1", None, True, [0.1], 1 + 1j]))


TRAIN_BAD = {
    "data": bad_arrays(DATA.shape),
    "labels": st.sampled_from([["a"], ["a", "b", "c", "d"], "abc", 3, [None, "b", "c"], [["a"], ["b"], ["c"]], (x for x in "abc")]),
    "states_dim": bad_ints(), "causes_dim": bad_ints(), "iterations": bad_ints(),
    "tau": bad_reals(1.0), "lr": bad_reals(0.0, inclusive=False), "weight_decay": bad_reals(0.0),
    "eps": bad_reals(0.0, inclusive=False), "seed": bad_ints(low=0),
    "betas": st.sampled_from([(1.0, 0.999), (0.9, 1.5), (-0.1, 0.9), (0.9,), "ab", None, (float("nan"), 0.9), ("a", 0.9)]),
    "checkpoint_every": bad_ints(), "checkpoint_path": st.sampled_from([3, b"model.npz", ["m.npz"], ROOT]),
    "learn_h0": st.sampled_from(["yes", 1, None]), "progress": st.sampled_from([3, "yes", 1.5]),
}


@examples(40)
@given(data=st.data())
def test_train_with_bad_arguments_names_one_of_them(data):
    chosen = data.draw(st.lists(st.sampled_from(sorted(TRAIN_BAD)), min_size=1, max_size=3, unique=True), label="args")
    kwargs = dict(labels=LABELS, states_dim=3, iterations=2, progress=False)
    kwargs.update({k: data.draw(TRAIN_BAD[k], label=k) for k in chosen})
    backend = data.draw(st.sampled_from([pcn, pct]), label="backend")
    d = kwargs.pop("data", DATA)
    with pytest.raises((ValueError, TypeError)) as info:
        backend.train(d, kwargs.pop("labels"), **kwargs)
    assert not isinstance(info.value, pcn.TrainingDiverged), str(info.value)
    assert_names_one_of(info, chosen)


def test_train_good_call_passes():
    """The unchanged call of the fuzz test succeeds in both backends (so each failure is due to
    the bad arguments)."""
    for backend in (pcn, pct):
        result = backend.train(DATA, LABELS, states_dim=3, iterations=2, progress=False)
        assert np.isfinite(result.losses).all()


def _model_corruptions(m):
    p = m.params
    return {
        "mus": ["mus", np.zeros((3, 3)), np.full((3, 2), np.nan), np.zeros(3), np.zeros((0, 2)), None],
        "h0": [np.zeros(5), np.zeros((3, 4)), np.full(4, np.inf), "h0"],
        "tau": [0.5, float("nan"), "50", None],
        "labels": [("a",), "abc", None, (1, 2, 3)],
        "params": [tuple(p), None, p._replace(w_r=np.eye(5)), p._replace(b_o=np.full(2, np.nan)),
                   p._replace(w_c=np.zeros((4, 2, 1)))],
        "data_fingerprint": [3, None],
    }


RETRIEVE_BAD = {
    "targets": bad_arrays(DATA.shape),
    "target_ids": st.sampled_from([np.array([0.0, 1.0, 2.0]), np.array([True, False, True]), [0, 1, 3], [0, -1, 2],
                                   [0, 1], "012", [[0, 1, 2]], [[0], [1, 2]], [None, 1, 2], 1]),
    "restarts": bad_ints(), "trials": bad_ints(), "seed": bad_ints(low=0),
    "alpha_x": bad_reals(0.0, inclusive=False), "alpha_h": bad_reals(0.0, inclusive=False),
    "alpha_c": bad_reals(0.0), "sigma_r": bad_reals(0.0), "sigma_c": bad_reals(0.0, inclusive=False),
    "radius": bad_reals(0.0, inclusive=False), "progress": st.sampled_from([3, "yes"]),
}


@examples(40)
@given(data=st.data())
def test_retrieve_with_bad_arguments_names_one_of_them(model, data):
    chosen = data.draw(st.lists(st.sampled_from(sorted(RETRIEVE_BAD) + ["model"]), min_size=1, max_size=3,
                                unique=True), label="args")
    kwargs = dict(restarts=1, trials=2, progress=False)
    kwargs.update({k: data.draw(RETRIEVE_BAD[k], label=k) for k in chosen if k != "model"})
    names = set(chosen)
    m = model
    if "model" in chosen:
        field = data.draw(st.sampled_from(sorted(_model_corruptions(model))), label="model field")
        bad = data.draw(st.sampled_from(_model_corruptions(model)[field]), label=f"model.{field}")
        m = model._replace(**{field: bad})
        names |= {field, "w_r", "b_o", "w_c"} if field == "params" else {field}
    backend = data.draw(st.sampled_from([pcn, pct]), label="backend")
    targets = kwargs.pop("targets", DATA)
    with pytest.raises((ValueError, TypeError)) as info:
        backend.retrieve(m, targets, kwargs.pop("target_ids", None), **kwargs)
    assert_names_one_of(info, names)


@pytest.mark.parametrize("bad", [None, "model", (1, 2)])
def test_retrieve_and_save_refuse_a_non_model(bad, tmp_path):
    for call in (lambda: pcn.retrieve(bad, DATA, trials=1), lambda: pct.retrieve(bad, DATA, trials=1),
                 lambda: save_model(tmp_path / "m.npz", bad)):
        with pytest.raises(TypeError) as info:
            call()
        assert_names_one_of(info, {"model"})
    assert not os.listdir(tmp_path)


@examples(20)
@given(data=st.data())
def test_save_model_refuses_a_corrupted_model_and_writes_nothing(model, tmp_path_factory, data):
    field = data.draw(st.sampled_from(sorted(_model_corruptions(model))), label="field")
    bad = data.draw(st.sampled_from(_model_corruptions(model)[field]), label=field)
    folder = tmp_path_factory.mktemp("save")
    with pytest.raises((ValueError, TypeError)) as info:
        save_model(folder / "m.npz", model._replace(**{field: bad}))
    assert_names_one_of(info, {field, "w_r", "b_o", "w_c"} if field == "params" else {field})
    assert not os.listdir(folder)


PATHS = st.sampled_from([None, 3, 2.5, b"model.npz", ["model.npz"], {"p": 1}, object()])


@examples(10)
@given(path=PATHS)
def test_file_functions_refuse_a_non_path(model, path):
    for call in (lambda: load_model(path), lambda: pcn.load_trajectories(path)):
        with pytest.raises(TypeError) as info:
            call()
        assert_names_one_of(info, {"path"})


@examples(20)
@given(steps=st.one_of(bad_ints(low=2), st.just(1)),
       dims=st.sampled_from([(), (0, 0), (-1,), "01", None, (0.5,), (True,), 3]), which=st.sampled_from(["steps", "dims", "both"]))
def test_load_trajectories_bad_options_name_them(tmp_path_factory, steps, dims, which):
    path = tmp_path_factory.mktemp("lt") / "d.npy"
    np.save(path, DATA)
    kwargs = {"steps": steps, "dims": dims} if which == "both" else ({"steps": steps} if which == "steps" else {"dims": dims})
    with pytest.raises((ValueError, TypeError)) as info:
        pcn.load_trajectories(path, **kwargs)
    assert_names_one_of(info, set(kwargs))


VARIANT_BAD = {
    "rng": st.sampled_from([None, 0, np.random.RandomState(0), "rng"]),
    "n_per_letter": bad_ints(),
    "jitter": bad_reals(0.0), "slant": bad_reals(0.0), "scale": bad_reals(0.0), "speed": bad_reals(0.0),
}


@examples(30)
@given(data=st.data())
def test_letter_variants_bad_arguments_name_one_of_them(data):
    chosen = data.draw(st.lists(st.sampled_from(sorted(VARIANT_BAD)), min_size=1, max_size=3, unique=True))
    kwargs = dict(rng=np.random.default_rng(0), n_per_letter=1)
    kwargs.update({k: data.draw(VARIANT_BAD[k], label=k) for k in chosen})
    with pytest.raises((ValueError, TypeError)) as info:
        pcn.letter_variants(kwargs.pop("rng"), kwargs.pop("n_per_letter"), **kwargs)
    assert_names_one_of(info, set(chosen))


@pytest.mark.parametrize("kwargs", [dict(jitter=1e300), dict(scale=1e6), dict(speed=1e3)],
                         ids=["jitter=1e300", "scale=1e6", "speed=1e3"])
def test_letter_variants_huge_noise_is_refused_by_name(kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises((ValueError, TypeError)) as info:
            pcn.letter_variants(np.random.default_rng(0), 1, **kwargs)
    assert_names_one_of(info, set(kwargs))


@examples(20)
@given(which=st.sampled_from(["c", "mus", "both"]), data=st.data())
def test_nearest_memory_bad_input_names_it(which, data):
    c, mus = np.zeros((4, 2)), np.ones((3, 2))
    bad = {"c": data.draw(bad_arrays(c.shape), label="c") if which != "mus" else c,
           "mus": data.draw(bad_arrays(mus.shape), label="mus") if which != "c" else mus}
    with pytest.raises((ValueError, TypeError)) as info:
        pcn.nearest_memory(bad["c"], bad["mus"])
    assert_names_one_of(info, {"c", "mus"} if which == "both" else {which})


def test_nearest_memory_disagreeing_sizes_name_them():
    with pytest.raises(ValueError) as info:
        pcn.nearest_memory(np.zeros((4, 2)), np.zeros((3, 3)))
    assert_names_one_of(info, {"c", "mus"})


@examples(15)
@given(bad=bad_arrays(DATA.shape))
def test_fingerprint_bad_data_names_it(bad):
    with pytest.raises((ValueError, TypeError)) as info:
        pcn.fingerprint(bad)
    assert_names_one_of(info, {"data"})


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_sequences=0), "n_sequences"), (dict(n_sequences=2.5), "n_sequences"), (dict(output_dim=0), "output_dim"),
    (dict(states_dim=0), "states_dim"), (dict(causes_dim="2"), "causes_dim"), (dict(rng=0), "rng")])
def test_initial_values_bad_input_names_it(kwargs, name):
    args = dict(n_sequences=3, output_dim=2, states_dim=4, causes_dim=2, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError)) as info:
        pcn.initial_values(args.pop("n_sequences"), args.pop("output_dim"), **args)
    assert_names_one_of(info, {name})


# ----------------------------------------------------------------------------- rollout, combined
T, B, O, S, C, P = 4, 3, 2, 4, 2, 3
_r = np.random.default_rng(1)
ROLLOUT_GOOD = dict(params=pcn.init_params(C, S, O, _r), x=_r.standard_normal((T, B, O)),
                    c0=_r.standard_normal((B, C)), h0=_r.standard_normal((B, S)), tau=2.0, alpha_x=0.1,
                    alpha_h=0.1, alpha_c=0.1, sigma_r=0.5, sigma_c=0.5, mus=_r.standard_normal((P, C)),
                    xi=_r.standard_normal((T, B, C)))
_PR = ROLLOUT_GOOD["params"]
ROLLOUT_BAD = {
    "params": st.sampled_from([tuple(_PR), None, _PR._replace(w_r=np.eye(S + 1)), _PR._replace(w_o=np.full((O, S), np.nan)),
                               _PR._replace(b_r="b"), _PR._replace(w_c=np.zeros((S, C, 1)))]),
    "x": st.one_of(bad_arrays((T, B, O)), st.just(np.zeros((T, B + 1, O))), st.just(np.zeros((T, B, O + 1)))),
    "c0": st.one_of(bad_arrays((B, C)), st.just(np.zeros((B + 1, C))), st.just(np.zeros((B, C + 1)))),
    "h0": st.one_of(bad_arrays((B, S)), st.just(np.zeros((B + 1, S))), st.just(np.zeros(S + 1))),
    "mus": st.one_of(bad_arrays((P, C)), st.just(np.zeros((P, C + 1)))),
    "xi": st.one_of(bad_arrays((T, B, C)), st.just(np.zeros((T + 1, B, C)))),
    "tau": bad_reals(1.0), "alpha_x": bad_reals(0.0), "alpha_h": bad_reals(0.0), "alpha_c": bad_reals(0.0),
    "sigma_r": bad_reals(0.0), "sigma_c": bad_reals(0.0, inclusive=False),
}
_FIELDS = {"params": {"params", "w_o", "b_o", "w_c", "w_r", "b_r"}}


@examples(60)
@given(data=st.data())
def test_rollout_with_a_random_combination_of_bad_arguments(data):
    chosen = data.draw(st.lists(st.sampled_from(sorted(ROLLOUT_BAD)), min_size=2, max_size=5, unique=True), label="args")
    kwargs = dict(ROLLOUT_GOOD)
    for k in chosen:
        kwargs[k] = data.draw(ROLLOUT_BAD[k], label=k)
    # (mus=None is wrong only while alpha_c > 0, and xi=None only while sigma_r > 0: with a bad
    # alpha_c or sigma_r that one is blamed instead, and it is among the chosen too)
    names = set().union(*(_FIELDS.get(k, {k}) for k in chosen))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no NumPy warning on the way to the error
        with pytest.raises((ValueError, TypeError)) as info:
            pcn.rollout(kwargs.pop("params"), kwargs.pop("x"), kwargs.pop("c0"), kwargs.pop("h0"), **kwargs)
    assert not isinstance(info.value, (IndexError, RuntimeWarning))
    assert_names_one_of(info, names)


# ----------------------------------------------------------------------------- divergence
def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # NumPy's overflow notes
        return fn(*args, **kwargs)


@pytest.mark.parametrize("backend", [pcn, pct], ids=["numpy", "torch"])
@pytest.mark.parametrize("case", ["lr=1e300", "data*1e200"])
def test_divergence_raises_training_diverged(backend, case):
    data, lr, at = (DATA, 1e300, 1) if case == "lr=1e300" else (DATA * 1e200, 0.03, 0)
    with pytest.raises(pcn.TrainingDiverged) as info:
        _quiet(backend.train, data, states_dim=4, iterations=10, lr=lr, progress=False)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"iteration {at}" in message, message
    if at == 0:   # nothing was updated yet: the data are to blame, not the learning rate
        assert "before any update" in message and "normalise" in message, message
    else:
        assert "lower learning rate" in message and f"lr={lr:g}" in message, message


def test_a_huge_but_finite_learning_rate_never_returns_nan():
    """lr = 1e6 does NOT diverge to NaN with Adam (its step is bounded by lr): measured loss
    ~2e10 after 30 iterations, finite.  Whatever happens, no NaN is ever returned silently."""
    result = _quiet(pcn.train, DATA, states_dim=4, iterations=30, lr=1e6, progress=False)
    assert np.isfinite(result.losses).all()
    assert all(np.isfinite(a).all() for a in (*result.model.params, result.model.mus))
    assert result.losses[-1] > result.losses[0]


def _nan_after(real, calls, what):
    """Wrap a loss function: the real values for ``calls`` calls, then NaN (loss or gradients)."""
    count = [0]

    def wrapped(*args, **kwargs):
        count[0] += 1
        out = real(*args, **kwargs)
        if count[0] <= calls:
            return out
        if what == "loss" and isinstance(out, tuple):
            return float("nan"), out[1]
        if what == "loss":
            return out * float("nan")
        loss, grads = out
        return loss, grads._replace(w_r=grads.w_r * np.nan)
    return wrapped


@pytest.mark.parametrize("what", ["loss", "gradient"])
def test_the_last_good_checkpoint_survives_divergence(tmp_path, monkeypatch, what):
    """Checkpoints every 3 iterations; from iteration 7 the loss (or a gradient) is NaN: training
    stops at iteration 7 and the file holds exactly the model after 6 iterations."""
    path = tmp_path / "model.npz"
    np_bptt = importlib.import_module("pc_numpy.bptt")          # train calls it through family("hc-a")
    monkeypatch.setattr(np_bptt, "loss_and_grads", _nan_after(np_bptt.loss_and_grads, 7, what))
    with pytest.raises(pcn.TrainingDiverged, match="iteration 7") as info:
        pcn.train(DATA, LABELS, states_dim=4, iterations=20, progress=False, checkpoint_path=path, checkpoint_every=3)
    assert ("the loss" if what == "loss" else "a gradient") in str(info.value)
    monkeypatch.undo()
    saved = load_model(path)
    assert all(np.isfinite(a).all() for a in (*saved.params, saved.mus, saved.h0))
    want = pcn.train(DATA, LABELS, states_dim=4, iterations=6, progress=False).model
    for name, a, b in zip(pcn.Params._fields + ("mus",), (*saved.params, saved.mus), (*want.params, want.mus)):
        assert a.tobytes() == b.tobytes(), f"{name}: the checkpoint is not the model after 6 iterations"
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_the_last_good_checkpoint_survives_divergence_torch(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    monkeypatch.setattr(torch_train, "loss", _nan_after(torch_train.loss, 4, "loss"))
    with pytest.raises(pcn.TrainingDiverged, match="iteration 4"):
        pct.train(DATA, LABELS, states_dim=4, iterations=20, progress=False, checkpoint_path=path, checkpoint_every=2)
    monkeypatch.undo()
    want = pcn.train(DATA, LABELS, states_dim=4, iterations=4, progress=False).model
    saved = load_model(path)
    assert np.allclose(saved.params.w_r, want.params.w_r, rtol=1e-12, atol=0)      # same training, float64


def test_real_divergence_keeps_a_finite_loadable_checkpoint(tmp_path):
    path = tmp_path / "model.npz"
    with pytest.raises(pcn.TrainingDiverged, match="iteration 1"):
        _quiet(pcn.train, DATA, LABELS, states_dim=4, iterations=10, lr=1e300, progress=False,
               checkpoint_path=path, checkpoint_every=1)
    saved = load_model(path)                                  # the model after iteration 1: huge but finite
    assert all(np.isfinite(a).all() for a in (*saved.params, saved.mus))


def test_divergence_before_the_first_checkpoint_leaves_an_old_file_alone(tmp_path, model):
    path = tmp_path / "model.npz"
    save_model(path, model)
    before = path.read_bytes()
    with pytest.raises(pcn.TrainingDiverged, match="iteration 0"):
        _quiet(pcn.train, DATA * 1e200, states_dim=4, iterations=5, progress=False, checkpoint_path=path)
    assert path.read_bytes() == before


def test_cli_divergence_exits_1_with_the_message(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "pc_numpy", "train", "--lr", "1e300", "--iterations", "5",
                        "--states", "4", "--quiet", "--out", str(tmp_path)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1, (p.returncode, p.stderr[-500:])
    assert "training diverged at iteration 1" in p.stderr and "lower learning rate" in p.stderr, p.stderr
    assert "Traceback" not in p.stdout + p.stderr, p.stderr


# ----------------------------------------------------------------------------- reproducibility
def _run(seed):
    trained = pcn.train(DATA, LABELS, states_dim=4, iterations=20, seed=seed, progress=False)
    retrieved = pcn.retrieve(trained.model, DATA, restarts=2, trials=5, seed=seed, progress=False)
    return trained, retrieved


def _arrays(trained, retrieved):
    m = trained.model
    return [trained.losses, *m.params, m.mus, m.h0, retrieved.c_path, retrieved.generation_error,
            retrieved.accuracy, retrieved.within, retrieved.confusion]


def digest(arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@examples(5)
@given(seed=seeds)
def test_same_seed_is_bit_identical_and_other_seeds_differ(seed):
    a, b = _run(seed), _run(seed)
    for i, (x, y) in enumerate(zip(_arrays(*a), _arrays(*b))):
        assert x.tobytes() == y.tobytes(), f"array {i} differs between two runs with seed {seed}"
    c = _run(seed + 1)
    assert not np.array_equal(a[0].losses, c[0].losses), "seeds differ but training does not"
    assert not np.array_equal(a[1].c_path, c[1].c_path), "seeds differ but retrieval does not"
    # rng= and seed= are the same thing
    again = pcn.retrieve(a[0].model, DATA, restarts=2, trials=5, rng=np.random.default_rng(seed), progress=False)
    assert again.c_path.tobytes() == a[1].c_path.tobytes()


_SCRIPT = """
import hashlib, numpy as np, pc_numpy as pcn
d, l = pcn.letters()
d, l = d[:3, :6], l[:3]
t = pcn.train(d, l, states_dim=4, iterations=20, seed=5, progress=False)
r = pcn.retrieve(t.model, d, restarts=2, trials=5, seed=5, progress=False)
m = t.model
h = hashlib.sha256()
for a in [t.losses, *m.params, m.mus, m.h0, r.c_path, r.generation_error, r.accuracy, r.within, r.confusion]:
    h.update(np.ascontiguousarray(a).tobytes())
print(h.hexdigest())
"""


def test_same_seed_is_bit_identical_in_fresh_interpreters():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    digests = [subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True,
                              timeout=120, check=True).stdout.strip() for _ in range(2)]
    assert digests[0] == digests[1] and len(digests[0]) == 64, digests
    assert digests[0] == digest(_arrays(*_run(5))), "this process computes other bits than a fresh one"
