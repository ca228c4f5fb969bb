"""Grading tests that isolate one exercise (see ``pc_numpy.tools.exercises``): the function under test
is called with the exercise functions *it* calls replaced by reference versions from pc_torch,
so that, e.g., the BPTT loop (exercise bptt-loop) is graded even while the BPTT step (exercise bptt-step) is
still a stub.  Each compares against pc_torch on drawn inputs, float64.

Tolerance: relative error <= 1e-10 (``RTOL_SAME_ALGEBRA``), for the reasons of
``test_equations.py``: the same algebra in float64, differing only in summation order and
last-ulp differences of tanh/exp; the denominator includes the operands' magnitude.  Each
failure message names the exercise, the equation, the variable and (in the loop) the time step.
"""
from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import numpy as np
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_numpy.bptt as np_bptt
import pc_numpy.prior as np_prior
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, dims, examples, make_params,
                        normal, rates, seeds, sigma_cs, taus, value_scales, weight_scales)


def tt(a) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


def reference_responsibilities(c, mus, *, sigma_c):
    """pc_torch's r(c), as a NumPy array: stands in for exercise eq8-softmax."""
    return pct.responsibilities(tt(c), tt(mus), sigma_c=sigma_c).numpy()


def reference_prior_gradient(c, mus, *, sigma_c):
    """pc_torch's g(c), as a NumPy array: stands in for exercise eq8-grad."""
    return pct.prior_gradient(tt(c), tt(mus), sigma_c=sigma_c).numpy()


@st.composite
def prior_cases(draw):
    d = draw(dims())
    rng = np.random.default_rng(draw(seeds))
    vs = draw(value_scales)
    return SimpleNamespace(d=d, c=normal(rng, (d.B, d.C), vs), mus=normal(rng, (d.P, d.C), vs),
                           sigma_c=draw(sigma_cs), alpha_c=draw(rates))


def _prior_scale(k):
    """(max|c| + max|mus|) / (2 sigma_c**2): a bound on the operands of g (the weights r are
    non-negative and sum to 1, so no weighted mean of the memories exceeds max|mus|)."""
    return (np.max(np.abs(k.c)) + np.max(np.abs(k.mus))) / (2 * k.sigma_c ** 2)


@examples(20)
@given(dims(), seeds, st.floats(500.0, 2000.0))
def test_responsibilities_far_from_every_mean(d, seed, distance):
    """Exercise eq8-softmax, equation (8), the *stable* softmax: with sigma_c = 0.096 (retrieval) and c
    ~1e3 from every mean, every exp(logit) underflows to 0, yet r must be finite, sum to 1 and
    give the nearest mean responsibility 1 (the logit gap to the next is > 40 here).  Compared
    with pc_torch, whose softmax is stable, to 1e-10 absolute (entries of r are in [0, 1])."""
    sigma_c = 0.096
    rng = np.random.default_rng(seed)
    mus = rng.standard_normal((d.P, d.C))
    direction = rng.standard_normal((d.B, d.C))
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-300)
    assume(np.all(np.linalg.norm(direction, axis=1) > 0.5))
    c = distance * direction                                                    # (B, C)
    logits = pct.prior_logits(tt(c), tt(mus), sigma_c=sigma_c).numpy()          # (B, P)
    order = np.sort(logits, axis=1)
    assume(d.P == 1 or np.all(order[:, -1] - order[:, -2] > 40.0))
    got = pcn.responsibilities(c=c, mus=mus, sigma_c=sigma_c)
    assert np.all(np.isfinite(got)), ("r (exercise eq8-softmax, equation (8)) is not finite far from every "
                                      "mean: subtract the row maximum of the logits before exp")
    want = pct.responsibilities(tt(c), tt(mus), sigma_c=sigma_c)
    assert_close("r far from every mean (exercise eq8-softmax, equation (8))", got, want, RTOL)
    nearest = np.argmax(logits, axis=1)
    assert np.all(got[np.arange(d.B), nearest] > 1 - 1e-12), \
        f"r of the nearest mean (exercise eq8-softmax): {got[np.arange(d.B), nearest]}, expected 1"


@given(prior_cases())
def test_prior_gradient_alone(k):
    """Exercise eq8-grad, g(c) of equation (8), with r(c) from the reference (so exercise
    eq8-softmax need not be done)."""
    with mock.patch.object(np_prior, "responsibilities", reference_responsibilities):
        got = pcn.prior_gradient(k.c, k.mus, sigma_c=k.sigma_c)
    want = pct.prior_gradient(tt(k.c), tt(k.mus), sigma_c=k.sigma_c)
    assert_close("g = prior_gradient(c) (exercise eq8-grad, equation (8))", got, want, RTOL,
                 scale=_prior_scale(k))


@given(prior_cases())
def test_causes_prior_alone(k):
    """Exercise eq8, c[t] of equation (8), with g from the reference (so exercises
    eq8-softmax and eq8-grad need not be done)."""
    with mock.patch.object(np_prior, "prior_gradient", reference_prior_gradient), \
            mock.patch.object(np_prior, "responsibilities", reference_responsibilities):
        got = pcn.causes_prior(k.c, k.mus, alpha_c=k.alpha_c, sigma_c=k.sigma_c)
    want = pct.causes_prior(tt(k.c), tt(k.mus), alpha_c=k.alpha_c, sigma_c=k.sigma_c)
    scale = np.max(np.abs(k.c)) + k.alpha_c * _prior_scale(k)
    assert_close("c[t] = causes_prior(c) (exercise eq8, equation (8))", got, want, RTOL, scale=scale)


@st.composite
def loop_cases(draw):
    d = draw(dims(T=(1, 6), B=(1, 4), O=(1, 4), S=(1, 5), C=(1, 3)))
    rng = np.random.default_rng(draw(seeds))
    params = make_params(rng, d, draw(weight_scales))
    h = normal(rng, (d.T, d.B, d.S), draw(st.floats(0.1, 2.0)))       # h_prior[t], |a| < 0.97 mostly
    return SimpleNamespace(d=d, params=params, a=np.tanh(h),
                           d_error=normal(rng, (d.T, d.B, d.O), draw(value_scales)),
                           c=normal(rng, (d.B, d.C), 1.0), tau=draw(taus))


def _reference_step(params, c, tau):
    """A ``step_backward`` by autograd (stands in for exercise bptt-step): the gradient with respect to
    h of <d_error_t, x_pred(h)> + <g_next, h_prior_next(h)> at h = atanh(a_t)."""
    tp = pct.from_numpy(params)

    def step_backward(d_error_t, g_next, a_t, params_, *, tau):
        th = torch.atanh(tt(a_t)).clone().requires_grad_(True)
        objective = ((tt(d_error_t) * pct.prediction(th, tp)).sum()
                     + (tt(g_next) * pct.hidden_prior(th, tt(c), tp, tau=tau)).sum())
        (grad,) = torch.autograd.grad(objective, th)
        return grad.numpy()

    return step_backward


@examples(20)
@given(loop_cases())
def test_backward_loop_alone(k):
    """Exercise bptt-loop: g[t] for t = T-1 down to 0, g[T] = 0, each step by
    step_backward (here the reference step, so exercise bptt-step need not be done)."""
    d = k.d
    ref_step = _reference_step(k.params, k.c, k.tau)
    want = np.empty((d.T, d.B, d.S))
    g_next = np.zeros((d.B, d.S))
    for t in reversed(range(d.T)):
        g_next = want[t] = ref_step(k.d_error[t], g_next, k.a[t], k.params, tau=k.tau)
    with mock.patch.object(np_bptt, "step_backward", ref_step):
        got = pcn.backward(k.d_error, k.a, k.params, tau=k.tau)
    assert np.shape(got) == (d.T, d.B, d.S), \
        f"g from backward (exercise bptt-loop): shape {np.shape(got)}, expected {(d.T, d.B, d.S)}"
    scale = float(np.max(np.abs(want)))
    for t in reversed(range(d.T)):       # the first step the loop gets wrong is the one to fix
        assert_close("g[t] = dL/dh_prior[t] from backward (exercise bptt-loop)", got[t], want[t],
                     RTOL, t=t, scale=scale)
