"""PC-RNN-HC-M (``pc_numpy.hcm``, docs/model.md §2b): pc_numpy against pc_torch in float64, the
BPTT by hand against autograd and central differences, the fact behind (6m), the
initialisation, and bad input.

Tolerances, and why:

- numpy vs torch, each equation and the rollout: relative error <= 1e-10
  (``RTOL_SAME_ALGEBRA``).  Both sides evaluate the same formula in float64; they differ only in
  summation order and in last-ulp differences of tanh/exp, ~1e-16 relative to the operands.  The
  denominator includes the operands' magnitude (the formula evaluated on absolute values, see
  ``strategies.rel_error``) so that a result that cancels to near zero does not turn rounding
  into a failure.  The rollout draws keep every rule in its stable regime, as
  ``tests/test_rollout.py`` explains (there a rounding difference is carried through at most
  T = 8 steps); measured over 400 draws of ``rollout_cases``: at most 1.1e-14.  A wrong sign, a
  missing ``1/tau`` or ``w_pd`` and ``w_fd`` swapped give relative errors >= 1e-3.
- ``loss_and_grads``, ``backward``, ``step_backward`` vs autograd: 1e-10, the same derivatives
  computed in another order (each entry a sum of at most T*B*S*F ~ 1e3 products).  Where tanh
  saturates, its slope ``1 - tanh**2`` is rounded relative to 1, not to its value (see SATURATION
  below): the step-by-step tests divide by the operand scale, ``loss_and_grads`` is compared
  where every slope is >= 1e-3.
- central differences, eps = 1e-6: |fd - analytic| <= 1e-8 + 1e-6 |analytic|.  Truncation
  ``eps**2 |L'''| / 6 ~ 1e-13``, rounding ``~1e-16 |L| / eps ~ 1e-10`` with ``L = O(1)``: both far
  below 1e-8, while a wrong term of the backward pass is off by O(|gradient|).
- the (6m) fact: 1e-10, one rule against ``c - alpha_h * tau * dE/dc`` from autograd, a handful of
  operations on each side; ``tau`` multiplies both sides' rounding alike.
- the independent index spelling of (1m) and (6m) (``np.einsum`` over named indices, written
  here from the equations): 1e-10 for the same reason as numpy vs torch.
- initialisation: the draw order is reproduced bit for bit (tolerance 0, the same draws and the
  same operations), except ``w_cd`` whose softmax is spelled differently here (1e-14 relative);
  the scales are checked statistically on large arrays (see the test).

Every failure message names the variable and, for anything over time, the time step.
"""
from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, assert_trace_close, dims,
                        examples, normal, rates, seeds, taus, value_scales, weight_scales)

GRAD_NAMES = ("w_o", "b_o", "w_pd", "w_fd", "w_cd", "b_r", "c0", "h0")
factor_dims = st.integers(1, 6)


def tt(a) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


def make_params(rng: np.random.Generator, d, F: int, scale: float = 1.0) -> pcn.hcm.Params:
    """``pcn.hcm.init_params(C, S, O, F, rng)`` with every weight multiplied by ``scale``."""
    return pcn.hcm.Params(*(scale * v for v in pcn.hcm.init_params(d.C, d.S, d.O, F, rng)))


# ----------------------------------------------------------------------------- the equations
@st.composite
def cases(draw):
    """Inputs for (1m) and (6m): sizes, values (from a drawn seed), scales, tau, alpha_h."""
    d, F = draw(dims()), draw(factor_dims, label="F")
    seed, vs, ws = draw(seeds), draw(value_scales), draw(weight_scales)
    rng = np.random.default_rng(seed)
    params = make_params(rng, d, F, ws)
    return SimpleNamespace(d=d, F=F, seed=seed, params=params, tparams=pct.hcm.from_numpy(params),
                           h=normal(rng, (d.B, d.S), vs), c=normal(rng, (d.B, d.C), vs),
                           error_h=normal(rng, (d.B, d.S), vs), tau=draw(taus), alpha=draw(rates))


@given(cases())
def test_hcm_hidden_prior_1m(k):
    """(1m) h_prior = (1 - 1/tau) h + (1/tau)(((tanh(h) @ w_pd) * (c @ w_cd)) @ w_fd.T + b_r):
    numpy against torch, and against the same equation spelled over named indices
    (b batch, s, j state, f factor, i cause)."""
    p, kk = k.params, 1.0 / k.tau
    got = pcn.hcm.hidden_prior(k.h, k.c, p, tau=k.tau)
    want = pct.hcm.hidden_prior(tt(k.h), tt(k.c), k.tparams, tau=k.tau)
    abs_terms = np.einsum("sf,bj,jf,bi,if->bs", np.abs(p.w_fd), np.abs(np.tanh(k.h)), np.abs(p.w_pd),
                          np.abs(k.c), np.abs(p.w_cd))
    scale = np.max((1 - kk) * np.abs(k.h) + kk * (abs_terms + np.abs(p.b_r)))
    assert got.shape == (k.d.B, k.d.S), f"h_prior has shape {got.shape}, expected {(k.d.B, k.d.S)}"
    assert_close("h_prior (numpy vs torch)", got, want, RTOL, scale=scale)
    by_index = (1 - kk) * k.h + kk * (np.einsum("sf,bj,jf,bi,if->bs", p.w_fd, np.tanh(k.h), p.w_pd,
                                                k.c, p.w_cd) + p.b_r)
    assert_close("h_prior (numpy vs einsum over indices)", got, by_index, RTOL, scale=scale)


@given(cases())
def test_hcm_causes_bottom_up_6m(k):
    """(6m) c = c_prev - alpha_h (((tanh(h_post_prev) @ w_pd) * (error_h @ w_fd)) @ w_cd.T):
    numpy against torch, and against the equation spelled over named indices."""
    p = k.params
    got = pcn.hcm.causes_bottom_up(k.c, k.error_h, k.h, p, alpha_h=k.alpha)
    want = pct.hcm.causes_bottom_up(tt(k.c), tt(k.error_h), tt(k.h), k.tparams, alpha_h=k.alpha)
    spelled = "bj,jf,bs,sf,if->bi"
    scale = np.max(np.abs(k.c) + k.alpha * np.einsum(spelled, np.abs(np.tanh(k.h)), np.abs(p.w_pd),
                                                      np.abs(k.error_h), np.abs(p.w_fd), np.abs(p.w_cd)))
    assert got.shape == (k.d.B, k.d.C), f"c has shape {got.shape}, expected {(k.d.B, k.d.C)}"
    assert_close("c after (6m) (numpy vs torch)", got, want, RTOL, scale=scale)
    by_index = k.c - k.alpha * np.einsum(spelled, np.tanh(k.h), p.w_pd, k.error_h, p.w_fd, p.w_cd)
    assert_close("c after (6m) (numpy vs einsum over indices)", got, by_index, RTOL, scale=scale)


@given(cases(), st.floats(0.01, 1.0))
def test_hcm_causes_bottom_up_is_a_gradient_step(k, alpha_h):
    """The fact of (6m): with E(c) = 0.5 ||h_prior(h_post[t-1], c) - h_post[t]||**2, h_post[t-1]
    and h_post[t] held fixed, (6m) at c is c - alpha_h * tau * dE/dc (1/tau absorbed in alpha_h);
    dE/dc from torch autograd through pc_torch's (1m)."""
    h_prev, h_post = tt(k.h), tt(k.error_h)          # two independent states: h_post[t-1], h_post[t]
    c = tt(k.c).clone().requires_grad_(True)
    error_h = pct.hcm.hidden_prior(h_prev, c, k.tparams, tau=k.tau) - h_post           # (5)
    (d_c,) = torch.autograd.grad(0.5 * (error_h ** 2).sum(), c)
    want = (c - alpha_h * k.tau * d_c).detach()
    got = pcn.hcm.causes_bottom_up(k.c, error_h.detach().numpy(), k.h, k.params, alpha_h=alpha_h)
    scale = float(np.max(np.abs(k.c)) + alpha_h * k.tau * np.max(np.abs(d_c.numpy())))
    assert_close("(6m) vs c - alpha_h tau dE/dc", got, want, RTOL, scale=scale)
    # it is a descent step: for a small enough rate E goes down (unless the gradient vanishes)
    small = 1e-3 / max(1.0, k.tau * float((d_c ** 2).sum()))
    moved = pcn.hcm.causes_bottom_up(k.c, error_h.detach().numpy(), k.h, k.params, alpha_h=small)
    e_after = 0.5 * float(((pct.hcm.hidden_prior(h_prev, tt(moved), k.tparams, tau=k.tau) - h_post) ** 2).sum())
    e_before = 0.5 * float((error_h.detach() ** 2).sum())
    assert e_after <= e_before + 1e-12 * max(1.0, e_before), f"E rose from {e_before!r} to {e_after!r}"


# ----------------------------------------------------------------------------- the rollout
@st.composite
def rollout_cases(draw):
    """Sizes, values and every rate non-zero, in the stable regime of tests/test_rollout.py."""
    d, F = draw(dims()), draw(factor_dims, label="F")
    seed, vs = draw(seeds), draw(value_scales)
    rng = np.random.default_rng(seed)
    params = make_params(rng, d, F)
    sigma_c = draw(st.floats(0.2, 3.0))
    vector_c0, vector_h0 = draw(st.booleans()), draw(st.booleans())
    return SimpleNamespace(
        d=d, F=F, params=params, seed=seed, x=normal(rng, (d.T, d.B, d.O), vs),
        c0=normal(rng, (d.C,) if vector_c0 else (d.B, d.C), vs),
        h0=normal(rng, (d.S,) if vector_h0 else (d.B, d.S), vs),
        mus=normal(rng, (d.P, d.C), min(vs, 1.0)), xi=rng.standard_normal((d.T, d.B, d.C)),
        rates=dict(tau=draw(taus),
                   alpha_x=draw(st.floats(0.01, 1.0)) / max(1.0, float(np.sum(params.w_o ** 2))),
                   alpha_h=draw(st.floats(0.01, 1.0)), alpha_c=draw(st.floats(0.01, 1.0)) * sigma_c ** 2,
                   sigma_r=draw(st.floats(0.01, 3.0)), sigma_c=sigma_c))


def _scales(tr):
    """``error_h`` is a difference of two states (its rounding is relative to ``max|h_prior|``),
    ``error = x_pred - x`` relative to ``|x_pred| + |x|``."""
    return dict(error_h=float(np.max(np.abs(tr.h_prior))),
                error=float(np.max(np.abs(tr.x_pred))) + float(np.max(np.abs(tr.x_pred - tr.error))))


@examples(30)
@given(rollout_cases())
def test_hcm_rollout_matches_torch_all_rates_on(k):
    """All six trace fields with inference on, every rate > 0 and the same xi fed to both; and
    the numpy trace is ``pcn.hcm.step`` applied T times (1e-10)."""
    d = k.d
    got = pcn.hcm.rollout(k.params, k.x, k.c0, k.h0, mus=k.mus, xi=k.xi, **k.rates)
    want = pct.hcm.rollout(pct.hcm.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), mus=tt(k.mus),
                           xi=tt(k.xi), **k.rates)
    assert isinstance(got, pcn.Trace), f"rollout returned {type(got).__name__}, not pc_numpy.Trace"
    for field, last in zip(got._fields, (d.O, d.O, d.S, d.S, d.S, d.C)):
        assert getattr(got, field).shape == (d.T, d.B, last), f"trace.{field} has the wrong shape"
    scales = _scales(got)
    assert_trace_close(got, want, RTOL, scales=scales)
    # the inference must have done something, or the comparison would be vacuous
    assert np.any(got.error_h != 0) and np.any(got.c[-1] != np.broadcast_to(k.c0, got.c[-1].shape))
    h, c = np.broadcast_to(k.h0, (d.B, d.S)), np.broadcast_to(k.c0, (d.B, d.C))
    for t in range(d.T):
        now = pcn.hcm.step(k.x[t], h, c, k.params, mus=k.mus, xi_t=k.xi[t], **k.rates)
        for field in got._fields:
            assert_close(f"step().{field} vs trace.{field}", getattr(now, field), getattr(got, field)[t],
                         RTOL, t=t, scale=scales.get(field, 0.0))
        h, c = now.h_post, now.c


@examples(30)
@given(rollout_cases())
def test_hcm_generation_rollout_matches_torch_and_generate(k):
    """Every rate zero (the training forward, (2)-(3) applied to all steps after the loop): the
    six fields against torch; ``h_post`` is ``h_prior``, ``c`` stays ``c0``; ``generate`` is its
    ``x_pred`` bit for bit (same code path), and pc_torch's ``generate`` agrees to 1e-10."""
    d, tau = k.d, k.rates["tau"]
    got = pcn.hcm.rollout(k.params, k.x, k.c0, k.h0, tau=tau)
    want = pct.hcm.rollout(pct.hcm.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), tau=tau)
    assert_trace_close(got, want, RTOL, scales=_scales(got))
    assert np.array_equal(got.h_post, got.h_prior) and not np.any(got.error_h)
    assert np.array_equal(got.c, np.broadcast_to(k.c0, got.c.shape)), "c changed in generation mode"
    B = d.B if (k.c0.ndim == 2 or k.h0.ndim == 2) else 1
    gen = pcn.hcm.generate(k.params, k.c0, k.h0, tau=tau, steps=d.T)
    assert gen.shape == (d.T, B, d.O), f"generate() has shape {gen.shape}, expected {(d.T, B, d.O)}"
    same_batch = pcn.hcm.rollout(k.params, k.x[:, :B], k.c0, k.h0, tau=tau)
    for t in range(d.T):
        assert np.array_equal(gen[t], same_batch.x_pred[t]), f"generate() differs from rollout().x_pred at t={t}"
    tgen = pct.hcm.generate(pct.hcm.from_numpy(k.params), tt(k.c0), tt(k.h0), tau=tau, steps=d.T)
    assert_close("pc_torch.hcm.generate x_pred", tgen, gen, RTOL, time_major=True)


def test_hcm_training_forward_calls_hidden_prior_at_every_step(monkeypatch):
    """One implementation of (1m), called everywhere: ``loss_and_grads``' forward goes through
    ``hidden_prior`` once per time step (a breakpoint there is hit in training)."""
    module = importlib.import_module("pc_numpy.hcm.rollout")
    calls = []
    original = module.hidden_prior
    monkeypatch.setattr(module, "hidden_prior", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    rng = np.random.default_rng(0)
    params = pcn.hcm.init_params(2, 4, 3, 5, rng)
    T = 7
    pcn.hcm.loss_and_grads(params, rng.standard_normal((T, 2, 3)), rng.standard_normal((2, 2)),
                           rng.standard_normal(4), tau=3.0)
    assert len(calls) == T, f"hidden_prior called {len(calls)} times in a T = {T} training forward"


# ----------------------------------------------------------------------------- BPTT
@st.composite
def train_cases(draw, small=False, vector_c0=None, vector_h0=None):
    """A training batch: sizes, params, x, c0 (B, C) or (C,), h0 (B, S) or (S,), tau."""
    d = draw(dims(T=(1, 4), B=(1, 3), O=(1, 3), S=(1, 4), C=(1, 3)) if small else dims())
    F = draw(st.integers(1, 3) if small else factor_dims, label="F")
    seed = draw(seeds)
    vs = draw(st.floats(0.1, 1.0)) if small else draw(value_scales)
    ws = draw(st.floats(0.1, 1.5)) if small else draw(weight_scales)
    rng = np.random.default_rng(seed)
    if vector_c0 is None:
        vector_c0 = draw(st.booleans(), label="c0 is (C,)")
    if vector_h0 is None:
        vector_h0 = draw(st.booleans(), label="h0 is (S,)")
    return SimpleNamespace(
        d=d, F=F, seed=seed, params=make_params(rng, d, F, ws), x=normal(rng, (d.T, d.B, d.O), vs),
        c0=normal(rng, (d.C,) if vector_c0 else (d.B, d.C), vs),
        h0=normal(rng, (d.S,) if vector_h0 else (d.B, d.S), vs), tau=draw(taus))


# SATURATION.  Every gradient but d_w_o, d_b_o passes through tanh's slope 1 - a**2.  Computed
# from a = tanh(h), that slope's rounding is relative to 1, not to its value: an ulp of difference
# between numpy's and torch's tanh (~1.1e-16) becomes a relative difference of ~2.2e-16 / (1 - a**2)
# in the slope, and in everything downstream of it, whichever implementation is right.  The
# step-by-step tests (backward, step_backward) put that into the denominator: the operand scale of
# g[t] is the same formula with the slope replaced by 1.  loss_and_grads, whose sums mix many
# steps, is compared where every slope is >= 1e-3 (rounding difference <= 2.2e-13 relative per
# slope, 1e-10 still leaves a margin of ~500): about a third of the draws, those with |h| >~ 4.
def _least_slope(k) -> float:
    """The smallest tanh slope 1 - tanh(h)**2 over h0 and every h_prior of the generation rollout."""
    tr = pcn.hcm.rollout(k.params, k.x, k.c0, k.h0, tau=k.tau)
    return float(min(np.min(1 - np.tanh(tr.h_prior) ** 2), np.min(1 - np.tanh(k.h0) ** 2)))


def _g_operand_scale(d_error_t, g_next, c, params, tau) -> float:
    """max of step_backward's formula with the slope 1 - a**2 replaced by 1, on absolute values:
    the magnitude its rounding is relative to (see SATURATION)."""
    k = 1.0 / tau
    p = pcn.hcm.Params(*(np.abs(np.asarray(v)) for v in params))
    g_next, c = np.abs(np.asarray(g_next)), np.abs(np.asarray(c))
    d_a = np.abs(d_error_t) @ p.w_o + (((k * g_next) @ p.w_fd) * (c @ p.w_cd)) @ p.w_pd.T
    return float(np.max(d_a + (1 - k) * g_next))


SHAPE_COMBOS = pytest.mark.parametrize(
    "vector_c0, vector_h0", [(False, False), (False, True), (True, False), (True, True)],
    ids=["c0(B,C)-h0(B,S)", "c0(B,C)-h0(S,)", "c0(C,)-h0(B,S)", "c0(C,)-h0(S,)"])


@SHAPE_COMBOS
@examples(10)
@given(data=st.data())
def test_hcm_loss_and_grads_match_autograd(vector_c0, vector_h0, data):
    """The loss and all eight gradients, for each of c0 (B, C)/(C,) and h0 (B, S)/(S,)."""
    k = data.draw(train_cases(vector_c0=vector_c0, vector_h0=vector_h0))
    assume(_least_slope(k) >= 1e-3)             # see SATURATION
    loss, grads = pcn.hcm.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau)
    tloss, tgrads = pct.hcm.loss_and_grads(pct.hcm.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0),
                                           tau=k.tau)
    assert isinstance(loss, float)
    assert_close("loss", loss, tloss, RTOL)
    assert isinstance(grads, pcn.hcm.Grads) and grads._fields == GRAD_NAMES
    for name in GRAD_NAMES:
        value = getattr(k, name) if name in ("c0", "h0") else getattr(k.params, name)
        assert getattr(grads, name).shape == np.shape(value), \
            f"d_{name} has shape {getattr(grads, name).shape}, expected {np.shape(value)}"
        assert_close(f"d_{name}", getattr(grads, name), getattr(tgrads, name), RTOL)


def _loss(params, x, c0, h0, tau):
    return float(np.mean(pcn.hcm.rollout(params, x, c0, h0, tau=tau).error ** 2))


@SHAPE_COMBOS
@examples(4)
@given(data=st.data())
def test_hcm_loss_and_grads_match_central_differences(vector_c0, vector_h0, data):
    """Every entry of every value (w_o, b_o, w_pd, w_fd, w_cd, b_r, c0, h0) perturbed by +-1e-6."""
    k = data.draw(train_cases(small=True, vector_c0=vector_c0, vector_h0=vector_h0))
    eps = 1e-6
    loss, grads = pcn.hcm.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau)
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
                p = pcn.hcm.Params(*(vals[f] for f in pcn.hcm.Params._fields))
                shifted.append(_loss(p, k.x, vals["c0"], vals["h0"], k.tau))
            fd[idx] = (shifted[0] - shifted[1]) / (2 * eps)
        analytic = getattr(grads, name)
        bad = np.abs(fd - analytic) > 1e-8 + 1e-6 * np.abs(analytic)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise AssertionError(f"d_{name}[{i}]: analytic {analytic[i]!r}, central difference "
                                 f"{fd[i]!r} (|diff| {abs(fd[i] - analytic[i]):.3e} > 1e-8 + 1e-6|analytic|)")


@examples(20)
@given(train_cases())
def test_hcm_backward_matches_autograd(k):
    """``backward(d_error, a, c0, params, tau)`` gives g[t] = dL/dh_prior[t] for every t."""
    d = k.d
    tp = pct.hcm.from_numpy(k.params)
    h0 = tt(np.broadcast_to(k.h0, (d.B, d.S)).copy()).requires_grad_(True)
    c0 = tt(np.broadcast_to(k.c0, (d.B, d.C)).copy())
    h, h_priors, errors = h0, [], []
    for t in range(d.T):
        out = pct.hcm.step(tt(k.x[t]), h, c0, tp, tau=k.tau)
        out.h_prior.retain_grad()
        h_priors.append(out.h_prior)
        errors.append(out.error)
        h = out.h_post
    (torch.stack(errors) ** 2).mean().backward()

    tr = pcn.hcm.rollout(k.params, k.x, k.c0, k.h0, tau=k.tau)
    d_error = 2.0 * tr.error / tr.error.size
    g = pcn.hcm.backward(d_error, np.tanh(tr.h_prior), c0.numpy(), k.params, tau=k.tau)
    assert g.shape == (d.T, d.B, d.S)
    scale = max(float(np.max(np.abs(hp.grad.numpy()))) for hp in h_priors)
    for t in range(d.T):
        g_next = h_priors[t + 1].grad.numpy() if t + 1 < d.T else np.zeros((d.B, d.S))
        scale_t = max(scale, _g_operand_scale(d_error[t], g_next, c0.numpy(), k.params, k.tau))
        assert_close("g", g[t], h_priors[t].grad, RTOL, t=t, scale=scale_t)


@given(train_cases(), st.floats(0.1, 3.0))
def test_hcm_step_backward_matches_autograd(k, gscale):
    """``step_backward(d_error_t, g_next, a_t, c, params, tau)`` = d/dh of
    <d_error_t, x_pred(h)> + <g_next, h_prior_next(h, c)> with a_t = tanh(h): the paths through
    (2) and through (1m) of the next step; and with g_next = 0, only the first."""
    d = k.d
    rng = np.random.default_rng(k.seed + 1)
    h = np.broadcast_to(k.h0, (d.B, d.S)).copy()
    c = np.broadcast_to(k.c0, (d.B, d.C)).copy()
    d_error_t = rng.standard_normal((d.B, d.O))
    g_next = gscale * rng.standard_normal((d.B, d.S))
    tp = pct.hcm.from_numpy(k.params)
    th = tt(h).clone().requires_grad_(True)
    through_prediction = (tt(d_error_t) * pct.prediction(th, tp)).sum()
    through_next_step = (tt(g_next) * pct.hcm.hidden_prior(th, tt(c), tp, tau=k.tau)).sum()
    (want,) = torch.autograd.grad(through_prediction + through_next_step, th, retain_graph=True)
    got = pcn.hcm.step_backward(d_error_t, g_next, np.tanh(h), c, k.params, tau=k.tau)
    assert_close("g[t] from step_backward", got, want, RTOL,
                 scale=_g_operand_scale(d_error_t, g_next, c, k.params, k.tau))
    (want_last,) = torch.autograd.grad(through_prediction, th)
    got_last = pcn.hcm.step_backward(d_error_t, np.zeros((d.B, d.S)), np.tanh(h), c, k.params, tau=k.tau)
    assert_close("g[T-1] from step_backward (g_next = 0)", got_last, want_last, RTOL,
                 scale=_g_operand_scale(d_error_t, 0 * g_next, c, k.params, k.tau))


# ----------------------------------------------------------------------------- a partial target
def _observed(seed: int, T: int, B: int, per_row: bool) -> np.ndarray:
    """A random 0/1 mask with at least one observed step: (T, B) or, per_row False, (T,)."""
    rng = np.random.default_rng(seed + 1)
    m = (rng.random((T, B) if per_row else (T,)) < 0.6).astype(float)
    m.flat[rng.integers(m.size)] = 1.0
    return m


@examples(20)
@given(rollout_cases(), st.booleans(), st.booleans())
def test_hcm_rollout_with_a_partial_target_matches_torch(k, generation, per_row):
    """``observed`` (T,) or (T, B) drawn at random, inference on (same noise) or generation:
    the six fields against pc_torch (1e-10), and ``error`` zero wherever a step is not observed."""
    d = k.d
    m = _observed(k.seed, d.T, d.B, per_row)
    rates = dict(tau=k.rates["tau"]) if generation else k.rates
    noise = {} if generation else dict(mus=k.mus, xi=k.xi)
    tnoise = {} if generation else dict(mus=tt(k.mus), xi=tt(k.xi))
    got = pcn.hcm.rollout(k.params, k.x, k.c0, k.h0, observed=m, **noise, **rates)
    want = pct.hcm.rollout(pct.hcm.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), observed=tt(m),
                           **tnoise, **rates)
    assert_trace_close(got, want, RTOL, scales=_scales(got))
    m_tb = np.broadcast_to(m[:, None] if m.ndim == 1 else m, (d.T, d.B))
    assert not np.any(got.error[m_tb == 0]), "error is non-zero at an unobserved step"


def _masked_loss(params, x, c0, h0, tau, m):
    """sum(error**2) / (O * sum(m)), the mean over the observed entries (error is masked)."""
    m_tb = np.broadcast_to(m[:, None] if m.ndim == 1 else m, x.shape[:2])
    error = pcn.hcm.rollout(params, x, c0, h0, tau=tau, observed=m).error
    return float(np.sum(error ** 2) / (x.shape[2] * m_tb.sum()))


@examples(12)
@given(train_cases(), st.booleans())
def test_hcm_loss_and_grads_of_a_partial_target_match_autograd(k, per_row):
    """``observed`` drawn at random: loss and all eight gradients against autograd (1e-10, in the
    regime of SATURATION), and the loss is the mean over the observed entries (1e-15)."""
    assume(_least_slope(k) >= 1e-3)
    m = _observed(k.seed, k.d.T, k.d.B, per_row)
    loss, grads = pcn.hcm.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau, observed=m)
    tloss, tgrads = pct.hcm.loss_and_grads(pct.hcm.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0),
                                           tau=k.tau, observed=tt(m))
    assert_close("loss (partial target)", loss, tloss, RTOL)
    assert abs(loss - _masked_loss(k.params, k.x, k.c0, k.h0, k.tau, m)) <= 1e-15 * max(loss, 1.0), \
        "loss is not the mean of error**2 over the observed entries"
    for name in GRAD_NAMES:
        assert_close(f"d_{name} (partial target)", getattr(grads, name), getattr(tgrads, name), RTOL)


@examples(4)
@given(train_cases(small=True), st.booleans())
def test_hcm_loss_and_grads_of_a_partial_target_match_central_differences(k, per_row):
    """The same against central differences of the masked loss (eps 1e-6, |fd - analytic| <=
    1e-8 + 1e-6 |analytic|, as above), for the six weights and ``c0``."""
    m, eps = _observed(k.seed, k.d.T, k.d.B, per_row), 1e-6
    _, grads = pcn.hcm.loss_and_grads(k.params, k.x, k.c0, k.h0, tau=k.tau, observed=m)
    values = dict(k.params._asdict(), c0=k.c0)
    for name in pcn.hcm.Params._fields + ("c0",):
        base, analytic = values[name], getattr(grads, name)
        for idx in np.ndindex(base.shape):
            shifted = []
            for sign in (+1.0, -1.0):
                v = base.copy()
                v[idx] += sign * eps
                vals = dict(values, **{name: v})
                p = pcn.hcm.Params(*(vals[f] for f in pcn.hcm.Params._fields))
                shifted.append(_masked_loss(p, k.x, vals["c0"], k.h0, k.tau, m))
            fd = (shifted[0] - shifted[1]) / (2 * eps)
            assert abs(fd - analytic[idx]) <= 1e-8 + 1e-6 * abs(analytic[idx]), \
                f"d_{name}[{idx}] (partial target): analytic {analytic[idx]!r}, central difference {fd!r}"


# ----------------------------------------------------------------------------- initialisation
@examples(20)
@given(dims(), factor_dims, seeds)
def test_hcm_init_params_shapes_and_draw_order(d, F, seed):
    """Shapes, and the draws in the order of the fields (w_o, b_o, w_pd, w_fd, w_cd, b_r), one
    standard_normal call each, reproduced bit for bit; w_cd's rows are positive and sum to F.
    pc_torch's init has the same shapes and row sums."""
    p = pcn.hcm.init_params(d.C, d.S, d.O, F, np.random.default_rng(seed))
    assert isinstance(p, pcn.hcm.Params) and p._fields == ("w_o", "b_o", "w_pd", "w_fd", "w_cd", "b_r")
    want_shapes = dict(w_o=(d.O, d.S), b_o=(d.O,), w_pd=(d.S, F), w_fd=(d.S, F), w_cd=(d.C, F), b_r=(d.S,))
    for name, shape in want_shapes.items():
        assert getattr(p, name).shape == shape, f"params.{name} has shape {getattr(p, name).shape}, expected {shape}"
    rng = np.random.default_rng(seed)
    by_hand = dict(w_o=rng.standard_normal((d.O, d.S)) / d.S, b_o=rng.standard_normal(d.O) / 10,
                   w_pd=rng.standard_normal((d.S, F)) / np.sqrt(F),
                   w_fd=rng.standard_normal((d.S, F)) / np.sqrt(F))
    z = 0.5 * rng.standard_normal((d.C, F))
    by_hand["w_cd"] = F * np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    by_hand["b_r"] = rng.standard_normal(d.S) / 10
    for name in ("w_o", "b_o", "w_pd", "w_fd", "b_r"):
        assert np.array_equal(getattr(p, name), by_hand[name]), f"params.{name}: not the draw expected in that order"
    assert_close("params.w_cd", p.w_cd, by_hand["w_cd"], 1e-14)
    assert np.all(p.w_cd > 0)
    assert_close("params.w_cd row sums", p.w_cd.sum(axis=1), np.full(d.C, float(F)), 1e-14)
    tpar = pct.hcm.init_params(d.C, d.S, d.O, F, torch.Generator().manual_seed(seed % 2 ** 31))
    for name, shape in want_shapes.items():
        assert tuple(getattr(tpar, name).shape) == shape, f"pc_torch params.{name} has shape {tuple(getattr(tpar, name).shape)}"
        assert getattr(tpar, name).dtype == torch.float64
    assert_close("pc_torch params.w_cd row sums", tpar.w_cd.sum(dim=1), np.full(d.C, float(F)), 1e-14)


@examples(3)
@given(seeds)
def test_hcm_init_params_scales(seed):
    """The scales of docs/model.md §2b, on arrays large enough to measure them: S = 300, F = 100,
    O = 40, C = 30.  Standard deviations of w_o * S (12000 entries), w_pd * sqrt(F), w_fd * sqrt(F)
    (30000 each) within 5% of 1 (the standard error of a standard deviation from n draws is
    1/sqrt(2n) <= 0.65%: 7 standard errors), of the biases * 10 (340 entries, standard error
    3.8%) within 25%; log w_cd minus its row mean has the standard deviation
    0.5 sqrt((F-1)/F) of the centred 0.5 N(0, 1) draws (3000 entries, within 10%)."""
    C, S, O, F = 30, 300, 40, 100
    p = pcn.hcm.init_params(C, S, O, F, np.random.default_rng(seed))
    for name, v in (("w_o * S", p.w_o * S), ("w_pd * sqrt(F)", p.w_pd * np.sqrt(F)),
                    ("w_fd * sqrt(F)", p.w_fd * np.sqrt(F))):
        assert abs(v.std() - 1) < 0.05, f"std of {name} is {v.std():.4f}, expected 1"
        assert abs(v.mean()) < 0.05, f"mean of {name} is {v.mean():.4f}, expected 0"
    biases = 10 * np.concatenate([p.b_o, p.b_r])
    assert abs(biases.std() - 1) < 0.25, f"std of the biases * 10 is {biases.std():.4f}, expected 1"
    logs = np.log(p.w_cd)
    centred = logs - logs.mean(axis=1, keepdims=True)
    want = 0.5 * np.sqrt((F - 1) / F)
    assert abs(centred.std() / want - 1) < 0.1, f"std of centred log w_cd is {centred.std():.4f}, expected {want:.4f}"


# ----------------------------------------------------------------------------- bad input
T, B, O, S, C, F, P = 5, 3, 2, 4, 2, 3, 3
_rng = np.random.default_rng(0)
PARAMS = pcn.hcm.init_params(C, S, O, F, _rng)


def arr(*shape):
    return _rng.standard_normal(shape)


# The entry points (the equations (1m), (6m) are formulas and check nothing: issue 22).
GOOD = {
    "rollout": dict(params=PARAMS, x=arr(T, B, O), c0=arr(B, C), h0=arr(B, S), tau=2.0, alpha_x=0.1,
                    alpha_h=0.1, alpha_c=0.1, sigma_r=0.5, sigma_c=0.5, mus=arr(P, C), xi=arr(T, B, C)),
    "loss_and_grads": dict(params=PARAMS, x=arr(T, B, O), c0=arr(B, C), h0=arr(B, S), tau=2.0),
    "generate": dict(params=PARAMS, c0=arr(B, C), h0=arr(B, S), tau=2.0, steps=T),
}
ARRAYS = {"rollout": ("x", "c0", "h0", "mus", "xi"), "loss_and_grads": ("x", "c0", "h0"),
          "generate": ("c0", "h0")}


def _raises_naming(name: str, exc_type, fn, **kwargs):
    with pytest.raises(exc_type) as info:
        fn(**kwargs)
    assert re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", str(info.value)), \
        f"the error does not name {name}: {info.value}"


@pytest.mark.parametrize("function", sorted(GOOD))
def test_hcm_good_calls_pass(function):
    getattr(pcn.hcm, function)(**GOOD[function])


@pytest.mark.parametrize("function", sorted(GOOD))
@given(field=st.sampled_from(pcn.hcm.Params._fields), extra=st.integers(1, 3), data=st.data())
def test_hcm_wrong_parameter_shape_names_the_field(function, field, extra, data):
    """A parameter with one axis the wrong size: the error names ``params.<field>``."""
    value = getattr(PARAMS, field)
    axis = data.draw(st.integers(0, value.ndim - 1), label="axis")
    shape = list(value.shape)
    shape[axis] += extra
    bad = PARAMS._replace(**{field: np.ones(shape)})
    _raises_naming(f"params.{field}", ValueError, getattr(pcn.hcm, function), **dict(GOOD[function], params=bad))


@pytest.mark.parametrize("function", sorted(GOOD))
@given(data=st.data(), kind=st.sampled_from(["nan", "inf", "shape"]))
def test_hcm_bad_array_names_the_argument(function, data, kind):
    """NaN, inf or a wrong shape in one array argument: a ValueError naming it."""
    name = data.draw(st.sampled_from(ARRAYS[function]), label="argument")
    value = np.array(GOOD[function][name], dtype=float)
    if kind == "shape":
        value = np.ones(value.shape[:-1] + (value.shape[-1] + 1,))
    else:
        value.flat[data.draw(st.integers(0, value.size - 1), label="index")] = np.nan if kind == "nan" else np.inf
    _raises_naming(name, ValueError, getattr(pcn.hcm, function), **dict(GOOD[function], **{name: value}))


@pytest.mark.parametrize("function", sorted(GOOD))
def test_hcm_wrong_params_type(function):
    """PC-RNN-HC-A's Params (or a plain tuple) given to PC-RNN-HC-M, and the other way round:
    a TypeError naming ``params``."""
    hca = pcn.init_params(C, S, O, np.random.default_rng(1))
    for wrong in (hca, tuple(PARAMS), pct.hcm.from_numpy(PARAMS)):
        _raises_naming("params", TypeError, getattr(pcn.hcm, function), **dict(GOOD[function], params=wrong))
    with pytest.raises(TypeError, match=r"params must be a pc_numpy\.Params"):
        pcn.rollout(PARAMS, arr(T, B, O), arr(B, C), arr(B, S), tau=2.0)
    with pytest.raises(TypeError, match=r"params must be a pc_torch.hcm.Params"):
        pct.hcm.rollout(PARAMS, tt(arr(T, B, O)), tt(arr(B, C)), tt(arr(B, S)), tau=2.0)


@pytest.mark.parametrize("name, value", [("tau", 0.5), ("alpha_x", -0.1), ("alpha_h", -0.1),
                                         ("alpha_c", -1e-3), ("sigma_r", -0.5), ("sigma_c", 0.0)])
def test_hcm_rollout_bad_rate_names_it(name, value):
    _raises_naming(name, ValueError, pcn.hcm.rollout, **dict(GOOD["rollout"], **{name: value}))
    tgood = {k: (tt(v) if isinstance(v, np.ndarray) else v) for k, v in GOOD["rollout"].items()}
    tgood["params"] = pct.hcm.from_numpy(PARAMS)
    _raises_naming(name, ValueError, pct.hcm.rollout, **dict(tgood, **{name: value}))


def test_hcm_rollout_missing_means_or_noise():
    call = dict(GOOD["rollout"])
    _raises_naming("mus", ValueError, pcn.hcm.rollout, **dict(call, mus=None))
    _raises_naming("xi", ValueError, pcn.hcm.rollout, **dict(call, xi=None))
    _raises_naming("rng", ValueError, pcn.hcm.rollout, **dict(call, rng=np.random.default_rng(0)))
    _raises_naming("rng", TypeError, pcn.hcm.rollout, **dict(call, xi=None, rng=0))


def test_hcm_init_params_bad_arguments():
    good = dict(causes_dim=C, states_dim=S, output_dim=O, factor_dim=F, rng=np.random.default_rng(0))
    _raises_naming("factor_dim", ValueError, pcn.hcm.init_params, **dict(good, factor_dim=0))
    _raises_naming("factor_dim", TypeError, pcn.hcm.init_params, **dict(good, factor_dim=2.5))
    _raises_naming("causes_dim", ValueError, pcn.hcm.init_params, **dict(good, causes_dim=0))
    _raises_naming("rng", TypeError, pcn.hcm.init_params, **dict(good, rng=0))
    _raises_naming("rng", TypeError, pct.hcm.init_params, **dict(good, rng=np.random.default_rng(0)))


def test_hcm_bad_observed_names_it():
    """A mask that is not 0/1, of the wrong length, or observes nothing (for the loss)."""
    for bad in (np.full(T, 0.5), np.ones(T + 1), np.ones((T, B + 1))):
        _raises_naming("observed", ValueError, pcn.hcm.rollout, **dict(GOOD["rollout"], observed=bad))
        _raises_naming("observed", ValueError, pcn.hcm.loss_and_grads, **dict(GOOD["loss_and_grads"], observed=bad))
    _raises_naming("observed", ValueError, pcn.hcm.loss_and_grads, **dict(GOOD["loss_and_grads"], observed=np.zeros(T)))
