# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial 05: back-propagation through time, by hand
#
# Tutorials 01-04 ran the network forward: equations (1)-(8) of a PC-RNN-HC-A step. To *train*
# it we need the gradient of a loss with respect to every weight, and PC-RNN-HC-A is trained
# like any recurrent network: by back-propagation through time (BPTT). This tutorial derives
# BPTT for the model in a few lines of algebra, shows the three functions of
# `pc_numpy/bptt.py` that implement it (`step_backward`, `backward`, `loss_and_grads`), and
# proves them right twice: against central finite differences, and against PyTorch's autograd
# (`pc_torch.loss_and_grads`).
#
# Run it as a script (`python tutorials/05_bptt_by_hand.py`) or as a notebook
# (`jupytext --to notebook tutorials/05_bptt_by_hand.py`).

# %%
import os
import sys

try:                                    # run as a script: tutorials/ is next to this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
except NameError:                       # in a notebook started in tutorials/
    sys.path.insert(0, os.getcwd())
import _common as tc  # noqa: E402  (FAST mode, figure_dir(), savefig, Agg backend)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import pc_numpy as pcn  # noqa: E402
import pc_torch as pct  # noqa: E402

plt = tc.plt
rng = np.random.default_rng(5)          # every random draw below comes from this generator

# %% [markdown]
# ## 1. Generation mode: the forward pass we differentiate
#
# Training (docs/model.md §3) runs the network in **generation mode**: every inference rate is zero,
# $\alpha_x = \alpha_h = \alpha_c = \sigma_r = 0$. Then (4) gives $h^{post}_t = h^{prior}_t$,
# the hidden error (5) is zero, and (6)-(8) leave the causes alone: $c_t = \mathtt{c0}$ for every $t$.
# What is left of a step is (1)-(3). Writing $h_t$ for $h^{prior}_t$, $k = 1/\tau$ and
# $a_t = \tanh(h_t)$, and `h0`, as in the code, for the state *before* the first step, so that
# $h_{-1} = \mathtt{h0}$ and $a_{-1} = \tanh(\mathtt{h0})$. With a subscript, $h_0$ is `h_prior[0]`,
# the state *after* step 0, as $c_t$ is `c[t]`, the causes after step $t$; the initial causes
# are `c0`:
#
# $$h_t = (1-k)\,h_{t-1} + k\,\big(a_{t-1} W_r^\top + \mathtt{c0} W_c^\top + b_r\big) \qquad (1)$$
# $$\hat x_t = a_t W_o^\top + b_o \qquad (2) \qquad\qquad e_t = \hat x_t - x_t \qquad (3)$$
#
# (rows are batch entries, so a weight multiplies from the right as its transpose, as in the
# code: `h @ w_r.T`, written `h @ w_r.mT` there). The causes `c0` (one row per sequence) are *trained too*: they become the
# memories of tutorial 07.
#
# We use a tiny model so that every number can be printed and finite differences are cheap:
# $T = 6$ steps, $B = 3$ sequences, $O = 2$ outputs, $S = 4$ hidden units, $C = 2$ causes and a
# short time constant $\tau = 3$ (so that both paths of the recursion below matter).

# %%
T, B, O, S, C, tau = 6, 3, 2, 4, 2, 3.0
params = pcn.init_params(C, S, O, rng)          # w_o (O,S), b_o (O,), w_c (S,C), w_r (S,S), b_r (S,)
x = rng.standard_normal((T, B, O))              # (T, B, O) targets
c0 = rng.standard_normal((B, C))                # (B, C) one cause per sequence
h0 = np.broadcast_to(rng.standard_normal(S), (B, S)).copy()   # (B, S) one h0 shared by all rows

trace = pcn.rollout(params, x, c0, h0, tau=tau)   # pc_numpy/rollout.py: every rate left at 0
print({name: value.shape for name, value in trace._asdict().items()})

# %% [markdown]
# Check cell: in generation mode the posterior equals the prior, the hidden error is zero and
# the causes never move.

# %%
assert np.array_equal(trace.h_post, trace.h_prior)
assert not trace.error_h.any()
assert np.array_equal(trace.c, np.broadcast_to(c0, (T, B, C)))

# %% [markdown]
# ## 2. The loss
#
# The loss is the mean squared output error over all $N = T \cdot B \cdot O$ entries:
#
# $$L = \frac{1}{N} \sum_{t,b,o} e_{t,b,o}^2, \qquad
#   \frac{\partial L}{\partial e_t} = \frac{2\,e_t}{N} =: \delta_t ,$$
#
# called `d_error[t]` in the code.
#
# `pc_numpy.forward` (in `pc_numpy/bptt.py`) runs the generation rollout and returns the loss and
# a `ForwardCache` with what the backward pass needs: `error` $(T,B,O)$, `a` $= a_t$ $(T,B,S)$,
# `a_prev` $= a_{t-1}$ $(T,B,S)$ and `c0`.

# %%
loss, cache = pcn.forward(params, x, c0, h0, tau=tau)
assert loss == np.mean(trace.error ** 2)
assert np.array_equal(cache.a, np.tanh(trace.h_prior))
assert np.array_equal(cache.a_prev[0], np.tanh(h0)) and np.array_equal(cache.a_prev[1:], cache.a[:-1])
print(f"loss L = {loss:.6f}")

# %% [markdown]
# ## 3. The recursion for $g_t = \partial L / \partial h_t$
#
# Define $g_t$ as the **total** derivative of $L$ with respect to the hidden state $h_t$
# (`h_prior[t]`), counting every way $h_t$ influences the loss. $h_t$ reaches $L$ by exactly two
# paths:
#
# 1. **Through the prediction of step $t$**: $h_t \to a_t \to \hat x_t \to e_t$. By (2),
#    $\partial e_t/\partial a_t = W_o$ (in row form: a row $\delta_t$ comes back as
#    $\delta_t W_o$), and $\partial a_t / \partial h_t = 1 - a_t^2$ elementwise. Contribution:
#    $(\delta_t W_o) \odot (1 - a_t^2)$.
# 2. **Through the next step**, i.e. through $h_{t+1}$, whose total derivative $g_{t+1}$ already
#    contains everything that happens after $t+1$. By (1), $h_{t+1}$ depends on $h_t$ in two
#    ways: the **leak** $(1-k)\,h_t$, which passes $g_{t+1}$ back scaled by $(1-k)$; and the
#    **recurrence** $k\,a_t W_r^\top$, which passes back $\big((k\,g_{t+1}) W_r\big) \odot (1-a_t^2)$.
#
# Adding the paths (the chain rule sums over paths), and starting from $g_T = 0$ (no step after
# the last):
#
# $$\boxed{\,g_t = (\delta_t W_o)\odot(1-a_t^2) \;+\; (1-k)\,g_{t+1}
#          \;+\; \big((k\,g_{t+1})\,W_r\big)\odot(1-a_t^2)\,}$$
#
# The first and third terms share the factor $(1 - a_t^2)$: both go through $a_t$. So one step
# backward is: the derivative with respect to $a_t$, $\;\delta_t W_o + (k g_{t+1}) W_r$, times
# $1 - a_t^2$, plus the leak. That is `pc_numpy.step_backward` (file `pc_numpy/bptt.py`), the
# analogue of CS231n's `rnn_step_backward`, and **exercise bptt-step** in a student copy.
#
# The check cell calls your `step_backward` on random inputs and prints its relative error against
# a reference that knows nothing of the derivation: PyTorch's autograd, asked for the gradient
# with respect to $h_t$ of $\langle \delta_t, \hat x_t(h_t)\rangle + \langle g_{t+1}, h_{t+1}(h_t)\rangle$
# (exactly the two paths, weighted by what flows back along each), built from `pc_torch`'s (1) and
# (2) in float64. Tolerance $10^{-10}$: the same algebra, differing by rounding only.

# %%
tp = pct.from_numpy(params)                                # the same weights as float64 tensors
to_t = lambda a: torch.as_tensor(a, dtype=torch.float64)    # noqa: E731


def reference_step_backward(d_error_t, g_next, h_t, c):
    """d/dh_t of <d_error_t, x_pred(h_t)> + <g_next, h_prior_next(h_t)>, by autograd; (B, S)."""
    h = to_t(h_t).requires_grad_(True)
    paths = ((to_t(d_error_t) * pct.prediction(h, tp)).sum()
             + (to_t(g_next) * pct.hidden_prior(h, to_t(c), tp, tau=tau)).sum())
    return torch.autograd.grad(paths, h)[0].numpy()


d_error_t = rng.standard_normal((B, O))
g_next = rng.standard_normal((B, S))
h_t = rng.standard_normal((B, S))
mine = pcn.step_backward(d_error_t, g_next, np.tanh(h_t), params, tau=tau)   # yours
tc.check("g[t], one step backward", mine, reference_step_backward(d_error_t, g_next, h_t, c0))
no_next = np.zeros_like(g_next)                            # g[T] = 0: nothing after the last step
tc.check("g[T-1] (g_next = 0: the prediction path alone)",
         pcn.step_backward(d_error_t, no_next, np.tanh(h_t), params, tau=tau),
         reference_step_backward(d_error_t, no_next, h_t, c0))

# %% [markdown]
# ## 4. The loop: `pc_numpy.backward`
#
# BPTT is the visible loop that applies the step backward from $t = T-1$ down to $0$, starting
# from $g_T = 0$ and carrying one $(B, S)$ array from step to step, as in CS231n's
# `rnn_backward`. That is `pc_numpy.backward(d_error, a, params, tau=tau)` in `pc_numpy/bptt.py`,
# **exercise bptt-loop**; it returns all of $g$, shape $(T, B, S)$.
#
# Check cell: your $g$ on the tiny model against autograd's, where nothing is derived by hand:
# `pc_torch` runs the same generation rollout forward (one call of (1) per step), keeps each
# $h_t$, computes the same loss, and `backward()` fills in $\partial L / \partial h_t$ for every $t$.

# %%
d_error = 2 * cache.error / x.size                         # (T, B, O)  delta_t = 2 e_t / N
g = pcn.backward(d_error, cache.a, params, tau=tau)        # (T, B, S)  g[t] = dL/dh_prior[t], yours

h, h_priors = to_t(h0).requires_grad_(True), []             # a leaf, so that every h_t has a .grad
for t in range(T):                                         # generation mode: h_post = h_prior
    h = pct.hidden_prior(h, to_t(c0), tp, tau=tau)
    h.retain_grad()
    h_priors.append(h)
sum(((pct.prediction(h_t, tp) - to_t(x[t])) ** 2).sum() for t, h_t in enumerate(h_priors)).div(x.size).backward()
g_autograd = np.stack([h_t.grad.numpy() for h_t in h_priors])                   # (T, B, S)
for t in range(T - 1, -1, -1):                            # from the end: the first wrong step is the one to fix
    tc.check(f"g[{t}] from backward", g[t], g_autograd[t])
print("||g[t]|| for t = 0..T-1:", np.round(np.linalg.norm(g, axis=(1, 2)), 5))

# %% [markdown]
# ## 5. Parameter gradients: sums over time
#
# Every weight is used at **every** step, so its gradient is a sum over $t$ of what each step
# contributes, and each contribution reads $\delta_t$ or $g_t$ at the place the weight enters:
#
# * $W_o, b_o$ enter (2), where $\hat x_t$ receives $\delta_t$:
#   $\;\partial L/\partial W_o = \sum_t \delta_t^\top a_t$, $\;\partial L/\partial b_o = \sum_{t,b} \delta_t$.
# * $W_r, b_r, W_c$ and `c0` enter (1) inside $k(\dots)$, so the input of step $t$ receives
#   $k\,g_t$:
#   $\;\partial L/\partial W_r = \sum_t (k g_t)^\top a_{t-1}$,
#   $\;\partial L/\partial b_r = \sum_{t,b} k g_t$,
#   $\;\partial L/\partial W_c = \sum_t (k g_t)^\top \mathtt{c0}$,
#   $\;\partial L/\partial \mathtt{c0} = \sum_t (k g_t)\, W_c$.
# * `h0` is the state before step 0: it reaches $L$ only through step 0's
#   leak and recurrence, so its gradient is **one more step backward with no prediction**
#   ($\delta = 0$):
#   $\;\partial L / \partial \mathtt{h0} = (1-k) g_0 + \big((k g_0) W_r\big) \odot (1 - a_{-1}^2)$.
#
# `pc_numpy.loss_and_grads(params, x, c0, h0, tau=tau)` (in `pc_numpy/bptt.py`) runs
# `forward`, `backward` and these sums. It computes each sum over $t$ and $b$ as **one** matrix
# product over the $T\cdot B$ stacked rows, e.g. for $W_o$
# `d_error.reshape(T * B, O).T @ a.reshape(T * B, S)`. The cell below writes the same sums the
# other way, an explicit loop over time with one product per step, and compares: the same
# numbers up to the order of summation (tolerance $10^{-12}$).

# %%
k = 1 / tau
mine = dict(w_o=np.zeros((O, S)), b_o=np.zeros(O), w_c=np.zeros((S, C)), w_r=np.zeros((S, S)),
            b_r=np.zeros(S), c0=np.zeros((B, C)))
for t in range(T):
    mine["w_o"] += d_error[t].T @ cache.a[t]                # (O, S)
    mine["b_o"] += d_error[t].sum(axis=0)                   # (O,)
    mine["w_r"] += (k * g[t]).T @ cache.a_prev[t]           # (S, S)
    mine["b_r"] += (k * g[t]).sum(axis=0)                   # (S,)
    mine["w_c"] += (k * g[t]).T @ c0                        # (S, C)
    mine["c0"] += (k * g[t]) @ params.w_c                   # (B, C)
mine["h0"] = pcn.step_backward(np.zeros((B, O)), g[0], np.tanh(h0), params, tau=tau)      # (B, S)

loss_lib, grads = pcn.loss_and_grads(params, x, c0, h0, tau=tau)
assert loss_lib == loss
for name, value in mine.items():
    assert np.allclose(value, getattr(grads, name), rtol=1e-12, atol=1e-16), name
print("the sums over time match pcn.loss_and_grads for", list(mine))

# %% [markdown]
# ## 6. Check 1: central finite differences
#
# A derivation can be wrong in a way that is perfectly self-consistent, so we check against a
# definition that knows nothing of it. For every single entry $\theta$ of every value:
#
# $$\frac{\partial L}{\partial \theta} \approx \frac{L(\theta + \epsilon) - L(\theta - \epsilon)}{2\epsilon},
#   \qquad \epsilon = 10^{-6}.$$
#
# The central difference has truncation error $O(\epsilon^2) \approx 10^{-12}$ and rounding error
# about $10^{-16} L / \epsilon \approx 10^{-10}$, so a correct gradient agrees to roughly
# $10^{-9}$ relative; a wrong term would show up at $10^{-2}$ or worse. We allow $10^{-6}$
# (the tolerance of docs/conventions.md), measured as $\max|fd - \text{bptt}| / \max|\text{bptt}|$
# per value. `h0` is perturbed as the shared vector of shape $(S,)$, so its gradient is the
# one of `loss_and_grads` with a vector `h0`: the sum over the batch.

# %%
h0_vec = h0[0].copy()                                       # (S,) the shared initial state
values = dict(params._asdict(), c0=c0, h0=h0_vec)
_, grads_vec = pcn.loss_and_grads(params, x, c0, h0_vec, tau=tau)
assert np.allclose(grads_vec.h0, grads.h0.sum(axis=0))      # vector h0: gradient summed over rows


def loss_at(vals):
    p = pcn.Params(*(vals[name] for name in pcn.Params._fields))
    return pcn.loss_and_grads(p, x, vals["c0"], vals["h0"], tau=tau)[0]


eps = 1e-6
fd_rel = {}
for name, value in values.items():
    fd = np.zeros_like(value)
    for idx in np.ndindex(value.shape):
        plus = {n: v.copy() for n, v in values.items()}
        minus = {n: v.copy() for n, v in values.items()}
        plus[name][idx] += eps
        minus[name][idx] -= eps
        fd[idx] = (loss_at(plus) - loss_at(minus)) / (2 * eps)
    exact = getattr(grads_vec, name)
    fd_rel[name] = np.abs(fd - exact).max() / np.abs(exact).max()
    assert fd_rel[name] < 1e-6, f"d_{name}: finite differences disagree, rel err {fd_rel[name]:.2e}"
print("finite differences, max relative error per value:")
print({name: f"{err:.1e}" for name, err in fd_rel.items()})

# %% [markdown]
# ## 7. Check 2: autograd, for every value
#
# `pc_torch` (the PyTorch twin of `pc_numpy`, same names and arguments) writes only the forward
# pass, `pc_torch.loss`, and lets `torch.autograd.grad` differentiate it
# (`pc_torch.loss_and_grads`, file `pc_torch/bptt.py`). In float64 both compute the same algebra
# in a different order, so they must agree to rounding: we assert relative error $< 10^{-10}$
# (in practice it is about $10^{-16}$).

# %%
loss_t, grads_t = pct.loss_and_grads(pct.from_numpy(params), to_t(x), to_t(c0), to_t(h0_vec), tau=tau)
assert abs(loss_t - loss) <= 1e-14 * loss
ag_rel = {}
for name in values:
    exact = getattr(grads_vec, name)
    ag_rel[name] = np.abs(getattr(grads_t, name).numpy() - exact).max() / np.abs(exact).max()
    assert ag_rel[name] < 1e-10, f"d_{name}: autograd disagrees, rel err {ag_rel[name]:.2e}"
print("autograd, max relative error per value:", {n: f"{e:.1e}" for n, e in ag_rel.items()})

# %% [markdown]
# ## 8. How the gradient flows back in time
#
# The recursion says how much of a gradient at step $t+1$ survives at step $t$: the leak passes
# a factor $(1-k) = 1 - 1/\tau$, and the recurrence adds $(k g_{t+1}) W_r \odot (1 - a_t^2)$,
# which is small when $W_r$ is small (at initialisation its entries are $N(0,1)/S$) or when
# $\tanh$ saturates. So, roughly, a gradient born at the last step reaches step $t$ scaled by
# $(1 - 1/\tau)^{T-1-t}$: it **vanishes** within a few steps for $\tau = 2$, but with the default
# $\tau = 50$ it keeps $(0.98)^{59} \approx 30\%$ of its size over the 60 steps of a letter. A
# large time constant is a slow, leaky integrator, and that makes long-range credit assignment
# easy.
#
# Left: the error is kept only at the last step (`d_error[t] = 0` for $t < T-1$), so $g_t$ is
# exactly "what of step $T-1$'s gradient reaches step $t$"; dashed: the leak alone,
# $(1-1/\tau)^{T-1-t}$. Right: the real $g_t$ of the loss on the 20 letters, where every step
# adds its own prediction path; with a long $\tau$ the early states collect the gradient of many
# later steps. Both use a freshly initialised, **untrained** network ($S = 50$): the point is how
# the leak carries a gradient back, before any training has shaped $W_r$.

# %%
letters, labels = pcn.letters()                             # (20, 60, 2), 20 labels
X = letters.transpose(1, 0, 2)                              # (T, B, O) = (60, 20, 2) time-major
T_l, B_l, O_l = X.shape
S_l = 50
params_l = pcn.init_params(2, S_l, O_l, rng)
c0_l = 0.01 * rng.standard_normal((B_l, 2))
h0_l = np.broadcast_to(rng.standard_normal(S_l), (B_l, S_l)).copy()

taus = [2, 5, 10, 50]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for tau_i, colour in zip(taus, ["tab:red", "tab:orange", "tab:green", "tab:blue"]):
    _, cache_l = pcn.forward(params_l, X, c0_l, h0_l, tau=tau_i)
    d_err = 2 * cache_l.error / X.size                      # (T, B, O)
    last_only = np.zeros_like(d_err)
    last_only[-1] = d_err[-1]
    g_last = pcn.backward(last_only, cache_l.a, params_l, tau=tau_i)   # (T, B, S)
    norm_last = np.linalg.norm(g_last, axis=(1, 2))
    ts = np.arange(T_l)
    axes[0].semilogy(ts, norm_last / norm_last[-1], color=colour, label=f"tau = {tau_i}")
    axes[0].semilogy(ts, (1 - 1 / tau_i) ** (T_l - 1 - ts), "--", color=colour, lw=1)
    g_full = pcn.backward(d_err, cache_l.a, params_l, tau=tau_i)
    axes[1].semilogy(ts, np.linalg.norm(g_full, axis=(1, 2)), color=colour, label=f"tau = {tau_i}")
    if tau_i == 2:
        tau2_ratio = norm_last[T_l - 11] / norm_last[-1]    # 10 steps back
    if tau_i == 50:
        tau50_ratio = norm_last[0] / norm_last[-1]          # 59 steps back
axes[0].set_ylim(1e-12, 3)
axes[0].set_title("error at the last step only: ||g[t]|| / ||g[T-1]||\n(dashed: leak alone, (1-1/tau)^(T-1-t))",
                  fontsize=10)
axes[1].set_title("the training loss on 20 letters: ||g[t]||", fontsize=10)
axes[0].set_ylabel("||g[t]|| / ||g[T-1]||")
axes[1].set_ylabel("||g[t]|| = ||dL/dh_prior[t]||")
fig.suptitle("gradient flow back in time, untrained network (S = 50, fresh init_params)", fontsize=11)
for ax in axes:
    ax.set_xlabel("time step t  (BPTT runs from right to left)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
fig.tight_layout()
tc.savefig(fig, "05_gradient_flow")

# %% [markdown]
# Check cell: what the text claims about the figure. With $\tau = 2$ less than $10^{-2}$ of the
# last step's gradient is left ten steps earlier; with $\tau = 50$ more than 10% of it survives
# all 59 steps back to $t = 0$.

# %%
print(f"tau = 2 : ||g[T-11]|| / ||g[T-1]|| = {tau2_ratio:.1e}")
print(f"tau = 50: ||g[0]||    / ||g[T-1]|| = {tau50_ratio:.2f}   (leak alone: {(1 - 1 / 50) ** 59:.2f})")
assert tau2_ratio < 1e-2
assert tau50_ratio > 0.1

# %% [markdown]
# ## Summary
#
# * In generation mode a step is (1)-(3) with $c_t = \mathtt{c0}$, and the loss is $L = \mathrm{mean}(e^2)$,
#   so $\delta_t = 2 e_t / N$.
# * $g_t = \partial L/\partial h_t$ obeys one backward recursion with two paths: through the
#   prediction of step $t$, and through the next step's leak $(1-k)$ and recurrence $k W_r$
#   (`pc_numpy.step_backward`), run from $t = T-1$ down to $0$ with $g_T = 0$ (`pc_numpy.backward`).
# * Every parameter gradient is a sum over time of one product per step (the library does each
#   sum as one product over the $T\cdot B$ stacked rows); $W_r, b_r, W_c, \mathtt{c0}$ see $k g_t$
#   because they sit inside $k(\dots)$ in (1); `h0` gets one more step backward
#   (`pc_numpy.loss_and_grads`).
# * The BPTT gradients match central finite differences (relative error about $10^{-9}$)
#   and PyTorch's autograd (about $10^{-16}$).
# * The leak $(1 - 1/\tau)$ sets how far back a gradient reaches: a long time constant keeps the
#   gradient alive over the whole letter.
#
# ## Exercises
#
# 1. Train `h0` too: `pcn.train(..., learn_h0=True)`. Why is the gradient of a shared vector
#    `h0` of shape $(S,)$ the sum over the batch of the per-row gradients? Check it with
#    `pcn.loss_and_grads` and a `(B, S)` copy of `h0`.
# 2. Change the loss to $\sum e^2 / B$ (per sequence instead of per entry). Which single line
#    of the derivation changes? Verify with finite differences.
# 3. Scale $W_r$ up (e.g. `w_r * 20`) and redraw the left panel for $\tau = 2$: when does the
#    recurrence path, rather than the leak, decide whether the gradient vanishes or explodes?
