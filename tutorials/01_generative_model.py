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
# # Tutorial 01: the generative model, equations (1)-(3)
#
# **PC-RNN-HC-A** is a recurrent neural network (RNN) that *generates* sequences, here the pen
# trajectories of handwritten letters, and that can also *infer*, from a sequence it is shown,
# which of its stored sequences it is looking at. "PC" stands for *predictive coding*: the network
# always predicts its next input, and only the prediction errors travel upward to correct its
# beliefs. "HC-A" stands for *hidden causes, additive*: a small vector $c$, the hidden causes, is
# **added** to the input of the recurrent layer and selects which sequence is generated.
#
# This first tutorial covers the top-down, generative half of the model: given $c$, how the
# network produces a sequence, equations (1)-(3) of `docs/model.md` §2. Later tutorials add the
# bottom-up corrections: 02 the hidden state, 03 the hidden causes, 04 the memory prior.
#
# ## Shapes and symbols
#
# | letter | meaning | here |
# |---|---|---|
# | $T$ | time steps of a sequence | 60 |
# | $B$ | batch: sequences run in parallel, one per row | 20 letters |
# | $O$ | output dimension (a pen position $(x, y)$) | 2 |
# | $S$ | hidden-state dimension (number of recurrent units) | 50 |
# | $C$ | hidden-causes dimension | 2 |
#
# Arrays are *time-major*: a batch of sequences is `x` of shape `(T, B, O)`. At each time step
# the batch is in the rows, so a weight matrix multiplies from the right as its transpose,
# `h @ w_r.T`. In the equations below a row vector times a matrix follows the same convention.
# (The code writes `h @ w_r.mT`: `.mT` transposes the last two axes, which for a matrix is `.T`,
# and lets the same line run a stack of several models at once, as `study` does.)
#
# The five parameters (`pc_numpy.Params`, file `pc_numpy/params.py`):
#
# | name | shape | role |
# |---|---|---|
# | $W_o$ `w_o` | $(O, S)$ | output weights, hidden state $\to$ pen position |
# | $b_o$ `b_o` | $(O,)$ | output bias |
# | $W_c$ `w_c` | $(S, C)$ | hidden-cause weights, causes $\to$ recurrent input |
# | $W_r$ `w_r` | $(S, S)$ | recurrent weights |
# | $b_r$ `b_r` | $(S,)$ | recurrent bias |
#
# They start as (`pc_numpy.init_params`): $W_o, W_r \sim \mathcal N(0,1)/S$,
# $W_c \sim \mathcal N(0,1)/C$, $b_o, b_r \sim \mathcal N(0,1)/10$, every entry drawn independently.

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
print("FAST mode" if FAST else "full mode")

# %%
T, B, O, S, C = 60, 20, 2, 50, 2
rng = np.random.default_rng(0)          # every random draw takes an explicit Generator
params = pcn.init_params(C, S, O, rng)  # pc_numpy/params.py
for name, value in params._asdict().items():
    print(f"{name}: shape {value.shape}, std {value.std():.4f}")

# %% [markdown]
# The standard deviations should be close to $1/S = 0.02$ for `w_o` and `w_r`, $1/C = 0.5$ for
# `w_c` and $0.1$ for the biases. A check cell: (with 2500 entries `w_r`'s sample std is within a
# few percent of $1/S$; with only 2 entries a bias can be far from its $0.1$, so only the large
# matrices are checked).

# %%
assert abs(params.w_r.std() - 1 / S) < 0.1 / S, "w_r ~ N(0,1)/S"
assert abs(params.w_c.std() - 1 / C) < 0.2 / C, "w_c ~ N(0,1)/C"
assert params.w_o.shape == (O, S) and params.w_c.shape == (S, C) and params.w_r.shape == (S, S)

# %% [markdown]
# ## Equation (1): the hidden prior, a leaky integrator
#
# The network keeps a hidden state $h \in \mathbb R^S$ per sequence. One time step predicts the
# next hidden state from the previous one:
#
# $$h^{\text{prior}}_t = \Big(1 - \frac1\tau\Big)\, h^{\text{post}}_{t-1}
#   + \frac1\tau \Big(\tanh(h^{\text{post}}_{t-1})\, W_r^\top + c_{t-1} W_c^\top + b_r\Big) \tag{1}$$
#
# - $h^{\text{post}}_{t-1}$ is the hidden state after the previous step (the *posterior*; in this
#   tutorial nothing corrects it, so it equals the prior: $h^{\text{post}} = h^{\text{prior}}$).
#   Before the first step it is the initial state `h0`.
# - $c_{t-1}$ is the hidden-cause vector (before the first step, `c0`).
# - $\tau \ge 1$ is the **time constant**. The new state is a weighted average of the old state
#   (weight $1 - 1/\tau$) and a *drive* $u = \tanh(h) W_r^\top + c W_c^\top + b_r$ (weight $1/\tau$).
#   With $\tau = 1$ this is an ordinary RNN, $h_t = u_t$; with a large $\tau$ the state moves only a
#   small fraction of the way toward the drive at each step.
#
# It is implemented by `pc_numpy.hidden_prior` (file `pc_numpy/generative.py`), **exercise eq1**
# in a student copy (`python -m pc_numpy.tools.exercises grade eq1`). The cell below calls it on
# random inputs and prints its relative error, $\max|\text{yours} - \text{ref}| / \max|\text{ref}|$,
# against the reference: the same equation in `pc_torch`, the PyTorch twin, in float64. The two
# differ only by rounding (about $10^{-16}$); a slip in the formula gives $10^{-3}$ or more, so the
# tolerance is $10^{-10}$.

# %%
h_prev = rng.standard_normal((B, S))               # (B, S)  h_post[t-1]
c_prev = rng.standard_normal((B, C))               # (B, C)  c[t-1]
tau = 5.0

h_prior = pcn.hidden_prior(h_prev, c_prev, params, tau=tau)                    # (B, S)  yours
tc.check("h_prior, equation (1)", h_prior, tc.reference("hidden_prior", h_prev, c_prev, params, tau=tau))
# tau = 1: no leak, a plain RNN step
tc.check("h_prior with tau = 1",
         pcn.hidden_prior(h_prev, c_prev, params, tau=1.0),
         tc.reference("hidden_prior", h_prev, c_prev, params, tau=1.0))

# %% [markdown]
# ### The time constant as a low-pass filter
#
# To see what $\tau$ does, take the smallest network that has it: one hidden unit ($S = 1$), no
# recurrence ($W_r = 0$, $b_r = 0$) and one cause with weight $W_c = 1$. Then (1) reads
# $h_t = (1 - k)\, h_{t-1} + k\, c$ with $k = 1/\tau$, an *exponential moving average* of the input
# $c$. Unrolling it from `h0` with a constant input $c$:
#
# $$h_t - c = (1 - k)\,(h_{t-1} - c) = \dots = (1-k)^{t+1}\,(\mathtt{h0} - c)
#   \qquad (t = 0, 1, \dots)$$
#
# (the first step, $t = 0$, already applies one factor). The distance to the input decays
# *geometrically* by $1 - 1/\tau$ per step: after about $\tau$ steps it has shrunk by $e^{-1}$. We
# run the library's own rollout (`pc_numpy.rollout`, file `pc_numpy/rollout.py`, which calls
# `hidden_prior` at every step) and check this closed form.

# %%
def one_unit(tau_value):
    """The one-unit network: w_r = b_r = 0, w_c = 1; w_o = 1, b_o = 0 so that x_pred = tanh(h)."""
    return pcn.Params(w_o=np.ones((1, 1)), b_o=np.zeros(1), w_c=np.ones((1, 1)),
                      w_r=np.zeros((1, 1)), b_r=np.zeros(1))


steps = 150
taus = [1.0, 5.0, 50.0]
x_dummy = np.zeros((steps, 1, 1))                 # (T, B=1, O=1)  no target needed in generation
t_axis = np.arange(steps)
charge, discharge = {}, {}
for tau_value in taus:
    # constant input c = 1 from h0 = 0: the unit "charges" toward 1
    charge[tau_value] = pcn.rollout(one_unit(tau_value), x_dummy, np.ones(1), np.zeros(1),
                                    tau=tau_value).h_prior[:, 0, 0]                       # (T,)
    # input c = 0 from h0 = 1: the unit "discharges" toward 0
    discharge[tau_value] = pcn.rollout(one_unit(tau_value), x_dummy, np.zeros(1), np.ones(1),
                                       tau=tau_value).h_prior[:, 0, 0]                    # (T,)

# %% [markdown]
# Check cell: the closed forms $h_t = 1 - (1 - 1/\tau)^{t+1}$ (charging from 0 toward $c = 1$) and
# $h_t = (1 - 1/\tau)^{t+1}$ (discharging from 1 with $c = 0$), computed by hand.

# %%
for tau_value in taus:
    decay = (1 - 1 / tau_value) ** (t_axis + 1)                                   # (T,)
    assert np.allclose(discharge[tau_value], decay, rtol=1e-12, atol=1e-300), f"decay, tau={tau_value}"
    assert np.allclose(charge[tau_value], 1 - decay, rtol=1e-12, atol=1e-14), f"charge, tau={tau_value}"
# tau = 50, after 50 steps: (1 - 1/50)**50 = 0.364, close to exp(-1) = 0.368
print("tau=50, h[49] while discharging:", discharge[50.0][49], " exp(-1) =", np.exp(-1))

# %% [markdown]
# A time constant smooths its input: it lets slow changes through and damps fast ones, a
# *low-pass filter*. To see it, drive the same unit with an input that flips between $+1$ and
# $-1$ every 10 steps, calling `hidden_prior` one step at a time (the cause may change from step
# to step here; in the model's generation mode it will not, see below).

# %%
square = np.where((t_axis // 10) % 2 == 0, 1.0, -1.0)                  # (T,)  the input c[t]
filtered = {}
for tau_value in taus:
    h = np.zeros((1, 1))                                               # (B=1, S=1)
    out = []
    for t in range(steps):
        h = pcn.hidden_prior(h, square[t].reshape(1, 1), one_unit(tau_value), tau=tau_value)
        out.append(h[0, 0])
    filtered[tau_value] = np.array(out)

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for tau_value, colour in zip(taus, ["tab:blue", "tab:orange", "tab:green"]):
    axes[0].plot(t_axis, charge[tau_value], color=colour, label=f"tau = {tau_value:g}")
    axes[0].plot(t_axis, discharge[tau_value], color=colour, ls="--")
    axes[1].plot(t_axis, filtered[tau_value], color=colour)
axes[0].plot([], [], color="0.3", label="charging: c = 1 from h0 = 0")
axes[0].plot([], [], color="0.3", ls="--", label="discharging: c = 0 from h0 = 1")
axes[1].plot(t_axis, square, color="0.7", lw=1, label="input c[t] (square wave)", zorder=0)
axes[0].set_title("constant input")
axes[0].set_xlabel("time step t")
axes[0].set_ylabel("hidden unit h[t]")
axes[1].set_title("square-wave input (period 20): tau is a low-pass filter")
axes[1].set_xlabel("time step t")
axes[1].set_ylabel("hidden unit h[t]")
handles, names = axes[0].get_legend_handles_labels()
more, more_names = axes[1].get_legend_handles_labels()
fig.tight_layout(rect=(0, 0.06, 1, 1))
fig.legend(handles + more, names + more_names, loc="lower center", ncol=6, fontsize=8, frameon=False)
tc.savefig(fig, "01_time_constant")

# %% [markdown]
# With $\tau = 1$ the unit copies its input at once; with $\tau = 5$ it follows with a lag of a
# few steps; with $\tau = 50$ it barely reacts to the fast square wave and only drifts with its
# average. The model uses $\tau = 50$ for 60-step letters: the hidden state changes slowly and
# smoothly, like a pen.
#
# ## Equations (2) and (3): prediction and output error
#
# The hidden state is read out linearly through a $\tanh$:
#
# $$\hat x_t = \tanh(h^{\text{prior}}_t)\, W_o^\top + b_o \tag{2}$$
#
# $\hat x_t$ (`x_pred`, shape `(B, O)`) is the network's prediction of the pen position $x_t$. The
# **output error** is the difference between prediction and observation:
#
# $$e_t = \hat x_t - x_t \tag{3}$$
#
# (`error`, shape `(B, O)`; note the sign: prediction minus target). These are
# `pc_numpy.prediction` and `pc_numpy.output_error`, also in `pc_numpy/generative.py`.

# `pc_numpy.prediction` is **exercise eq2**; (3) is given. The check cell prints your relative
# error against `pc_torch` (tolerance $10^{-10}$, as above):

# %%
x_t = rng.standard_normal((B, O))                                         # (B, O) a target
x_pred = pcn.prediction(h_prior, params)                                  # (B, O)  (2), yours
error = pcn.output_error(x_pred, x_t)                                     # (B, O)  (3)
tc.check("x_pred, equation (2)", x_pred, tc.reference("prediction", h_prior, params))
tc.check("error, equation (3)", error, tc.reference("output_error", x_pred, x_t))

# %% [markdown]
# ## Generation mode: what $c$ does
#
# In this tutorial no error is fed back: $h^{\text{post}}_t = h^{\text{prior}}_t$ and the causes
# stay where they started, $c_t = \mathtt{c0}$ for every $t$. This is **generation mode**, the mode used
# for training (tutorial 06). The only thing that distinguishes one generated sequence from
# another is then `c0`: it enters (1) as the **constant additive input** $\mathtt{c0} W_c^\top$ to every
# recurrent unit at every step. Think of it as a bias of the recurrent layer that is different
# for every sequence: with $C = 2$, every point of the plane is a different bias, and so a
# different trajectory.
#
# Training (BPTT and Adam, `pc_numpy.train`, file `pc_numpy/protocols/train.py`) learns the five weights
# *and* one `c0` row per training letter, so that generating from that row reproduces the
# letter. The learned rows are the network's **memories** `mus` (one per letter, shape `(P, C)`
# with $P$ = number of letters). We train a small model on the 20 embedded letters
# (`pc_numpy.data.letters`, file `pc_numpy/data/letters.py`).

# %%
data, labels = pcn.letters()                  # data (N, T, O): 20 letters, 60 steps, (x, y)
iterations = 200 if FAST else 1000
states = 30 if FAST else 50
result = pcn.train(data, labels, iterations=iterations, progress=False, states_dim=states)
model = result.model
print(f"trained {iterations} iterations in {result.seconds:.1f} s, "
      f"loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f}")
print("memories mus:", model.mus.shape, " h0:", model.h0.shape, " tau:", model.tau)

# %% [markdown]
# `pc_numpy.generate(params, c0, h0, tau=..., steps=T)` runs (1)-(2) in generation mode and
# returns the predictions `(T, B, O)`. Check cell: it is the same as a full `rollout` with every
# inference rate zero, whose causes never change ($c_t = \mathtt{c0}$), and each letter's own memory
# reproduces that letter better than the memories of the other letters do (on average).

# %%
T_letters = data.shape[1]
generated = pcn.generate(model.params, model.mus, model.h0, tau=model.tau, steps=T_letters)  # (T, P, O)
x_targets = data.transpose(1, 0, 2)                                        # (T, P, O) time-major
trace = pcn.rollout(model.params, x_targets, model.mus, model.h0, tau=model.tau)
assert np.array_equal(trace.x_pred, generated), "generate == rollout in generation mode"
assert np.array_equal(trace.c, np.broadcast_to(model.mus, trace.c.shape)), "c[t] = c0 for every t"
assert np.array_equal(trace.h_post, trace.h_prior), "no inference: h_post = h_prior"

own = np.mean((generated - x_targets) ** 2)                               # own memory
shuffled = np.mean((generated[:, np.roll(np.arange(len(labels)), 1)] - x_targets) ** 2)  # another's
print(f"mean squared error, own memory {own:.4f}, a neighbour's memory {shuffled:.4f}")
assert own < shuffled, "each memory should generate its own letter best"

# %% [markdown]
# Now the picture of what $c$ does. Every point of the $c$ plane is a constant input; we generate
# a letter from each point of a grid covering the memories and draw it, small, at its own position
# in the plane. The learned memories are marked with their letters. Nearby points generate
# similar trajectories, and between two memories the generated shape **morphs** from one letter
# to the other.

# %%
n_grid = 7 if FAST else 11                       # points along the longer side of the box
lo, hi = model.mus.min(axis=0) - 0.3, model.mus.max(axis=0) + 0.3
cell = (hi - lo).max() / (n_grid - 1)            # square cells, so letters keep their shape
g0 = np.arange(lo[0], hi[0] + cell / 2, cell)
g1 = np.arange(lo[1], hi[1] + cell / 2, cell)
grid = np.array([[a, b] for b in g1 for a in g0])                          # (G, C)
gen_grid = pcn.generate(model.params, grid, model.h0, tau=model.tau, steps=T_letters)  # (T, G, O)

extent = (data.max(axis=(0, 1)) - data.min(axis=(0, 1))).max()   # size of the largest letter
glyph_scale = 0.8 * cell / extent                # a letter fits in about one grid cell
fig, ax = plt.subplots(figsize=(8, 8 * len(g1) / len(g0) + 0.6))
for i, (ca, cb) in enumerate(grid):
    traj = gen_grid[:, i, :] - gen_grid[:, i, :].mean(axis=0)             # (T, O) centred
    ax.plot(ca + glyph_scale * traj[:, 0], cb + glyph_scale * traj[:, 1], color="tab:blue", lw=0.9)
ax.scatter(model.mus[:, 0], model.mus[:, 1], s=25, color="tab:red", zorder=3)
for (ma, mb), lab in zip(model.mus, labels):
    ax.annotate(lab, (ma, mb), color="tab:red", fontsize=13, fontweight="bold",
                xytext=(3, 3), textcoords="offset points")
ax.set_xlabel("c, coordinate 1")
ax.set_ylabel("c, coordinate 2")
ax.set_title("letters generated from a grid of hidden causes c (blue);\nlearned memories mus (red)")
ax.set_aspect("equal")
fig.tight_layout()
tc.savefig(fig, "01_causes_grid")

# %% [markdown]
# And a single straight path between two memories, $c = (1 - s)\,\mu_i + s\,\mu_j$ for $s$ from
# 0 to 1:

# %%
i, j = labels.index("a"), labels.index("w")
s_values = np.linspace(0, 1, 7)
path_c = np.array([(1 - s) * model.mus[i] + s * model.mus[j] for s in s_values])  # (7, C)
morph = pcn.generate(model.params, path_c, model.h0, tau=model.tau, steps=T_letters)  # (T, 7, O)
fig, axes = plt.subplots(1, len(s_values), figsize=(13, 2.4), sharex=True, sharey=True)
for k, ax in enumerate(axes):
    ax.plot(morph[:, k, 0], morph[:, k, 1], color="tab:blue")
    ax.plot(morph[0, k, 0], morph[0, k, 1], "o", color="tab:blue", ms=4)
    ax.set_title(f"s = {s_values[k]:.2f}")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
axes[0].set_title(f"'{labels[i]}'  s = 0")
axes[-1].set_title(f"'{labels[j]}'  s = 1")
fig.suptitle(f"generated from c = (1-s) mu['{labels[i]}'] + s mu['{labels[j]}'] (dot: start)")
fig.tight_layout()
tc.savefig(fig, "01_morph")

# %% [markdown]
# ## Summary
#
# - Shapes: `x (T, B, O)`, hidden state `(B, S)`, causes `(B, C)`; batch in rows, weights multiply
#   as `@ w.T`. Parameters `w_o, b_o, w_c, w_r, b_r` from `pc_numpy.init_params`.
# - (1) `pc_numpy.hidden_prior`: a leaky integrator. The state moves a fraction $1/\tau$ of the way
#   toward the drive $\tanh(h) W_r^\top + c W_c^\top + b_r$; with a constant drive the gap decays
#   as $(1 - 1/\tau)^{t+1}$, so $\tau$ is a low-pass filter.
# - (2)-(3) `pc_numpy.prediction`, `pc_numpy.output_error`: a $\tanh$ read-out and the error
#   *prediction minus target*.
# - In generation mode the causes are a constant additive input: each point of the $c$ plane
#   generates a trajectory, training places one memory per letter, and between memories the
#   letters morph smoothly.
#
# Next, tutorial 02: what happens when the target is observed and the error is fed back.
#
# ## Exercises
#
# 1. With the one-unit network and a constant input, after how many steps is the gap to the input
#    halved? Derive $t_{1/2} = \ln 2 / (-\ln(1 - 1/\tau)) \approx 0.69\,\tau$ and check it with
#    `pcn.rollout` for $\tau = 50$.
# 2. Generate from the memories with a *different* time constant than the one trained
#    (`tau=model.tau / 2` and `2 * model.tau`). What happens to the letters, and why?
# 3. The causes enter as $c W_c^\top$. Show that shifting every memory by the same vector $d$ and
#    changing $b_r$ to $b_r - d W_c^\top$ generates exactly the same letters; check it with
#    `pcn.generate`. (So the position of the memories in the plane is only defined up to such
#    shifts; what fixes it in training?)
