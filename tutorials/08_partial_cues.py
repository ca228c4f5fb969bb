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
# # Tutorial 08: partial and noisy cues
#
# Tutorial 07 retrieved a memory from the whole letter. A memory should also answer to *part*
# of a letter, or to a noisy one (docs/model.md §4b). This tutorial derives the mask that
# turns the inference of (4)-(8) into inference from a partial observation, checks it on the
# code (`pcn.rollout(..., observed=m)` and `pcn.retrieve(..., cue_steps=k, cue_noise=s)`, file
# `pc_numpy/protocols/retrieval.py`), and shows how the answer degrades as less is seen.
#
# Run it as a script (`python tutorials/08_partial_cues.py`; `PC_FAST=1` for a small, quick
# version) or as a notebook (`jupytext --to notebook tutorials/08_partial_cues.py`).

# %%
import os
import sys

try:                                    # run as a script: tutorials/ is next to this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
except NameError:                       # in a notebook started in tutorials/
    sys.path.insert(0, os.getcwd())
import _common as tc  # noqa: E402

import numpy as np  # noqa: E402

import pc_numpy as pcn  # noqa: E402

plt = tc.plt
print("FAST mode" if tc.FAST else "full mode")

# %% [markdown]
# ## 1. The mask is the error of a partially observed target
#
# Inference descends the output energy $\frac12 \sum_t \lVert x^{pred}_t - x_t \rVert^2$: its
# gradient with respect to the prediction is the error $e_t = x^{pred}_t - x_t$ of (3), and (4)
# passes it down to $h$. If only the steps $t < k$ are observed, the energy is
#
# $$ E = \tfrac12 \sum_t m_t \lVert x^{pred}_t - x_t \rVert^2, \qquad m_t = [t < k], $$
#
# and its gradient is $\partial E / \partial x^{pred}_t = m_t\, e_t$: the same inference with the
# error multiplied by the mask. At an unobserved step the error is zero, so (4) leaves
# $h^{post}_t = h^{prior}_t$, (5) gives $e^h_t = 0$, and (6)-(7) do not move $c$: the step runs as
# generation, with only the prior (8) acting. The readout's generation error is averaged over
# the observed steps, $\sum_t m_t \lVert e_t \rVert / \sum_t m_t$, the only ones we can judge.

# %%
letters, labels = pcn.letters()
if tc.FAST:
    keep, STATES, ITERATIONS, TRIALS = [0, 2, 7, 10, 14, 16], 20, 150, 30
else:
    keep, STATES, ITERATIONS, TRIALS = list(range(20)), 50, 1000, 200
data = letters[keep]
names = [labels[i] for i in keep]
P, T, O = data.shape
model = pcn.train(data, names, states_dim=STATES, iterations=ITERATIONS, seed=0, progress=False).model

k = T // 2
m = (np.arange(T) < k).astype(float)                               # (T,) observed steps
x = data.transpose(1, 0, 2)                                        # (T, P, O)
rates = dict(alpha_x=0.1, alpha_h=0.019, alpha_c=0.0, sigma_r=0.0)
masked = pcn.rollout(model.params, x, np.zeros((P, 2)), model.h0, tau=model.tau, observed=m, **rates)
print(f"error after step {k}: max |e| = {np.abs(masked.error[k:]).max():.1e} (unobserved);"
      f" before: {np.abs(masked.error[:k]).max():.2f}")

# %% [markdown]
# Check cell: at the unobserved steps the error, the hidden error and the movement of $c$ are
# exactly zero, and $h^{post} = h^{prior}$ there (generation).

# %%
assert (masked.error[k:] == 0).all() and (masked.error_h[k:] == 0).all()
assert (masked.c[k:] == masked.c[k - 1]).all()
assert (masked.h_post[k:] == masked.h_prior[k:]).all()

# %% [markdown]
# ## 2. Retrieval from part of a letter, and from a noisy one
#
# `pcn.retrieve(..., cue_steps=k)` applies the mask in both rollouts of every trial;
# `cue_noise=s` adds $s\, N(0, 1)$ noise to each run's target, drawn once per run. We measure the
# answer accuracy (the readout of tutorial 07) with a quarter, a half and all of each letter,
# and with noise. One seed here; the curves over seeds are in docs/retrieval_results.md.

# %%
rows = []
for frac in (0.25, 0.5, 1.0):
    r = pcn.retrieve(model, data, trials=TRIALS, seed=0, progress=False, cue_steps=max(1, int(frac * T)))
    rows.append((f"first {frac:.0%} observed", r))
for s in (0.1, 0.3):
    rows.append((f"noise {s}", pcn.retrieve(model, data, trials=TRIALS, seed=0, progress=False, cue_noise=s)))
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for name, r in rows:
    ax.plot(np.arange(1, TRIALS + 1), r.answer_accuracy, label=f"{name}: {r.final_answer_accuracy:.2f}")
    print(f"{name:>22}: answer {r.final_answer_accuracy:.2f}, run accuracy {r.final_accuracy:.2f}")
ax.set_xscale("log")
ax.set_ylim(0, 1.03)
ax.set_xlabel("trial")
ax.set_ylabel("answer accuracy")
ax.legend(fontsize=8)
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout()
tc.savefig(fig, "08_partial_cues")

# %% [markdown]
# Check cell: the whole cue (`cue_steps = T`) is exactly no cue, and every accuracy is a share
# of the $P$ targets.

# %%
whole = pcn.retrieve(model, data, trials=3, seed=1, progress=False, cue_steps=T)
plain = pcn.retrieve(model, data, trials=3, seed=1, progress=False)
assert np.array_equal(whole.c_path, plain.c_path)
for _, r in rows:
    assert np.allclose(r.answer_accuracy * P, np.round(r.answer_accuracy * P))

# %% [markdown]
# Every letter of the embedded set starts at the origin, so their first steps look alike: with
# a small fraction observed several memories explain the cue equally well, and the answer is
# often wrong. Noise leaves the answer (the best-explaining state) more robust than the run
# accuracy: a noisy target keeps the hidden error, and so the exploration noise (7), large,
# which kicks runs off even the right memory.
#
# ## Summary
#
# * A partial observation is a mask on the error (3): the gradient of the masked energy. The
#   unobserved steps run as generation; the readout averages the error over observed steps.
# * `pcn.retrieve(..., cue_steps=k, cue_noise=s)` and `--cue-steps`, `--cue-noise` on the
#   command line; `pcn.online_recognition` names the memory after each step.
#
# ## Exercises
#
# 1. Observe the *last* half instead of the first (build `observed` yourself and call
#    `pcn.rollout`): is the end of a letter more telling than its start?
# 2. With `cue_noise`, compare the answer with exhaustive matching on the noisy target: is the
#    readout limited by inference or by what the network can tell apart?
