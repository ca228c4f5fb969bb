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
# # Tutorial 02: the prediction error corrects the hidden state, equations (4)-(5)
#
# Tutorial 01 built the generative model: from the previous hidden state $h^{\text{post}}_{t-1}$
# and the hidden causes $c_{t-1}$, equation (1) predicts the hidden state $h^{\text{prior}}_t$,
# (2) reads out a prediction $\hat x_t = \tanh(h^{\text{prior}}_t) W_o^\top + b_o$ of the pen
# position, and (3) compares it with the observed position: $e_t = \hat x_t - x_t$.
# Shapes: $B$ sequences in rows, $O$ outputs, $S$ hidden units: $h$ is `(B, S)`, $e$ is `(B, O)`,
# $W_o$ is `(O, S)`.
#
# In generation mode nothing was done with $e_t$. Predictive coding *uses* it: the hidden state is
# corrected so that it would have predicted the observation better, and the corrected state, the
# **posterior** $h^{\text{post}}_t$, is what the next step starts from:
#
# $$h^{\text{post}}_t = h^{\text{prior}}_t - \alpha_x \,\big(1 - \tanh^2(h^{\text{prior}}_t)\big)
#   \odot \big(e_t W_o\big) \tag{4}$$
#
# $\odot$ is the element-wise product, and $\alpha_x \ge 0$ is an update rate. The difference
# between the two states is the **hidden error**:
#
# $$e^h_t = h^{\text{prior}}_t - h^{\text{post}}_t \tag{5}$$
#
# Code: `pc_numpy.hidden_posterior` and `pc_numpy.hidden_error`, file `pc_numpy/inference.py`.
# This tutorial shows where (4) comes from, checks it three ways, and shows what $\alpha_x$ does.

# %%
import os
import sys

try:                                    # run as a script: tutorials/ is next to this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
except NameError:                       # in a notebook started in tutorials/
    sys.path.insert(0, os.getcwd())
import _common as tc

import numpy as np
import pc_numpy as pcn

plt = tc.plt
FAST = tc.FAST

# %% [markdown]
# ## Deriving (4): one gradient step on the squared error
#
# Take one time step and one sequence (one row). Measure how badly the hidden prior predicts the
# observation by the energy
#
# $$E(h) = \tfrac12 \lVert e \rVert^2, \qquad e = \tanh(h)\, W_o^\top + b_o - x .$$
#
# Its gradient with respect to $h$, by the chain rule: $\partial E / \partial e = e$; $e$ depends on
# $a = \tanh(h)$ through $e = a W_o^\top + \dots$, so $\partial E / \partial a = e\, W_o$ (a row of
# length $S$); and $\partial a_s / \partial h_s = 1 - \tanh^2(h_s)$, element by element. Together
#
# $$\nabla_h E = \big(1 - \tanh^2(h)\big) \odot \big(e\, W_o\big).$$
#
# One step of gradient descent with step size $\alpha_x$, starting from $h = h^{\text{prior}}_t$, is
# $h^{\text{prior}}_t - \alpha_x \nabla_h E$: exactly (4). So the posterior is the prior moved a
# little downhill on the squared prediction error. Every row of the batch has its own $E$ and its
# own step; the rows do not interact.
#
# We need a realistic hidden state and target. Train a small model on the embedded letters (as in
# tutorial 01), then run it in generation mode from a *wrong* cause, so the predictions miss their
# targets, and pick the step $t = 20$.

# %%
data, labels = pcn.letters()                                   # (N, T, O)
result = pcn.train(data, labels, iterations=150 if FAST else 600, progress=False,
                   states_dim=30 if FAST else 50)
model = result.model
params = model.params
x = data.transpose(1, 0, 2)                                    # (T, B, O) time-major
T, B, O = x.shape
rng = np.random.default_rng(1)
c_wrong = rng.standard_normal(model.mus.shape)                 # (B, C) random causes
trace = pcn.rollout(params, x, c_wrong, model.h0, tau=model.tau)   # generation mode
t = 20
h_prior = trace.h_prior[t]                                     # (B, S)
x_t = x[t]                                                     # (B, O)
error = pcn.output_error(pcn.prediction(h_prior, params), x_t)  # (B, O)  (2)-(3)
print("trained loss", round(float(result.losses[-1]), 4), "| h_prior", h_prior.shape,
      "| error", error.shape)

# %% [markdown]
# `pc_numpy.hidden_posterior` is **exercise eq4** in a student copy. The cell calls it and prints
# its relative error against `pc_torch` in float64 (tolerance $10^{-10}$: the two differ only by
# rounding, ~$10^{-16}$). Then it reads back the step your function took,
# $\nabla E = (h^{\text{prior}} - h^{\text{post}}) / \alpha_x$, which the next cells test against the
# definition of a gradient.

# %%
alpha_x = 0.1                                      # the rate used for retrieval (docs/model.md §4)
a = np.tanh(h_prior)                               # (B, S)
h_post = pcn.hidden_posterior(h_prior, error, params, alpha_x=alpha_x)   # (B, S)  (4), yours
tc.check("h_post, equation (4)", h_post,
         tc.reference("hidden_posterior", h_prior, error, params, alpha_x=alpha_x))
grad_E = (h_prior - h_post) / alpha_x              # (B, S)  the step (4) takes, per unit of alpha_x

# %% [markdown]
# Check cell: the gradient read back from (4) against a **central finite difference**,
# $\partial E / \partial h_s \approx (E(h + \epsilon u_s) - E(h - \epsilon u_s)) / 2\epsilon$ with $u_s$
# the unit vector of coordinate $s$. Its error is $O(\epsilon^2)$ plus rounding
# $O(10^{-16}/\epsilon)$, so with $\epsilon = 10^{-6}$ a relative error near $10^{-8}$ to $10^{-6}$ is
# the expected agreement in float64.

# %%
def energy(h):
    """E(h) = 0.5 ||tanh(h) @ w_o.T + b_o - x||^2 per row; h (B, S) -> (B,)."""
    e = pcn.output_error(pcn.prediction(h, params), x_t)                          # (B, O)
    return 0.5 * np.sum(e ** 2, axis=1)                                           # (B,)


eps = 1e-6
S = h_prior.shape[1]
grad_fd = np.zeros_like(h_prior)                                                  # (B, S)
for s in range(S):
    bump = np.zeros(S)
    bump[s] = eps
    grad_fd[:, s] = (energy(h_prior + bump) - energy(h_prior - bump)) / (2 * eps)
rel = np.abs(grad_fd - grad_E).max() / np.abs(grad_E).max()
print(f"finite difference vs the step of (4): max relative error {rel:.2e}")
assert rel < 1e-6, f"gradient of 0.5||error||^2 w.r.t. h_prior: relative error {rel}"

# %% [markdown]
# ## How big a step? The error as a function of $\alpha_x$
#
# If (4) is a gradient step, the error re-evaluated at the posterior,
# $E(h^{\text{post}}) = \tfrac12 \lVert \tanh(h^{\text{post}}) W_o^\top + b_o - x \rVert^2$, must
# **fall** for a small enough $\alpha_x$, and to first order it falls at the rate
# $\frac{d}{d\alpha_x} E(h^{\text{prior}} - \alpha_x \nabla E)\big|_{\alpha_x=0} = -\lVert \nabla E \rVert^2$.
# For a large $\alpha_x$ the step **overshoots**: it jumps past the minimum along the gradient
# direction and the error grows again. Near the prior, $E$ is roughly the quadratic
# $\tfrac12 \lVert e + \delta\, J \rVert^2$ in the step $\delta$ (a row of length $S$), with
# $J = \mathrm{diag}(1 - \tanh^2 h)\, W_o^\top$ the `(S, O)` Jacobian of $\hat x$; along the gradient
# the best step is about $\alpha^\star = \lVert \nabla E\rVert^2 / \lVert \nabla E\, J \rVert^2$,
# and beyond $2\alpha^\star$ the error is larger than where it started.

# %%
alphas = np.logspace(-2, 3, 30 if FAST else 120)                                  # (A,)
E_prior = energy(h_prior)                                                         # (B,)
E_post = np.array([energy(pcn.hidden_posterior(h_prior, error, params, alpha_x=al))
                   for al in alphas])                                             # (A, B)
ratio = E_post / E_prior                                                          # (A, B)
J_grad = (grad_E * (1 - a ** 2)) @ params.w_o.T                                  # (B, O)  grad E @ J
alpha_star = np.sum(grad_E ** 2, axis=1) / np.sum(J_grad ** 2, axis=1)            # (B,)

# %% [markdown]
# Check cell: the error decreases for small $\alpha_x$, in every row, at the first-order rate
# $-\lVert\nabla E\rVert^2$ (a one-sided difference in $\alpha_x$); and $\alpha_x = 0$ changes
# nothing.

# %%
small = 1e-3 * alpha_star.min()
E_small = energy(pcn.hidden_posterior(h_prior, error, params, alpha_x=small))    # (B,)
assert np.all(E_small < E_prior), "a small step must lower the error in every row"
slope = (E_small - E_prior) / small                                               # (B,)
assert np.allclose(slope, -np.sum(grad_E ** 2, axis=1), rtol=1e-2), "slope at alpha_x = 0"
assert np.all(ratio[alphas < 0.5 * alpha_star.min()] < 1), "error falls below the best step"
print("alpha* per row: min %.3g, median %.3g, max %.3g" % (alpha_star.min(), np.median(alpha_star),
                                                          alpha_star.max()))

fig, ax = plt.subplots(figsize=(7.5, 4.2))
for b in range(B):
    ax.plot(alphas, ratio[:, b], color="tab:blue", alpha=0.35, lw=1)
ax.plot(alphas, np.median(ratio, axis=1), color="tab:blue", lw=2.5, label="median over the 20 letters")
ax.axhline(1, color="k", lw=0.8, ls=":")
ax.axvline(alpha_x, color="tab:red", ls="--", label=f"retrieval rate alpha_x = {alpha_x}")
ax.axvline(np.median(alpha_star), color="tab:green", ls="--",
           label=f"median best step alpha* = {np.median(alpha_star):.3g}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("alpha_x (log scale)")
ax.set_ylabel("E(h_post) / E(h_prior)  (log scale)")
ax.set_title(f"output error after one step (4), step t = {t}, one line per letter")
ax.legend(fontsize=8, loc="upper left")
fig.tight_layout()
tc.savefig(fig, "02_error_vs_alpha")

# %% [markdown]
# The error falls as $\alpha_x$ grows, reaches its minimum near $\alpha^\star$, then rises: past
# about $2\alpha^\star$ the "correction" makes the prediction worse than no correction at all. The
# rate used for retrieval, $\alpha_x = 0.1$, is a cautious step well below $\alpha^\star$: each step
# removes only part of the error. That is on purpose: the correction is carried into the next step,
# so over a sequence many small corrections add up, while the observation is never simply copied
# into the state. (With $\alpha_x$ near $\alpha^\star$ the step at $t = 20$ is nearly perfect, but
# $\alpha^\star$ differs from step to step and row to row, and a rate that overshoots at some steps
# makes a whole rollout jitter ($\alpha_x = 1$ below) or break down ($\alpha_x = 10$).)
#
# ## Equation (5): the hidden error
#
# $$e^h_t = h^{\text{prior}}_t - h^{\text{post}}_t = \alpha_x \nabla_h E$$
#
# It measures **how much the observation had to correct the hidden state**: the part of the state
# that the top-down prediction, equation (1), got wrong. If the causes $c$ are right and the model
# generates the target well, $e_t$ is small and so is $e^h_t$; with wrong causes $e^h_t$ is large.
# Tutorial 03 uses exactly this signal to correct the causes: $e^h$ plays for $c$ the role that
# $e$ plays for $h$. With $\alpha_x = 0$ there is no correction at all: $h^{\text{post}} =
# h^{\text{prior}}$, $e^h = 0$, and nothing can flow up to the causes; this is generation mode.
#
# Check cell: (5) is $\alpha_x \nabla E$; with $\alpha_x = 0$ the posterior equals the prior, both
# for one step and in a whole rollout.

# %%
error_h = pcn.hidden_error(h_prior, h_post)                                      # (B, S)  (5)
assert np.allclose(error_h, alpha_x * grad_E, rtol=1e-10, atol=1e-15), "error_h = alpha_x grad E"

h_post_0 = pcn.hidden_posterior(h_prior, error, params, alpha_x=0.0)
assert np.array_equal(h_post_0, h_prior), "alpha_x = 0: h_post == h_prior"
assert not np.any(pcn.hidden_error(h_prior, h_post_0)), "alpha_x = 0: error_h == 0"

trace0 = pcn.rollout(params, x, c_wrong, model.h0, tau=model.tau, alpha_x=0.0)
assert np.array_equal(trace0.h_post, trace0.h_prior) and not np.any(trace0.error_h)
print("alpha_x = 0: h_post == h_prior and error_h == 0 at every step")

# %% [markdown]
# ## Over a whole sequence
#
# In a rollout with $\alpha_x > 0$ the posterior of step $t$ is the starting point of step $t+1$,
# so the corrections accumulate: the network tracks the target even with the wrong causes. (The
# causes still do not move here: that needs (6)-(7), tutorial 03.) Below, one letter generated from
# a wrong cause, then with inference at increasing $\alpha_x$. The plotted path is the prediction
# $\hat x_t$, made *before* step $t$'s correction, so it shows what the corrections of the earlier
# steps achieved.

# %%
rates = [0.0, 0.1, 1.0, 10.0]
k = labels.index("a") if "a" in labels else 0
fig, axes = plt.subplots(1, len(rates) + 1, figsize=(14, 3.4))
box_lo, box_hi = x[:, k].min(axis=0) - 0.4, x[:, k].max(axis=0) + 0.4     # (O,) the view
mean_err = []
for ax, rate in zip(axes, rates):
    tr = pcn.rollout(params, x, c_wrong, model.h0, tau=model.tau, alpha_x=rate)
    err = np.linalg.norm(tr.error, axis=2).mean()                                 # mean_t,b ||e||
    mean_err.append(err)
    ax.plot(x[:, k, 0], x[:, k, 1], color="0.7", lw=3, label="target")
    ax.plot(tr.x_pred[:, k, 0], tr.x_pred[:, k, 1], color="tab:orange", label="prediction")
    ax.set_title(f"alpha_x = {rate:g}\nmean ||error|| {err:.3f}", fontsize=9)
    ax.set_xlim(box_lo[0], box_hi[0])
    ax.set_ylim(box_lo[1], box_hi[1])
    ax.set_aspect("equal")
axes[0].legend(fontsize=7, loc="lower left")
tr_right = pcn.rollout(params, x, model.mus, model.h0, tau=model.tau)
axes[-1].plot(x[:, k, 0], x[:, k, 1], color="0.7", lw=3)
axes[-1].plot(tr_right.x_pred[:, k, 0], tr_right.x_pred[:, k, 1], color="tab:green")
axes[-1].set_title("right cause, alpha_x = 0\nmean ||error|| %.3f"
                   % np.linalg.norm(tr_right.error, axis=2).mean(), fontsize=9)
axes[-1].set_xlim(box_lo[0], box_hi[0])
axes[-1].set_ylim(box_lo[1], box_hi[1])
axes[-1].set_aspect("equal")
fig.suptitle(f"letter '{labels[k]}' from a wrong cause: inference on h alone pulls the "
             "prediction toward the target (mean error over all 20 letters)", fontsize=10)
fig.tight_layout()
tc.savefig(fig, "02_rollout_alpha_x")
assert mean_err[1] < mean_err[0], "inference with alpha_x = 0.1 lowers the error over a rollout"

# %% [markdown]
# ## Summary
#
# - (4) `pc_numpy.hidden_posterior` is exactly one gradient-descent step, of size $\alpha_x$, on
#   $\tfrac12\lVert e_t\rVert^2$ with respect to $h^{\text{prior}}_t$; the factor
#   $1 - \tanh^2$ is the derivative of the read-out's $\tanh$ and $e W_o$ carries the error back
#   through $W_o$. Checked against `pc_torch` and a finite difference.
# - Small $\alpha_x$: the error falls, at rate $\lVert\nabla E\rVert^2$; too large: it overshoots.
#   Retrieval uses $\alpha_x = 0.1$, a partial correction that accumulates over time.
# - (5) `pc_numpy.hidden_error`: $e^h = h^{\text{prior}} - h^{\text{post}} = \alpha_x\nabla E$, how much
#   the observation corrected the state. With $\alpha_x = 0$ it is zero: generation mode.
#
# ## Exercises
#
# 1. For the quadratic approximation, show that $E(h - \alpha\nabla E) \approx E - \alpha
#    \lVert\nabla E\rVert^2 + \tfrac12\alpha^2\lVert \nabla E\, J\rVert^2$ and derive $\alpha^\star$ and the
#    overshoot point $2\alpha^\star$. Compare with the curves.
# 2. Replace (4) by several small gradient steps (e.g. 10 steps of $\alpha_x/10$) and compare
#    $E(h^{\text{post}})$ with one step of $\alpha_x$. When do they differ?
# 3. Sweep $\alpha_x$ over a whole rollout (as in the last figure) and plot the mean
#    $\lVert e_t\rVert$ against $\alpha_x$. Where is its minimum, compared with the one-step
#    $\alpha^\star$ of the first figure? Why does a rollout become unstable *before* $2\alpha^\star$ of
#    the median row is reached? (Hint: $\alpha^\star$ varies from step to step.)
