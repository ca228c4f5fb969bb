"""load_trajectories: round trips for every format, the restricted unpickler, .ts conversion, and
one ValueError (naming the file) for every kind of bad file.

Round trips are exact (float64 bits): .npy/.npz/.pk store the bytes, and .csv is written with
repr(), which Python guarantees to read back to the same float.
"""
import csv
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from pc_numpy.data.letters import TARGET_RMS
from pc_numpy.data.loaders import SUPPORTED_EXTENSIONS, load_trajectories

FAST = settings(max_examples=25, deadline=None)

# (N, T, D) arrays of finite floats, N, T, D >= 1
shapes = hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5)
float_arrays = hnp.arrays(np.float64, shapes,
                          elements=st.floats(allow_nan=False, allow_infinity=False, width=64))
label_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3)


def expect_bad(path, *fragments, error=ValueError):
    """load_trajectories(path) raises ``error`` whose message names the file and each fragment."""
    with pytest.raises(error) as info:
        load_trajectories(path)
    message = str(info.value)
    assert str(path) in message, f"the message does not name the file: {message}"
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in: {message}"
    return message


# ----------------------------------------------------------------------------------------------
# round trips
# ----------------------------------------------------------------------------------------------
@FAST
@given(float_arrays)
def test_npy_round_trip(arr):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.npy")
        np.save(path, arr)
        data, labels = load_trajectories(path)
    assert labels is None
    assert data.dtype == np.float64 and data.tobytes() == arr.tobytes()


def test_npy_other_numeric_dtypes_and_orders(tmp_path):
    arr = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    for k, a in enumerate([arr, arr.astype(np.float32), np.asfortranarray(arr), arr.astype(np.uint8)]):
        np.save(tmp_path / f"{k}.npy", a)
        data, _ = load_trajectories(tmp_path / f"{k}.npy")          # a Path works too
        assert data.dtype == np.float64 and data.flags.c_contiguous and data.flags.writeable
        np.testing.assert_array_equal(data, arr)


@FAST
@given(float_arrays, st.data())
def test_npz_round_trip(arr, draw):
    n = arr.shape[0]
    kind = draw.draw(st.sampled_from(["none", "str", "int"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.npz")
        if kind == "none":
            np.savez(path, data=arr)                   # (any other key is refused: test_reliability)
            expected = None
        elif kind == "str":
            expected = draw.draw(st.lists(label_text, min_size=n, max_size=n))
            np.savez_compressed(path, data=arr, labels=np.array(expected))
        else:
            ints = draw.draw(st.lists(st.integers(-5, 99), min_size=n, max_size=n))
            np.savez(path, data=arr, labels=np.array(ints, dtype=np.int64))
            expected = [str(i) for i in ints]
        data, labels = load_trajectories(path)
    assert data.tobytes() == arr.tobytes()
    assert labels == expected


def write_csv(path, arr, labels=None, order=None, seq_names=None):
    """The documented long layout: sequence,step,x0..x{D-1}[,label], rows in ``order``."""
    n, t, d = arr.shape
    seq_names = seq_names or [f"s{i}" for i in range(n)]
    rows = [(i, k) for i in range(n) for k in range(t)]
    if order is not None:
        rows = [rows[j] for j in order]
    with open(path, "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["sequence", "step"] + [f"x{j}" for j in range(d)] + (["label"] if labels else []))
        for i, k in rows:
            w.writerow([seq_names[i], k] + [repr(float(v)) for v in arr[i, k]]
                       + ([labels[i]] if labels else []))


@FAST
@given(float_arrays, st.booleans(), st.randoms(use_true_random=False))
def test_csv_round_trip(arr, with_labels, random):
    n, t, _ = arr.shape
    labels = [random.choice("abc") for _ in range(n)] if with_labels else None
    # rows of a sequence in any order; sequences keep their order of first appearance
    order = list(range(n * t))
    for i in range(n):
        block = order[i * t:(i + 1) * t]
        random.shuffle(block)
        order[i * t:(i + 1) * t] = block
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.csv")
        write_csv(path, arr, labels, order)
        data, got = load_trajectories(path)
    assert data.tobytes() == arr.tobytes()
    assert got == labels


def test_csv_interleaved_rows_and_any_column_order(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("x,label,step,sequence,y\n"
                    "1.0,a,0,first,2.0\n"
                    "\n"
                    "5.0,b,1,second,6.0\n"
                    "3.0,a,1,first,4.0\n"
                    "7.0,b,0,second,8.0\n")
    data, labels = load_trajectories(path)
    np.testing.assert_array_equal(data, [[[1, 2], [3, 4]], [[7, 8], [5, 6]]])
    assert labels == ["a", "b"]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@FAST
@given(arr=float_arrays)
def test_pickle_round_trip(protocol, arr):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.pk")
        with open(path, "wb") as handle:
            pickle.dump(arr, handle, protocol=protocol)
        data, labels = load_trajectories(path)
    assert labels is None
    assert data.tobytes() == arr.tobytes()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_like_the_notebook(tmp_path, protocol):
    """The original file: a (20, 60, 2) float64 array; also Fortran order, float32, .pkl."""
    arr = np.random.default_rng(protocol).normal(size=(20, 60, 2))
    for name, a in [("a.pk", arr), ("b.pkl", np.asfortranarray(arr)),
                    ("c.pk", arr.astype(np.float32))]:
        (tmp_path / name).write_bytes(pickle.dumps(a, protocol=protocol))
        data, _ = load_trajectories(tmp_path / name)
        assert data.shape == (20, 60, 2) and data.dtype == np.float64
        np.testing.assert_array_equal(data, a)


@pytest.mark.parametrize("protocol", [2, 3])
def test_pickle_written_by_numpy_1(tmp_path, protocol):
    """NumPy 1.x names its module numpy.core, NumPy 2.x numpy._core: both must load.  Protocols
    2 and 3 store a global as newline-terminated text, so the name can be swapped in place."""
    arr = np.arange(12.0).reshape(1, 4, 3)
    raw = pickle.dumps(arr, protocol=protocol)
    old = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray\n_reconstruct" in old
    (tmp_path / "old.pk").write_bytes(old)
    data, _ = load_trajectories(tmp_path / "old.pk")
    np.testing.assert_array_equal(data, arr)


# ----------------------------------------------------------------------------------------------
# the restricted unpickler refuses everything else, and runs nothing
# ----------------------------------------------------------------------------------------------
class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def write_marker(path):
    Path(path).write_text("pwned")


class CallsAFunction:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (write_marker, (str(self.marker),))


class Evals:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


class Custom:
    def __init__(self):
        self.data = np.zeros((1, 2, 2))


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("payload, refused", [
    (RunsACommand, "system"),
    (CallsAFunction, "write_marker"),
    (Evals, ".eval"),                   # builtins.eval (protocol 2 writes __builtin__.eval)
])
def test_malicious_pickle_is_refused_and_not_run(tmp_path, protocol, payload, refused):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pk"
    path.write_bytes(pickle.dumps(payload(marker), protocol=protocol))
    assert not marker.exists()
    expect_bad(path, refused, "refused")
    assert not marker.exists(), "the pickle's code ran"


def test_malicious_payload_inside_an_array_is_refused(tmp_path):
    """An object array whose element would run a command: refused before it is built."""
    marker = tmp_path / "pwned"
    arr = np.empty((1, 1, 1), dtype=object)
    arr[0, 0, 0] = RunsACommand(marker)
    path = tmp_path / "evil.pk"
    path.write_bytes(pickle.dumps(arr, protocol=4))
    expect_bad(path, "system", "refused")
    assert not marker.exists()


@pytest.mark.parametrize("obj, fragment", [
    ({"data": np.zeros((1, 2, 2))}, "dict"),
    ([np.zeros((1, 2, 2))], "list"),
    ((np.zeros((1, 2, 2)), ["a"]), "tuple"),
    ("just text", "str"),
    (Custom(), "refused"),                       # its class is a global: refused
    (np.float64(1.5), "float64"),                # a NumPy scalar, not an array
    (np.zeros((2, 3)), "3-D"),
    (np.array([[[1, 2]]], dtype=object), "dtype object"),
    (np.array([[["a", "b"]]]), "dtype <U1"),
    (np.full((1, 2, 2), np.nan), "NaN"),
    (np.array([[[True]]]), "dtype bool"),
    (np.zeros((1, 0, 2)), "empty"),
    (np.ma.masked_array(np.zeros((1, 2, 2))), "refused"),  # a subclass: numpy.ma is refused
])
def test_pickle_of_anything_but_a_numeric_array(tmp_path, obj, fragment):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=4))
    expect_bad(path, fragment)


def test_pickle_codecs_encode_only_latin1(tmp_path):
    import _codecs

    class Rot13:
        def __reduce__(self):
            return (_codecs.encode, ("abc", "rot13"))

    path = tmp_path / "x.pk"
    path.write_bytes(pickle.dumps(Rot13(), protocol=2))
    expect_bad(path, "latin-1")


def test_pickle_truncated_and_garbage(tmp_path):
    raw = pickle.dumps(np.zeros((2, 3, 2)), protocol=4)
    (tmp_path / "cut.pk").write_bytes(raw[: len(raw) // 2])
    expect_bad(tmp_path / "cut.pk", "pickle")
    (tmp_path / "junk.pk").write_bytes(b"\x00\x01 this is not a pickle")
    expect_bad(tmp_path / "junk.pk")


# ----------------------------------------------------------------------------------------------
# .ts: UEA/UCR CharacterTrajectories text format
# ----------------------------------------------------------------------------------------------
TS_TEXT = """# CharacterTrajectories-like file written by the test
@problemName Tiny
@timeStamps false
@missing true
@univariate false
@dimensions 3
@equalLength false
@classLabel true a b c

@data
1,0,2,0,0:0,0,1,0,0:5,5,5,0,0:a
0.5,1.0,-1.0,?:1,1,2,?:1,1,1,?:b
"""


def test_ts_positions_by_hand(tmp_path):
    path = tmp_path / "tiny.ts"
    path.write_text(TS_TEXT)
    data, labels = load_trajectories(path, steps=5)
    assert labels == ["a", "b"]
    # case a: velocities x = 1,0,2 y = 0,0,1 (step 1 kept: the force is not 0; steps 3-4 are
    # zero padding).  Positions (cumulative sums): x = 1,1,3  y = 0,0,1, at times 0, 0.5, 1.
    # Resampled at times 0, .25, .5, .75, 1:  x = 1,1,1,2,3  y = 0,0,0,.5,1
    a = np.array([[1, 0], [1, 0], [1, 0], [2, 0.5], [3, 1]])
    # case b: the '?' step is trimmed; x = .5,1,-1 -> .5,1.5,.5;  y = 1,1,2 -> 1,2,4
    # Resampled: x = .5,1,1.5,1,.5  y = 1,1.5,2,3,4
    b = np.array([[0.5, 1], [1, 1.5], [1.5, 2], [1, 3], [0.5, 4]])
    raw = np.stack([a, b])
    u = raw - raw[:, :1]                                            # each case starts at 0
    u = u - u.mean(axis=(0, 1))                                     # the set's mean -> 0
    expected = u / (np.sqrt(np.mean(u ** 2)) / TARGET_RMS)          # the set's RMS -> TARGET_RMS
    np.testing.assert_allclose(data, expected, rtol=0, atol=1e-14)  # float64 round-off only


def test_ts_dims_and_no_labels(tmp_path):
    path = tmp_path / "nolabel.ts"
    path.write_text(TS_TEXT.replace("@classLabel true a b c", "@classLabel false")
                    .replace(":a\n", "\n").replace(":b\n", "\n"))
    data, labels = load_trajectories(path, steps=3, dims=(1,))
    assert labels is None and data.shape == (2, 3, 1)


@pytest.mark.parametrize("text, fragment", [
    (TS_TEXT.replace("@data\n", ""), "header line"),
    (TS_TEXT.split("@data")[0], "no @data"),
    (TS_TEXT.split("@data")[0] + "@data\n", "no cases"),
    (TS_TEXT.replace(":b\n", ":z\n"), "not declared"),
    (TS_TEXT.replace(":1,1,1,?:b", ":b"), "2 dimensions"),
    (TS_TEXT.replace("0.5,1.0,-1.0,?", "0.5,?,-1.0,?"), "missing value inside"),
    (TS_TEXT.replace("0.5,1.0,-1.0,?", "0.5,one,-1.0,?"), "not a number"),
    (TS_TEXT.replace("0.5,1.0,-1.0,?", "0.5,1.0,-1.0"), "different lengths"),
    (TS_TEXT.replace("0.5,1.0,-1.0,?:1,1,2,?:1,1,1,?", "1,?,?:1,?,?:1,?,?"), "fewer than 2 steps"),
    (TS_TEXT.replace("@timeStamps false", "@timeStamps true"), "time-stamped"),
    (TS_TEXT.replace("0.5,1.0", "0.5,inf"), "infinite"),
])
def test_ts_bad_files(tmp_path, text, fragment):
    path = tmp_path / "bad.ts"
    path.write_text(text)
    expect_bad(path, fragment)


def test_ts_pen_never_moves(tmp_path):
    """x and y velocities all zero (only the force varies): every position is the same point."""
    path = tmp_path / "still.ts"
    path.write_text("@dimensions 3\n@classLabel true a\n@data\n0,0,0:0,0,0:1,1,1:a\n")
    expect_bad(path, "single point")


# ----------------------------------------------------------------------------------------------
# bad files, every format
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", SUPPORTED_EXTENSIONS)
def test_empty_file(tmp_path, ext):
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    expect_bad(path, "empty")


@pytest.mark.parametrize("ext", SUPPORTED_EXTENSIONS)
def test_binary_garbage(tmp_path, ext):
    path = tmp_path / f"junk{ext}"
    path.write_bytes(bytes(range(256)) * 4)
    expect_bad(path)


def test_missing_file_unknown_extension_directory(tmp_path):
    expect_bad(tmp_path / "nothing.npy", "not found", error=FileNotFoundError)
    (tmp_path / "x.txt").write_text("1,2,3")
    expect_bad(tmp_path / "x.txt", "unknown file extension", ".npy")
    (tmp_path / "dir.npy").mkdir()
    expect_bad(tmp_path / "dir.npy", "not a regular file")


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(path=3), TypeError, "path"),
    (dict(path=b"x.npy"), TypeError, "path"),
    (dict(steps=1), ValueError, "steps"),
    (dict(steps=2.5), TypeError, "steps"),
    (dict(dims=[0, 0]), ValueError, "dims"),
    (dict(dims=[-1]), ValueError, "dims"),
    (dict(dims="01"), TypeError, "dims"),
    (dict(dims=[0.5]), TypeError, "dims"),
])
def test_bad_arguments(tmp_path, kwargs, error, word):
    np.save(tmp_path / "ok.npy", np.zeros((1, 2, 2)))
    kwargs = dict(kwargs)
    path = kwargs.pop("path", tmp_path / "ok.npy")
    with pytest.raises(error, match=word):
        load_trajectories(path, **kwargs)


@pytest.mark.parametrize("arr, fragment", [
    (np.zeros((2, 3)), "3-D"),
    (np.zeros((1, 2, 3, 4)), "3-D"),
    (np.zeros((0, 3, 2)), "empty"),
    (np.array([[["a", "b"]]]), "dtype"),
    (np.array([[[1 + 2j]]]), "dtype complex128"),
    (np.array([[[True, False]]]), "dtype bool"),
    (np.array([[[1.0, np.nan]]]), "NaN"),
    (np.array([[[1.0, np.inf]]]), "infinite"),
    (np.zeros(3, dtype=[("x", "f8"), ("y", "f8")]).reshape(1, 3, 1), "dtype"),
])
def test_npy_bad_arrays(tmp_path, arr, fragment):
    path = tmp_path / "bad.npy"
    np.save(path, arr)
    expect_bad(path, fragment)


def test_npy_object_array_and_truncated(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([[[1, None]]], dtype=object), allow_pickle=True)
    expect_bad(path, "pickle")                          # refused, never unpickled
    np.save(path, np.zeros((4, 5, 2)))
    full = path.read_bytes()
    path.write_bytes(full[:-7])
    expect_bad(path)
    path.write_bytes(full[:50])                         # cut inside the header
    expect_bad(path)
    path.write_bytes(pickle.dumps(np.zeros((1, 2, 2))))  # a pickle named .npy
    expect_bad(path, "magic")


def test_npz_bad_files(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, other=np.zeros((1, 2, 2)))
    expect_bad(path, "'data'")
    np.savez(path, data=np.zeros((2, 2, 2)), labels=np.array(["a"]))
    expect_bad(path, "1 labels for 2 sequences")
    np.savez(path, data=np.zeros((2, 2, 2)), labels=np.array([0.5, 1.5]))
    expect_bad(path, "labels", "strings or integers")
    np.savez(path, data=np.zeros((2, 2, 2)), labels=np.array([["a"], ["b"]]))
    expect_bad(path, "1-D")
    np.savez(path, data=np.array([[[1, None]]], dtype=object))
    expect_bad(path, "pickle")
    np.savez(path, data=np.zeros((2, 2)))
    expect_bad(path, "3-D")
    full = path.read_bytes()
    path.write_bytes(full[: len(full) // 2])
    expect_bad(path)


@pytest.mark.parametrize("text, fragment", [
    ("step,x0\n0,1.0\n", "'sequence'"),
    ("sequence,x0\n0,1.0\n", "'step'"),
    ("sequence,step\n0,0\n", "no coordinate column"),
    ("sequence,step,x0\n", "no data rows"),
    ("sequence,step,x0,x0\n0,0,1,2\n", "repeats"),
    ("sequence,step,x0\n0,0,1.0,7\n", "line 2 has 4 fields"),
    ("sequence,step,x0\n0,zero,1.0\n", "not an integer"),
    ("sequence,step,x0\n0,0,abc\n", "not a number"),
    ("sequence,step,x0\n0,0,1\n0,0,2\n", "step 0 twice"),
    ("sequence,step,x0\n0,0,1\n0,2,2\n", "steps must be 0 .. 1"),
    ("sequence,step,x0\n0,0,1\n0,1,2\n1,0,3\n", "different numbers of steps"),
    ("sequence,step,x0,label\n0,0,1,a\n0,1,2,b\n", "two labels"),
    ("sequence,step,x0\n0,0,1\n0,1,nan\n", "NaN"),
    ("sequence,step,x0\n0,0,1\n0,1,-inf\n", "infinite"),
])
def test_csv_bad_files(tmp_path, text, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    expect_bad(path, fragment)
