"""Checkpoints: a trained ``Model`` to and from ``.npz``, atomically and without pickle.

The file holds plain arrays only (``np.load(..., allow_pickle=False)`` reads it back):

    w_o (O, S)  b_o (O,)  w_c (S, C)  w_r (S, S)  b_r (S,)   PC-RNN-HC-A's parameters, float64
    w_o (O, S)  b_o (O,)  w_pd (S, F)  w_fd (S, F)  w_cd (C, F)  b_r (S,)   or PC-RNN-HC-M's
    mus (P, C)  h0 (S,)                                      the memories and the initial state
    tau ()      float64
    labels (P,) unicode strings
    data_fingerprint ()  unicode, SHA-256 of the training data
    format ()   unicode, "pc-rnn-hc-a/1" or "pc-rnn-hc-m/1": the model's kind

Loading one kind as the other (``load_model(path, kind="hc-m")`` on an HC-A file) is a clear
``ValueError`` naming the file and both kinds.

Every key, shape and dtype is checked on load (the archive through
``pc_numpy.data.loaders.read_npz``: exact member names, every CRC, headers that match their
data); a corrupted, truncated or foreign file gets a ``ValueError`` that names the file and the
member.  A file that is sound but holds NaN or inf (saved from a diverged model) gets
``NumericalError`` (also a ``ValueError``), naming the file and the array.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..tools.checks import NumericalError
from ..data.loaders import read_npz
from ..tools.files import atomic_write
from .model import Model, check_kind, check_model, check_unique_labels, family

FORMAT = "pc-rnn-hc-a/1"                                     # PC-RNN-HC-A (kept as it was)
FORMATS = {"hc-a": FORMAT, "hc-m": "pc-rnn-hc-m/1"}
_COMMON = {"w_o": ("O", "S"), "b_o": ("O",), "b_r": ("S",), "mus": ("P", "C"), "h0": ("S",), "tau": ()}
_PARAM_KEYS = {"hc-a": {"w_c": ("S", "C"), "w_r": ("S", "S")},
               "hc-m": {"w_pd": ("S", "F"), "w_fd": ("S", "F"), "w_cd": ("C", "F")}}
_STRING_KEYS = {"labels", "data_fingerprint", "format"}


def save_model(path, model: Model) -> None:
    """Save ``model`` to ``path`` (``.npz``), atomically.  See the module docstring for the keys."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    model = check_model(model)              # never write a file that load_model would refuse
    arrays = dict(model.params._asdict(), mus=model.mus, h0=model.h0,
                  tau=np.float64(model.tau), labels=np.array(model.labels, dtype=str),
                  data_fingerprint=np.array(model.data_fingerprint),
                  format=np.array(FORMATS[model.kind]))
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_model(path, kind=None) -> Model:
    """Load a ``Model`` saved by ``save_model``, checking every key, shape and dtype.

    ``kind``: None (whatever the file holds) or "hc-a"/"hc-m" (the file must hold that kind).
    Raises ``FileNotFoundError`` if ``path`` does not exist and ``ValueError`` naming the file
    if it is not a complete checkpoint of this format, or of another kind than ``kind``.
    """
    if kind is not None:
        check_kind(kind)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} is not a regular file")
    optional = sorted(k for keys in _PARAM_KEYS.values() for k in keys)
    arrays = read_npz(path, required=sorted(set(_COMMON) | _STRING_KEYS), optional=optional,
                      what="checkpoint")
    if arrays["format"].dtype.kind != "U" or arrays["format"].shape != ():
        raise ValueError(f"checkpoint {str(path)!r}: format must be a string, got dtype "
                         f"{arrays['format'].dtype} shape {arrays['format'].shape}")
    found = {v: k for k, v in FORMATS.items()}.get(str(arrays["format"]))
    if found is None:
        raise ValueError(f"checkpoint {str(path)!r} has format {str(arrays['format'])!r}, expected "
                         f"one of {sorted(FORMATS.values())}")
    if kind is not None and found != kind:
        raise ValueError(f"checkpoint {str(path)!r} holds a {found} model (format "
                         f"{FORMATS[found]!r}), not the {kind} model asked for (pass --model {found})")
    want, extra = set(_PARAM_KEYS[found]), set(arrays) & set(optional) - set(_PARAM_KEYS[found])
    if extra or want - set(arrays):
        raise ValueError(f"checkpoint {str(path)!r}: a {found} checkpoint holds the parameters "
                         f"{sorted(want)}, got {sorted(set(arrays) & set(optional))}")
    dims: dict = {}
    for key, shape in {**_COMMON, **_PARAM_KEYS[found]}.items():
        a = arrays[key]
        if a.dtype != np.float64:
            raise ValueError(f"checkpoint {str(path)!r}: {key} must be float64, got {a.dtype}")
        if a.ndim != len(shape):
            raise ValueError(f"checkpoint {str(path)!r}: {key} must be {len(shape)}-D, got shape {a.shape}")
        for sym, n in zip(shape, a.shape):
            if dims.setdefault(sym, n) != n:
                raise ValueError(f"checkpoint {str(path)!r}: {key} has shape {a.shape}, "
                                 f"inconsistent with {sym} = {dims[sym]} (from {dims['_src_' + sym]})")
            dims.setdefault("_src_" + sym, key)
        if a.size == 0:
            raise ValueError(f"checkpoint {str(path)!r}: {key} is empty")
        if not np.isfinite(a).all():
            raise NumericalError(f"checkpoint {str(path)!r}: {key} holds NaN or inf (saved from a "
                                 f"model that diverged?); it cannot be used", function="load_model",
                                 quantity=key)
    labels, fp = arrays["labels"], arrays["data_fingerprint"]
    if labels.dtype.kind != "U" or labels.shape != (dims["P"],):
        raise ValueError(f"checkpoint {str(path)!r}: labels must be {dims['P']} strings, "
                         f"got dtype {labels.dtype} shape {labels.shape}")
    try:
        check_unique_labels([str(v) for v in labels], "labels")
    except ValueError as exc:
        raise ValueError(f"checkpoint {str(path)!r}: {exc}") from None
    if fp.dtype.kind != "U" or fp.shape != ():
        raise ValueError(f"checkpoint {str(path)!r}: data_fingerprint must be a string")
    if float(arrays["tau"]) < 1:
        raise ValueError(f"checkpoint {str(path)!r}: tau must be >= 1, got {float(arrays['tau'])}")
    fam = family(found)
    params = fam.Params(*(arrays[k] for k in fam.Params._fields))
    return Model(params, arrays["mus"], arrays["h0"], float(arrays["tau"]),
                 tuple(str(s) for s in labels), str(fp), found)
