"""Checkpoints (``pc_numpy.protocols.checkpoint``): exact round trips, every malformed file refused with a
``ValueError`` that names the file, nothing unpickled, and atomic writes.

Exactness: a checkpoint stores float64 arrays as raw bytes, so a round trip must be bit-identical
(compared with ``tobytes()``, not a tolerance).
"""
from __future__ import annotations

import os
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, strategies as st

import pc_numpy as pcn
from pc_numpy.protocols.checkpoint import FORMAT, load_model, save_model

from strategies import examples, seeds

FLOAT_KEYS = ("w_o", "b_o", "w_c", "w_r", "b_r", "mus", "h0", "tau")
ALL_KEYS = FLOAT_KEYS + ("labels", "data_fingerprint", "format")


def random_model(rng: np.random.Generator, O=2, S=4, C=2, P=3, labels=None, tau=7.5) -> pcn.Model:
    params = pcn.Params(*(10.0 ** rng.uniform(-3, 3) * v for v in pcn.init_params(C, S, O, rng)))
    labels = tuple(f"m{i}" for i in range(P)) if labels is None else tuple(labels)
    return pcn.Model(params, rng.standard_normal((P, C)), rng.standard_normal(S), float(tau), labels,
                     "f" * 64)


def assert_models_identical(got: pcn.Model, want: pcn.Model) -> None:
    for name, a, b in zip(pcn.Params._fields + ("mus", "h0"), (*got.params, got.mus, got.h0),
                          (*want.params, want.mus, want.h0)):
        assert isinstance(a, np.ndarray) and a.dtype == np.float64, f"{name}: {type(a)} {getattr(a, 'dtype', '')}"
        assert a.shape == b.shape, f"{name}: shape {a.shape}, saved {b.shape}"
        assert a.tobytes() == np.asarray(b, dtype=np.float64).tobytes(), f"{name}: not bit-identical"
    assert got.tau == want.tau and type(got.tau) is float, f"tau {got.tau!r} vs {want.tau!r}"
    assert got.labels == tuple(want.labels), f"labels {got.labels} vs {want.labels}"
    assert all(type(s) is str for s in got.labels), "labels must come back as str"
    assert got.data_fingerprint == want.data_fingerprint


@pytest.fixture(scope="module")
def trained():
    data, labels = pcn.letters()
    return pcn.train(data[:3, :10], labels[:3], states_dim=5, iterations=3, progress=False).model


@pytest.fixture()
def good_file(tmp_path, trained):
    path = tmp_path / "model.npz"
    save_model(path, trained)
    return path


# ----------------------------------------------------------------------------- round trips
def test_round_trip_of_a_trained_model_is_exact(tmp_path, trained):
    save_model(tmp_path / "m.npz", trained)
    back = load_model(tmp_path / "m.npz")
    assert_models_identical(back, trained)
    assert back.data_fingerprint == pcn.fingerprint(pcn.letters()[0][:3, :10])


# labels: any text except NUL (NumPy's fixed-width unicode dtype drops trailing NULs).
label_text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=6)


@examples(20)
@given(seed=seeds, O=st.integers(1, 4), S=st.integers(1, 6), C=st.integers(1, 4), P=st.integers(1, 5),
       tau=st.floats(1.0, 1e6), data=st.data())
def test_round_trip_is_bit_identical(tmp_path_factory, seed, O, S, C, P, tau, data):
    labels = data.draw(st.lists(label_text, min_size=P, max_size=P, unique=True), label="labels")  # labels name memories: unique
    model = random_model(np.random.default_rng(seed), O, S, C, P, labels, tau)
    path = tmp_path_factory.mktemp("rt") / "m.npz"
    save_model(path, model)
    assert_models_identical(load_model(path), model)


def test_saved_file_is_plain_arrays_and_not_private(tmp_path, good_file):
    with np.load(good_file, allow_pickle=False) as f:              # no object arrays at all
        assert set(f.files) == set(ALL_KEYS)
        assert str(f["format"]) == FORMAT
    umask = os.umask(0)
    os.umask(umask)
    assert (good_file.stat().st_mode & 0o777) == (0o666 & ~umask), oct(good_file.stat().st_mode)


def test_save_model_refuses_an_invalid_model_and_writes_nothing(tmp_path, trained):
    path = tmp_path / "m.npz"
    cases = [("labels", trained._replace(labels=("a",))), ("mus", trained._replace(mus=np.full((3, 2), np.nan))),
             ("h0", trained._replace(h0=np.zeros(6))), ("w_r", trained._replace(params=trained.params._replace(w_r=np.eye(6)))),
             ("tau", trained._replace(tau=0.5)), ("model", tuple(trained))]
    for name, bad in cases:
        with pytest.raises((ValueError, TypeError), match=rf"\b{name}\b"):
            save_model(path, bad)
        assert os.listdir(tmp_path) == [], f"{name}: save_model left {os.listdir(tmp_path)}"


# ----------------------------------------------------------------------------- bad files
def _rewrite(path, **changes):
    """Save the arrays of checkpoint ``path`` again with ``changes`` (None deletes a key)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    return path


def _refused(path, *words):
    with pytest.raises(ValueError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message, f"the message does not name the file: {message!r}"
    for w in words:
        assert w in message, f"the message does not say {w!r}: {message!r}"
    return message


@pytest.mark.parametrize("key", ALL_KEYS)
def test_missing_key_is_refused(good_file, key):
    _refused(_rewrite(good_file, **{key: None}), key)


def test_extra_key_is_refused(good_file):
    _refused(_rewrite(good_file, extra=np.zeros(2)), "extra")


@pytest.mark.parametrize("key", FLOAT_KEYS)
def test_wrong_dtype_is_refused(good_file, key):
    with np.load(good_file) as f:
        value = f[key]
    _refused(_rewrite(good_file, **{key: value.astype(np.float32)}), key, "float64")


@pytest.mark.parametrize("key", ["labels", "data_fingerprint"])
def test_non_string_labels_or_fingerprint_are_refused(good_file, key):
    bad = np.arange(3) if key == "labels" else np.float64(1.0)
    _refused(_rewrite(good_file, **{key: bad}), key)


@pytest.mark.parametrize("key", FLOAT_KEYS + ("labels",))
def test_wrong_shape_is_refused(good_file, key):
    with np.load(good_file) as f:
        value = f[key]
    _refused(_rewrite(good_file, **{key: value[..., None]}), key)          # one axis too many
    if value.ndim:
        wrong = np.concatenate([value, value[:1]], axis=0)                    # a size that disagrees
        message = _refused(_rewrite(good_file, **{key: wrong}))
        # the first key (in file order) that meets the disagreeing size is blamed, with its source
        assert key in message or "labels must be" in message, message


@pytest.mark.parametrize("key", FLOAT_KEYS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_value_is_refused(good_file, key, bad):
    with np.load(good_file) as f:
        value = f[key].copy()
    value.flat[-1] = bad
    _refused(_rewrite(good_file, **{key: value}), key)


def test_tau_below_one_and_foreign_format_are_refused(good_file):
    _refused(_rewrite(good_file, tau=np.float64(0.5)), "tau")
    _refused(_rewrite(good_file, tau=np.float64(50.0), format=np.array("something-else/2")), "format")


def test_non_npz_files_are_refused(tmp_path):
    text = tmp_path / "text.npz"
    text.write_text("hello, world\n")
    pick = tmp_path / "pickle.npz"
    pick.write_bytes(pickle.dumps({"w_o": [1.0]}))
    bare = tmp_path / "bare.npz"
    with open(bare, "wb") as f:                       # a .npy array under an .npz name
        np.save(f, np.zeros(3))
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    for path in (text, pick, bare, empty):
        _refused(path)


def test_a_zip_of_other_files_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not arrays")
    _refused(path)


_UNPICKLED = []


def _record_unpickling():
    _UNPICKLED.append(1)
    return "unpickled"


class _Sentinel:
    def __reduce__(self):
        return (_record_unpickling, ())


@pytest.mark.parametrize("key", ["labels", "w_o"])
def test_object_array_is_refused_without_unpickling(good_file, key):
    obj = np.empty(3, dtype=object)
    obj[:] = [_Sentinel(), "b", "c"]
    _UNPICKLED.clear()
    _refused(_rewrite(good_file, **{key: obj}))
    assert _UNPICKLED == [], "load_model unpickled an object array"


def test_a_directory_is_a_value_error_and_a_missing_file_not_found(tmp_path):
    folder = tmp_path / "dir.npz"
    folder.mkdir()
    _refused(folder)
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_model(tmp_path / "nope.npz")


@pytest.mark.parametrize("path", [None, 3, b"model.npz", ["model.npz"]])
def test_path_of_the_wrong_type_names_path(path):
    with pytest.raises(TypeError, match=r"\bpath\b"):
        load_model(path)


@examples(30)
@given(fraction=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_file_is_refused(tmp_path_factory, fraction):
    """Every strict prefix of a good checkpoint is refused (a zip's directory is at its end)."""
    folder = tmp_path_factory.mktemp("trunc")
    good = folder / "good.npz"
    save_model(good, random_model(np.random.default_rng(0)))
    raw = good.read_bytes()
    cut = folder / "cut.npz"
    cut.write_bytes(raw[:int(fraction * len(raw))])             # 0 .. len - 1 bytes
    _refused(cut)


# ----------------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_checkpoint_and_no_temporary_file(tmp_path, monkeypatch, trained, error):
    path = tmp_path / "model.npz"
    save_model(path, trained)
    before = path.read_bytes()

    def half_write(file, **arrays):
        file.write(b"PK\x03\x04 half a checkpoint")
        raise error

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(type(error)):
        save_model(path, random_model(np.random.default_rng(1)))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["model.npz"], f"left behind: {os.listdir(tmp_path)}"
    assert path.read_bytes() == before, "the old checkpoint was changed"
    assert_models_identical(load_model(path), trained)


def test_save_creates_missing_folders_and_overwrites(tmp_path, trained):
    path = tmp_path / "a" / "b" / "model.npz"
    save_model(path, random_model(np.random.default_rng(2)))
    save_model(path, trained)
    assert_models_identical(load_model(path), trained)
    assert os.listdir(path.parent) == ["model.npz"]
