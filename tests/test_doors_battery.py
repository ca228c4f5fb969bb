"""An independent battery of bad input and faults, thrown at every entry point (the doors).

The contract (issue 22): every class of bad input gets a ``ValueError`` or ``TypeError`` (or their
subclasses ``NumericalError``, ``TooLarge``, ``TrainingDiverged``) whose message names the argument
as a word, raised before long work; no other exception type leaks (``KeyError``,
``AttributeError``, ``IndexError``, ``OverflowError``, ``ZeroDivisionError``, a ``RuntimeWarning``:
the battery runs with warnings as errors); an overflow inside the model raises ``NumericalError``
naming the entry point and the time step / trial / iteration; the command line exits 2 for usage
errors and 1 for data and runtime errors, with a message and never a traceback; outputs are
written whole or not at all.  What the doors accept (NumPy scalars, float16/int arrays, Fortran
order, views, read-only arrays, float32 data) must give the numbers of the plain call.

Each case changes ONE argument of a call that is otherwise correct (``test_good_calls``).
"""
from __future__ import annotations

import inspect
import os
import re
import warnings

import numpy as np
import numpy.ma
import pytest
import torch
from hypothesis import given, settings, strategies as st

import pc_numpy as pcn
import pc_torch as pct
from pc_numpy.tools.checks import NumericalError, TooLarge

T, B, O, S, C, P, F = 5, 3, 2, 4, 2, 3, 3
_rng = np.random.default_rng(0)
PARAMS = pcn.init_params(C, S, O, np.random.default_rng(1))
PARAMS_M = pcn.hcm.init_params(C, S, O, F, np.random.default_rng(1))
TPARAMS = pct.from_numpy(PARAMS)


def arr(*shape):
    return _rng.standard_normal(shape)


X, C0, H0, MUS, XI = arr(T, B, O), arr(B, C), arr(B, S), arr(P, C), arr(T, B, C)
OBS = np.ones((T, B))
OBS[-1, 0] = 0.0
RATES = dict(tau=2.0, alpha_x=0.1, alpha_h=0.1, alpha_c=0.1, sigma_r=0.5, sigma_c=0.5)

GOOD = {
    "rollout": dict(params=PARAMS, x=X, c0=C0, h0=H0, **RATES, mus=MUS, xi=XI, observed=OBS),
    "hcm.rollout": dict(params=PARAMS_M, x=X, c0=C0, h0=H0, **RATES, mus=MUS, xi=XI, observed=OBS),
    "generate": dict(params=PARAMS, c0=C0, h0=H0, tau=2.0, steps=T),
    "hcm.generate": dict(params=PARAMS_M, c0=C0, h0=H0, tau=2.0, steps=T),
    "loss_and_grads": dict(params=PARAMS, x=X, c0=C0, h0=H0, tau=2.0, observed=OBS),
    "hcm.loss_and_grads": dict(params=PARAMS_M, x=X, c0=C0, h0=H0, tau=2.0, observed=OBS),
    "init_params": dict(causes_dim=C, states_dim=S, output_dim=O, rng=np.random.default_rng(2)),
    "hcm.init_params": dict(causes_dim=C, states_dim=S, output_dim=O, factor_dim=F,
                            rng=np.random.default_rng(2)),
    "Adam": dict(values={"w": arr(2, 3)}, lr=0.03, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
}
TGOOD = {
    "rollout": dict(params=TPARAMS, x=torch.tensor(X), c0=torch.tensor(C0), h0=torch.tensor(H0),
                    **RATES, mus=torch.tensor(MUS), xi=torch.tensor(XI), observed=torch.tensor(OBS)),
    "generate": dict(params=TPARAMS, c0=torch.tensor(C0), h0=torch.tensor(H0), tau=2.0, steps=T),
    "loss_and_grads": dict(params=TPARAMS, x=torch.tensor(X), c0=torch.tensor(C0),
                           h0=torch.tensor(H0), tau=2.0, observed=torch.tensor(OBS)),
    "Adam": dict(values={"w": torch.tensor(arr(2, 3))}, lr=0.03, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0),
}
# symbolic shape of every array argument
SHAPES = dict(x="TBO", c0="BC", h0="BS", mus="PC", xi="TBC", observed="TB")
SIZES = dict(T=T, B=B, O=O, S=S, C=C, P=P)
LEAKS = (KeyError, AttributeError, IndexError, OverflowError, ZeroDivisionError, RuntimeWarning,
         AssertionError, NameError, UnboundLocalError)


def fn_of(name, module=pcn):
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def names(message: str, name: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", message) is not None


def strict(fn, *args, **kwargs):
    """Call with every warning an error and NumPy's float errors at their defaults."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def refused(argument, fn, *args, types=(ValueError, TypeError), **kwargs):
    """``fn(*args, **kwargs)`` must raise one of ``types`` naming ``argument`` (a word)."""
    try:
        strict(fn, *args, **kwargs)
    except types as exc:
        assert not isinstance(exc, LEAKS), f"{type(exc).__name__} leaked: {exc}"
        assert names(str(exc), argument), f"{type(exc).__name__} does not name {argument!r}: {exc}"
        return exc
    except BaseException as exc:  # noqa: BLE001 - any other type is the failure we look for
        raise AssertionError(f"{type(exc).__name__} leaked (not {types}) for {argument}: {exc!r}") from exc
    raise AssertionError(f"{argument}: accepted, expected {types}")


def finite_tree(value):
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    if isinstance(value, np.ndarray):
        return bool(np.isfinite(value).all())
    if isinstance(value, (tuple, list)):
        return all(finite_tree(v) for v in value)
    if isinstance(value, dict):
        return all(finite_tree(v) for v in value.values())
    if isinstance(value, float):
        return np.isfinite(value)
    return True


def accepted_or_refused(argument, fn, **kwargs):
    """Either a finite result, or a clear error naming ``argument``."""
    try:
        out = strict(fn, **kwargs)
    except (ValueError, TypeError) as exc:
        assert not isinstance(exc, LEAKS)
        assert names(str(exc), argument), f"{type(exc).__name__} does not name {argument!r}: {exc}"
        return None
    except BaseException as exc:  # noqa: BLE001
        raise AssertionError(f"{type(exc).__name__} leaked for {argument}: {exc!r}") from exc
    assert finite_tree(out), f"{argument}: accepted but the result is not finite"
    return out


# ---------------------------------------------------------------------------------------------
# Bad values by class
# ---------------------------------------------------------------------------------------------
def bad_arrays(good: np.ndarray, shape: str):
    """(label, bad value) for an array argument (a float64 array of symbolic ``shape``)."""
    nan, inf = good.copy(), good.copy()
    nan.flat[-1] = np.nan
    inf.flat[0] = np.inf
    out = [
        ("None", None), ("str", "abc"), ("dict", {"a": good}), ("set", {1.0}),
        ("torch tensor", torch.tensor(good)), ("ragged list", [[1.0], [1.0, 2.0]]),
        ("masked array", np.ma.masked_array(good, mask=np.zeros(good.shape, bool))),
        ("object dtype", good.astype(object)), ("complex dtype", good.astype(complex)),
        ("bool dtype", good > 0), ("str dtype", good.astype(str)), ("0-d", np.array(1.0)),
        ("python float", 1.0), ("bytes", b"\x00" * 8), ("nan", nan), ("inf", inf),
        ("datetime", np.zeros(good.shape, "datetime64[s]")),
        ("ndim+1", good[..., None]), ("ndim-1", good[0]),
    ]
    for axis, symbol in enumerate(shape):
        for delta in (+1, -1):
            sl = [slice(None)] * good.ndim
            if delta > 0:
                value = np.concatenate([good, good.take([0], axis=axis)], axis=axis)
            else:
                sl[axis] = slice(0, good.shape[axis] - 1)
                value = good[tuple(sl)]
            out.append((f"axis {axis} ({symbol}) {delta:+d}", value))
        sl = [slice(None)] * good.ndim
        sl[axis] = slice(0, 0)
        out.append((f"axis {axis} ({symbol}) empty", good[tuple(sl)]))
    return out


BAD_RATES = [("None", None), ("str", "1"), ("list", [1.0]), ("bool", True), ("np.bool_", np.True_),
             ("nan", float("nan")), ("inf", float("inf")), ("-inf", -np.inf), ("negative", -1.0),
             ("10**400", 10 ** 400), ("-10**400", -10 ** 400), ("torch scalar", torch.tensor(1.0)),
             ("1-d array", np.array([1.0])), ("complex", 1 + 0j), ("np.complex128", np.complex128(1)),
             ("np.float32 nan", np.float32("nan")), ("np.float64 inf", np.float64("inf")),
             ("dict", {}), ("np.timedelta64", np.timedelta64(1, "s"))]
BAD_SIZES = [("None", None), ("str", "3"), ("float", 3.0), ("2.5", 2.5), ("bool", True),
             ("np.bool_", np.True_), ("zero", 0), ("negative", -1), ("2**70", 2 ** 70),
             ("10**400", 10 ** 400), ("np.float32", np.float32(3.0)), ("torch", torch.tensor(3)),
             ("nan", float("nan")), ("list", [3]), ("np.uint64 huge", np.uint64(2 ** 64 - 1))]


def _cases_arrays():
    for fn in ("rollout", "hcm.rollout", "loss_and_grads", "hcm.loss_and_grads", "generate",
               "hcm.generate"):
        for arg, shape in SHAPES.items():
            if arg not in GOOD[fn]:
                continue
            if fn.endswith("generate") and arg in ("c0", "h0"):
                continue          # generate takes B from c0/h0 themselves: tested separately
            for label, value in bad_arrays(GOOD[fn][arg], shape):
                if arg == "observed" and label in ("bool dtype", "None"):
                    continue      # a boolean mask is documented as accepted, None is no mask
                if arg in ("c0", "h0") and label == "ndim-1":
                    continue      # a vector is accepted (shared by every row)
                if arg == "mus" and label.startswith("axis 0"):
                    continue      # P, the number of memories, is set by mus alone
                yield pytest.param(fn, arg, value, id=f"{fn}-{arg}-{label}")


@pytest.mark.parametrize("fn,arg,value", list(_cases_arrays()))
def test_bad_array(fn, arg, value):
    kwargs = dict(GOOD[fn], **{arg: value})
    if arg == "xi" and value is None:
        kwargs["xi"] = None       # sigma_r > 0 without noise: the message names the options
    refused(arg if not (arg == "xi" and value is None) else "sigma_r", fn_of(fn), **kwargs)


def _cases_rates():
    for fn in ("rollout", "hcm.rollout"):
        for arg in RATES:
            for label, value in BAD_RATES:
                yield pytest.param(fn, arg, value, id=f"{fn}-{arg}-{label}")
        for value in (0.5, 0.0, 1 - 1e-12):
            yield pytest.param(fn, "tau", value, id=f"{fn}-tau-{value}")
        for value in (0.0, 1e-101, 1e101, 1e-300, 1e300, 5e-324):
            yield pytest.param(fn, "sigma_c", value, id=f"{fn}-sigma_c-{value}")
    for fn in ("generate", "hcm.generate", "loss_and_grads", "hcm.loss_and_grads"):
        for label, value in BAD_RATES + [("0.5", 0.5)]:
            yield pytest.param(fn, "tau", value, id=f"{fn}-tau-{label}")
    for fn in ("generate", "hcm.generate"):
        for label, value in BAD_SIZES:
            yield pytest.param(fn, "steps", value, id=f"{fn}-steps-{label}")
    for fn in ("init_params", "hcm.init_params"):
        for arg in ("causes_dim", "states_dim", "output_dim") + (("factor_dim",) if "hcm" in fn else ()):
            for label, value in BAD_SIZES:
                yield pytest.param(fn, arg, value, id=f"{fn}-{arg}-{label}")
    for arg in ("lr", "eps", "weight_decay"):
        for label, value in BAD_RATES:
            yield pytest.param("Adam", arg, value, id=f"Adam-{arg}-{label}")


@pytest.mark.parametrize("fn,arg,value", list(_cases_rates()))
def test_bad_number(fn, arg, value):
    refused(arg, fn_of(fn), **dict(GOOD[fn], **{arg: value}))


@pytest.mark.parametrize("betas", [None, 0.9, (0.9,), (0.9, 0.99, 0.9), (1.0, 0.9), (0.9, 1.0),
                                   (-0.1, 0.9), (np.nan, 0.9), ("a", 0.9), (True, 0.9),
                                   np.array([0.9, 0.99]), {0.9, 0.99}, (0.9, 10 ** 400)])
@pytest.mark.parametrize("module,good", [(pcn, GOOD["Adam"]), (pct, TGOOD["Adam"])])
def test_bad_betas(module, good, betas):
    refused("betas", module.Adam, **dict(good, betas=betas))


@pytest.mark.parametrize("values", [None, {}, [1.0], {"w": None}, {"w": "a"}, {"w": np.array([np.nan])},
                                    {"w": np.array([1 + 1j])}, {"w": np.zeros(0)},
                                    {"w": np.ma.masked_array([1.0])}])
def test_bad_adam_values(values):
    refused("values", pcn.Adam, **dict(GOOD["Adam"], values=values))
    tvalues = values if not isinstance(values, dict) else {
        k: (torch.tensor(v) if isinstance(v, np.ndarray) and v.dtype.kind in "fc" and not
            isinstance(v, np.ma.MaskedArray) else v) for k, v in values.items()}
    refused("values", pct.Adam, **dict(TGOOD["Adam"], values=tvalues))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0), torch.Generator(), "seed",
                                 np.random.default_rng])
@pytest.mark.parametrize("fn", ["init_params", "hcm.init_params", "rollout", "hcm.rollout"])
def test_bad_rng(fn, rng):
    kwargs = dict(GOOD[fn], rng=rng)
    if "rollout" in fn:
        kwargs["xi"] = None
        if rng is None:
            return  # the sigma_r message case, in test_bad_array
    refused("rng", fn_of(fn), **kwargs)


def test_rng_and_xi_together():
    refused("xi", pcn.rollout, **dict(GOOD["rollout"], rng=np.random.default_rng(0)))


PARAM_BAD = [("None", None), ("tuple", tuple(PARAMS)), ("dict", PARAMS._asdict()),
             ("torch params", TPARAMS), ("other kind", PARAMS_M)]


@pytest.mark.parametrize("fn", ["rollout", "generate", "loss_and_grads"])
@pytest.mark.parametrize("label,value", PARAM_BAD, ids=[p[0] for p in PARAM_BAD])
def test_bad_params_object(fn, label, value):
    refused("params", fn_of(fn), **dict(GOOD[fn], params=value))
    hvalue = PARAMS if label == "other kind" else value
    refused("params", fn_of("hcm." + fn), **dict(GOOD["hcm." + fn], params=hvalue))


def _param_fields():
    for kind, params in (("", PARAMS), ("hcm.", PARAMS_M)):
        for field in params._fields:
            good = getattr(params, field)
            for label, value in [("nan", np.where(np.arange(good.size).reshape(good.shape) == 0, np.nan, good)),
                                 ("ndim+1", good[..., None]), ("axis0+1", np.concatenate([good, good[:1]])),
                                 ("str", "a"), ("None", None), ("complex", good.astype(complex)),
                                 ("torch", torch.tensor(good)), ("masked", np.ma.masked_array(good)),
                                 ("empty", good[:0])]:
                yield pytest.param(kind, params, field, value, id=f"{kind}{field}-{label}")


@pytest.mark.parametrize("kind,params,field,value", list(_param_fields()))
def test_bad_param_field(kind, params, field, value):
    bad = params._replace(**{field: value})
    for fn in ("rollout", "loss_and_grads", "generate"):
        refused(field, fn_of(kind + fn), **dict(GOOD[kind + fn], params=bad))


@pytest.mark.parametrize("fn", ["generate", "hcm.generate"])
@pytest.mark.parametrize("arg", ["c0", "h0"])
def test_generate_bad_initial_state(fn, arg):
    good = GOOD[fn][arg]
    for label, value in bad_arrays(good, SHAPES[arg]):
        if label.startswith("axis 0"):
            continue      # B is taken from c0 (or h0): a different B is another batch
        if label == "ndim-1":
            continue      # a vector is accepted (shared by every row)
        refused(arg, fn_of(fn), **dict(GOOD[fn], **{arg: value}))
    refused(arg if arg == "h0" else "h0", fn_of(fn), **dict(GOOD[fn], **{arg: good[:-1]}))  # B disagree


@pytest.mark.parametrize("fn", ["rollout", "loss_and_grads"])
def test_observed_values(fn):
    for value in (np.full((T, B), 0.5), np.full((T,), 2.0), -np.ones((T, B)), OBS.astype(np.int8) * 3):
        refused("observed", fn_of(fn), **dict(GOOD[fn], observed=value))
    refused("observed", pcn.loss_and_grads, **dict(GOOD["loss_and_grads"], observed=np.zeros(T)))


def test_mus_required():
    refused("mus", pcn.rollout, **dict(GOOD["rollout"], mus=None))


# ---------------------------------------------------------------------------------------------
# Too large: refused before anything is allocated
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arg", ["causes_dim", "states_dim", "output_dim"])
def test_init_params_too_large(arg):
    refused(arg, pcn.init_params, types=(TooLarge,), **dict(GOOD["init_params"], **{arg: 2 ** 40}))
    refused(arg, pcn.hcm.init_params, types=(TooLarge,), **dict(GOOD["hcm.init_params"], **{arg: 2 ** 40}))


def test_generate_too_large():
    refused("steps", pcn.generate, types=(TooLarge,), **dict(GOOD["generate"], steps=2 ** 62))
    refused("steps", pct.generate, types=(TooLarge,), **dict(TGOOD["generate"], steps=2 ** 62))


def test_rollout_too_large_broadcast():
    """A huge x as a broadcast view (no memory of its own): refused by the budget, not by NumPy."""
    x = np.broadcast_to(X[:1], (2 ** 40, B, O))
    refused("x", pcn.rollout, types=(TooLarge,), **dict(GOOD["rollout"], x=x, xi=None, observed=None,
                                                        sigma_r=0.0))


# ---------------------------------------------------------------------------------------------
# What is accepted gives the numbers of the plain call
# ---------------------------------------------------------------------------------------------
def test_good_calls():
    for fn, kwargs in GOOD.items():
        assert finite_tree(strict(fn_of(fn), **kwargs)), fn
    for fn, kwargs in TGOOD.items():
        assert finite_tree(strict(fn_of(fn, pct), **kwargs)), fn


def same(a, b, where):
    if isinstance(a, (tuple, list)):
        for i, (u, v) in enumerate(zip(a, b)):
            same(u, v, f"{where}[{i}]")
    elif isinstance(a, dict):
        for k in a:
            same(a[k], b[k], f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b), f"{where}: max diff {np.max(np.abs(a - b))}"
    else:
        assert a == b, where


NUMPY_SCALARS = [np.float64, np.float32, np.int64, np.int32, np.uint8]


@pytest.mark.parametrize("fn", ["rollout", "hcm.rollout", "loss_and_grads", "generate"])
@pytest.mark.parametrize("kind", NUMPY_SCALARS, ids=lambda k: k.__name__)
def test_numpy_scalars_bit_identical(fn, kind):
    """Rates and sizes given as NumPy scalars (exactly representable values) give bit-identical
    float64 results to Python numbers."""
    plain = dict(GOOD[fn], tau=2.0)
    if "alpha_x" in plain:
        plain.update(alpha_x=0.5, alpha_h=0.25, alpha_c=0.125, sigma_r=0.5, sigma_c=1.0)
    integer = issubclass(kind, np.integer)
    converted = {k: (kind(v) if k in RATES and (not integer or v == int(v) and v >= 1) else v)
                 for k, v in plain.items()}
    if "steps" in plain and integer:
        converted["steps"] = kind(plain["steps"])
    assert any(type(v) is kind for v in converted.values())
    same(strict(fn_of(fn), **plain), strict(fn_of(fn), **converted), f"{fn} with {kind.__name__}")


def layouts(a: np.ndarray):
    """The same values as a Fortran-ordered copy, strided and negative-stride views, read-only,
    and a nested list."""
    f = np.asfortranarray(a)
    big = np.zeros(a.shape + (2,))
    big[..., 0] = a
    strided = big[..., 0]
    ro = a.copy()
    ro.setflags(write=False)
    neg = np.ascontiguousarray(a[::-1])[::-1]
    return dict(fortran=f, strided=strided, readonly=ro, negstride=neg, listed=a.tolist())


@pytest.mark.parametrize("fn", ["rollout", "hcm.rollout", "loss_and_grads", "hcm.loss_and_grads",
                                "generate"])
@pytest.mark.parametrize("layout", ["fortran", "strided", "readonly", "negstride", "listed"])
def test_layouts_bit_identical(fn, layout):
    want = strict(fn_of(fn), **GOOD[fn])
    for arg in SHAPES:
        if arg not in GOOD[fn]:
            continue
        value = layouts(GOOD[fn][arg])[layout]
        same(want, strict(fn_of(fn), **dict(GOOD[fn], **{arg: value})), f"{fn} {arg} {layout}")


def test_readonly_inputs_not_written():
    kwargs = dict(GOOD["rollout"])
    for k in SHAPES:
        kwargs[k] = kwargs[k].copy()
        kwargs[k].setflags(write=False)
    before = {k: kwargs[k].copy() for k in SHAPES}
    strict(pcn.rollout, **kwargs)
    strict(pcn.loss_and_grads, **{k: kwargs[k] for k in GOOD["loss_and_grads"]})
    for k in SHAPES:
        assert np.array_equal(before[k], kwargs[k]), k


@pytest.mark.parametrize("fn", ["rollout", "hcm.rollout", "loss_and_grads", "hcm.loss_and_grads",
                                "generate", "hcm.generate"])
def test_float32_kept(fn):
    kw = dict(GOOD[fn])
    kw["params"] = type(kw["params"])(*(v.astype(np.float32) for v in kw["params"]))
    for arg in SHAPES:
        if arg in kw and kw[arg] is not None:
            kw[arg] = kw[arg].astype(np.float32)
    out = strict(fn_of(fn), **kw)
    leaves = []

    def collect(v):
        if isinstance(v, np.ndarray):
            leaves.append(v)
        elif isinstance(v, (tuple, list)):
            for u in v:
                collect(u)
        elif isinstance(v, dict):
            for u in v.values():
                collect(u)
    collect(out)
    assert leaves and all(v.dtype == np.float32 for v in leaves), [v.dtype for v in leaves]
    assert all(np.isfinite(v).all() for v in leaves)


@pytest.mark.parametrize("dtype", [np.float16, np.int64, np.int8, np.uint16, np.longdouble])
def test_other_real_dtypes_become_float64(dtype):
    x = (X * 3).astype(dtype)
    out = strict(pcn.rollout, **dict(GOOD["rollout"], x=x))
    assert out.x_pred.dtype == np.float64
    same(out, strict(pcn.rollout, **dict(GOOD["rollout"], x=x.astype(np.float64))), str(dtype))


@settings(max_examples=25)
@given(st.sampled_from(list(SHAPES)), st.sampled_from(["fortran", "strided", "readonly", "negstride"]),
       st.booleans())
def test_hypothesis_layout_and_scalars(arg, layout, np_tau):
    fn = "rollout"
    kw = dict(GOOD[fn])
    kw[arg] = layouts(kw[arg])[layout]
    if np_tau:
        kw.update(tau=np.float64(2.0), sigma_c=np.float32(0.5), alpha_x=np.float64(0.1))
    same(strict(pcn.rollout, **GOOD[fn]), strict(pcn.rollout, **kw), f"{arg} {layout} {np_tau}")


# ---------------------------------------------------------------------------------------------
# pc_torch's doors
# ---------------------------------------------------------------------------------------------
def _torch_cases():
    for fn in ("rollout", "loss_and_grads"):
        for arg in ("x", "c0", "h0", "mus", "xi", "observed"):
            if arg not in TGOOD[fn]:
                continue
            good = TGOOD[fn][arg].numpy()
            for label, value in bad_arrays(good, SHAPES[arg]):
                if label in ("torch tensor", "bool dtype", "python float"):
                    continue
                if arg == "observed" and label == "None" or arg == "mus" and label.startswith("axis 0"):
                    continue
                if label == "ndim-1" and arg in ("c0", "h0"):
                    continue  # a vector is accepted
                tvalue = value
                if isinstance(value, np.ndarray) and not isinstance(value, np.ma.MaskedArray) \
                        and value.dtype.kind in "fc":
                    tvalue = torch.tensor(value)
                yield pytest.param(fn, arg, tvalue, id=f"pct.{fn}-{arg}-{label}")
        for label, value in BAD_RATES[:12]:
            yield pytest.param(fn, "tau", value, id=f"pct.{fn}-tau-{label}")
    for arg in ("alpha_x", "sigma_c"):
        for label, value in BAD_RATES[:12] + ([("1e-300", 1e-300)] if arg == "sigma_c" else []):
            yield pytest.param("rollout", arg, value, id=f"pct.rollout-{arg}-{label}")
    for label, value in BAD_SIZES:
        yield pytest.param("generate", "steps", value, id=f"pct.generate-steps-{label}")
    for label, value in [("numpy params", PARAMS), ("tuple", tuple(TPARAMS)), ("None", None),
                         ("hcm torch", pct.hcm.from_numpy(PARAMS_M) if hasattr(pct.hcm, "from_numpy") else None)]:
        for fn in ("rollout", "loss_and_grads", "generate"):
            yield pytest.param(fn, "params", value, id=f"pct.{fn}-params-{label}")


@pytest.mark.parametrize("fn,arg,value", list(_torch_cases()))
def test_torch_bad(fn, arg, value):
    refused(arg, fn_of(fn, pct), **dict(TGOOD[fn], **{arg: value}))


def test_torch_accepts_numpy_same_numbers():
    """NumPy arrays to pc_torch's doors: float64 tensors, the same numbers as tensors."""
    want = strict(pct.rollout, **TGOOD["rollout"])
    kw = {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in TGOOD["rollout"].items()}
    got = strict(pct.rollout, **kw)
    for name, a, b in zip(want._fields, want, got):
        assert torch.equal(a, b), name


def test_torch_meta_tensors():
    """Parameters or data on the 'meta' device (no values): a clear error, not torch's."""
    meta = type(TPARAMS)(*(v.to("meta") for v in TPARAMS))
    refused("w_o", pct.rollout, **dict(TGOOD["rollout"], params=meta))
    refused("x", pct.rollout, **dict(TGOOD["rollout"], x=TGOOD["rollout"]["x"].to("meta")))
    refused("x", pct.loss_and_grads, **dict(TGOOD["loss_and_grads"], x=TGOOD["loss_and_grads"]["x"].to("meta")))


@pytest.mark.parametrize("arg", ["x", "c0", "h0", "mus", "xi"])
def test_torch_mixed_dtypes(arg):
    """One float32 tensor among float64 ones: the parameters' dtype, the numbers of float64 data
    to float32 rounding (torch does not promote in a matmul)."""
    want = strict(pct.rollout, **TGOOD["rollout"])
    got = strict(pct.rollout, **dict(TGOOD["rollout"], **{arg: TGOOD["rollout"][arg].float()}))
    for name, a, b in zip(want._fields, want, got):
        assert b.dtype == torch.float64, name
        # the float32 copy differs from the float64 value by at most one float32 rounding (2**-24
        # relative); the model is Lipschitz with a small constant here: 1e-5 absolute is ample
        assert torch.allclose(a, b, rtol=0, atol=1e-5), (name, float((a - b).abs().max()))
    if arg in ("x", "c0", "h0"):
        strict(pct.loss_and_grads, **dict(TGOOD["loss_and_grads"], **{arg: TGOOD["loss_and_grads"][arg].float()}))


def test_torch_rng_wrong_type():
    kw = dict(TGOOD["rollout"], xi=None, rng=np.random.default_rng(0))
    refused("rng", pct.rollout, **kw)


def test_torch_float32_kept():
    kw = {k: (v.float() if isinstance(v, torch.Tensor) else v) for k, v in TGOOD["rollout"].items()}
    kw["params"] = type(TPARAMS)(*(v.float() for v in TPARAMS))
    out = strict(pct.rollout, **kw)
    assert all(v.dtype == torch.float32 and bool(torch.isfinite(v).all()) for v in out)


# ---------------------------------------------------------------------------------------------
# Overflow inside the model: NumericalError naming the entry point and where
# ---------------------------------------------------------------------------------------------
def huge_params(params):
    return params._replace(w_o=np.full_like(params.w_o, 1.5e308))


@pytest.mark.parametrize("kind", ["", "hcm."])
def test_overflow_inference_rollout(kind):
    kw = dict(GOOD[kind + "rollout"], alpha_x=1e300, x=X * 1e10)
    exc = refused("rollout", fn_of(kind + "rollout"), types=(NumericalError,), **kw)
    assert exc.step == 0 and names(str(exc), "time step"), exc
    assert {"alpha_x", "x"} & set(exc.culprits), exc.culprits


@pytest.mark.parametrize("kind", ["", "hcm."])
def test_overflow_generate(kind):
    """``generate`` is a generation ``rollout``: its overflow is named as the rollout's (the loop
    it ran), with the equation, the time step and the parameters as the likely culprit."""
    kw = dict(GOOD[kind + "generate"], params=huge_params(GOOD[kind + "generate"]["params"]),
              h0=np.full((B, S), 10.0))
    exc = refused("rollout", fn_of(kind + "generate"), types=(NumericalError,), **kw)
    assert exc.step == 0 and exc.quantity == "prediction" and "params" in exc.culprits, exc


@pytest.mark.parametrize("kind", ["", "hcm."])
def test_overflow_loss_and_grads(kind):
    kw = dict(GOOD[kind + "loss_and_grads"], params=huge_params(GOOD[kind + "loss_and_grads"]["params"]),
              h0=np.full((B, S), 10.0))
    exc = refused("loss_and_grads", fn_of(kind + "loss_and_grads"), types=(NumericalError,), **kw)
    assert "params" in exc.culprits, exc.culprits


DATA = np.stack([np.stack([np.sin(np.linspace(0, 3, 8) + k), np.cos(np.linspace(0, 3, 8) * (k + 1))], -1)
                 for k in range(3)])           # (N=3, T=8, O=2)
SMALL = dict(states_dim=4, causes_dim=2, tau=3.0, iterations=3, progress=False)


@pytest.fixture(scope="module")
def model():
    return pcn.train(DATA, ["a", "b", "c"], **SMALL).model


def test_overflow_train():
    exc = refused("iteration", pcn.train, DATA, types=(ValueError,), **dict(SMALL, lr=1e300, iterations=5))
    assert not isinstance(exc, TypeError)


def test_overflow_retrieve(model):
    exc = refused("trial", pcn.retrieve, model, DATA, types=(NumericalError,), trials=3, restarts=1,
                  alpha_h=1e300, progress=False)
    assert "retrieve" in str(exc)


def test_overflow_torch_retrieve(model):
    refused("trial", pct.retrieve, model, DATA, types=(ValueError,), trials=3, restarts=1,
            alpha_h=1e300, progress=False)


def test_overflow_torch_train():
    refused("iteration", pct.train, DATA, types=(ValueError,), **dict(SMALL, lr=1e300, iterations=5))


# ---------------------------------------------------------------------------------------------
# The protocols' doors
# ---------------------------------------------------------------------------------------------
def _train_cases():
    bad_data = [(lbl, v) for lbl, v in bad_arrays(DATA, "NTO") if lbl not in ("ndim-1",)]
    for lbl, v in bad_data:
        if "axis" in lbl and not lbl.endswith("empty"):
            continue          # another N, T or O is other data, not wrong data
        yield pytest.param("data", v, {}, id=f"data-{lbl}")
    for lbl, v in BAD_SIZES:
        for arg in ("states_dim", "causes_dim", "iterations", "seed"):
            if arg == "seed" and lbl in ("zero",):
                continue
            yield pytest.param(arg, v, {}, id=f"{arg}-{lbl}")
    for lbl, v in BAD_RATES:
        for arg in ("tau", "lr", "weight_decay", "eps"):
            yield pytest.param(arg, v, {}, id=f"{arg}-{lbl}")
    for lbl, v in [("one label", ["a"]), ("dupes", ["a", "a", "b"]), ("dupe int/str", [1, "1", 2]), ("str", "abc"),
                   ("dict", {"a": 1})]:
        yield pytest.param("labels", v, {}, id=f"labels-{lbl}")
    yield pytest.param("kind", "hc-x", {}, id="kind-bad")
    yield pytest.param("kind", None, {}, id="kind-None")
    yield pytest.param("factor_dim", 3, {}, id="factor_dim-for-hc-a")
    yield pytest.param("learn_h0", "yes", {}, id="learn_h0-str")
    yield pytest.param("checkpoint_every", 0, {}, id="checkpoint_every-0")
    yield pytest.param("keep", "all?", {}, id="keep-bad")
    yield pytest.param("progress", "yes", {}, id="progress-str")


@pytest.mark.parametrize("arg,value,extra", list(_train_cases()))
def test_train_bad(arg, value, extra):
    kw = dict(SMALL, **extra)
    if arg == "data":
        refused("data", pcn.train, value, **kw)
        return
    if arg == "labels":
        refused("labels", pcn.train, DATA, value, **kw)
        return
    refused(arg, pcn.train, DATA, **dict(kw, **{arg: value}))


@pytest.mark.parametrize("arg,value", [("states_dim", 0), ("tau", 0.5), ("iterations", 2 ** 70),
                                       ("lr", float("nan")), ("seed", -1), ("data", None),
                                       ("data", DATA[..., :0]), ("dtype", "float64"), ("dtype", torch.int64),
                                       ("device", "nonsense"), ("labels", ["a"])])
def test_torch_train_bad(arg, value):
    if arg == "data":
        refused("data", pct.train, value, **SMALL)
    elif arg == "labels":
        refused("labels", pct.train, DATA, value, **SMALL)
    else:
        refused(arg, pct.train, DATA, **dict(SMALL, **{arg: value}))


@pytest.mark.parametrize("arg,value", [
    ("causes", np.eye(2)), ("causes", "a"), ("causes", np.full((3, 3), np.nan)), ("states_dim", 0),
    ("tau", 0.1), ("alpha_x", -1.0), ("alpha_h", float("inf")), ("lr_o", None), ("lr_h", "1"),
    ("lr_c", -1.0), ("iterations", 0), ("iterations", 10 ** 400), ("seed", 2.5), ("data", "x")])
def test_train_local_bad(arg, value):
    kw = dict(states_dim=4, tau=3.0, iterations=2, progress=False)
    if arg == "data":
        refused("data", pcn.train_local, value, **kw)
    else:
        refused(arg, pcn.train_local, DATA, **dict(kw, **{arg: value}))


RETRIEVE_BAD = [
    ("targets", None), ("targets", "a"), ("targets", DATA[:, :, :1]), ("targets", DATA[:0]),
    ("targets", np.full_like(DATA, np.nan)), ("targets", torch.tensor(DATA)),
    ("targets", np.ma.masked_array(DATA)), ("targets", DATA.astype(complex)),
    ("target_ids", [0, 1]), ("target_ids", [0, 1, 7]), ("target_ids", [0, 1, -1]), ("target_ids", "abc"),
    ("target_ids", [0.5, 1, 2]), ("target_ids", [True, False, True]), ("target_ids", [0, 1, 2 ** 70]),
    ("restarts", 0), ("restarts", 2 ** 70), ("restarts", 1.5), ("trials", 0), ("trials", None),
    ("trials", 10 ** 400), ("alpha_x", -1.0), ("alpha_h", float("nan")), ("sigma_c", 1e-300),
    ("sigma_c", 0.0), ("sigma_r", "1"), ("radius", -1.0), ("radius", float("inf")), ("rng", 0),
    ("seed", "a"), ("seed", -1), ("cue_steps", 0), ("cue_steps", 100), ("cue_noise", -1.0),
    ("cue_noise", float("nan")), ("progress", "yes"), ("model", None), ("model", PARAMS),
]


@pytest.mark.parametrize("arg,value", RETRIEVE_BAD)
def test_retrieve_bad(model, arg, value):
    kw = dict(trials=2, restarts=1, progress=False)
    if arg == "model":
        refused("model", pcn.retrieve, value, DATA, **kw)
    elif arg == "targets":
        refused("targets", pcn.retrieve, model, value, **kw)
    else:
        refused(arg, pcn.retrieve, model, DATA, **dict(kw, **{arg: value}))


@pytest.mark.parametrize("arg,value", [a for a in RETRIEVE_BAD if a[0] not in ("cue_steps", "cue_noise")]
                         + [("rng", np.random.default_rng(0)), ("dtype", torch.int32), ("device", "nope")])
def test_torch_retrieve_bad(model, arg, value):
    kw = dict(trials=2, restarts=1, progress=False)
    if arg == "model":
        refused("model", pct.retrieve, value, DATA, **kw)
    elif arg == "targets":
        refused("targets", pct.retrieve, model, value, **kw)
    else:
        refused(arg, pct.retrieve, model, DATA, **dict(kw, **{arg: value}))


def test_retrieve_model_fields(model):
    kw = dict(trials=2, restarts=1, progress=False)
    for field, value in [("mus", model.mus[:, :1]), ("mus", np.full_like(model.mus, np.nan)),
                         ("h0", model.h0[:-1]), ("tau", 0.5), ("tau", "a"), ("labels", ("a",)),
                         ("kind", "hc-z"), ("params", PARAMS_M), ("data_fingerprint", None)]:
        refused(field, pcn.retrieve, model._replace(**{field: value}), DATA, **kw)


BASELINE_BAD = [("targets", None), ("targets", DATA[:, :, :1]), ("targets", np.full_like(DATA, np.inf)),
                ("target_ids", [0, 9, 1]), ("cue_steps", -1), ("restarts", 0), ("trials", 0),
                ("seed", 1.5), ("rng", 3), ("model", "m"), ("alpha_x", -1.0)]


def _takes(fn, arg) -> bool:
    """Whether baseline ``fn`` has argument ``arg`` (the cases it does not have are not made)."""
    if arg in ("targets", "model", "target_ids"):
        return True
    if fn == "online_recognition" and arg in ("trials", "cue_steps"):
        return False
    params = inspect.signature(getattr(pcn, fn)).parameters
    return arg in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


@pytest.mark.parametrize("fn,arg,value", [(fn, arg, value) for fn in ("random_search", "exhaustive_matching",
                                                                      "online_recognition")
                                          for arg, value in BASELINE_BAD if _takes(fn, arg)])
def test_baselines_bad(model, fn, arg, value):
    f = getattr(pcn, fn)
    kw = {"random_search": dict(trials=2, restarts=1, progress=False), "exhaustive_matching": {},
          "online_recognition": dict(restarts=1)}[fn]
    if arg == "model":
        refused("model", f, value, DATA, **kw)
    elif arg == "targets":
        refused("targets", f, model, value, **kw)
    else:
        refused(arg, f, model, DATA, **dict(kw, **{arg: value}))


# ---------------------------------------------------------------------------------------------
# Files: checkpoints and trajectories; nothing lost
# ---------------------------------------------------------------------------------------------
def test_save_model_bad(tmp_path, model):
    refused("model", pcn.save_model, tmp_path / "m.npz", None)
    refused("model", pcn.save_model, tmp_path / "m.npz", PARAMS)
    bad = model._replace(mus=np.full_like(model.mus, np.nan))
    path = tmp_path / "m.npz"
    pcn.save_model(path, model)
    before = path.read_bytes()
    refused("mus", pcn.save_model, path, bad)
    assert path.read_bytes() == before, "a refused save changed the previous checkpoint"
    assert sorted(os.listdir(tmp_path)) == ["m.npz"], os.listdir(tmp_path)
    for p in (tmp_path,):
        try:
            strict(pcn.save_model, p, model)
        except (ValueError, TypeError, OSError) as exc:
            assert str(p) in str(exc) or p.name in str(exc), exc
        else:
            raise AssertionError(f"save_model to {p} accepted")
    refused("path", pcn.save_model, None, model)


def test_load_model_bad(tmp_path, model):
    good = tmp_path / "m.npz"
    pcn.save_model(good, model)
    corrupt = tmp_path / "c.npz"
    corrupt.write_bytes(good.read_bytes()[:200])
    empty = tmp_path / "e.npz"
    empty.write_bytes(b"")
    pickled = tmp_path / "p.npz"
    np.savez(pickled, w_o=np.array([object()], dtype=object))
    text = tmp_path / "t.npz"
    text.write_text("hello")
    for path in (corrupt, empty, pickled, text):
        refused(path.name, pcn.load_model, path)
    refused(good.name, pcn.load_model, good, kind="hc-m")   # the file holds the other kind
    refused("kind", pcn.load_model, good, kind="nope")
    refused("kind", pcn.load_model, good, kind=3)
    try:
        strict(pcn.load_model, tmp_path / "missing.npz")
    except (FileNotFoundError, ValueError) as exc:
        assert "missing.npz" in str(exc), exc
    refused("path", pcn.load_model, None)
    refused("path", pcn.load_model, 3.5)


def test_load_trajectories_bad(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([object()], dtype=object), allow_pickle=True)
    np.save(tmp_path / "two_d.npy", np.zeros((3, 4)))
    np.save(tmp_path / "nan.npy", np.full((2, 4, 2), np.nan))
    np.save(tmp_path / "complex.npy", np.zeros((2, 4, 2), complex))
    np.save(tmp_path / "empty.npy", np.zeros((0, 4, 2)))
    np.save(tmp_path / "huge.npy", np.full((2, 4, 2), 1e300))
    (tmp_path / "trunc.npy").write_bytes((tmp_path / "two_d.npy").read_bytes()[:90])
    (tmp_path / "zero.npy").write_bytes(b"")
    (tmp_path / "rag.csv").write_text("1,2\n3\n")
    (tmp_path / "nan.csv").write_text("nan,1\n")
    (tmp_path / "x.unknown").write_text("1")
    (tmp_path / "bad.pk").write_bytes(b"\x80\x04garbage")
    (tmp_path / "bad.ts").write_text("@data\n1,2:3\n")
    (tmp_path / "dir.npy").mkdir()
    for name in ("obj.npy", "two_d.npy", "nan.npy", "complex.npy", "empty.npy", "trunc.npy", "zero.npy",
                 "rag.csv", "nan.csv", "x.unknown", "bad.pk", "bad.ts", "dir.npy"):
        try:
            strict(pcn.load_trajectories, tmp_path / name)
        except (ValueError, TypeError, OSError) as exc:
            assert not isinstance(exc, LEAKS)
            assert name in str(exc), f"{name}: {exc}"
        except BaseException as exc:  # noqa: BLE001
            raise AssertionError(f"{name}: {type(exc).__name__} leaked: {exc!r}") from exc
        else:
            raise AssertionError(f"{name} accepted")
    np.save(tmp_path / "ok.npy", DATA)
    for arg, value in [("steps", 0), ("steps", "a"), ("steps", 2.0), ("dims", "ab"), ("dims", ()),
                       ("dims", (0, 0)), ("dims", (-1,)), ("dims", (0.5,)), ("dims", None)]:
        refused(arg, pcn.load_trajectories, tmp_path / "ok.npy", **{arg: value})
    refused("path", pcn.load_trajectories, None)
    try:
        strict(pcn.load_trajectories, tmp_path / "missing.npy")
    except (FileNotFoundError, ValueError) as exc:
        assert "missing.npy" in str(exc)


# ---------------------------------------------------------------------------------------------
# The command line: exit 2 for usage, 1 for data/runtime errors, never a traceback
# ---------------------------------------------------------------------------------------------
def run_cli(argv, capsys):
    from pc_numpy.tools.cli import main
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            code = main(argv)
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # noqa: BLE001
        raise AssertionError(f"{argv}: {type(exc).__name__} escaped the command line: {exc!r}") from exc
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    np.save(d / "data.npy", DATA)
    (d / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    np.save(d / "nan.npy", np.full((3, 8, 2), np.nan))
    (d / "afile").write_text("x")
    return d


USAGE = [
    (["train", "--iterations", "-1"], "iterations"), (["train", "--iterations", "abc"], "iterations"),
    (["train", "--iterations", "1" + "0" * 30], "iterations"), (["train", "--tau", "0"], "tau"),
    (["train", "--lr", "nan"], "lr"), (["train", "--lr", "inf"], "lr"), (["train", "--states", "0"], "states"),
    (["train", "--causes", "2.5"], "causes"), (["train", "--seed", "-3"], "seed"),
    (["train", "--data", "{d}/missing.npy"], "missing.npy"), (["train", "--data", "{d}/bad.npy"], "bad.npy"),
    (["train", "--data", "{d}"], "data"), (["train", "--data", "{d}/nan.npy"], "nan.npy"),
    (["train", "--out", "{d}/afile"], "out"), (["train", "--factors", "3"], "factors"),
    (["retrieve", "--checkpoint", "{d}/missing.npz"], "missing.npz"),
    (["retrieve", "--checkpoint", "{d}/afile"], "afile"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--sigma-c", "1e-300"], "sigma-c"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--trials", "0"], "trials"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--restarts", "1e3"], "restarts"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--alpha-x", "-1"], "alpha-x"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--cue-steps", "999"], "cue-steps"),
    (["retrieve", "--checkpoint", "{d}/m/model.npz", "--model", "hc-m"], "model"),
    (["nonsense"], "nonsense"),
]


def _trained(files, capsys):
    if not (files / "m" / "model.npz").exists():
        code, err = run_cli(["train", "--data", str(files / "data.npy"), "--iterations", "3",
                             "--states", "4", "--tau", "3", "--quiet", "--out", str(files / "m")], capsys)
        assert code == 0, err


@pytest.mark.parametrize("argv,word", USAGE, ids=[" ".join(a[:3]) for a, _ in USAGE])
def test_cli_usage_exit_2(files, capsys, argv, word):
    _trained(files, capsys)
    out = str(files / "run")
    argv = [a.format(d=files) for a in argv]
    if "m/model.npz" in " ".join(argv):
        argv += ["--data", str(files / "data.npy")]
    if "--out" not in argv and argv[0] != "nonsense":
        argv += ["--out", out, "--quiet"]
    code, err = run_cli(argv, capsys)
    assert code == 2, (code, err)
    assert word in err or word.replace("-", "_") in err, err     # --sigma-c may be named sigma_c


def test_cli_runtime_exit_1(files, capsys):
    _trained(files, capsys)
    summary = files / "m" / "summary.json"
    before = summary.read_bytes() if summary.exists() else None
    code, err = run_cli(["train", "--data", str(files / "data.npy"), "--iterations", "5", "--states", "4",
                         "--tau", "3", "--lr", "1e300", "--quiet", "--out", str(files / "m")], capsys)
    assert code == 1 and "iteration" in err, (code, err)
    if before is not None:
        assert summary.read_bytes() == before, "the failed run changed the previous summary.json"
    code, err = run_cli(["retrieve", "--checkpoint", str(files / "m" / "model.npz"), "--trials", "3",
                         "--data", str(files / "data.npy"),
                         "--restarts", "1", "--alpha-h", "1e300", "--quiet", "--out", str(files / "r")], capsys)
    assert code == 1 and "trial" in err, (code, err)


@pytest.mark.parametrize("fn", ["generate", "loss_and_grads"])
def test_overflow_torch_model_is_inf_as_in_torch(fn):
    """pc_torch's model entry points behave as torch does on an overflow: inf or NaN, no error
    (docs/conventions.md); ``pct.train`` and ``pct.retrieve`` check every iteration and trial."""
    kw = dict(TGOOD[fn], params=pct.from_numpy(huge_params(PARAMS)),
              h0=torch.full((B, S), 10.0, dtype=torch.float64))
    out = fn_of(fn, pct)(**kw)
    value = out[0] if fn == "loss_and_grads" else out
    assert not np.isfinite(np.asarray(value, dtype=float)).all(), value


ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(-2 ** 80, 2 ** 80), st.integers(10 ** 300, 10 ** 400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3), st.complex_numbers(max_magnitude=3),
    st.floats(-1e6, 1e6).map(np.float32), st.integers(-5, 5).map(np.int64), st.integers(0, 5).map(np.uint8),
    st.floats(-10, 10).map(lambda v: np.array(v)), st.lists(st.floats(0, 2), max_size=2))


@settings(max_examples=150)
@given(arg=st.sampled_from(sorted(RATES)), value=ANYTHING, kind=st.sampled_from(["", "hcm."]))
def test_hypothesis_any_rate(arg, value, kind):
    """Any value as one rate: a finite result of the right dtype, or a clear error naming it.
    (A huge but finite rate may overflow the model: NumericalError naming rollout.)"""
    fn = fn_of(kind + "rollout")
    kw = dict(GOOD[kind + "rollout"], **{arg: value})
    try:
        out = strict(fn, **kw)
    except NumericalError as exc:
        assert names(str(exc), "rollout") and exc.step is not None, exc
        return
    except (ValueError, TypeError) as exc:
        assert names(str(exc), arg), f"{type(exc).__name__} does not name {arg}: {exc}"
        return
    assert out.x_pred.dtype == np.float64 and finite_tree(out), (arg, value)


@settings(max_examples=60)
@given(arg=st.sampled_from(["causes_dim", "states_dim", "output_dim"]), value=ANYTHING)
def test_hypothesis_any_size(arg, value):
    kw = dict(GOOD["init_params"], **{arg: value})
    try:
        out = strict(pcn.init_params, **kw)
    except (ValueError, TypeError) as exc:
        assert names(str(exc), arg), f"{type(exc).__name__} does not name {arg}: {exc}"
        return
    assert isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1 <= value
    assert finite_tree(out)
