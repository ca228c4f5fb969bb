"""BPTT by hand (docs/model.md §3): ``loss_and_grads``, ``backward`` and ``step_backward`` against
autograd (pc_torch, float64) and against central finite differences.

Tolerances:
- against autograd: relative error <= 1e-10 (``RTOL_SAME_ALGEBRA``): the same derivatives
  computed in a different order in float64, each entry a sum of at most T*B*O*S ~ 1e3 products,
  so the rounding differences stay ~1e-14 relative to the gradient's magnitude.
- against central differences with eps = 1e-6: |fd - analytic| <= 1e-8 + 1e-6 |analytic|.
  The truncation error of (L(p+eps) - L(p-eps)) / (2 eps) is eps**2 |L'''| / 6 ~ 1e-13; the
  rounding error is ~1e-16 |L| / 1e-6 ~ 1e-10 |L| with L = mean(error**2) = O(1) here.  Both are
  far below atol 1e-8, while a wrong term in the backward pass is off by O(|gradient|).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, dims, examples, make_params,
                        normal, seeds, taus, value_scales, weight_scales)

GRAD_NAMES = ("w_o", "b_o", "w_c", "w_r", "b_r", "c0", "h0")


def tt(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@st.composite
def train_cases(draw, small=False, vector_c0=None, vector_h0=None):
    """A training batch: sizes, params, x, c0 (B, C) or (C,), h0 (B, S) or (S,), tau
    (the shapes of c0 and h0 drawn unless given)."""
    d = draw(dims(T=(1, 4), B=(1, 3), O=(1, 3), S=(1, 4), C=(1, 3)) if small else dims())
    seed = draw(seeds)
    vs = draw(st.floats(0.1, 1.0)) if small else draw(value_scales)
    ws = draw(st.floats(0.1, 1.5)) if small else draw(weight_scales)
    rng = np.random.default_rng(seed)
    if vector_c0 is None:
        vector_c0 = draw(st.booleans(), label="c0 is (C,)")
    if vector_h0 is None:
        vector_h0 = draw(st.booleans(), label="h0 is (S,)")
    return SimpleNamespace(
        d=d, seed=seed, params=make_params(rng, d, ws), x=normal(rng, (d.T, d.B, d.O), vs),
        c0=normal(rng, (d.C,) if vector_c0 else (d.B, d.C), vs),
        h0=normal(rng, (d.S,) if vector_h0 else (d.B, d.S), vs), tau=draw(taus))


SHAPE_COMBOS = pytest.mark.parametrize("vector_c0, vector_h0", [(False, False), (False, True),
                                                              (True, False), (True, True)],
                                       ids=["c0(B,C)-h0(B,S)", "c0(B,C)-h0(S,)", "c0(C,)-h0(B,S)", "c0(C,)-h0(S,)"])


@SHAPE_COMBOS
@examples(12)
@given(data=st.data())
def test_loss_and_grads_match_autograd(vector_c0, vector_h0, data):
    """All seven gradients and the loss, for each of h0 (S,)/(B, S) and c0 (B, C)/(C,)."""
    k = data.draw(train_cases(vector_c0=vector_c0, vector_h0=vector_h0))
    loss, grads = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau)
    tloss, tgrads = pct.loss_and_grads(pct.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), tau=k.tau)
    assert isinstance(loss, float)
    assert_close("loss", loss, tloss, RTOL)
    assert grads._fields == GRAD_NAMES
    for name in GRAD_NAMES:
        want_shape = np.shape(getattr(k.params, name, None) if name not in ("c0", "h0") else getattr(k, name))
        assert getattr(grads, name).shape == want_shape, f"d_{name} has shape {getattr(grads, name).shape}, expected {want_shape}"
        assert_close(f"d_{name}", getattr(grads, name), getattr(tgrads, name), RTOL)


def _loss(params, x, c0, h0, tau):
    return float(np.mean(pcn.rollout(params, x, c0, h0, tau=tau).error ** 2))


@SHAPE_COMBOS
@examples(6)
@given(data=st.data())
def test_loss_and_grads_match_central_differences(vector_c0, vector_h0, data):
    """Every entry of every value (w_o, b_o, w_c, w_r, b_r, c0, h0) perturbed by +-1e-6, for
    each of h0 (S,)/(B, S) and c0 (B, C)/(C,)."""
    k = data.draw(train_cases(small=True, vector_c0=vector_c0, vector_h0=vector_h0))
    eps = 1e-6
    loss, grads = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau)
    assert abs(loss - _loss(k.params, k.x, k.c0, k.h0, k.tau)) <= 1e-15 * max(loss, 1.0), \
        "loss_and_grads' loss is not mean(error**2) of the generation rollout"
    values = dict(k.params._asdict(), c0=k.c0, h0=k.h0)
    for name in GRAD_NAMES:
        base = values[name]
        fd = np.empty_like(base)
        for idx in np.ndindex(base.shape):
            shifted = []
            for sign in (+1.0, -1.0):
                v = base.copy()
                v[idx] += sign * eps
                vals = dict(values, **{name: v})
                p = pcn.Params(*(vals[f] for f in pcn.Params._fields))
                shifted.append(_loss(p, k.x, vals["c0"], vals["h0"], k.tau))
            fd[idx] = (shifted[0] - shifted[1]) / (2 * eps)
        analytic = getattr(grads, name)
        bad = np.abs(fd - analytic) > 1e-8 + 1e-6 * np.abs(analytic)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise AssertionError(f"d_{name}[{i}]: analytic {analytic[i]!r}, central difference "
                                 f"{fd[i]!r} (|diff| {abs(fd[i] - analytic[i]):.3e} > 1e-8 + 1e-6|analytic|)")


@given(train_cases())
def test_backward_matches_autograd(k):
    """``backward(d_error, a, params, tau)`` gives g[t] = dL/dh_prior[t] for every t."""
    d = k.d
    tp = pct.from_numpy(k.params)
    # leaves that need grad, so that every h_prior[t] is part of the graph
    h0 = tt(np.broadcast_to(k.h0, (d.B, d.S)).copy()).requires_grad_(True)
    c0 = tt(np.broadcast_to(k.c0, (d.B, d.C)).copy())
    h, h_priors, errors = h0, [], []
    for t in range(d.T):
        out = pct.step(tt(k.x[t]), h, c0, tp, tau=k.tau)
        out.h_prior.retain_grad()
        h_priors.append(out.h_prior)
        errors.append(out.error)
        h = out.h_post
    (torch.stack(errors) ** 2).mean().backward()

    tr = pcn.rollout(k.params, k.x, k.c0, k.h0, tau=k.tau)
    d_error = 2.0 * tr.error / tr.error.size
    g = pcn.backward(d_error, np.tanh(tr.h_prior), k.params, tau=k.tau)
    assert g.shape == (d.T, d.B, d.S)
    scale = max(float(np.max(np.abs(hp.grad.numpy()))) for hp in h_priors)
    for t in range(d.T):
        assert_close("g", g[t], h_priors[t].grad, RTOL, t=t, scale=scale)


@given(train_cases(), st.floats(0.1, 3.0))
def test_step_backward_matches_autograd(k, gscale):
    """``step_backward(d_error_t, g_next, a_t, params, tau)`` = d/dh of
    <d_error_t, x_pred(h)> + <g_next, h_prior_next(h)>, with a_t = tanh(h): the two paths of §3."""
    d = k.d
    rng = np.random.default_rng(k.seed + 1)
    h = k.h0 if k.h0.ndim == 2 else np.broadcast_to(k.h0, (d.B, d.S)).copy()
    d_error_t = rng.standard_normal((d.B, d.O))
    g_next = gscale * rng.standard_normal((d.B, d.S))
    c = np.broadcast_to(k.c0, (d.B, d.C)).copy()
    got = pcn.step_backward(d_error_t, g_next, np.tanh(h), k.params, tau=k.tau)

    tp = pct.from_numpy(k.params)
    th = tt(h).clone().requires_grad_(True)
    objective = ((tt(d_error_t) * pct.prediction(th, tp)).sum()
                 + (tt(g_next) * pct.hidden_prior(th, tt(c), tp, tau=k.tau)).sum())
    (want,) = torch.autograd.grad(objective, th)
    assert_close("g[t] from step_backward", got, want, RTOL)

    # at the last step g_next = 0: only the path through the prediction remains
    got_last = pcn.step_backward(d_error_t, np.zeros((d.B, d.S)), np.tanh(h), k.params, tau=k.tau)
    (want_last,) = torch.autograd.grad((tt(d_error_t) * pct.prediction(th, tp)).sum(), th)
    assert_close("g[T-1] from step_backward (g_next = 0)", got_last, want_last, RTOL)


def _observed(k, per_row):
    """A random 0/1 mask with at least one observed step: (T, B) or, per_row False, (T,)."""
    rng = np.random.default_rng(k.seed + 1)
    m = (rng.random((k.d.T, k.d.B) if per_row else (k.d.T,)) < 0.6).astype(float)
    m.flat[rng.integers(m.size)] = 1.0
    return m


def _masked_loss(params, x, c0, h0, tau, m):
    """sum(error**2) / (O * sum(m)), the mean over the observed entries (error is masked)."""
    m_tb = np.broadcast_to(m[:, None] if m.ndim == 1 else m, x.shape[:2])
    error = pcn.rollout(params, x, c0, h0, tau=tau, observed=m).error
    return float(np.sum(error ** 2) / (x.shape[2] * m_tb.sum()))


@examples(12)
@given(train_cases(), st.booleans())
def test_loss_and_grads_of_a_partial_target_match_autograd(k, per_row):
    """``observed`` drawn at random: loss and all seven gradients against autograd (rel. 1e-10,
    as above), and the loss equals the mean over the observed entries (1e-15)."""
    m = _observed(k, per_row)
    loss, grads = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau, observed=m)
    tloss, tgrads = pct.loss_and_grads(pct.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0),
                                       tau=k.tau, observed=tt(m))
    assert_close("loss (partial target)", loss, tloss, RTOL)
    assert abs(loss - _masked_loss(k.params, k.x, k.c0, k.h0, k.tau, m)) <= 1e-15 * max(loss, 1.0), \
        "loss is not the mean of error**2 over the observed entries"
    for name in GRAD_NAMES:
        assert_close(f"d_{name} (partial target)", getattr(grads, name), getattr(tgrads, name), RTOL)


@examples(4)
@given(train_cases(small=True), st.booleans())
def test_loss_and_grads_of_a_partial_target_match_central_differences(k, per_row):
    """The same against central differences of the masked loss (eps 1e-6, |fd - analytic| <=
    1e-8 + 1e-6 |analytic|, justified at the top of this file), for the weights and ``c0``."""
    m, eps = _observed(k, per_row), 1e-6
    _, grads = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau, observed=m)
    values = dict(k.params._asdict(), c0=k.c0)
    for name in ("w_o", "b_o", "w_c", "w_r", "b_r", "c0"):
        base, analytic = values[name], getattr(grads, name)
        for idx in np.ndindex(base.shape):
            shifted = []
            for sign in (+1.0, -1.0):
                v = base.copy()
                v[idx] += sign * eps
                vals = dict(values, **{name: v})
                p = pcn.Params(*(vals[f] for f in pcn.Params._fields))
                shifted.append(_masked_loss(p, k.x, vals["c0"], k.h0, k.tau, m))
            fd = (shifted[0] - shifted[1]) / (2 * eps)
            assert abs(fd - analytic[idx]) <= 1e-8 + 1e-6 * abs(analytic[idx]), \
                f"d_{name}[{idx}] (partial target): analytic {analytic[idx]!r}, central difference {fd!r}"


@examples(12)
@given(train_cases())
def test_loss_and_grads_fully_observed_is_bit_identical(k):
    """``observed`` all ones gives the loss and gradients of no mask bit for bit (tolerance 0:
    the errors are multiplied by 1.0 and N = T*B*O both ways)."""
    loss, grads = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau)
    ones, ograds = pcn.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau, observed=np.ones(k.d.T))
    assert ones == loss, f"loss with observed = 1: {ones!r} != {loss!r}"
    for name in GRAD_NAMES:
        assert np.array_equal(getattr(ograds, name), getattr(grads, name)), f"d_{name} with observed = 1 differs"
