"""Whole rollouts of (1)-(8): pc_numpy against pc_torch, the noise, ``step`` and ``generate``.

Tolerance of the cross-backend comparison: relative error <= 1e-10 per trace field
(``RTOL_SAME_ALGEBRA``), the denominator being the field's largest magnitude over all steps.  A
rollout of T <= 8 steps composes the rules, so a rounding difference made at one step is carried
to the next through the Jacobian of the step.  The draws keep every inference rule in its stable
regime, where that Jacobian is O(1):

- ``alpha_x = u / max(1, ||w_o||_F**2)``: (4) is a gradient step whose curvature is at most
  ~||w_o||**2; with ``alpha_x * curvature <= 1`` it does not amplify (outside, explicit gradient
  steps diverge and ANY two float64 implementations drift apart like |1 - alpha_x L|**T, a
  property of the dynamics, not of the code);
- ``alpha_c = u * sigma_c**2`` (so ``alpha_c / (2 sigma_c**2) <= 0.5``) and ``sigma_c >= 0.2``,
  for the same reason for (8) (its curvature is ~1/(2 sigma_c**2) plus the spread of the means
  over sigma_c**2 near a boundary between two means).  Small ``sigma_c`` is covered rule by rule in
  test_equations.py.

``error_h = h_prior - h_post`` is a difference of two states, so its rounding is relative to
``max|h_prior|`` (that is its scale); ``error = x_pred - x`` is relative to ``|x_pred| + |x|``.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import (RTOL_SAME_ALGEBRA as RTOL, assert_close, assert_trace_close, dims,
                        examples, make_params, normal, seeds, taus, value_scales)


def tt(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@st.composite
def rollout_cases(draw):
    """Sizes, values and every rate non-zero (in the stable regime, see the module docstring)."""
    d = draw(dims())
    seed, vs = draw(seeds), draw(value_scales)
    rng = np.random.default_rng(seed)
    params = make_params(rng, d, 1.0)
    sigma_c = draw(st.floats(0.2, 3.0))
    vector_c0, vector_h0 = draw(st.booleans()), draw(st.booleans())
    return SimpleNamespace(
        d=d, params=params, seed=seed,
        x=normal(rng, (d.T, d.B, d.O), vs),
        c0=normal(rng, (d.C,) if vector_c0 else (d.B, d.C), vs),
        h0=normal(rng, (d.S,) if vector_h0 else (d.B, d.S), vs),
        mus=normal(rng, (d.P, d.C), min(vs, 1.0)),
        xi=rng.standard_normal((d.T, d.B, d.C)),
        rates=dict(tau=draw(taus),
                   alpha_x=draw(st.floats(0.01, 1.0)) / max(1.0, float(np.sum(params.w_o ** 2))),
                   alpha_h=draw(st.floats(0.01, 1.0)),
                   alpha_c=draw(st.floats(0.01, 1.0)) * sigma_c ** 2,
                   sigma_r=draw(st.floats(0.01, 3.0)),
                   sigma_c=sigma_c))


def _scales(tr):
    return dict(error_h=float(np.max(np.abs(tr.h_prior))),
                error=float(np.max(np.abs(tr.x_pred))) + float(np.max(np.abs(tr.x_pred - tr.error))))


@examples(30)
@given(rollout_cases())
def test_rollout_matches_torch_all_rates_on(k):
    """All six trace fields, every rate > 0 and the noise on (the same xi fed to both)."""
    got = pcn.rollout(k.params, k.x, k.c0, k.h0, mus=k.mus, xi=k.xi, **k.rates)
    want = pct.rollout(pct.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), mus=tt(k.mus),
                       xi=tt(k.xi), **k.rates)
    d = k.d
    for field, last in zip(got._fields, (d.O, d.O, d.S, d.S, d.S, d.C)):
        assert getattr(got, field).shape == (d.T, d.B, last), f"trace.{field} has the wrong shape"
    assert_trace_close(got, want, RTOL, scales=_scales(got))
    # the inference must actually have done something, or the test would be vacuous
    assert np.any(got.error_h != 0) and np.any(got.c[-1] != np.broadcast_to(k.c0, got.c[-1].shape))


@examples(30)
@given(rollout_cases())
def test_rollout_with_rng_is_reproducible_and_equals_xi(k):
    """``rng=default_rng(s)`` twice gives bit-identical traces (tolerance 0: same code, same
    numbers), equal bit for bit to ``xi = default_rng(s).standard_normal((T, B, C))``."""
    d = k.d
    run = lambda **noise: pcn.rollout(k.params, k.x, k.c0, k.h0, mus=k.mus, **noise, **k.rates)  # noqa: E731
    first = run(rng=np.random.default_rng(k.seed))
    second = run(rng=np.random.default_rng(k.seed))
    by_xi = run(xi=np.random.default_rng(k.seed).standard_normal((d.T, d.B, d.C)))
    for field in first._fields:
        a, b, c = getattr(first, field), getattr(second, field), getattr(by_xi, field)
        assert np.array_equal(a, b), f"trace.{field}: two rollouts with the same seed differ"
        assert np.array_equal(a, c), f"trace.{field}: rng=default_rng(seed) differs from the xi it should draw"


# ``rollout`` calls ``step`` itself, on the same arrays, so the two agree to the last bit in
# inference mode today; the tolerance leaves room for a loop that stores its inputs differently
# (BLAS may then sum the products in another order: a few ulps per entry, ~1e-16 relative,
# carried through at most T = 8 stable steps).  1e-11 still catches any algebraic slip (which
# gives >= 1e-3).
RTOL_STEP_LOOP = 1e-11


@examples(30)
@given(rollout_cases())
def test_rollout_equals_step_applied_t_times(k):
    """Every row of the rollout is ``step`` (on the parameters as given) applied to the previous
    row's ``h_post`` and ``c`` (rel. ``RTOL_STEP_LOOP``, at every step t); pc_torch's ``step``
    agrees at t=0 to 1e-10."""
    d = k.d
    c0 = np.broadcast_to(k.c0, (d.B, d.C)).copy()
    h0 = np.broadcast_to(k.h0, (d.B, d.S)).copy()
    tr = pcn.rollout(k.params, k.x, c0, h0, mus=k.mus, xi=k.xi, **k.rates)
    scales = _scales(tr)
    h, c = h0, c0
    for t in range(d.T):
        st_t = pcn.step(k.x[t], h, c, k.params, mus=k.mus, xi_t=k.xi[t], **k.rates)
        for field in tr._fields:
            assert_close(f"step().{field} vs trace.{field}", getattr(st_t, field),
                         getattr(tr, field)[t], RTOL_STEP_LOOP, t=t, scale=scales.get(field, 0.0))
        h, c = st_t.h_post, st_t.c
    st0 = pcn.step(k.x[0], h0, c0, k.params, mus=k.mus, xi_t=k.xi[0], **k.rates)
    tst0 = pct.step(tt(k.x[0]), tt(h0), tt(c0), pct.from_numpy(k.params), mus=tt(k.mus),
                    xi_t=tt(k.xi[0]), **k.rates)
    for field in tr._fields:
        assert_close(f"pc_torch.step().{field}", getattr(tst0, field), getattr(st0, field), RTOL,
                     t=0, scale=scales.get(field, 0.0))


@examples(30)
@given(rollout_cases())
def test_generate_equals_rollout_x_pred(k):
    """``generate(..., steps=T)`` is the x_pred of a generation-mode rollout, bit for bit, whatever
    the target (x_pred does not depend on x when every rate is zero); pc_torch agrees to 1e-10."""
    d, tau = k.d, k.rates["tau"]
    gen = pcn.generate(k.params, k.c0, k.h0, tau=tau, steps=d.T)
    B = d.B if (k.c0.ndim == 2 or k.h0.ndim == 2) else 1     # both vectors: one sequence
    tr = pcn.rollout(k.params, k.x[:, :B], k.c0, k.h0, tau=tau)
    assert gen.shape == (d.T, B, d.O), f"generate() has shape {gen.shape}, expected {(d.T, B, d.O)}"
    for t in range(d.T):
        assert np.array_equal(gen[t], tr.x_pred[t]), f"generate() differs from rollout().x_pred at t={t}"
    tgen = pct.generate(pct.from_numpy(k.params), tt(k.c0), tt(k.h0), tau=tau, steps=d.T)
    assert_close("pc_torch.generate x_pred", tgen, gen, RTOL, time_major=True)
    # in generation mode c stays c0 and h_post is h_prior, exactly
    assert np.array_equal(tr.c, np.broadcast_to(k.c0, tr.c.shape)), "c changed in generation mode"
    assert np.array_equal(tr.h_post, tr.h_prior), "h_post != h_prior in generation mode"


@examples(30)
@given(rollout_cases())
def test_generation_mode_rollout_matches_torch_and_step(k):
    """Every rate zero (the training forward pass, which pc_numpy computes with (2)-(3)
    vectorised over all T steps): all six fields against pc_torch (rel. 1e-10 as above), and the
    t=0 row against ``step`` to rel. 1e-13 -- the same formula, but one matrix product over the
    (T*B, S) stacked states may use another BLAS kernel than the (B, S) one, so the two can
    differ by a few ulps (~1e-16 relative each)."""
    d, tau = k.d, k.rates["tau"]
    got = pcn.rollout(k.params, k.x, k.c0, k.h0, tau=tau)
    want = pct.rollout(pct.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), tau=tau)
    assert_trace_close(got, want, RTOL, scales=_scales(got))
    c0 = np.broadcast_to(k.c0, (d.B, d.C)).copy()
    h0 = np.broadcast_to(k.h0, (d.B, d.S)).copy()
    st0 = pcn.step(k.x[0], h0, c0, k.params, tau=tau)
    for field in got._fields:
        assert_close(f"step().{field} vs trace.{field}", getattr(st0, field), getattr(got, field)[0],
                     1e-13, t=0, scale=_scales(got).get(field, 0.0))
    assert np.array_equal(got.h_post, got.h_prior) and not np.any(got.error_h)
    assert np.array_equal(got.c, np.broadcast_to(k.c0, got.c.shape))


def _mask(seed, d, per_row):
    """A random 0/1 mask of a partial target: (T, B) or, per_row False, (T,)."""
    shape = (d.T, d.B) if per_row else (d.T,)
    return (np.random.default_rng(seed).random(shape) < 0.6).astype(float)


@examples(20)
@given(rollout_cases(), st.booleans(), st.booleans())
def test_rollout_with_a_partial_target_matches_torch(k, generation, per_row):
    """``observed`` (T,) or (T, B) drawn at random, with inference on (every rate non-zero, the
    same noise) or in generation mode: all six fields against pc_torch (rel. 1e-10, as above),
    and ``error`` zero wherever the step is not observed."""
    d = k.d
    m = _mask(k.seed, d, per_row)
    rates = dict(tau=k.rates["tau"]) if generation else k.rates
    noise = {} if generation else dict(mus=k.mus, xi=k.xi)
    tnoise = {} if generation else dict(mus=tt(k.mus), xi=tt(k.xi))
    got = pcn.rollout(k.params, k.x, k.c0, k.h0, observed=m, **noise, **rates)
    want = pct.rollout(pct.from_numpy(k.params), tt(k.x), tt(k.c0), tt(k.h0), observed=tt(m),
                       **tnoise, **rates)
    assert_trace_close(got, want, RTOL, scales=_scales(got))
    m_tb = np.broadcast_to(m[:, None] if m.ndim == 1 else m, (d.T, d.B))
    assert not np.any(got.error[m_tb == 0]), "error is non-zero at an unobserved step"


@examples(20)
@given(rollout_cases(), st.booleans())
def test_rollout_fully_observed_is_bit_identical_to_no_mask(k, generation):
    """``observed`` all ones gives the trace of no mask bit for bit (tolerance 0: each error is
    multiplied by 1.0, which is exact)."""
    rates = dict(tau=k.rates["tau"]) if generation else k.rates
    noise = {} if generation else dict(mus=k.mus, xi=k.xi)
    plain = pcn.rollout(k.params, k.x, k.c0, k.h0, **noise, **rates)
    ones = pcn.rollout(k.params, k.x, k.c0, k.h0, observed=np.ones(k.d.T), **noise, **rates)
    for field in plain._fields:
        assert np.array_equal(getattr(plain, field), getattr(ones, field)), \
            f"trace.{field} with observed = 1 everywhere differs from no mask"


@examples(20)
@given(rollout_cases())
def test_rollout_with_nothing_observed_is_generation(k):
    """``observed`` all zeros, inference on but no prior (alpha_c = 0): no error reaches (4)-(7),
    so the rollout is generation from ``c0``: ``x_pred`` and ``h_prior`` equal those of the
    generation rollout to rel. 1e-12 (the same formulas; the generation loop applies (2) to all
    steps at once, another BLAS kernel), ``c`` stays ``c0`` and ``error_h`` is zero exactly."""
    rates = dict(k.rates, alpha_c=0.0)
    got = pcn.rollout(k.params, k.x, k.c0, k.h0, observed=np.zeros(k.d.T), xi=k.xi, **rates)
    gen = pcn.rollout(k.params, np.zeros_like(k.x), k.c0, k.h0, tau=rates["tau"])
    scales = _scales(gen)
    for field in ("x_pred", "h_prior", "h_post"):
        assert_close(f"trace.{field} (nothing observed vs generation)", getattr(got, field),
                     getattr(gen, field), 1e-12, scale=scales.get(field, 0.0))
    assert not np.any(got.error) and not np.any(got.error_h), "an error with nothing observed"
    assert np.array_equal(got.c, np.broadcast_to(k.c0, got.c.shape)), "c moved with nothing observed"


def test_float32_data_runs_in_float32_and_agrees_with_float64():
    """The dtype follows the data (the door keeps float32 arrays as they are): every field of a
    float32 rollout is float32, and equals the float64 rollout to float32 precision.  Tolerance:
    60 steps of O(1) values, each step a few float32 roundings (eps 6e-8) that the leaky
    integration (1) carries forward: 1e-4 absolute is a few hundred ulps of the largest value."""
    rng = np.random.default_rng(0)
    params = pcn.init_params(2, 16, 2, rng)
    x = pcn.letters()[0][:4].transpose(1, 0, 2)                                           # (T, B, O)
    c0, h0, mus = rng.standard_normal((4, 2)), rng.standard_normal(16), rng.standard_normal((5, 2))
    xi = rng.standard_normal((x.shape[0], 4, 2))
    kw = dict(tau=10.0, alpha_x=0.1, alpha_h=0.02, alpha_c=0.01, sigma_r=0.5, sigma_c=0.5)
    f32 = lambda a: np.asarray(a, dtype=np.float32)                                       # noqa: E731
    wide = pcn.rollout(params, x, c0, h0, mus=mus, xi=xi, **kw)
    narrow = pcn.rollout(pcn.Params(*map(f32, params)), f32(x), f32(c0), f32(h0), mus=f32(mus),
                         xi=f32(xi), **kw)
    for name, w, n in zip(wide._fields, wide, narrow):
        assert n.dtype == np.float32, f"trace.{name} is {n.dtype}"
        np.testing.assert_allclose(n, w, rtol=0, atol=1e-4, err_msg=f"trace.{name}")
