"""Safe loaders for trajectory files: ``.npy``, ``.npz``, ``.csv``, ``.pk``/``.pkl`` and ``.ts``.

:func:`load_trajectories` is the one entry point.  It returns a fresh float64 array
``(N, T, D)`` (N sequences of T steps of D coordinates, the data-file layout of the design; the
model transposes it to time-major ``(T, B, O)`` on the way in) plus the labels when the file has
them.  Every problem (empty, truncated or malformed file, wrong shape, non-numeric values,
NaN/inf, a pickle that asks for anything but NumPy arrays) raises ``ValueError`` with the file
name and what is wrong; nothing is returned half-loaded, and nothing in a file is ever run:
pickles go through a restricted unpickler that can only rebuild NumPy arrays.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence as _SequenceABC
import numbers
import os
import pickle
import zipfile
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .letters import STEPS, normalise

__all__ = ["load_trajectories", "read_npz", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".npy", ".npz", ".csv", ".pk", ".pkl", ".ts")


class _BadFile(Exception):
    """A problem with the file's content; :func:`load_trajectories` adds the file name."""


# ----------------------------------------------------------------------------------------------
# the entry point
# ----------------------------------------------------------------------------------------------
def load_trajectories(path, *, steps: int = STEPS, dims: Sequence[int] = (0, 1)
                      ) -> Tuple[np.ndarray, Optional[List[str]]]:
    """Load a set of trajectories from a file, choosing the reader by the file extension.

    Formats (the extension is matched case-insensitively):

    - ``.npy``: one numeric array of shape (N, T, D) (read with ``allow_pickle=False``).
    - ``.npz``: key ``data``, a numeric (N, T, D) array, required; key ``labels``, optional, a
      1-D array of N strings or integers (integers become strings); any other key is an error
      (a renamed ``labels`` must not silently drop the labels).  Every member's CRC is checked
      (:func:`read_npz`).
    - ``.csv``: "long" layout, one row per sequence and step, comma-separated, with a header::

          sequence,step,x0,x1[,label]
          0,0,0.12,-0.40,a
          0,1,0.15,-0.38,a
          ...

      ``sequence`` (any text: rows with the same value form one sequence; sequences come out in
      order of first appearance) and ``step`` (integer; a sequence of T steps has each of
      ``0 .. T-1`` exactly once, rows may be in any order) are required; ``label`` is optional
      and must be the same on every row of a sequence; every other column, in header order, is
      one coordinate (D >= 1). All sequences must have the same T.  Blank lines are skipped.
    - ``.pk`` / ``.pkl``: the original notebook's file, a pickled (N, T, D) float ndarray.  It is
      read by a restricted unpickler that allows only the few NumPy globals needed to rebuild an
      array (NumPy 1.x and 2.x names, pickle protocols 2 to 5) and refuses every other global:
      nothing in the file is executed.
    - ``.ts``: the UEA/UCR text format of CharacterTrajectories (``@`` header lines, ``@data``,
      then one case per line: dimensions separated by ``:``, values by ``,``, ``?`` or ``NaN``
      for missing values, the class label after the last ``:``; ``#`` starts a comment line).
      The dimensions are pen-tip *velocities* (x, y, force); the loader takes dimensions
      ``dims`` (default x and y) and for each case:

          (1) trim     drop trailing steps where every dimension is 0 or missing (padding)
          (2) position p[t] = sum_{k <= t} v[k]                  (cumulative sum)
          (3) resample q[j] = p at time (j / (steps - 1)) * (L - 1), linear interpolation
          (4) normalise the whole set with :func:`pc_numpy.data.letters.normalise`

      where ``v`` (L, len(dims)) are the velocities left after (1), ``L >= 2``, and (4) moves
      each case to start at the origin, removes the mean of the whole set and divides the set
      by one scale (RMS ``TARGET_RMS``), like the embedded letters.

    ``.npy``, ``.npz``, ``.csv`` and ``.pk`` data are returned as stored (only converted to
    float64): ``steps`` and ``dims`` apply to ``.ts`` only.

    Parameters:
        path: str or ``os.PathLike``, the file.
        steps: T of a ``.ts`` file after resampling (int >= 2).
        dims: the dimensions of a ``.ts`` file to integrate (distinct ints >= 0).
    Returns:
        data: (N, T, D) float64, a new array, finite.
        labels: list of N strings, or ``None`` if the file has none.
    Raises:
        TypeError: ``path``, ``steps`` or ``dims`` of the wrong type.
        FileNotFoundError: no file at ``path`` (the message gives the path).
        ValueError: unknown extension, or a file that cannot be read as a valid data set; the
            message names the file and the problem.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"path must be a str or os.PathLike of str, got {type(path).__name__}")
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be an integer, got {type(steps).__name__}")
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (_SequenceABC, np.ndarray)):
        raise TypeError(f"dims must be a sequence of integers, got {type(dims).__name__}")
    dims = tuple(dims)
    if not dims or any(isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral)
                       for d in dims):
        raise TypeError(f"dims must be a non-empty sequence of integers, got {dims!r}")
    if any(d < 0 for d in dims) or len(set(dims)) != len(dims):
        raise ValueError(f"dims must be distinct integers >= 0, got {dims!r}")

    ext = os.path.splitext(path)[1].lower()
    if ext not in _READERS:
        raise ValueError(f"{path!r}: unknown file extension {ext!r}; supported: "
                         + ", ".join(SUPPORTED_EXTENSIONS))
    if not os.path.exists(path):
        raise FileNotFoundError(f"trajectory file not found: {path!r}")
    if not os.path.isfile(path):
        raise ValueError(f"{path!r}: is not a regular file")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path!r}: the file is empty")
    try:
        data, labels = _READERS[ext](path, steps=steps, dims=tuple(int(d) for d in dims))
        data = _check_data(data)
        labels = _check_labels(labels, data.shape[0])
    except _BadFile as exc:
        raise ValueError(f"{path!r}: {exc}") from None
    except (MemoryError, RecursionError) as exc:
        raise ValueError(f"{path!r}: too large or too deeply nested to load ({type(exc).__name__})") from None
    except Exception as exc:  # a malformed file can fail deep inside a parser in many ways
        raise ValueError(f"{path!r}: cannot be read as a {ext} file "
                         f"({type(exc).__name__}: {exc})") from None
    return data, labels


def _check_data(arr) -> np.ndarray:
    """The common checks of every reader's array; returns a new, owned float64 array."""
    if not isinstance(arr, np.ndarray):
        raise _BadFile(f"holds a {type(arr).__name__}, not a NumPy array")
    if arr.dtype.kind not in "iuf":
        raise _BadFile(f"the array has dtype {arr.dtype}, expected real numbers (float or int)")
    if arr.ndim != 3:
        raise _BadFile(f"expected a 3-D array (N sequences, T steps, D coordinates), "
                       f"got shape {arr.shape}")
    if arr.size == 0:
        raise _BadFile(f"the array is empty, shape {arr.shape}")
    out = np.array(arr, dtype=np.float64, copy=True, order="C")
    if not np.isfinite(out).all():
        bad = int(np.size(out) - np.count_nonzero(np.isfinite(out)))
        raise _BadFile(f"the data holds {bad} NaN or infinite value(s)")
    return out


def _check_labels(labels, n: int) -> Optional[List[str]]:
    if labels is None:
        return None
    labels = [str(lab) for lab in labels]
    if len(labels) != n:
        raise _BadFile(f"{len(labels)} labels for {n} sequences")
    return labels


# ----------------------------------------------------------------------------------------------
# .npy and .npz
# ----------------------------------------------------------------------------------------------
def _check_npy_header(handle, size: int) -> None:
    """Read the ``.npy`` header at the start of ``handle`` (``size`` bytes in all) and check it
    before ``np.load`` allocates anything: no Python objects (a pickle), and a shape and dtype
    that describe exactly the bytes that follow (more would be memory whose content is not in
    the file, fewer an edited or truncated file).  ``ValueError`` saying what is wrong."""
    version = np.lib.format.read_magic(handle)        # "the magic string is not correct ..."
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read_header(handle)
    if dtype.hasobject:
        raise ValueError(f"the array has dtype {dtype} (Python objects, a pickle): refused")
    nbytes = math.prod(shape) * dtype.itemsize          # Python ints: no overflow
    if nbytes != size - handle.tell():
        raise ValueError(f"its header describes shape {shape} of {dtype} ({nbytes} bytes) but "
                         f"{size - handle.tell()} bytes follow it (an edited or truncated file)")


def _read_npy(path: str, **_) -> Tuple[np.ndarray, None]:
    from ..tools.checks import memory_budget
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > memory_budget():
            raise _BadFile(f"is {size} bytes, more than the memory budget")
        try:
            _check_npy_header(handle, size)
        except ValueError as exc:
            raise _BadFile(f"is not a valid .npy file: {exc}") from None
        handle.seek(0)
        return np.load(handle, allow_pickle=False), None


def read_npz(path, *, required: Sequence[str], optional: Sequence[str] = (),
             what: Optional[str] = "file") -> Dict[str, np.ndarray]:
    """Read every member of the ``.npz`` archive ``path``, checked; the one reader of ``.npz``
    files (data files and checkpoints).

    - the members must be exactly the ``required`` names plus any of the ``optional`` ones (a
      renamed, unknown or repeated member is an error, never silently dropped; a ``mask``
      member gets a word about masked arrays, which are not supported);
    - the archive's declared sizes must fit in ``memory_budget()`` before anything is read;
    - each member is read whole through ``zipfile``, which verifies its CRC-32 (an edited byte
      is found), its header checked (``_check_npy_header``: no pickles, a shape that matches
      the bytes) and then loaded by ``np.load(..., allow_pickle=False)``.

    Any failure, whatever decoding raised (``zlib.error``, ``NotImplementedError`` for an
    unknown compression, ``RuntimeError`` for an encrypted member ...), becomes ``ValueError``
    naming ``what``, the file and the member (``what=None``: the member only, for a caller that
    names the file itself).  Returns a dict name -> array.
    """
    from ..tools.checks import memory_budget
    prefix = f"{what} {os.fsdecode(os.fspath(path))!r}: " if what else ""
    allowed = set(required) | set(optional)
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:                     # BadZipFile, OSError, struct.error, OverflowError...
        raise ValueError(f"{prefix}not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    with archive:
        infos = archive.infolist()
        keys = [i.filename[:-4] if i.filename.endswith(".npy") else i.filename for i in infos]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"{prefix}the member(s) {repeated} appear more than once")
        missing = sorted(set(required) - set(keys))
        unknown = sorted(set(keys) - allowed)
        if missing or unknown:
            note = (" (masked arrays are not supported: store the data without its mask, the "
                    "masked entries removed or filled)" if any("mask" in k for k in unknown) else "")
            raise ValueError(f"{prefix}unexpected members (missing {missing}, unexpected "
                             f"{unknown}; expected {sorted(required)}"
                             f"{' and optionally ' + str(sorted(optional)) if optional else ''}){note}")
        declared = sum(i.file_size for i in infos)
        if declared > memory_budget():
            raise ValueError(f"{prefix}the archive declares {declared} bytes of members, more than "
                             f"the memory budget (a damaged or hostile archive)")
        arrays: Dict[str, np.ndarray] = {}
        for info, key in zip(infos, keys):
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{prefix}member {info.filename!r} is not a .npy array")
            try:
                raw = archive.read(info)                             # checks the CRC-32
                _check_npy_header(io.BytesIO(raw), len(raw))
                arrays[key] = np.load(io.BytesIO(raw), allow_pickle=False)
            except Exception as exc:            # whatever the decoder raised: name file and member
                raise ValueError(f"{prefix}member {key!r} cannot be read "
                                 f"({type(exc).__name__}: {exc})") from None
    return arrays


def _read_npz(path: str, **_) -> Tuple[np.ndarray, Optional[List[str]]]:
    with open(path, "rb") as handle:
        if handle.read(2) != b"PK":
            raise _BadFile("is not a .npz file (not a zip archive)")
    try:
        members = read_npz(path, required=("data",), optional=("labels",), what=None)
    except ValueError as exc:
        raise _BadFile(str(exc)) from None
    arr = members["data"]
    labels = None
    if "labels" in members:
        raw = members["labels"]
        if raw.ndim != 1:
            raise _BadFile(f"'labels' must be 1-D, got shape {raw.shape}")
        if raw.dtype.kind in "iu":
            labels = [str(int(v)) for v in raw]
        elif raw.dtype.kind == "U":
            labels = [str(v) for v in raw]
        elif raw.dtype.kind == "S":
            try:
                labels = [bytes(v).decode("utf-8") for v in raw]
            except UnicodeDecodeError as exc:
                raise _BadFile(f"'labels' are not UTF-8 text ({exc})") from None
        else:
            raise _BadFile(f"'labels' must hold strings or integers, got dtype {raw.dtype}")
    return arr, labels


# ----------------------------------------------------------------------------------------------
# .csv
# ----------------------------------------------------------------------------------------------
def _read_csv(path: str, **_) -> Tuple[np.ndarray, Optional[List[str]]]:
    with open(path, "r", encoding="utf-8-sig", newline="") as handle:
        rows = [(i + 1, row) for i, row in enumerate(csv.reader(handle))]
    rows = [(i, row) for i, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise _BadFile("has no header line")
    _, header = rows[0]
    names = [h.strip().lower() for h in header]
    for required in ("sequence", "step"):
        if required not in names:
            raise _BadFile(f"the header must have a column {required!r}, got {header}")
    if len(set(names)) != len(names):
        raise _BadFile(f"the header repeats a column name: {header}")
    i_seq, i_step = names.index("sequence"), names.index("step")
    i_label = names.index("label") if "label" in names else None
    value_cols = [k for k, name in enumerate(names) if name not in ("sequence", "step", "label")]
    if not value_cols:
        raise _BadFile(f"the header has no coordinate column besides sequence/step/label: {header}")
    if len(rows) == 1:
        raise _BadFile("has a header but no data rows")

    sequences: Dict[str, Dict[int, List[float]]] = {}
    seq_labels: Dict[str, str] = {}
    for line, row in rows[1:]:
        if len(row) != len(names):
            raise _BadFile(f"line {line} has {len(row)} fields, the header has {len(names)}")
        seq = row[i_seq].strip()
        try:
            step = int(row[i_step])
        except ValueError:
            raise _BadFile(f"line {line}: step {row[i_step]!r} is not an integer") from None
        try:
            values = [float(row[k]) for k in value_cols]
        except ValueError:
            raise _BadFile(f"line {line}: a coordinate is not a number: "
                           f"{[row[k] for k in value_cols]}") from None
        steps_of_seq = sequences.setdefault(seq, {})
        if step in steps_of_seq:
            raise _BadFile(f"line {line}: sequence {seq!r} has step {step} twice")
        steps_of_seq[step] = values
        if i_label is not None:
            label = row[i_label].strip()
            if seq_labels.setdefault(seq, label) != label:
                raise _BadFile(f"line {line}: sequence {seq!r} has two labels, "
                               f"{seq_labels[seq]!r} and {label!r}")

    first = next(iter(sequences))
    t = len(sequences[first])
    for seq, steps_of_seq in sequences.items():
        if len(steps_of_seq) != t:
            raise _BadFile(f"sequences have different numbers of steps: {first!r} has {t}, "
                           f"{seq!r} has {len(steps_of_seq)}")
        if sorted(steps_of_seq) != list(range(t)):
            raise _BadFile(f"sequence {seq!r}: steps must be 0 .. {t - 1}, each once; "
                           f"got {sorted(steps_of_seq)[:10]}{' ...' if t > 10 else ''}")
    data = np.array([[sequences[seq][k] for k in range(t)] for seq in sequences], dtype=np.float64)
    labels = [seq_labels[seq] for seq in sequences] if i_label is not None else None
    return data, labels


# ----------------------------------------------------------------------------------------------
# .pk / .pkl: a restricted unpickler
# ----------------------------------------------------------------------------------------------
# Python's "Restricting Globals" pattern (the pickle module's documentation): ``find_class``
# hands out only the names NumPy's pickles of arrays use, and nothing that can allocate memory
# whose content is not in the file: ``numpy.ndarray`` is a token that ``_reconstruct`` accepts
# but that cannot be called, ``_reconstruct`` makes an empty record whose state (shape, dtype,
# bytes) the pickle then sets, and the array is made from those bytes once their length matches.
class _Array:
    """The array ``_reconstruct(ndarray, (0,), b"b")`` starts; BUILD sets its state."""
    state = None

    def __setstate__(self, state):
        self.state = state


class _NdarrayToken:
    def __call__(self, *args, **kwargs):
        raise _BadFile("the pickle calls numpy.ndarray(...) itself, which makes an array whose "
                       "content is not in the file (uninitialised memory): refused")


_NDARRAY = _NdarrayToken()


def _reconstruct(cls, shape, typecode):
    if cls is not _NDARRAY or shape != (0,) or typecode != b"b":
        raise _BadFile("the pickle calls _reconstruct with other arguments than NumPy writes "
                       "(it would allocate memory whose content is not in the file): refused")
    return _Array()


def _from_bytes(data, dtype, shape, order) -> np.ndarray:
    """The array of ``shape`` and ``dtype`` whose content is ``data`` (``_frombuffer``'s arguments)."""
    if not isinstance(data, (bytes, bytearray)) or not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise _BadFile(f"the pickle's array holds Python objects (dtype {dtype}), not numbers: refused")
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise _BadFile(f"the pickle's array has a malformed shape {shape!r:.60}")
    if math.prod(shape) * dtype.itemsize != len(data):
        raise _BadFile(f"the pickle's array claims shape {shape} of {dtype} "
                       f"({math.prod(shape) * dtype.itemsize} bytes) but holds {len(data)} bytes")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if order in (True, "F") else "C")


def _scalar(dtype, *_):
    raise _BadFile(f"the pickle holds a NumPy scalar ({dtype}), not an array")


def _latin1(text, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as protocol 2 uses it: ``bytes`` stored as latin-1 text, nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1") or errors != "strict":
        raise _BadFile(f"refused _codecs.encode(..., {encoding!r}): only latin-1 text is allowed")
    return text.encode("latin1")


_ALLOWED = {("numpy", "ndarray"): _NDARRAY, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): _latin1}
for _core in ("numpy.core", "numpy._core"):                 # written by NumPy 1.x / 2.x
    _ALLOWED.update({(_core + ".multiarray", "_reconstruct"): _reconstruct,
                     (_core + ".multiarray", "scalar"): _scalar,
                     (_core + ".numeric", "_frombuffer"): _from_bytes})      # protocol 5


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise _BadFile(f"the pickle asks for the global {module}.{name}, which is refused: "
                       "only NumPy arrays can be loaded from a pickle")


def _read_pickle(path: str, **_) -> Tuple[np.ndarray, None]:
    with open(path, "rb") as handle:
        try:
            obj = _ArrayUnpickler(handle).load()
        except _BadFile:
            raise
        except (pickle.UnpicklingError, EOFError) as exc:
            raise _BadFile(f"is not a valid or complete pickle ({type(exc).__name__}: {exc})") from None
        except Exception as exc:         # e.g. np.dtype or a stand-in given bad arguments
            raise _BadFile(f"is not a pickle of a NumPy array ({type(exc).__name__}: {exc})") from None
    if isinstance(obj, _Array):
        if not isinstance(obj.state, tuple) or len(obj.state) != 5:
            raise _BadFile("the pickle's array has a missing or malformed state")
        _, shape, dtype, fortran, data = obj.state
        obj = _from_bytes(data, dtype, shape, fortran)
    if not isinstance(obj, np.ndarray):
        raise _BadFile(f"the pickle holds a {type(obj).__name__}, not a NumPy array")
    return obj, None


# ----------------------------------------------------------------------------------------------
# .ts: UEA/UCR time-series text format
# ----------------------------------------------------------------------------------------------
def _parse_value(text: str, line: int) -> float:
    text = text.strip()
    if text == "?" or text.lower() == "nan":
        return np.nan
    try:
        value = float(text)
    except ValueError:
        raise _BadFile(f"line {line}: {text!r} is not a number") from None
    if not np.isfinite(value):
        raise _BadFile(f"line {line}: value {text!r} is infinite")
    return value


def _read_ts(path: str, *, steps: int, dims: Tuple[int, ...]) -> Tuple[np.ndarray, Optional[List[str]]]:
    with open(path, "r", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    has_labels: Optional[bool] = None
    class_names: List[str] = []
    n_dims: Optional[int] = None
    in_data = False
    cases: List[np.ndarray] = []
    labels: List[str] = []
    for number, text in enumerate(lines, start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        if not in_data:
            if not text.startswith("@"):
                raise _BadFile(f"line {number}: expected a header line starting with '@' "
                               f"before @data, got {text[:40]!r}")
            key, _, rest = text[1:].partition(" ")
            key, words = key.lower(), rest.split()
            if key == "data":
                in_data = True
            elif key == "timestamps" and words and words[0].lower() == "true":
                raise _BadFile("time-stamped .ts files (@timestamps true) are not supported")
            elif key in ("dimensions", "dimension") and words:
                try:
                    n_dims = int(words[0])
                except ValueError:
                    raise _BadFile(f"line {number}: @dimensions {words[0]!r} is not an integer") from None
            elif key in ("classlabel", "targetlabel") and words:
                has_labels = words[0].lower() == "true"
                class_names = words[1:] if key == "classlabel" else []
            continue
        fields = text.split(":")
        if has_labels:
            label, fields = fields[-1].strip(), fields[:-1]
            if class_names and label not in class_names:
                raise _BadFile(f"line {number}: class label {label!r} is not declared in "
                               f"@classLabel ({' '.join(class_names)})")
            labels.append(label)
        if n_dims is None:
            n_dims = len(fields)          # no @dimensions header: the first case decides
        if len(fields) != n_dims:
            raise _BadFile(f"line {number}: {len(fields)} dimensions, expected {n_dims} "
                           "(from @dimensions or the first case)")
        series = [[_parse_value(v, number) for v in f.split(",")] for f in fields]
        if len({len(s) for s in series}) != 1:
            raise _BadFile(f"line {number}: the dimensions have different lengths "
                           f"{[len(s) for s in series]}")
        if max(dims) >= len(series):
            raise _BadFile(f"line {number}: dims {dims} asked for, the case has only "
                           f"{len(series)} dimension(s)")
        case = np.array(series, dtype=np.float64).T                           # (L, all dims)
        cases.append(_ts_case_to_positions(case, dims, steps, number))
    if not in_data:
        raise _BadFile("has no @data line")
    if not cases:
        raise _BadFile("has no cases after @data")
    data = np.stack(cases)                                                     # (N, steps, len(dims))
    if not np.isfinite(data).all():
        raise _BadFile("the positions overflow to infinity")
    if float(np.abs(data - data.mean(axis=1, keepdims=True)).max()) == 0.0:
        raise _BadFile("every case is a single point (all velocities zero): cannot normalise")
    return normalise(data), (labels if has_labels else None)


def _ts_case_to_positions(case: np.ndarray, dims: Tuple[int, ...], steps: int,
                          line: int) -> np.ndarray:
    """Steps (1)-(3) of the .ts format for one case: (L, all dims) velocities -> (steps, len(dims))."""
    padding = np.all(np.isnan(case) | (case == 0.0), axis=1)                  # (L,)
    length = len(padding)
    while length > 0 and padding[length - 1]:
        length -= 1
    v = case[:length, list(dims)]                                             # (L', len(dims))
    if length < 2:
        raise _BadFile(f"line {line}: fewer than 2 steps left after trimming the padding")
    if np.isnan(v).any():
        step = int(np.argwhere(np.isnan(v))[0, 0])
        raise _BadFile(f"line {line}: missing value inside the series (step {step})")
    p = np.cumsum(v, axis=0)                                                  # (L', len(dims))
    t_old = np.linspace(0.0, 1.0, length)
    t_new = np.linspace(0.0, 1.0, steps)
    return np.stack([np.interp(t_new, t_old, p[:, k]) for k in range(p.shape[1])], axis=1)


_READERS: Dict[str, Callable] = {
    ".npy": _read_npy,
    ".npz": _read_npz,
    ".csv": _read_csv,
    ".pk": _read_pickle,
    ".pkl": _read_pickle,
    ".ts": _read_ts,
}
