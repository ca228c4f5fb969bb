"""The facts of docs/model.md §2 that the tutorials explain, checked on drawn sizes and values (float64)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, dims, examples, make_params,
                        normal, seeds, taus, value_scales, weight_scales)


def tt(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@st.composite
def cases(draw):
    d = draw(dims())
    seed, vs, ws = draw(seeds), draw(value_scales), draw(weight_scales)
    rng = np.random.default_rng(seed)
    return SimpleNamespace(
        d=d, seed=seed, params=make_params(rng, d, ws), h=normal(rng, (d.B, d.S), vs),
        h2=normal(rng, (d.B, d.S), vs), c=normal(rng, (d.B, d.C), vs),
        x=normal(rng, (d.B, d.O), vs), mus=normal(rng, (d.P, d.C), vs), tau=draw(taus))


# ------------------------------------------------------------------------------------- (4)
@given(cases())
def test_hidden_posterior_lowers_the_output_error(k):
    """(4) with a small alpha_x lowers the output error (2)-(3), re-evaluated at h_post.

    f(h) = 0.5 ||e(h)||**2 per row has a gradient grad (here from autograd of pc_torch's (2),
    so that the test does not write (4) out) and curvature at most
    L = ||w_o||_F**2 + 0.77 ||w_o||_F (max_b ||e_b|| + 1) near h (|tanh''| <= 0.77, 1 - a**2 <= 1).
    With alpha_x = min(1e-4, 0.25 / L), the descent lemma gives, per row,
        f(h_post) <= f(h) - alpha_x (1 - alpha_x L / 2) ||grad||**2 <= f(h) - 0.5 alpha_x ||grad||**2.
    Checked with a rounding slack of 1e-12 (1 + f) (f is a sum of <= 6 squares of O(10) numbers),
    and the total norm must drop strictly wherever that predicted decrease exceeds the slack.
    """
    p = k.params
    error = pcn.prediction(k.h, p) - k.x
    w_norm = np.linalg.norm(p.w_o)
    L = w_norm ** 2 + 0.77 * w_norm * (np.max(np.linalg.norm(error, axis=1)) + 1.0)
    alpha_x = min(1e-4, 0.25 / L)
    h_post = pcn.hidden_posterior(k.h, error, p, alpha_x=alpha_x)
    tp = pct.from_numpy(p)
    new_error = (pct.prediction(tt(h_post), tp) - tt(k.x)).numpy()
    f_old = 0.5 * np.sum(error ** 2, axis=1)
    f_new = 0.5 * np.sum(new_error ** 2, axis=1)
    th = tt(k.h).clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(0.5 * ((pct.prediction(th, tp) - tt(k.x)) ** 2).sum(), th)
    grad = grad.numpy()                                  # (B, S) rows independent: per-row gradients
    decrease = 0.5 * alpha_x * np.sum(grad ** 2, axis=1)
    slack = 1e-12 * (1.0 + f_old)
    assert np.all(f_new <= f_old - decrease + slack), (
        f"0.5||error||^2 per row: before {f_old}, after {f_new}, predicted decrease >= {decrease}")
    if np.sum(decrease) > np.sum(slack):
        assert np.linalg.norm(new_error) < np.linalg.norm(error), "||error|| did not decrease"


@given(cases(), st.floats(0.0, 1.0))
def test_hidden_posterior_is_one_gradient_step(k, alpha_x):
    """(4) is h_prior - alpha_x * d/dh_prior (0.5 ||error||**2), the gradient from autograd.
    Rel. 1e-10 relative to |h_prior| + alpha_x |grad| (the operands of the subtraction)."""
    p = k.params
    th = tt(k.h).clone().requires_grad_(True)
    terr = pct.prediction(th, pct.from_numpy(p)) - tt(k.x)
    (grad,) = torch.autograd.grad(0.5 * (terr ** 2).sum(), th)
    want = tt(k.h) - alpha_x * grad
    error = pcn.output_error(pcn.prediction(k.h, p), k.x)
    got = pcn.hidden_posterior(k.h, error, p, alpha_x=alpha_x)
    scale = np.max(np.abs(k.h)) + alpha_x * float(grad.abs().max())
    assert_close("h_post", got, want, RTOL, scale=scale)


@given(cases())
def test_alpha_x_zero_gives_h_post_equal_h_prior_exactly(k):
    """With alpha_x = 0, (4) returns h_prior bit for bit (h - 0 * y == h for finite y)."""
    error = pcn.prediction(k.h, k.params) - k.x
    assert np.array_equal(pcn.hidden_posterior(k.h, error, k.params, alpha_x=0.0), k.h)


# ------------------------------------------------------------------------------------- (6)
@given(cases(), st.floats(0.0, 1.0))
def test_causes_bottom_up_is_a_gradient_step_times_tau(k, alpha_h):
    """(6) c = c_prev - alpha_h * tau * d/dc_prev (0.5 ||h_prior(c_prev) - h_post||**2), h_post
    held fixed: the exact gradient is (1/tau) error_h @ w_c and the rule absorbs the 1/tau.
    Rel. 1e-10 relative to |c_prev| + alpha_h tau |grad|."""
    p, tp = k.params, pct.from_numpy(k.params)
    h_post = k.h2                                           # any fixed posterior
    tc = tt(k.c).clone().requires_grad_(True)
    t_error_h = pct.hidden_prior(tt(k.h), tc, tp, tau=k.tau) - tt(h_post)
    (grad,) = torch.autograd.grad(0.5 * (t_error_h ** 2).sum(), tc)
    want = tt(k.c) - alpha_h * k.tau * grad
    error_h = pcn.hidden_error(pcn.hidden_prior(k.h, k.c, p, tau=k.tau), h_post)
    got = pcn.causes_bottom_up(k.c, error_h, p, alpha_h=alpha_h)
    scale = np.max(np.abs(k.c)) + alpha_h * k.tau * float(grad.abs().max())
    assert_close("c (after (6))", got, want, RTOL, scale=scale)


@examples(30)
@given(cases(), st.floats(0.01, 1.0), st.floats(0.01, 3.0), st.booleans())
def test_rollout_without_inference_keeps_c_constant(k, alpha_h, sigma_r, vector_c0):
    """alpha_x = 0 but alpha_h, sigma_r > 0 (alpha_c = 0): error_h = 0 exactly, so (6) and (7)
    add exact zeros: c[t] == c0 and h_post == h_prior at every t, bit for bit."""
    d = k.d
    rng = np.random.default_rng(k.seed + 1)
    x = rng.standard_normal((d.T, d.B, d.O))
    c0 = k.c[0] if vector_c0 else k.c
    tr = pcn.rollout(k.params, x, c0, k.h, tau=k.tau, alpha_x=0.0, alpha_h=alpha_h,
                     sigma_r=sigma_r, rng=rng)
    for t in range(d.T):
        assert np.array_equal(tr.c[t], np.broadcast_to(c0, (d.B, d.C))), f"c != c0 at t={t}"
        assert np.array_equal(tr.h_post[t], tr.h_prior[t]), f"h_post != h_prior at t={t}"
        assert not np.any(tr.error_h[t]), f"error_h != 0 at t={t}"


# ------------------------------------------------------------------------------------- (8)
@given(cases(), st.floats(0.05, 3.0))
def test_prior_gradient_is_half_grad_of_logsumexp(k, sigma_c):
    """g = 0.5 * d/dc logsumexp_k(-||c - mus[k]||**2 / (2 sigma_c**2)), autograd of torch.logsumexp
    on logits written out here (not pc_torch's).  Rel. 1e-10 relative to a bound on the operands,
    (max|c| + max|mus|) / (2 sigma_c**2) (r is non-negative and sums to 1).  Also log_prior = that logsumexp, responsibilities sum to 1."""
    tc = tt(k.c).clone().requires_grad_(True)
    logits = -((tc[:, None, :] - tt(k.mus)[None, :, :]) ** 2).sum(dim=2) / (2 * sigma_c ** 2)
    lse = torch.logsumexp(logits, dim=1)
    (grad,) = torch.autograd.grad(lse.sum(), tc)
    g = pcn.prior_gradient(k.c, k.mus, sigma_c=sigma_c)
    r = pcn.responsibilities(k.c, k.mus, sigma_c=sigma_c)
    scale = (np.max(np.abs(k.c)) + np.max(np.abs(k.mus))) / (2 * sigma_c ** 2)
    assert_close("g", g, 0.5 * grad, RTOL, scale=scale)
    assert_close("log_prior", pcn.log_prior(k.c, k.mus, sigma_c=sigma_c), lse, RTOL,
                 scale=float(logits.detach().abs().max()) + np.log(k.d.P))
    np.testing.assert_allclose(r.sum(axis=1), 1.0, rtol=0, atol=1e-14,
                               err_msg="responsibilities must sum to 1 (to ~P ulps)")
    assert np.all(r >= 0)


@examples(30)
@given(dims(), seeds, st.floats(500.0, 2000.0))
def test_prior_far_from_every_mean_is_finite_and_picks_the_nearest(d, seed, distance):
    """|c| ~ 1e3 and sigma_c = 0.096 (the retrieval setting): every logit is ~ -5e7, so
    exp(logit) underflows to 0 even in float64.  The stable softmax still gives the nearest mean
    responsibility 1 (the logit gap to the next is > 40 here, so r_nearest = 1 - O(e^-40)) and g
    points from c to that mean (cosine 1 - 1e-9).  The notebook's exp(logit) + 1e-40 gives equal
    weights 1/P and pulls toward the centroid instead: shown below so the check is not vacuous."""
    sigma_c = 0.096
    rng = np.random.default_rng(seed)
    mus = rng.standard_normal((d.P, d.C))
    direction = rng.standard_normal((d.B, d.C))
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-300)
    assume(np.all(np.linalg.norm(direction, axis=1) > 0.5))
    c = distance * direction                                                    # (B, C), |c| ~ 1e3
    sq = ((c[:, None, :] - mus[None, :, :]) ** 2).sum(axis=2)                   # (B, P)
    logits = -sq / (2 * sigma_c ** 2)
    order = np.sort(logits, axis=1)
    assume(d.P == 1 or np.all(order[:, -1] - order[:, -2] > 40.0))
    nearest = np.argmin(sq, axis=1)

    r = pcn.responsibilities(c=c, mus=mus, sigma_c=sigma_c)
    g = pcn.prior_gradient(c, mus, sigma_c=sigma_c)
    assert np.all(np.isfinite(r)) and np.all(np.isfinite(g)), "r or g not finite far from the means"
    np.testing.assert_allclose(r.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    assert np.all(r[np.arange(d.B), nearest] > 1 - 1e-12), f"r of the nearest mean: {r[np.arange(d.B), nearest]}"
    toward = mus[nearest] - c
    cosine = np.sum(g * toward, axis=1) / (np.linalg.norm(g, axis=1) * np.linalg.norm(toward, axis=1))
    assert np.all(cosine > 1 - 1e-9), f"g does not point to the nearest mean (cosine {cosine})"
    assert np.all(np.isfinite(pcn.log_prior(c, mus, sigma_c=sigma_c)))

    # the naive version of the original notebook: weights exp(logit) + 1e-40, normalised
    naive = np.exp(logits) + 1e-40
    naive /= naive.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(naive, 1.0 / d.P, rtol=1e-15, atol=0,
                               err_msg="the naive weights should all be equal (1/P)")
    if d.P > 1:   # ... which is not what pc_numpy gives
        assert not np.allclose(r, naive), "pc_numpy's responsibilities equal the naive ones"
