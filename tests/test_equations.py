"""Every update rule of docs/model.md §2, pc_numpy against pc_torch (float64), on drawn sizes and values.

Tolerance: relative error <= 1e-10 (``RTOL_SAME_ALGEBRA``).  Both backends evaluate the same
formula in float64; the only differences are summation order and last-ulp differences of
tanh/exp, ~1e-16 relative to the operands, amplified by at most a handful of operations (a
dot product of <= 6 terms, a softmax of <= 6 terms).  The denominator includes the operands'
magnitude (the formula evaluated with absolute values, see ``strategies.rel_error``) so that a
result that happens to cancel to near zero does not turn rounding into a failure.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, dims, make_params, normal,
                        rates, seeds, sigma_cs, taus, value_scales, weight_scales)


def tt(a: np.ndarray) -> torch.Tensor:
    """A float64 tensor with the same values (shares memory; never modified)."""
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


def magnitude(rule, *args, **kwargs) -> float:
    """The operands' magnitude of a rule (the ``scale`` of ``strategies.rel_error``): the
    reference ``pc_torch`` rule evaluated on magnitudes, ``max|rule(|a|, ...)|``.  Each caller
    passes ``|x|`` or ``-|x|`` per argument so that no two terms of the rule can cancel (every
    term becomes non-negative: tanh is odd, 1 - tanh**2 even, a norm is non-negative); the result
    is the formula with absolute values, without the test spelling the formula out."""
    def conv(v):
        if isinstance(v, pcn.Params):
            return pct.from_numpy(pcn.Params(*(np.abs(w) for w in v)))
        return tt(v) if isinstance(v, np.ndarray) else v
    out = rule(*map(conv, args), **{k: conv(v) for k, v in kwargs.items()})
    return float(out.abs().max()) if out.numel() else 0.0


@st.composite
def cases(draw):
    """One set of inputs for every rule: sizes, values (from a drawn seed), scales and rates."""
    d = draw(dims())
    seed, vs, ws = draw(seeds), draw(value_scales), draw(weight_scales)
    rng = np.random.default_rng(seed)
    params = make_params(rng, d, ws)
    return SimpleNamespace(
        d=d, params=params, tparams=pct.from_numpy(params),
        h=normal(rng, (d.B, d.S), vs), h2=normal(rng, (d.B, d.S), vs),
        c=normal(rng, (d.B, d.C), vs), x=normal(rng, (d.B, d.O), vs),
        x_pred=normal(rng, (d.B, d.O), vs), error=normal(rng, (d.B, d.O), vs),
        error_h=normal(rng, (d.B, d.S), vs), xi=rng.standard_normal((d.B, d.C)),
        mus=normal(rng, (d.P, d.C), vs),
        tau=draw(taus), alpha=draw(rates), sigma_r=draw(st.floats(0.0, 3.0)),
        sigma_c=draw(sigma_cs))


@given(cases())
def test_hidden_prior_1(k):
    """(1), the hidden prior (exercise eq1), against pc_torch."""
    p = k.params
    got = pcn.hidden_prior(k.h, k.c, p, tau=k.tau)
    want = pct.hidden_prior(tt(k.h), tt(k.c), k.tparams, tau=k.tau)
    scale = magnitude(pct.hidden_prior, np.abs(k.h), np.abs(k.c), p, tau=k.tau)
    assert_close("h_prior", got, want, RTOL, scale=scale)


@given(cases())
def test_prediction_2(k):
    """(2), the prediction (exercise eq2), against pc_torch."""
    p = k.params
    got = pcn.prediction(k.h, p)
    want = pct.prediction(tt(k.h), k.tparams)
    scale = magnitude(pct.prediction, np.abs(k.h), p)
    assert_close("x_pred", got, want, RTOL, scale=scale)


@given(cases())
def test_output_error_3(k):
    """(3) error = x_pred - x (a single subtraction: both sides round identically)."""
    got = pcn.output_error(k.x_pred, k.x)
    want = pct.output_error(tt(k.x_pred), tt(k.x))
    assert_close("error", got, want, RTOL, scale=np.max(np.abs(k.x_pred) + np.abs(k.x)))


@given(cases(), st.integers(0, 2**32 - 1))
def test_output_error_3_of_a_partial_target(k, seed):
    """(3) with a mask: error = m * (x_pred - x), m (B,) of 0/1 drawn at random.  Exact: a row
    with m = 0 is zero, a row with m = 1 is the unmasked error bit for bit (a product by 1.0)."""
    m = (np.random.default_rng(seed).random(k.x.shape[0]) < 0.5).astype(float)            # (B,)
    got = pcn.output_error(k.x_pred, k.x, observed=m)
    want = pct.output_error(tt(k.x_pred), tt(k.x), observed=tt(m))
    assert_close("error (masked)", got, want, RTOL, scale=np.max(np.abs(k.x_pred) + np.abs(k.x)))
    assert np.array_equal(got[m == 1], pcn.output_error(k.x_pred, k.x)[m == 1]), "observed rows changed"
    assert not np.any(got[m == 0]), "an unobserved row has a non-zero error"


@given(cases())
def test_hidden_posterior_4(k):
    """(4), the hidden posterior (exercise eq4), against pc_torch."""
    p = k.params
    got = pcn.hidden_posterior(k.h, k.error, p, alpha_x=k.alpha)
    want = pct.hidden_posterior(tt(k.h), tt(k.error), k.tparams, alpha_x=k.alpha)
    scale = magnitude(pct.hidden_posterior, np.abs(k.h), -np.abs(k.error), p, alpha_x=k.alpha)
    assert_close("h_post", got, want, RTOL, scale=scale)


@given(cases())
def test_hidden_error_5(k):
    """(5) error_h = h_prior - h_post."""
    got = pcn.hidden_error(k.h, k.h2)
    want = pct.hidden_error(tt(k.h), tt(k.h2))
    assert_close("error_h", got, want, RTOL, scale=np.max(np.abs(k.h) + np.abs(k.h2)))


@given(cases())
def test_causes_bottom_up_6(k):
    """(6), the causes bottom-up (exercise eq6), against pc_torch."""
    p = k.params
    got = pcn.causes_bottom_up(k.c, k.error_h, p, alpha_h=k.alpha)
    want = pct.causes_bottom_up(tt(k.c), tt(k.error_h), k.tparams, alpha_h=k.alpha)
    scale = magnitude(pct.causes_bottom_up, np.abs(k.c), -np.abs(k.error_h), p, alpha_h=k.alpha)
    assert_close("c (after (6))", got, want, RTOL, scale=scale)


@given(cases())
def test_causes_noise_7(k):
    """(7) c = c + sigma_r ||error_h|| xi, the norm per row."""
    got = pcn.causes_noise(k.c, k.error_h, k.xi, sigma_r=k.sigma_r)
    want = pct.causes_noise(tt(k.c), tt(k.error_h), tt(k.xi), sigma_r=k.sigma_r)
    norm = np.linalg.norm(k.error_h, axis=1, keepdims=True)
    scale = np.max(np.abs(k.c) + k.sigma_r * norm * np.abs(k.xi))
    assert_close("c (after (7))", got, want, RTOL, scale=scale)


@given(cases())
def test_responsibilities_8(k):
    """(8), the responsibilities r(c) (exercise eq8-softmax), against pc_torch.  Its entries are in [0, 1] and
    each row sums to 1, so max|r| is the right scale; the logits (up to ~4e4 in magnitude with
    sigma_c = 0.05) carry an absolute rounding of ~1e-11 at most, well inside 1e-10."""
    got = pcn.responsibilities(k.c, k.mus, sigma_c=k.sigma_c)
    want = pct.responsibilities(tt(k.c), tt(k.mus), sigma_c=k.sigma_c)
    assert_close("r", got, want, RTOL)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=0, atol=1e-14,
                               err_msg="rows of r must sum to 1 (to ~P ulps)")


def _prior_scale(k):
    """(max|c| + max|mus|) / (2 sigma_c**2): a bound on the operands of g (the weights r are
    non-negative and sum to 1, so no weighted mean of the memories exceeds max|mus|)."""
    return (np.max(np.abs(k.c)) + np.max(np.abs(k.mus))) / (2 * k.sigma_c ** 2)


@given(cases())
def test_prior_gradient_8(k):
    """(8), the prior's gradient g(c) (exercise eq8-grad), against pc_torch."""
    got = pcn.prior_gradient(k.c, k.mus, sigma_c=k.sigma_c)
    want = pct.prior_gradient(tt(k.c), tt(k.mus), sigma_c=k.sigma_c)
    assert_close("g", got, want, RTOL, scale=_prior_scale(k))


@given(cases())
def test_causes_prior_8(k):
    """(8), the causes after the prior (exercise eq8), against pc_torch."""
    got = pcn.causes_prior(k.c, k.mus, alpha_c=k.alpha, sigma_c=k.sigma_c)
    want = pct.causes_prior(tt(k.c), tt(k.mus), alpha_c=k.alpha, sigma_c=k.sigma_c)
    scale = np.max(np.abs(k.c)) + k.alpha * _prior_scale(k)
    assert_close("c (after (8))", got, want, RTOL, scale=scale)


@given(cases())
def test_log_prior(k):
    """log sum_k exp(logits) vs torch.logsumexp; its rounding is relative to the largest |logit|."""
    got = pcn.log_prior(k.c, k.mus, sigma_c=k.sigma_c)
    want = pct.log_prior(tt(k.c), tt(k.mus), sigma_c=k.sigma_c)
    diff = k.c[:, None, :] - k.mus[None, :, :]
    scale = np.max((diff ** 2).sum(axis=2)) / (2 * k.sigma_c ** 2) + np.log(k.d.P)
    assert_close("log_prior", got, want, RTOL, scale=scale)
