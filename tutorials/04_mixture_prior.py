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
# # Tutorial 04: the memory prior, equation (8), and a softmax that does not underflow
#
# After training, the network holds $P$ **memories**: the learned hidden causes of the $P$
# training letters, $\mu_1, \dots, \mu_P$, stored as the rows of `mus`, shape `(P, C)` (tutorial
# 01). During retrieval the causes $c$ (a row of length $C$; a batch is `(B, C)`) are moved by the
# bottom-up update (6) and the noise (7) of tutorial 03. The last update of every step pulls them
# toward the memories:
#
# $$c_t = c + \alpha_c\, g(c), \qquad
#   g(c) = -\sum_{k=1}^{P} r_k(c)\,\frac{c - \mu_k}{2\sigma_c^2}, \qquad
#   r_k(c) = \frac{\exp\!\big(-\lVert c - \mu_k\rVert^2 / 2\sigma_c^2\big)}
#                 {\sum_{j}\exp\!\big(-\lVert c - \mu_j\rVert^2 / 2\sigma_c^2\big)} \tag{8}$$
#
# $\alpha_c \ge 0$ is a rate and $\sigma_c > 0$ a width (retrieval: $\alpha_c = 0.0085$,
# $\sigma_c = 0.096$). $r_k(c)$, the **responsibility** of memory $k$, is a *softmax* over $k$ of the
# numbers $\ell_k = -\lVert c - \mu_k\rVert^2 / 2\sigma_c^2$ (the *logits*): positive weights summing
# to 1, nearly all on the nearest memory when $\sigma_c$ is small.
#
# Code: `pc_numpy.responsibilities`, `pc_numpy.prior_gradient` ($g$), `pc_numpy.causes_prior` (8)
# and `pc_numpy.log_prior`, file `pc_numpy/prior.py`.

# %%
import os
import sys

try:                                    # run as a script: tutorials/ is next to this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
except NameError:                       # in a notebook started in tutorials/
    sys.path.insert(0, os.getcwd())
import _common as tc

import numpy as np
from unittest import mock
import pc_numpy as pcn

plt = tc.plt
FAST = tc.FAST

# %% [markdown]
# No training is needed here: (8) involves only `c`, `mus` and $\sigma_c$. We use six memories
# placed by hand, irregularly, spread over a region like the one the trained letters occupy
# (tutorial 01), one of them near the middle: from far away, the nearest memory and the centroid
# (mean) of all memories lie in different directions.

# %%
mus = np.array([[-1.8, 1.2], [-0.9, 1.6], [0.4, 1.2], [1.6, -0.4], [0.2, -1.6], [-0.2, 0.1]])  # (P, C)
P, C = mus.shape
sigma_c, alpha_c = 0.096, 0.0085                       # the retrieval setting (docs/model.md §4)
centroid = mus.mean(axis=0)                            # (C,)
rng = np.random.default_rng(4)
c_near = mus[rng.integers(P, size=6)] + 0.15 * rng.standard_normal((6, C))          # (6, C)
c_far = np.array([[3.0, -2.5], [-3.0, 3.0], [2.5, 2.5]])                           # (3, C)
c_all = np.concatenate([c_near, c_far])                                             # (9, C)

# %% [markdown]
# ## A mixture density, and $g = \tfrac12 \nabla \log p$
#
# Put a Gaussian bump of width $\sigma_c$ on every memory and add them up, all with equal weight:
#
# $$p(c) \propto \sum_k \exp\!\Big(-\frac{\lVert c - \mu_k\rVert^2}{2\sigma_c^2}\Big).$$
#
# Its log-gradient: $\nabla \log p = \nabla p / p$, and $\nabla \exp(\ell_k) = \exp(\ell_k)\,
# \nabla\ell_k$ with $\nabla\ell_k = -(c - \mu_k)/\sigma_c^2$. Dividing by $p$ turns the weights
# $\exp(\ell_k)$ into the responsibilities $r_k$:
#
# $$\nabla\log p(c) = -\sum_k r_k(c)\,\frac{c - \mu_k}{\sigma_c^2} = 2\,g(c).$$
#
# So $g = \tfrac12\nabla\log p$ and (8) is gradient **ascent** on the log-prior with step
# $\alpha_c/2$: $c$ climbs toward the nearest bump. Since $\sum_k r_k = 1$, also
# $g(c) = -(c - \sum_k r_k\mu_k)/2\sigma_c^2$: $c$ is pulled toward the responsibility-weighted
# average of the memories. `pc_numpy.log_prior` evaluates $\log\sum_k\exp(\ell_k)$ with the
# log-sum-exp trick (see below). Check cell: $g$ against a central finite difference of `log_prior`,
# near the memories and far from them.

# %%
g = pcn.prior_gradient(c_all, mus, sigma_c=sigma_c)                                 # (9, C)
eps = 1e-6
grad_log_p = np.stack([(pcn.log_prior(c_all + eps * np.eye(C)[j], mus, sigma_c=sigma_c)
                        - pcn.log_prior(c_all - eps * np.eye(C)[j], mus, sigma_c=sigma_c)) / (2 * eps)
                       for j in range(C)], axis=1)                                  # (9, C)
rel = np.abs(0.5 * grad_log_p - g).max() / np.abs(g).max()
print(f"g vs 0.5 * finite-difference grad log p: max relative error {rel:.1e}")
assert rel < 1e-6, f"g = 0.5 grad log p: relative error {rel}"
# your three functions of (8) (exercises eq8-softmax, eq8-grad, eq8) against pc_torch, float64
tc.check("r(c), equation (8)", pcn.responsibilities(c_all, mus, sigma_c=sigma_c),
         tc.reference("responsibilities", c_all, mus, sigma_c=sigma_c))
tc.check("g(c), equation (8)", g, tc.reference("prior_gradient", c_all, mus, sigma_c=sigma_c))
tc.check("c[t], equation (8)", pcn.causes_prior(c_all, mus, alpha_c=alpha_c, sigma_c=sigma_c),
         tc.reference("causes_prior", c_all, mus, alpha_c=alpha_c, sigma_c=sigma_c))

# %% [markdown]
# ## The softmax, computed stably
#
# A softmax does not change when the same number $m$ is subtracted from every logit of a row:
# $e^{\ell_k - m}/\sum_j e^{\ell_j - m} = e^{\ell_k}/\sum_j e^{\ell_j}$. Choosing $m = \max_j\ell_j$
# makes the largest term $e^0 = 1$, so the denominator is at least 1 and can never underflow to 0,
# however negative the logits are. That is the **stable softmax**; `log_prior` uses the same shift
# ($\log\sum_k e^{\ell_k} = m + \log\sum_k e^{\ell_k - m}$, the *log-sum-exp* trick).
#
# `pc_numpy.responsibilities` computes exactly that: the full logits
# $\ell_k = -\lVert c - \mu_k\rVert^2/2\sigma_c^2$ (`pc_numpy.prior_logits`, one formula shared with
# `log_prior`), then the row maximum subtracted before `exp`. A shorter form of the logits is
# often used instead, and it is worth seeing why it gives the same softmax. Expanding the square,
#
# $$\ell_k = -\frac{\lVert c\rVert^2 - 2\,c\cdot\mu_k + \lVert\mu_k\rVert^2}{2\sigma_c^2}
#   = \underbrace{\frac{c\cdot\mu_k - \lVert\mu_k\rVert^2/2}{\sigma_c^2}}_{\tilde\ell_k}
#     \;-\; \frac{\lVert c\rVert^2}{2\sigma_c^2}.$$
#
# The last term is the same for every $k$: it is one of those constants the softmax ignores. So
# the shortened logits $\tilde\ell = (c\,\mu^\top - \tfrac12\lVert\mu\rVert^2)/\sigma_c^2$, one
# `(B, C) @ (C, P)` matrix product, give the same responsibilities; this library keeps the full
# $\ell_k$, the formula as written. Check cell: the two kinds of logits differ by
# $-\lVert c\rVert^2/2\sigma_c^2$ in every column, and PyTorch's (stable) `torch.softmax` of the full
# logits equals your `responsibilities` (exercise eq8-softmax) at every test point, near and far.

# %%
diff = c_all[:, None, :] - mus[None, :, :]                                          # (9, P, C)
logits_full = -np.sum(diff ** 2, axis=2) / (2 * sigma_c ** 2)                       # (9, P)
logits_reduced = (c_all @ mus.T - 0.5 * np.sum(mus ** 2, axis=1)) / sigma_c ** 2    # (9, P)
shift = -np.sum(c_all ** 2, axis=1, keepdims=True) / (2 * sigma_c ** 2)             # (9, 1)
assert np.allclose(logits_full - logits_reduced, np.broadcast_to(shift, logits_full.shape),
                   rtol=1e-12, atol=1e-9), "the dropped term is -||c||^2/(2 sigma_c^2)"


import torch  # noqa: E402

r = pcn.responsibilities(c_all, mus, sigma_c=sigma_c)                               # (9, P), yours
r_full = torch.softmax(torch.as_tensor(logits_full), dim=1).numpy()                 # torch's, full logits
# the logits here reach ~1e3, each rounded to ~1e-13 absolute: r agrees to ~1e-12, so 1e-9
tc.check("r(c) vs torch.softmax of the full logits", r, r_full, tol=1e-9)
assert np.allclose(r.sum(axis=1), 1.0)
print("responsibilities of the far points:\n", np.round(r[len(c_near):], 4))

# %% [markdown]
# Far from every memory the responsibilities are still sharp, nearly all on the nearest memory:
# what decides is the *difference* between logits, and far away even a small difference in
# distance is a large difference in $\ell$ when $\sigma_c$ is small.
#
# ## The original notebook's version, and where it breaks
#
# The original notebook computed the weights directly, and, to avoid dividing by zero, added a
# floor of $10^{-40}$ to every exponential, in float32 (PyTorch's default):
#
# $$w_k = \exp\!\Big(-\frac{\lVert c-\mu_k\rVert^2}{2\sigma_c^2}\Big) + 10^{-40}, \qquad
#   r_k = w_k / \textstyle\sum_j w_j .$$
#
# Here it is, written in float32:

# %%
def naive_responsibilities(c, mus, sigma_c, dtype=np.float32):
    """The original notebook's weights: exp(-d^2 / (2 sigma^2)) + 1e-40, normalised; in ``dtype``."""
    c, mus = c.astype(dtype), mus.astype(dtype)
    d2 = np.sum((c[:, None, :] - mus[None, :, :]) ** 2, axis=2)                     # (B, P)
    with np.errstate(under="ignore"):
        w = np.exp(-d2 / dtype(2 * sigma_c ** 2)) + dtype(1e-40)                    # (B, P)
    return w / w.sum(axis=1, keepdims=True)                                         # (B, P)


def naive_gradient(c, mus, sigma_c, dtype=np.float32):
    """g(c) of (8), your prior_gradient, with the naive responsibilities in place of yours; (B, C)."""
    def naive(c_, mus_, *, sigma_c, **_):            # the library's signature, whatever else it passes
        return naive_responsibilities(c_, mus_, sigma_c, dtype).astype(np.float64)

    with mock.patch.object(pcn.prior, "responsibilities", naive):
        return pcn.prior_gradient(np.asarray(c, dtype=np.float64), mus, sigma_c=sigma_c)


# %% [markdown]
# **Where does $\exp(-d^2/2\sigma_c^2)$ underflow?** A float32 number cannot be smaller than the
# smallest *subnormal*, $2^{-149} \approx 1.4\times10^{-45}$; `exp` returns exactly 0 once its result
# would be below half of that, i.e. for arguments below $\ln(2^{-150}) \approx -103.97$. Setting
# $d^2/2\sigma_c^2 = 103.97$ gives $d = \sigma_c\sqrt{2\cdot 103.97} \approx 1.38$ for
# $\sigma_c = 0.096$: **about 1.4**. In float64 the limit is $\ln(2^{-1075}) \approx -745.1$, so
# $d \approx 3.7$. And the floor: $e^{\ell}$ *equals* $10^{-40}$ at $\ell = \ln 10^{-40} \approx -92.1$,
# i.e. at $d = \sigma_c\sqrt{2\ln 10^{40}} \approx 1.30$, **in any precision**; beyond it the floor
# outweighs the exponential, by a factor 10 at $d \approx 1.32$ and 100 at $d \approx 1.34$, so
# there the weights are close to equal well before float32's exponentials underflow at 1.38. Check
# cell: find these distances numerically.

# %%
def underflow_distance(dtype):
    """Smallest d (on a fine grid) with exp(-d^2 / (2 sigma_c^2)) == 0 in ``dtype``."""
    d = np.linspace(0.5, 6.0, 550_001).astype(dtype)
    with np.errstate(under="ignore"):
        e = np.exp(-(d * d) / dtype(2 * sigma_c ** 2))
    return float(d[np.argmax(e == 0)])


d32, d64 = underflow_distance(np.float32), underflow_distance(np.float64)
d_floor = sigma_c * np.sqrt(2 * np.log(1e40))
print(f"exp underflows to 0 beyond d = {d32:.3f} (float32), {d64:.3f} (float64); "
      f"the 1e-40 floor equals the exponential at d = {d_floor:.3f} and outweighs it beyond")
assert np.isclose(np.exp(-d_floor ** 2 / (2 * sigma_c ** 2)), 1e-40, rtol=1e-9), "equal at d_floor"
assert abs(d32 - sigma_c * np.sqrt(-2 * np.log(2.0 ** -150))) < 1e-3
assert abs(d32 - 1.4) < 0.05, "float32: all exponentials underflow about 1.4 from every mean"
assert abs(d64 - 3.7) < 0.05, "float64: about 3.7"

# %% [markdown]
# Beyond that distance from **every** memory, each $w_k$ is exactly the floor $10^{-40}$: all
# weights are equal, $r_k = 1/P$, and
#
# $$g_{\text{naive}}(c) = -\frac{c - \frac1P\sum_k\mu_k}{2\sigma_c^2}:$$
#
# $c$ is pulled toward the **centroid** of all the memories, a point that usually is no memory at
# all, instead of toward the nearest one. (Without the floor, float32 would give $0/0$ = NaN
# there: that is what the floor was meant to prevent. The stable softmax prevents both.) The same
# happens in float64 with the floor, since beyond $d \approx 1.30$ the floor outweighs every
# exponential. Check cell: at the far points the naive weights are exactly equal and its $g$ points
# at the centroid, while the stable $g$ points at the nearest memory.

# %%
def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


dist_far = np.linalg.norm(c_far[:, None, :] - mus[None], axis=2)                   # (3, P)
assert dist_far.min() > 1.4, "the far points are more than 1.4 from every memory"
nearest = mus[dist_far.argmin(axis=1)]                                              # (3, C)
r_naive = naive_responsibilities(c_far, mus, sigma_c)
assert np.all(r_naive == np.float32(1 / P)), "naive float32 weights are all equal"
assert np.all(naive_responsibilities(c_far, mus, sigma_c, np.float64) == 1 / P), "float64 too"
cos_naive = np.sum(unit(naive_gradient(c_far, mus, sigma_c)) * unit(centroid - c_far), axis=1)
cos_stable = np.sum(unit(pcn.prior_gradient(c_far, mus, sigma_c=sigma_c)) * unit(nearest - c_far),
                    axis=1)
print("cosine(naive g, toward centroid):", np.round(cos_naive, 6))
print("cosine(stable g, toward nearest memory):", np.round(cos_stable, 6))
assert np.all(cos_naive > 0.9999), "naive: toward the centroid"
assert np.all(cos_stable > 0.9999), "stable: toward the nearest memory"

# %% [markdown]
# ## The two vector fields
#
# Over a grid of $c$, the direction of $g$ (arrows of equal length: the magnitude,
# $\lVert c - \cdot\rVert/2\sigma_c^2$, grows with distance), with the memories (black), the centroid
# (red cross), and dotted circles of radius 1.38 around the memories: inside them the two versions
# agree. Overlaid are paths of the prior update (8) alone, iterated from a few far starting points
# with the retrieval rate $\alpha_c = 0.0085$.

# %%
n = 17 if FAST else 23
lim = 3.5
ax_vals = np.linspace(-lim, lim, n)
G0, G1 = np.meshgrid(ax_vals, ax_vals)
grid = np.stack([G0.ravel(), G1.ravel()], axis=1)                                   # (n*n, C)
fields = {"naive: exp + 1e-40 in float32": naive_gradient(grid, mus, sigma_c),
          "stable softmax (pc_numpy.prior_gradient)": pcn.prior_gradient(grid, mus, sigma_c=sigma_c)}
starts = np.array([[3.2, -1.0], [-3.0, 3.0], [2.8, 2.8], [-3.2, -2.8], [0.5, -3.3], [-3.3, 0.2],
                   [3.2, -3.2], [-1.0, -3.3]])                                  # (K, C)
n_steps = 200


def prior_path(c, step):
    path = [c]
    for _ in range(n_steps):
        c = c + alpha_c * step(c)
        path.append(c)
    return np.stack(path)                                                           # (n_steps+1, K, C)


paths = {name: prior_path(starts, fn) for name, fn in
         zip(fields, [lambda c: naive_gradient(c, mus, sigma_c),
                      lambda c: pcn.prior_gradient(c, mus, sigma_c=sigma_c)])}

fig, axes = plt.subplots(1, 2, figsize=(13, 7))
for ax, (name, field) in zip(axes, fields.items()):
    u = unit(field + 1e-300)
    ax.quiver(grid[:, 0], grid[:, 1], u[:, 0], u[:, 1], color="0.55", angles="xy",
              scale_units="xy", scale=1.5 * (n - 1) / (2 * lim), width=0.003, headwidth=4,
              headlength=4.5)
    for m in mus:
        ax.add_patch(plt.Circle(m, d32, fill=False, ls=":", color="tab:blue", lw=0.8))
    path = paths[name]
    for k in range(starts.shape[0]):
        ax.plot(path[:, k, 0], path[:, k, 1], color="tab:orange", lw=1.8)
        ax.plot(path[0, k, 0], path[0, k, 1], "o", color="tab:orange", ms=5)
    ax.scatter(mus[:, 0], mus[:, 1], color="k", s=40, zorder=4, label="memories mus")
    ax.plot(*centroid, "x", color="tab:red", ms=12, mew=3, zorder=5, label="centroid of mus")
    ax.plot([], [], color="tab:orange", label=f"(8) iterated {n_steps} times")
    ax.plot([], [], ls=":", color="tab:blue", label=f"d = {d32:.2f} from a memory")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("c, coordinate 1")
    ax.set_ylabel("c, coordinate 2")
    ax.set_title(f"{name}\nsigma_c = {sigma_c}: direction of g(c)", fontsize=10)
handles, names = axes[0].get_legend_handles_labels()
fig.tight_layout(rect=(0, 0.06, 1, 1))
fig.legend(handles, names, loc="lower center", ncol=4, fontsize=9)
tc.savefig(fig, "04_prior_fields")

# %% [markdown]
# On the left, every path from far away heads for the centroid (red cross) first; only when it
# comes within about 1.4 of some memory do the weights differ and it turns to that memory, which
# need not be the one nearest to where it started (bottom left: the path is captured by the
# memory in the middle). On the right every path goes straight to the
# memory nearest its start. In retrieval, where $c$ starts from $\mathcal N(0, I)$ and the noise (7)
# can throw it far, the naive version biases every run toward the middle of the memory cloud.
#
# Check cell: where the paths end.

# %%
end_naive = paths["naive: exp + 1e-40 in float32"][-1]                            # (K, C)
end_stable = paths["stable softmax (pc_numpy.prior_gradient)"][-1]                 # (K, C)
start_nearest = np.linalg.norm(starts[:, None] - mus[None], axis=2).argmin(axis=1)  # (K,)
assert np.allclose(end_stable, mus[start_nearest], atol=1e-6), "stable: ends on the nearest memory"
ends_naive_at = np.linalg.norm(end_naive[:, None] - mus[None], axis=2).argmin(axis=1)
print("stable ends at memory", start_nearest, "; naive ends at memory", ends_naive_at)
assert np.linalg.norm(starts[:, None] - mus[None], axis=2).min() > 1.4, "all starts are far"
assert np.any(ends_naive_at != start_nearest), "naive: some path ends on another memory"

# %% [markdown]
# ## Summary
#
# - (8) `pc_numpy.causes_prior` is gradient ascent on the log of an equal-weight Gaussian mixture
#   over the memories: $g = \tfrac12\nabla\log p$ (`pc_numpy.prior_gradient`, checked against a finite
#   difference of `pc_numpy.log_prior`), a pull toward the responsibility-weighted memories.
# - The responsibilities are a softmax; `pc_numpy.responsibilities` computes it stably (subtract
#   the row maximum) from the full logits $-\lVert c - \mu_k\rVert^2/2\sigma_c^2$. Dropping the
#   $-\lVert c\rVert^2/2\sigma_c^2$ term, the same for every memory, would give the same softmax.
# - The original's `exp(...) + 1e-40` in float32: with $\sigma_c = 0.096$, more than about 1.38 from
#   every memory all exponentials underflow (float64: 3.7; and the floor equals the exponential
#   at 1.30 and outweighs it beyond), every weight becomes equal, and $c$ drifts to the centroid
#   of all memories.
#
# ## Exercises
#
# 1. For which $\sigma_c$ would the naive version be safe for every $c$ within distance 5 of some
#    memory, in float32? In float64? Why is making $\sigma_c$ larger not a good fix for retrieval?
# 2. Derive the Hessian of $\log p$ and show that near a memory, far from the others,
#    (8) contracts $c - \mu_k$ by the factor $1 - \alpha_c/2\sigma_c^2$ per step. What is it for
#    the retrieval setting, and what happens if $\alpha_c > 4\sigma_c^2$?
# 3. Write the naive version *without* the floor in float32 and find the first distance at which
#    it returns NaN. Then write `log_prior` without the log-sum-exp shift and find where it
#    returns `-inf`.
