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
# # Tutorial 03: inferring the hidden causes, equations (6)-(7)
#
# So far (tutorials 01-02): the hidden causes $c$ (shape `(B, C)`, one row per sequence) enter the
# recurrent layer as an additive input $c\,W_c^\top$ in the hidden prior
#
# $$h^{\text{prior}}_t = \Big(1 - \tfrac1\tau\Big) h^{\text{post}}_{t-1}
#   + \tfrac1\tau\Big(\tanh(h^{\text{post}}_{t-1}) W_r^\top + c_{t-1} W_c^\top + b_r\Big), \tag{1}$$
#
# the output error $e_t = \hat x_t - x_t$ corrects the hidden state by one gradient step of size
# $\alpha_x$, giving the posterior $h^{\text{post}}_t$ (4), and the **hidden error**
# $e^h_t = h^{\text{prior}}_t - h^{\text{post}}_t$ (5), shape `(B, S)`, says how much the state had to
# be corrected. $W_c$ is `(S, C)`, $\tau$ the time constant.
#
# Now the causes themselves move. After (4)-(5), at every step:
#
# $$c \leftarrow c_{t-1} - \alpha_h\, e^h_t\, W_c \tag{6}$$
# $$c \leftarrow c + \sigma_r \,\lVert e^h_t\rVert\, \xi_t, \qquad \xi_t \sim \mathcal N(0, I_C)
#   \text{ per row} \tag{7}$$
#
# followed by the memory prior (8) of tutorial 04. (6) is the **bottom-up** update, rate
# $\alpha_h \ge 0$; (7) adds **exploration noise** of scale $\sigma_r \ge 0$, times the Euclidean norm
# $\lVert e^h_t\rVert$ of each row. Code: `pc_numpy.causes_bottom_up` and `pc_numpy.causes_noise`,
# file `pc_numpy/inference.py`; the whole step in `pc_numpy.step`, file `pc_numpy/rollout.py`.

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
# ## Deriving (6): a gradient step on the hidden error
#
# The hidden error is what the causes could have done better: had $c_{t-1}$ been different, (1)
# would have predicted a different $h^{\text{prior}}_t$, closer to the state that the observation
# asked for, $h^{\text{post}}_t$. So take the energy
#
# $$F(c) = \tfrac12 \lVert e^h_t \rVert^2 = \tfrac12 \lVert h^{\text{prior}}_t(c) - h^{\text{post}}_t\rVert^2$$
#
# as a function of $c = c_{t-1}$, with $h^{\text{post}}_t$ **held fixed** (it is the target here).
# In (1), $c$ appears only in $\frac1\tau c W_c^\top$, so $\partial h^{\text{prior}}_s / \partial c_j =
# \frac1\tau (W_c)_{sj}$, and by the chain rule
#
# $$\nabla_c F = \frac1\tau\, e^h_t\, W_c \qquad \text{(a row of length } C\text{)} .$$
#
# A gradient step of size $\eta$ is $c - \eta \nabla_c F = c - \frac{\eta}{\tau} e^h_t W_c$. Rule (6)
# is $c - \alpha_h\, e^h_t W_c$: the same step with $\eta = \alpha_h \tau$. **The rule absorbs the
# factor $1/\tau$ into $\alpha_h$**; the exact gradient is $\tau$ times smaller than $e^h W_c$.
#
# The sign: $e^h = h^{\text{prior}} - h^{\text{post}}$, so $-e^h$ points from the prior to the
# posterior, and $-e^h W_c$ moves $c$ so that the next prior lands closer to where the observation
# pushed the state. (Writing $e^h$ the other way round would flip the sign of (6).)
#
# We need a model: train a small one on the embedded letters (as in tutorial 01), then take one
# inference step from random causes.

# %%
data, labels = pcn.letters()                                   # (N, T, O)
result = pcn.train(data, labels, iterations=200 if FAST else 1000, progress=False,
                   states_dim=30 if FAST else 50)
model = result.model
params, tau = model.params, model.tau
x = data.transpose(1, 0, 2)                                    # (T, B, O) time-major
T, B, O = x.shape
C = model.mus.shape[1]
rng = np.random.default_rng(3)
c_prev = rng.standard_normal((B, C))                           # (B, C)  random causes, c[t-1]
h_prev = np.broadcast_to(model.h0, (B, model.h0.size))         # (B, S)  h_post[t-1] = h0
alpha_x, alpha_h = 0.1, 0.019                                  # the retrieval rates (docs/model.md §4)

h_prior = pcn.hidden_prior(h_prev, c_prev, params, tau=tau)                        # (1)
error = pcn.output_error(pcn.prediction(h_prior, params), x[0])                    # (2)-(3)
h_post = pcn.hidden_posterior(h_prior, error, params, alpha_x=alpha_x)             # (4)
error_h = pcn.hidden_error(h_prior, h_post)                                        # (5)
c_new = pcn.causes_bottom_up(c_prev, error_h, params, alpha_h=alpha_h)             # (6)

tc.check("c, equation (6)", c_new,
         tc.reference("causes_bottom_up", c_prev, error_h, params, alpha_h=alpha_h))
grad_F = (c_prev - c_new) / (alpha_h * tau)        # (B, C)  the claim: (6) steps by alpha_h * tau * grad F
print(f"reading (6) as c - (alpha_h * tau) * grad F,  with alpha_h * tau = {alpha_h * tau:g}")

# %% [markdown]
# Check cell: the exact gradient against a central finite difference of $F$ in each coordinate of
# $c$, recomputing $h^{\text{prior}}(c)$ with `pc_numpy.hidden_prior` and keeping $h^{\text{post}}$
# fixed. ($\epsilon = 10^{-6}$ in float64: expect agreement to about $10^{-7}$ relative.)

# %%
def F(c):
    """0.5 ||h_prior(c) - h_post||^2 per row, h_post fixed; c (B, C) -> (B,)."""
    e_h = pcn.hidden_prior(h_prev, c, params, tau=tau) - h_post                    # (B, S)
    return 0.5 * np.sum(e_h ** 2, axis=1)                                          # (B,)


eps = 1e-6
grad_fd = np.stack([(F(c_prev + eps * np.eye(C)[j]) - F(c_prev - eps * np.eye(C)[j])) / (2 * eps)
                    for j in range(C)], axis=1)                                    # (B, C)
rel = np.abs(grad_fd - grad_F).max() / np.abs(grad_F).max()
print(f"finite difference vs the step of (6) over alpha_h * tau: max relative error {rel:.2e}")
assert rel < 1e-6, f"gradient of 0.5||error_h||^2 w.r.t. c: relative error {rel}"

# %% [markdown]
# ## Equation (7): the noise, and why it is there
#
# The noise draws $\xi_t$ are an **argument** of `pc_numpy.causes_noise` (and `pc_numpy.rollout`
# accepts either `rng` or the whole array `xi (T, B, C)`): then two implementations, this NumPy one
# and the PyTorch twin `pc_torch`, can be fed the very same numbers and compared. A rollout given
# `rng` draws `xi = rng.standard_normal((T, B, C))` once, at the start. Check cell: both ways give
# the same trace.

# %%
rates = dict(alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6, sigma_c=0.096)  # docs/model.md §4
c0 = np.random.default_rng(10).standard_normal((B, C))         # (B, C)  retrieval starts from N(0, 1)
xi = np.random.default_rng(11).standard_normal((T, B, C))      # (T, B, C)
tr = pcn.rollout(params, x, c0, model.h0, tau=tau, mus=model.mus, xi=xi, **rates)
tr_rng = pcn.rollout(params, x, c0, model.h0, tau=tau, mus=model.mus,
                     rng=np.random.default_rng(11), **rates)
assert np.array_equal(tr.c, tr_rng.c), "rng draws xi = rng.standard_normal((T, B, C)) once"

# %% [markdown]
# Now measure, in that retrieval rollout, the two moves at every step: the bottom-up step
# $\lVert \alpha_h e^h_t W_c\rVert$ of (6) and the noise step $\lVert\sigma_r\lVert e^h_t\rVert\xi_t\rVert$
# of (7). Check cell first: rebuilding $c_t$ from $c_{t-1}$ with the three library functions
# (6), (7), (8) reproduces the rollout's causes exactly: the trace holds everything needed.

# %%
c_before = np.concatenate([c0[None], tr.c[:-1]])                               # (T, B, C)  c[t-1]
rebuilt = []
for t in range(T):
    c = pcn.causes_bottom_up(c_before[t], tr.error_h[t], params, alpha_h=rates["alpha_h"])     # (6)
    c = pcn.causes_noise(c, tr.error_h[t], xi[t], sigma_r=rates["sigma_r"])                     # (7)
    c = pcn.causes_prior(c, model.mus, alpha_c=rates["alpha_c"], sigma_c=rates["sigma_c"])      # (8)
    rebuilt.append(c)
assert np.allclose(np.stack(rebuilt), tr.c, rtol=1e-12, atol=1e-14), "c[t] = (8)(7)(6) c[t-1]"

bottom_up = rates["alpha_h"] * np.linalg.norm(tr.error_h @ params.w_c, axis=2)                # (T, B)
noise = rates["sigma_r"] * np.linalg.norm(tr.error_h, axis=2) * np.linalg.norm(xi, axis=2)    # (T, B)
print(f"mean step size: bottom-up (6) {bottom_up.mean():.2e}, noise (7) {noise.mean():.2e}, "
      f"median ratio noise/bottom-up {np.median(noise / bottom_up):.0f}")
assert np.median(noise / bottom_up) > 10, "with the retrieval rates, (7) dominates (6)"

# %% [markdown]
# With the retrieval rates the noise step is typically **two orders of magnitude** larger than the
# bottom-up step (the exact ratio depends on the trained model). The bottom-up gradient is a
# slight bias; what moves the causes is mostly (7).
#
# Why is that useful? The noise is scaled by $\lVert e^h_t\rVert$, how badly the current causes
# explain the target. A row whose $c$ generates the observed letter well has a small hidden error
# and barely moves; a row whose $c$ is wrong has a large one and wanders widely. Such a random
# walk, fast where the explanation is bad and slow where it is good, ends up spending its time
# near causes that explain the target: it **explores** the cause space instead of following a
# gradient that, with many memories and a plane full of look-alike letters, has many local minima.
# The prior (8), tutorial 04, then pulls $c$ onto the nearest memory.
#
# Check cell: a rollout started from each letter's own memory (a good explanation) has a smaller
# hidden error, and so smaller noise steps, than one started from random causes.

# %%
tr_good = pcn.rollout(params, x, model.mus, model.h0, tau=tau, mus=model.mus, xi=xi, **rates)
noise_good = rates["sigma_r"] * np.linalg.norm(tr_good.error_h, axis=2) * np.linalg.norm(xi, axis=2)
print(f"mean ||error_h||: from random causes {np.linalg.norm(tr.error_h, axis=2).mean():.4f}, "
      f"from the own memory {np.linalg.norm(tr_good.error_h, axis=2).mean():.4f}")
assert noise_good.mean() < noise.mean(), "well-explained sequences move less"

fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw=dict(width_ratios=[1.2, 1]))
ts = np.arange(T)
ax = axes[0]
ax.plot(ts, np.median(noise, axis=1), color="tab:red", label="noise (7), random start")
ax.plot(ts, np.median(noise_good, axis=1), color="tab:red", ls="--", label="noise (7), own memory")
ax.plot(ts, np.median(bottom_up, axis=1), color="tab:blue", label="bottom-up (6), random start")
ax.set_yscale("log")
ax.set_xlabel("time step t")
ax.set_ylabel("step size ||delta c|| (median over 20 letters)")
ax.set_title("one retrieval rollout: the size of each move of c")
ax.legend(fontsize=8)
ax = axes[1]
ax.scatter(model.mus[:, 0], model.mus[:, 1], color="0.4", s=12, zorder=3)
for (m0, m1), lab in zip(model.mus, labels):
    ax.annotate(lab, (m0, m1), fontsize=8, xytext=(2, 2), textcoords="offset points")
for b, colour in zip(range(0, B, 4), ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown"]):
    path = np.concatenate([c0[b:b + 1], tr.c[:, b]])                                # (T+1, C)
    ax.plot(path[:, 0], path[:, 1], color=colour, lw=1, label=f"target '{labels[b]}'")
    ax.plot(path[0, 0], path[0, 1], "o", color=colour, ms=5)
    ax.plot(model.mus[b, 0], model.mus[b, 1], "*", color=colour, ms=16, mec="k", mew=0.6, zorder=4)
ax.set_title("c over one rollout (dot: random start, star: own memory)", fontsize=10)
ax.set_xlabel("c, coordinate 1")
ax.set_ylabel("c, coordinate 2")
ax.set_aspect("equal")
ax.legend(fontsize=7, loc="best")
fig.tight_layout()
tc.savefig(fig, "03_bottom_up_vs_noise")

# %% [markdown]
# One rollout of 60 steps moves $c$ only a little (the right panel): retrieval repeats such
# rollouts for many *trials*, each starting from where the last one ended (tutorials 05-07).
#
# ## Without $\alpha_x$ the causes are deaf
#
# Both (6) and (7) are proportional to $e^h_t$, and $e^h_t = \alpha_x \nabla_h E$ (tutorial 02). With
# $\alpha_x = 0$ the hidden error is zero, so however large $\alpha_h$ and $\sigma_r$ are, the causes
# never move: the observation has no path up to them. Check cell: a rollout with $\alpha_x = 0$ but
# $\alpha_h$, $\sigma_r > 0$ (and no prior, $\alpha_c = 0$) keeps $c_t = \mathtt{c0}$ at every step.

# %%
tr_deaf = pcn.rollout(params, x, c0, model.h0, tau=tau, alpha_x=0.0, alpha_h=0.5, sigma_r=2.6,
                      xi=xi)
assert not np.any(tr_deaf.error_h), "alpha_x = 0: error_h == 0"
assert np.array_equal(tr_deaf.c, np.broadcast_to(c0, tr_deaf.c.shape)), "alpha_x = 0: c never moves"
print("alpha_x = 0: the causes stay at c0 for all", T, "steps")

# %% [markdown]
# ## Summary
#
# - (6) `pc_numpy.causes_bottom_up`: $c - \alpha_h e^h W_c$ is a gradient step on
#   $\tfrac12\lVert e^h\rVert^2$ with respect to $c_{t-1}$, $h^{\text{post}}$ held fixed; the exact
#   gradient is $\frac1\tau e^h W_c$, so the step size is $\alpha_h\tau$: the rule absorbs $1/\tau$
#   into $\alpha_h$. Checked against a finite difference.
# - (7) `pc_numpy.causes_noise`: noise scaled by $\lVert e^h\rVert$, exploration that is strong
#   when $c$ explains the target badly and weak when it explains it well. With the retrieval rates
#   it is about a hundred times larger than the bottom-up step. The draws `xi` are an argument, so
#   implementations can be compared number for number.
# - With $\alpha_x = 0$, $e^h = 0$ and the causes cannot move.
#
# ## Exercises
#
# 1. Run the retrieval rollout with $\sigma_r = 0$ (bottom-up only) and with $\alpha_h = 0$ (noise
#    only), for several trials (feed each rollout's last `c` into the next). Which one brings $c$
#    closer to the target's memory, and how does `pcn.retrieve` (with `rates=`) confirm it?
# 2. Derive the exact gradient of $\tfrac12\lVert e^h_t\rVert^2$ with respect to $c_{t-1}$ when
#    $h^{\text{post}}_t$ is *not* held fixed (it depends on $c$ through (4)). Which extra term appears?
#    Check your formula with a finite difference of `pcn.step`.
# 3. The noise (7) is isotropic in $c$, the bottom-up step is not. Compute, for one row, the
#    $C\times C$ matrix $W_c^\top W_c$; what does it say about the directions in which (6) can move $c$?
