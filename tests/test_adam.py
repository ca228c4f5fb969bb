"""``pc_numpy.Adam`` (by hand) against ``pc_torch.Adam`` and against ``torch.optim.Adam`` itself.

Tolerance: relative error <= 1e-10 on every value after every step (``RTOL_SAME_ALGEBRA``).
One Adam step is a handful of float64 operations per entry (decay, two moment updates, a
square root, a division); numpy and torch round each to ~1e-16, differing only in the order of
the final multiply/divide.  A difference in a value feeds back through ``weight_decay * p`` (a
factor < 0.1) and through m / sqrt(v), whose sensitivity is bounded when gradients are O(1) and
eps >= 1e-10, so over 25 steps it stays ~1e-14.  A wrong bias correction, AdamW-style decay or a
misplaced eps differs by >= 1e-4 relative within the first steps.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import pc_numpy as pcn
import pc_torch as pct
from strategies import RTOL_SAME_ALGEBRA as RTOL, assert_close, examples, seeds

STEPS = 25


@st.composite
def adam_cases(draw):
    seed = draw(seeds)
    shapes = {"w": (draw(st.integers(1, 4)), draw(st.integers(1, 4))), "b": (draw(st.integers(1, 4)),)}
    hyper = dict(lr=draw(st.floats(1e-4, 0.1)),
                 betas=(draw(st.floats(0.0, 0.99)), draw(st.floats(0.5, 0.9999))),
                 eps=draw(st.floats(1e-10, 1e-4)),
                 weight_decay=draw(st.floats(1e-6, 0.1)))
    return seed, shapes, hyper, draw(st.floats(0.1, 3.0))


def _draws(seed, shapes, gscale):
    """Starting values and a fresh gradient for every step, from one seed."""
    rng = np.random.default_rng(seed)
    values = {n: rng.standard_normal(s) for n, s in shapes.items()}
    grads = [{n: gscale * rng.standard_normal(s) for n, s in shapes.items()} for _ in range(STEPS)]
    return values, grads


@examples(25)
@given(adam_cases())
def test_adam_matches_pc_torch_adam(case):
    seed, shapes, hyper, gscale = case
    values, grads = _draws(seed, shapes, gscale)
    ours = pcn.Adam(values, **hyper)
    ref = pct.Adam({n: torch.from_numpy(v.copy()) for n, v in values.items()}, **hyper)
    for step, g in enumerate(grads, start=1):
        new = ours.step(g)
        want = ref.step({n: torch.from_numpy(v) for n, v in g.items()})
        for name in shapes:
            assert_close(f"{name} after Adam step {step}", new[name], want[name], RTOL)
            assert_close(f"Adam.values[{name!r}] after step {step}", ours.values[name], want[name], RTOL)
    assert ours.t == STEPS
    for name, v in values.items():   # the starting values were copied, not updated in place
        assert np.array_equal(v, _draws(seed, shapes, gscale)[0][name]), f"Adam modified the caller's {name}"


@examples(25)
@given(adam_cases())
def test_adam_matches_torch_optim_adam_directly(case):
    """The same against ``torch.optim.Adam`` driven by hand, so that the pc_torch wrapper
    (which the other test trusts) is itself checked."""
    seed, shapes, hyper, gscale = case
    values, grads = _draws(seed, shapes, gscale)
    ours = pcn.Adam(values, **hyper)
    leaves = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in values.items()}
    opt = torch.optim.Adam(list(leaves.values()), lr=hyper["lr"], betas=hyper["betas"],
                           eps=hyper["eps"], weight_decay=hyper["weight_decay"])
    wrapper = pct.Adam({n: torch.from_numpy(v.copy()) for n, v in values.items()}, **hyper)
    for step, g in enumerate(grads, start=1):
        new = ours.step(g)
        for name, leaf in leaves.items():
            leaf.grad = torch.from_numpy(g[name].copy())
        opt.step()
        via_wrapper = wrapper.step({n: torch.from_numpy(v) for n, v in g.items()})
        for name, leaf in leaves.items():
            assert_close(f"{name} after Adam step {step} (vs torch.optim.Adam)", new[name], leaf.detach(), RTOL)
            # the wrapper is torch.optim.Adam on the same numbers: identical bits
            assert torch.equal(via_wrapper[name], leaf.detach()), \
                f"pc_torch.Adam differs from torch.optim.Adam for {name} at step {step}"


def test_adam_first_step_matches_torch():
    """Step 1, where the bias correction matters most (m and v are one step from 0), with a zero
    gradient entry (only the decay moves it): pc_numpy.Adam against torch.optim.Adam itself.
    Tolerance 1e-15 relative: a few float64 operations on the same numbers."""
    lr, b1, b2, eps, wd = 0.03, 0.9, 0.999, 1e-8, 1e-4
    p = np.array([1.0, -2.0, 0.5])
    grad = np.array([0.3, 0.0, -4.0])
    leaf = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    reference = torch.optim.Adam([leaf], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    leaf.grad = torch.tensor(grad, dtype=torch.float64)
    reference.step()
    got = pcn.Adam({"p": p}, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd).step({"p": grad})["p"]
    assert_close("p after Adam step 1 (vs torch.optim.Adam)", got, leaf.detach(), 1e-15)
