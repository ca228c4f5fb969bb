"""The local predictive-coding rule (docs/model.md §3b): ``local_deltas``, ``apply_local_update``,
``free_energy``, checked on drawn sizes and values in float64.

(a) the facts of §3b against PyTorch autograd: ``d_w_o, d_b_o`` are the gradients of
    ``0.5 sum_t ||error[t]||**2`` with ``h_prior`` held fixed; ``d_w_r, d_b_r`` are ``tau`` times
    the gradients of ``0.5 sum_t ||error_h[t]||**2`` with ``h_post[t-1]``, ``c[t-1]``, ``h_post[t]``
    held fixed, ``d_w_r`` without the t = 0 term (adding ``error_h[0].T @ tanh(h0)`` gives the
    whole gradient); ``tau`` times the ``w_c`` gradient is ``sum_t error_h[t].T @ c[t-1]``, and
    ``d_w_c`` (which uses ``c[t]``) differs from it by exactly ``sum_t error_h[t].T @ (c[t] - c[t-1])``;
(b) pc_numpy against its twin pc_torch (the same formulas);
(c) bad input names the argument.

The traces are made by ``pc_torch.rollout`` (the reference) and handed to ``pc_numpy`` as
arrays, so these tests grade ``local_deltas`` alone, whatever state the rest of ``pc_numpy`` is in.

Tolerance: relative error <= 1e-10 (``RTOL_SAME_ALGEBRA``) everywhere, with the denominator at
least the magnitude of the operands (the same sums over |terms|, see ``strategies.rel_error``).
Each delta is a sum over T*B <= 24 products of O(1)-O(10) numbers, each product a sum of one
term per row: float64 rounding is ~T*B*2**-53 ~ 3e-15 of the operands' magnitude, whatever order
autograd, NumPy's einsum or torch's einsum add them in.  The 1e-10 bound leaves four orders of
magnitude of margin and still catches any slip (a missing ``tau``, ``c[t-1]`` for ``c[t]``,
the t = 0 term of ``d_w_r``, a transposed product: each is off by O(1) of the magnitude).
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
                        normal, positive_rates, seeds, taus, value_scales, weight_scales)

DELTA_NAMES = ("d_w_o", "d_b_o", "d_w_c", "d_w_r", "d_b_r")


def tt(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))


@st.composite
def inference_cases(draw):
    """An inference rollout of pc_torch (alpha_x, alpha_h > 0; alpha_c = sigma_r = 0, the
    training setting of §3b) on drawn sizes and values; its trace as NumPy arrays too."""
    d = draw(dims(T=(1, 6), B=(1, 4), O=(1, 4), S=(1, 5), C=(1, 4)))
    seed, vs, ws = draw(seeds), draw(value_scales), draw(weight_scales)
    tau, alpha_x, alpha_h = draw(taus), draw(positive_rates), draw(positive_rates)
    rng = np.random.default_rng(seed)
    params = make_params(rng, d, ws)
    x, c0, h0 = (normal(rng, shape, vs) for shape in ((d.T, d.B, d.O), (d.B, d.C), (d.B, d.S)))
    ttrace = pct.rollout(pct.from_numpy(params), tt(x), tt(c0), tt(h0), tau=tau,
                         alpha_x=alpha_x, alpha_h=alpha_h)
    trace = pcn.Trace(*(v.numpy().copy() for v in ttrace))
    return SimpleNamespace(d=d, params=params, x=x, c0=c0, h0=h0, tau=tau, alpha_x=alpha_x,
                           alpha_h=alpha_h, trace=trace, ttrace=ttrace)


def leaves(params):
    """pc_torch Params of fresh leaf tensors that require grad (float64)."""
    return pct.Params(*(tt(v).requires_grad_(True) for v in params))


def outer_sum(u, v):
    """sum_t u[t].T @ v[t] for (T, B, I) and (T, B, J) arrays: (I, J)."""
    return np.einsum("tbi,tbj->ij", u, v)


# --------------------------------------------------------------------------- (a) the facts
@examples(30)
@given(inference_cases())
def test_output_deltas_are_the_output_error_gradients(k):
    """d_w_o, d_b_o = gradients of 0.5 sum_t ||error[t]||**2, h_prior held fixed (detached)."""
    got = pcn.local_deltas(k.trace)
    p = leaves(k.params)
    h_prior = tt(k.trace.h_prior)                                # held fixed: not a function of p
    error = pct.prediction(h_prior.reshape(-1, k.d.S), p).reshape(k.d.T, k.d.B, k.d.O) - tt(k.x)
    assert_close("error (recomputed from h_prior)", error, k.trace.error, RTOL, time_major=True)
    (0.5 * torch.sum(error ** 2)).backward()
    a = np.tanh(k.trace.h_prior)
    assert_close("d_w_o", got.d_w_o, p.w_o.grad, RTOL, scale=np.max(outer_sum(np.abs(k.trace.error), np.abs(a))))
    assert_close("d_b_o", got.d_b_o, p.b_o.grad, RTOL, scale=np.max(np.abs(k.trace.error).sum((0, 1))))


def hidden_error_gradients(k, first: int = 0):
    """Autograd gradients of 0.5 sum_{t >= first} ||error_h[t]||**2 with respect to the
    parameters, with h_post[t-1], c[t-1] (h0, c0 at t = 0) and h_post[t] held fixed."""
    p = leaves(k.params)
    h_post_prev = np.concatenate([k.h0[None], k.trace.h_post[:-1]])                      # (T, B, S)
    c_prev = np.concatenate([k.c0[None], k.trace.c[:-1]])                                # (T, B, C)
    total = 0.0
    for t in range(first, k.d.T):
        h_prior = pct.hidden_prior(tt(h_post_prev[t]), tt(c_prev[t]), p, tau=k.tau)     # (1), (B, S)
        error_h = h_prior - tt(k.trace.h_post[t])                                         # (5)
        assert_close("error_h (recomputed)", error_h, k.trace.error_h[t], RTOL, t=t,
                     scale=np.max(np.abs(k.trace.h_post[t])))
        total = total + 0.5 * torch.sum(error_h ** 2)
    if not torch.is_tensor(total):
        return None, h_post_prev, c_prev
    total.backward()
    return p, h_post_prev, c_prev


@examples(30)
@given(inference_cases())
def test_recurrent_deltas_are_tau_times_the_hidden_error_gradients(k):
    """d_b_r = tau * grad_b_r; d_w_r = tau * grad_w_r of the sum over t >= 1 (the step from h0
    left out), and adding the t = 0 term error_h[0].T @ tanh(h0) gives tau * the whole gradient."""
    got = pcn.local_deltas(k.trace)
    eh = k.trace.error_h
    p, h_post_prev, _ = hidden_error_gradients(k)
    a_prev = np.tanh(h_post_prev)                                                         # (T, B, S)
    scale_w = np.max(outer_sum(np.abs(eh), np.abs(a_prev)))
    assert_close("d_b_r", got.d_b_r, k.tau * p.b_r.grad, RTOL, scale=np.max(np.abs(eh).sum((0, 1))))
    t0_term = eh[0].T @ np.tanh(k.h0)                                                     # (S, S)
    assert_close("d_w_r + error_h[0].T @ tanh(h0)", got.d_w_r + t0_term, k.tau * p.w_r.grad,
                 RTOL, scale=scale_w)
    p1, _, _ = hidden_error_gradients(k, first=1)
    want = np.zeros((k.d.S, k.d.S)) if p1 is None else k.tau * p1.w_r.grad               # T = 1: empty sum
    assert_close("d_w_r (sum over t >= 1)", got.d_w_r, want, RTOL, scale=scale_w)


@examples(30)
@given(inference_cases())
def test_causes_delta_uses_the_causes_after_the_update(k):
    """tau * grad_w_c = sum_t error_h[t].T @ c[t-1]; d_w_c = sum_t error_h[t].T @ c[t] differs
    from it by exactly sum_t error_h[t].T @ (c[t] - c[t-1])."""
    got = pcn.local_deltas(k.trace)
    eh = k.trace.error_h
    p, _, c_prev = hidden_error_gradients(k)
    scale = np.max(outer_sum(np.abs(eh), np.abs(c_prev)) + outer_sum(np.abs(eh), np.abs(k.trace.c)))
    assert_close("tau * grad w_c vs sum_t error_h[t].T @ c[t-1]", k.tau * p.w_c.grad,
                 outer_sum(eh, c_prev), RTOL, scale=scale)
    assert_close("d_w_c - tau * grad w_c vs sum_t error_h[t].T @ (c[t] - c[t-1])",
                 got.d_w_c - k.tau * p.w_c.grad.numpy(), outer_sum(eh, k.trace.c - c_prev),
                 RTOL, scale=scale)
    assert_close("d_w_c", got.d_w_c, outer_sum(eh, k.trace.c), RTOL, scale=scale)


def test_causes_delta_and_gradient_differ_when_the_causes_move():
    """One fixed case: with alpha_h > 0 the causes move during the rollout and d_w_c is not tau
    times the gradient (the difference is O(1) of d_w_c); with alpha_h = 0 they agree."""
    rng = np.random.default_rng(5)
    T, B, O, S, C = 6, 3, 2, 5, 3
    params = pcn.init_params(C, S, O, rng)
    x, c0, h0 = rng.standard_normal((T, B, O)), np.eye(B, C), rng.standard_normal((B, S))
    for alpha_h in (0.5, 0.0):
        trace = pcn.Trace(*(v.numpy() for v in pct.rollout(
            pct.from_numpy(params), tt(x), tt(c0), tt(h0), tau=3.0, alpha_x=0.5, alpha_h=alpha_h)))
        c_prev = np.concatenate([c0[None], trace.c[:-1]])
        grad_times_tau = outer_sum(trace.error_h, c_prev)          # = tau * grad (checked above)
        d_w_c = pcn.local_deltas(trace).d_w_c
        rel = np.max(np.abs(d_w_c - grad_times_tau)) / np.max(np.abs(d_w_c))
        if alpha_h > 0:
            assert rel > 1e-3, f"alpha_h={alpha_h}: d_w_c should differ from tau * grad (rel {rel:.1e})"
        else:
            assert rel <= RTOL, f"alpha_h=0: d_w_c should equal tau * grad (rel {rel:.1e})"


# ------------------------------------------------------------------ (b) against the twin
@examples(30)
@given(inference_cases(), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_numpy_matches_pc_torch(k, lr_o, lr_h, lr_c):
    """local_deltas, apply_local_update and free_energy, each against pc_torch's."""
    got, want = pcn.local_deltas(k.trace), pct.local_deltas(k.ttrace)
    assert got._fields == want._fields == DELTA_NAMES
    for name in DELTA_NAMES:
        g = getattr(got, name)
        assert isinstance(g, np.ndarray) and g.dtype == np.float64, f"{name}: {type(g).__name__}"
        assert_close(name, g, getattr(want, name), RTOL)
    new = pcn.apply_local_update(k.params, got, lr_o=lr_o, lr_h=lr_h, lr_c=lr_c)
    new_t = pct.apply_local_update(pct.from_numpy(k.params), want, lr_o=lr_o, lr_h=lr_h, lr_c=lr_c)
    rates = dict(w_o=lr_o, b_o=lr_o, w_c=lr_c, w_r=lr_h, b_r=lr_h)
    for name in pcn.Params._fields:
        old, delta = getattr(k.params, name), getattr(got, "d_" + name)
        scale = np.max(np.abs(old) + rates[name] * np.abs(delta))
        assert_close(f"updated {name}", getattr(new, name), getattr(new_t, name), RTOL, scale=scale)
        assert_close(f"updated {name} (by hand)", getattr(new, name), old - rates[name] * delta, RTOL,
                     scale=scale)
    f = pcn.free_energy(k.trace, alpha_x=k.alpha_x, alpha_h=k.alpha_h)
    assert isinstance(f, float)
    assert_close("free_energy", f, pct.free_energy(k.ttrace, alpha_x=k.alpha_x, alpha_h=k.alpha_h), RTOL)
    by_hand = (0.5 * k.alpha_x * np.mean(np.linalg.norm(k.trace.error, axis=-1) ** 2)
               + 0.5 * k.alpha_h * np.mean(np.linalg.norm(k.trace.error_h, axis=-1) ** 2))
    assert_close("free_energy (by hand)", f, by_hand, RTOL)


def test_update_leaves_its_inputs_alone():
    rng = np.random.default_rng(1)
    params = pcn.init_params(2, 3, 2, rng)
    deltas = pcn.LocalDeltas(*(rng.standard_normal(np.shape(v)) for v in params))
    before = [v.copy() for v in params]
    new = pcn.apply_local_update(params, deltas, lr_o=0.1, lr_h=0.2, lr_c=0.3)
    assert isinstance(new, pcn.Params)
    for name, old, now in zip(pcn.Params._fields, before, params):
        assert np.array_equal(old, now), f"params.{name} was changed in place"
    assert_close("w_c", new.w_c, before[2] - 0.3 * deltas.d_w_c, RTOL)


# ---------------------------------------------------------------------- (c) bad input
# The rule's functions are formulas and check nothing (issue 22): bad input is refused at the
# door, ``train_local`` (the tests at the end of this file).


# ------------------------------------------------------------- (d) training by the local rule
def _tiny_data(N=3, T=10):
    """N smooth 2-D sequences of T steps (phase-shifted Lissajous curves), O(1) values."""
    t = np.linspace(0.0, 2.0 * np.pi, T)
    return np.stack([0.8 * np.stack([np.sin(t + p), np.cos(2.0 * t + p)], axis=-1)
                     for p in range(N)])                                                  # (N, T, 2)


TINY = dict(states_dim=10, tau=5.0, alpha_x=0.01, alpha_h=1.0, lr_o=0.01, lr_h=0.5, lr_c=0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_train_local_lowers_the_generation_loss(seed):
    """20 iterations on 3 tiny sequences: generation loss and free energy both drop by >= 5%
    (measured: 10-15% for seeds 0-4), and the result is a TrainResult whose model.mus are the
    one-hot causes."""
    data = _tiny_data()
    result = pcn.train_local(data, iterations=20, seed=seed, progress=False, **TINY)
    assert isinstance(result, pcn.TrainResult) and isinstance(result.model, pcn.Model)
    assert result.losses.shape == result.free_energy.shape == (20,)
    assert np.isfinite(result.losses).all() and np.isfinite(result.free_energy).all()
    assert result.losses[-1] < 0.95 * result.losses[0], f"generation loss {result.losses[0]} -> {result.losses[-1]}"
    assert result.free_energy[-1] < 0.95 * result.free_energy[0], \
        f"free energy {result.free_energy[0]} -> {result.free_energy[-1]}"
    assert np.array_equal(result.model.mus, np.eye(3)), "model.mus should be the one-hot causes"
    assert result.model.labels == ("0", "1", "2") and result.model.tau == TINY["tau"]
    assert result.seconds > 0


def test_train_local_uses_local_deltas():
    """Two iterations by hand (initial_values, inference rollout, local_deltas,
    apply_local_update) give exactly the trained parameters, losses and free energies."""
    data = _tiny_data()
    causes = np.random.default_rng(3).standard_normal((3, 2))                             # (N, C)
    result = pcn.train_local(data, causes=causes, iterations=2, seed=4, progress=False, **TINY)
    x = data.transpose(1, 0, 2)                                                           # (T, N, O)
    start = pcn.initial_values(3, 2, states_dim=TINY["states_dim"], causes_dim=2,
                               rng=np.random.default_rng(4))
    params = pcn.Params(*(start[k] for k in pcn.Params._fields))
    rates = dict(alpha_x=TINY["alpha_x"], alpha_h=TINY["alpha_h"])
    for i in range(2):
        trace = pcn.rollout(params, x, causes, start["h0"], tau=TINY["tau"], **rates)
        loss = np.mean(pcn.rollout(params, x, causes, start["h0"], tau=TINY["tau"]).error ** 2)
        assert_close(f"losses[{i}]", result.losses[i], loss, 1e-15)
        assert_close(f"free_energy[{i}]", result.free_energy[i], pcn.free_energy(trace, **rates), 1e-15)
        params = pcn.apply_local_update(params, pcn.local_deltas(trace), lr_o=TINY["lr_o"],
                                        lr_h=TINY["lr_h"], lr_c=TINY["lr_c"])
    for name in pcn.Params._fields:     # the same operations in the same order: equal to rounding
        assert_close(f"params.{name}", getattr(result.model.params, name), getattr(params, name), 1e-15)
    assert np.array_equal(result.model.mus, causes) and np.array_equal(result.model.h0, start["h0"])


def test_train_local_model_works_with_retrieval_and_checkpoints(tmp_path):
    data = _tiny_data()
    result = pcn.train_local(data, ["a", "b", "c"], iterations=3, progress=False, **TINY)
    pcn.save_model(tmp_path / "m.npz", result.model)
    loaded = pcn.load_model(tmp_path / "m.npz")
    assert loaded.labels == ("a", "b", "c") and np.array_equal(loaded.mus, np.eye(3))
    found = pcn.retrieve(loaded, data, trials=2, restarts=1, sigma_c=0.3, progress=False)
    assert np.isfinite(found.generation_error).all()


def test_train_local_progress_reports_loss_and_free_energy():
    lines = []
    pcn.train_local(_tiny_data(), iterations=3, progress=lines.append, **TINY)
    assert lines and "3/3" in lines[-1] and "loss" in lines[-1] and "free energy" in lines[-1]


def test_train_local_divergence_names_the_iteration():
    """A far too large lr_o makes the output weights grow geometrically (overflow at iteration
    15); data of 1e200 overflow before any update.  (A large lr_h or lr_c alone does not
    overflow: tanh saturates.)"""
    with pytest.raises(pcn.TrainingDiverged, match=r"iteration [1-9]\d*\b.*lr_o=1e\+08"):
        pcn.train_local(_tiny_data(), iterations=50, progress=False, **dict(TINY, lr_o=1e8))
    with pytest.raises(pcn.TrainingDiverged, match=r"iteration 0\b"):
        pcn.train_local(_tiny_data() * 1e200, iterations=2, progress=False, **TINY)


@pytest.mark.parametrize("kwargs, name, exc", [
    (dict(data=np.zeros((3, 10))), "data", ValueError),
    (dict(data="letters"), "data", TypeError),
    (dict(labels=["a", "b"]), "labels", ValueError),
    (dict(causes=np.eye(2)), "causes", ValueError),
    (dict(causes=np.full((3, 2), np.inf)), "causes", ValueError),
    (dict(states_dim=2.5), "states_dim", TypeError),
    (dict(tau=0.5), "tau", ValueError),
    (dict(alpha_x=0.0), "alpha_x", ValueError),
    (dict(alpha_h=-1.0), "alpha_h", ValueError),
    (dict(lr_o=-0.1), "lr_o", ValueError),
    (dict(lr_h=None), "lr_h", TypeError),
    (dict(lr_c=float("inf")), "lr_c", ValueError),
    (dict(iterations=0), "iterations", ValueError),
    (dict(seed=-1), "seed", ValueError),
    (dict(progress="yes"), "progress", TypeError),
])
def test_train_local_bad_input_names_the_argument(kwargs, name, exc):
    call = dict(TINY, data=_tiny_data(), iterations=1, progress=False)
    call.update(kwargs)
    with pytest.raises(exc, match=rf"\b{name}\b"):
        pcn.train_local(**call)
