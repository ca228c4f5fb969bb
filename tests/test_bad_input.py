"""Bad input to every entry point of pc_numpy's core (and a few of pc_torch's).

The entry points (the doors: ``init_params``, ``rollout``, ``generate``, ``loss_and_grads``,
``Adam``) check their arguments once; the equations and ``Adam.step`` are formulas and check
nothing (issue 22), so they are not here.

Each case changes ONE argument of a call that is otherwise correct (``test_good_calls_pass``
checks the unchanged calls) and expects a ``ValueError`` or ``TypeError`` whose message names
that argument: the name must appear in ``str(exc)`` as a word (``x`` does not match ``x_pred``;
``w_o`` matches ``params.w_o``; ``values`` matches ``values['w']``).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import pc_numpy as pcn
import pc_torch as pct

T, B, O, S, C, P = 5, 3, 2, 4, 2, 3
_rng = np.random.default_rng(0)
PARAMS = pcn.init_params(C, S, O, _rng)


def arr(*shape):
    return _rng.standard_normal(shape)


# The correct call of every function, all by keyword; "_call" says how to make the call.
GOOD = {
    "init_params": dict(causes_dim=C, states_dim=S, output_dim=O, rng=np.random.default_rng(1)),
    "rollout": dict(params=PARAMS, x=arr(T, B, O), c0=arr(B, C), h0=arr(B, S), tau=2.0,
                    alpha_x=0.1, alpha_h=0.1, alpha_c=0.1, sigma_r=0.5, sigma_c=0.5,
                    mus=arr(P, C), xi=arr(T, B, C)),
    "generate": dict(params=PARAMS, c0=arr(B, C), h0=arr(B, S), tau=2.0, steps=T),
    "loss_and_grads": dict(params=PARAMS, x=arr(T, B, O), c0=arr(B, C), h0=arr(B, S), tau=2.0),
    "Adam": dict(values={"w": arr(2, 3), "b": arr(3)}, lr=0.03, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-4),
}

# Symbolic shape of each array argument (to make wrong shapes and disagreements).
SHAPES = {"h_post_prev": "BS", "c_prev": "BC", "h_prior": "BS", "x_pred": "BO", "error": "BO",
          "h_post": "BS", "error_h": "BS", "c": "BC", "xi": "BC", "mus": "PC", "c0": "BC",
          "h0": "BS"}
SIZES = dict(T=T, B=B, O=O, S=S, C=C, P=P)
SCALARS_LOW = {  # scalar argument -> (a value below its range, ...)
    "tau": (0.5, 0.0, -1.0), "alpha_x": (-0.1,), "alpha_h": (-0.1,), "alpha_c": (-1e-3,),
    "sigma_r": (-0.5,), "sigma_c": (0.0, -0.5), "lr": (0.0, -0.1), "eps": (0.0, -1e-8),
    "weight_decay": (-1e-4,), "steps": (0, -1), "causes_dim": (0, -2), "states_dim": (0,),
    "output_dim": (0,),
}
INTEGER_ARGS = {"steps", "causes_dim", "states_dim", "output_dim"}


def call(fn_name, module=pcn, **overrides):
    kwargs = dict(GOOD[fn_name], **overrides)
    if fn_name == "Adam.step":
        return module.Adam(GOOD["Adam"]["values"]).step(**kwargs)
    return getattr(module, fn_name)(**kwargs)


def names_argument(message: str, name: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", message) is not None


def _bad_arrays(shape):
    """(label, bad value) for an array argument of ``shape``."""
    good = _rng.standard_normal(shape)
    nan, inf = good.copy(), good.copy()
    nan.flat[-1] = np.nan
    inf.flat[0] = -np.inf
    return [
        ("wrong ndim (+1)", good[..., None]), ("wrong ndim (-1)", good.reshape(-1)[:1] if len(shape) > 1 else good[:, None]),
        ("nan", nan), ("inf", inf), ("str", "abc"), ("list of str", [["a"] * shape[-1]] * shape[0]),
        ("object dtype", good.astype(object)), ("complex dtype", good.astype(complex)),
        ("bool dtype", good > 0), ("None", None), ("ragged list", [[1.0], [1.0, 2.0]]),
    ]


def _symbols(fn, argname):
    """The symbolic shape of an array argument of ``fn`` (params counts as O, S, C)."""
    if argname == "params":
        return "OSC"
    if argname == "x":
        return "BO" if fn == "output_error" else "TBO"
    if argname == "xi" and fn == "rollout":
        return "TBC"
    return SHAPES.get(argname, "")


def _cases():
    cases = []
    for fn, kwargs in GOOD.items():
        for argname, value in kwargs.items():
            if argname in SHAPES or argname == "x":
                symbols = _symbols(fn, argname)
                shape = tuple(SIZES[s] for s in symbols)
                for label, bad in _bad_arrays(shape):
                    cases.append((fn, argname, {argname: bad}, (argname,), label))
                # a size that must agree with another argument's, off by one
                others = "".join(_symbols(fn, a) for a in kwargs if a != argname)
                for axis, sym in enumerate(symbols):
                    if sym not in others:
                        continue                      # a free size (e.g. B of a lone array)
                    wrong = list(shape)
                    wrong[axis] += 1
                    if fn == "generate" and sym == "B":
                        continue                      # below: either of c0, h0 may be blamed
                    cases.append((fn, argname, {argname: _rng.standard_normal(wrong)}, (argname,),
                                  f"{sym} disagrees"))
            elif argname == "params":
                cases.append((fn, "params", {"params": tuple(PARAMS)}, ("params",), "tuple, not Params"))
                cases.append((fn, "params", {"params": None}, ("params",), "None"))
                for field in pcn.Params._fields:
                    v = getattr(PARAMS, field)
                    nanv = v.copy()
                    nanv.flat[0] = np.nan
                    for label, bad in (("nan", nanv), ("wrong shape", np.zeros(v.shape + (1,))),
                                       ("str", "w"), ("complex", v.astype(complex))):
                        cases.append((fn, "params", {"params": PARAMS._replace(**{field: bad})},
                                      (field,), f"params.{field} {label}"))
                # w_r of the wrong size disagrees with w_o's S
                cases.append((fn, "params", {"params": PARAMS._replace(w_r=np.zeros((S + 1, S + 1)))},
                              ("w_r",), "params.w_r S disagrees"))
            elif argname in SCALARS_LOW:
                for low in SCALARS_LOW[argname]:
                    cases.append((fn, argname, {argname: low}, (argname,), f"out of range {low}"))
                wrong_types = [("str", "2"), ("None", None), ("list", [2.0]), ("complex", 2 + 1j),
                               ("bool", True), ("array", np.array([2.0, 3.0]))]
                if argname in INTEGER_ARGS:
                    wrong_types.append(("float", 2.5))
                else:
                    wrong_types += [("nan", float("nan")), ("inf", float("inf"))]
                for label, bad in wrong_types:
                    cases.append((fn, argname, {argname: bad}, (argname,), label))
            elif argname == "rng":
                for label, bad in (("None", None), ("int seed", 42), ("RandomState", np.random.RandomState(0)),
                                   ("str", "rng")):
                    cases.append((fn, "rng", {"rng": bad}, ("rng",), label))
            elif argname == "betas":
                for label, bad in (("beta1 = 1", (1.0, 0.999)), ("beta2 > 1", (0.9, 1.5)),
                                   ("beta1 < 0", (-0.1, 0.999)), ("one value", (0.9,)), ("str", "ab"),
                                   ("None", None), ("str entries", ("a", 0.9)), ("nan", (float("nan"), 0.9))):
                    cases.append((fn, "betas", {"betas": bad}, ("betas",), label))
            elif argname in ("values", "grads"):
                good = kwargs[argname]
                nanw = dict(good, w=np.full((2, 3), np.nan))
                for label, bad in (("list", list(good.values())), ("None", None),
                                   ("nan entry", nanw), ("str entry", dict(good, w="abc")),
                                   ("complex entry", dict(good, w=good["w"].astype(complex)))):
                    cases.append((fn, argname, {argname: bad}, (argname,), label))
                if argname == "values":
                    cases.append((fn, argname, {argname: {}}, (argname,), "empty"))
                else:
                    cases.append((fn, argname, {argname: {"w": good["w"]}}, (argname,), "missing b"))
                    cases.append((fn, argname, {argname: dict(good, w=np.zeros((3, 2)))}, (argname,), "wrong shape"))
    # the rules that depend on other arguments
    cases += [
        ("rollout", "mus", {"mus": None, "alpha_c": 0.1}, ("mus",), "alpha_c > 0 without mus"),
        ("rollout", "xi", {"xi": None, "rng": None, "sigma_r": 0.5}, ("rng", "xi"), "sigma_r > 0 without rng/xi"),
        ("rollout", "rng", {"rng": np.random.default_rng(0)}, ("rng", "xi"), "both rng and xi"),
        ("rollout", "rng", {"rng": 0, "xi": None}, ("rng",), "rng an int"),
        ("rollout", "mus", {"mus": arr(P, C + 1), "alpha_c": 0.0}, ("mus",), "mus C disagrees, alpha_c = 0"),
        ("generate", "c0", {"c0": arr(B + 1, C)}, (("c0", "h0"),), "B of c0 and h0 disagree"),
        ("generate", "h0", {"h0": arr(B + 1, S)}, (("c0", "h0"),), "B of h0 and c0 disagree"),
        ("loss_and_grads", "c0", {"c0": arr(C + 1)}, ("c0",), "vector c0, C disagrees"),
        ("loss_and_grads", "h0", {"h0": arr(S + 1)}, ("h0",), "vector h0, S disagrees"),
        ("rollout", "h0", {"h0": arr(S + 1)}, ("h0",), "vector h0, S disagrees"),
    ]
    # the mask of a partial target (observed): 0/1, of shape (T,) or (T, B)
    cases += [
        ("rollout", "observed", {"observed": np.ones(T + 1)}, ("observed",), "observed of the wrong T"),
        ("rollout", "observed", {"observed": np.ones((T, B + 1))}, ("observed",), "observed of the wrong B"),
        ("rollout", "observed", {"observed": np.full(T, 0.5)}, ("observed",), "observed not 0/1"),
        ("rollout", "observed", {"observed": "all"}, ("observed",), "observed a string"),
        ("loss_and_grads", "observed", {"observed": np.zeros(T)}, ("observed",), "nothing observed"),
        ("loss_and_grads", "observed", {"observed": np.ones((T, B, 1))}, ("observed",), "observed 3-D"),
    ]
    return cases


CASES = _cases()
# Known failures (see the report of the test suite; DO NOT loosen, fix the code):
def _param(case):
    fn, argname, overrides, names, label = case
    return pytest.param(fn, overrides, names, id=f"{fn}-{argname}-{label}")


@pytest.mark.parametrize("fn", list(GOOD))
def test_good_calls_pass(fn):
    """The unchanged calls succeed, so each failure below is due to its one bad argument."""
    call(fn)


@pytest.mark.parametrize("fn, overrides, names", [_param(c) for c in CASES])
def test_bad_input_names_the_argument(fn, overrides, names):
    with pytest.raises((ValueError, TypeError)) as info:
        call(fn, **overrides)
    message = str(info.value)
    for name in names:       # a str must be named; a tuple: at least one of its names
        alternatives = name if isinstance(name, tuple) else (name,)
        assert any(names_argument(message, n) for n in alternatives), \
            f"the message does not name {' or '.join(map(repr, alternatives))}: {message!r}"


def test_generate_disagreement_message_refers_only_to_its_own_arguments():
    with pytest.raises((ValueError, TypeError)) as info:
        call("generate", c0=arr(B + 1, C))
    assert not names_argument(str(info.value), "x"), str(info.value)


# ----------------------------------------------------------------------------- pc_torch
TPARAMS = pct.from_numpy(PARAMS)


def tt(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


TORCH_CASES = [
    ("rollout", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B, C)), h0=tt(arr(B, S)), tau=2.0,
                     alpha_c=0.1), "mus"),
    ("rollout", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B, C)), h0=tt(arr(B, S)), tau=2.0,
                     sigma_r=0.5), "rng"),
    ("rollout", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B, C)), h0=tt(arr(B, S)), tau=2.0,
                     alpha_h=-0.1), "alpha_h"),
    ("rollout", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B, C)), h0=tt(arr(B, S)), tau=2.0,
                     sigma_r=0.5, rng=np.random.default_rng(0)), "rng"),
    ("loss_and_grads", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B + 1, C)), h0=tt(arr(B, S)), tau=2.0), "c0"),
    ("loss_and_grads", dict(params=TPARAMS, x=tt(arr(T, B, O)), c0=tt(arr(B, C)), h0=tt(arr(S + 1)), tau=2.0), "h0"),
    ("generate", dict(params=TPARAMS, c0=tt(arr(B, C)), h0=tt(arr(B, S)), tau=2.0, steps=0), "steps"),
    ("init_params", dict(causes_dim=C, states_dim=S, output_dim=O, rng=np.random.default_rng(0)), "rng"),
]

_W = {"w": torch.zeros(2, dtype=torch.float64)}
TORCH_ADAM_CASES = [
    pytest.param(dict(weight_decay=-1e-4), "weight_decay", id="weight_decay<0"),
    pytest.param(dict(lr=-0.1), "lr", id="lr<0"),
    pytest.param(dict(betas=(1.0, 0.999)), "betas", id="beta1=1"),
    pytest.param(dict(eps=0.0), "eps", id="eps=0"),
]


@pytest.mark.parametrize("fn, kwargs, name", TORCH_CASES, ids=[f"{c[0]}-{c[2]}" for c in TORCH_CASES])
def test_pc_torch_bad_input_names_the_argument(fn, kwargs, name):
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(pct, fn)(**kwargs)
    assert names_argument(str(info.value), name), f"the message does not name {name!r}: {info.value}"


@pytest.mark.parametrize("kwargs, name", TORCH_ADAM_CASES)
def test_pc_torch_adam_bad_hyperparameters_name_the_argument(kwargs, name):
    with pytest.raises((ValueError, TypeError)) as info:
        pct.Adam(_W, **kwargs)
    assert names_argument(str(info.value), name), f"the message does not name {name!r}: {info.value}"
