"""The Gaussian-mixture prior on the hidden causes: equation (8) of the model (docs/model.md §2).

The memories are ``P`` means ``mus (P, C)``; the prior density is the equal-weight mixture

    p(c) ∝ sum_k exp(-||c - mus[k]||**2 / (2 * sigma_c**2))

and (8) moves ``c`` up its log-density: ``g(c) = 0.5 * grad log p(c)``.

Shapes: ``B`` batch, ``C`` hidden causes, ``P`` number of memories.
Every function takes ``check=True`` (see ``pc_numpy.generative``).
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_scalar, check_sigma_c, finite_result


def _check(c, mus, sigma_c):
    dims = {}
    c = as_float_array("c", c, ("B", "C"), dims)
    mus = as_float_array("mus", mus, ("P", "C"), dims)
    sigma_c = check_sigma_c(sigma_c)                    # in [1e-100, 1e100]: sigma_c**2 is exact
    return c, mus, sigma_c


@finite_result("c", "mus", "sigma_c")
def prior_logits(c: np.ndarray, mus: np.ndarray, *, sigma_c: float, check: bool = True) -> np.ndarray:
    """The log-weights of the mixture components for each row of ``c``: the one formula that
    ``responsibilities`` and ``log_prior`` share.

        l_k(c) = -||c - mus[k]||**2 / (2 * sigma_c**2)

    where  c : (B, C);  mus : (P, C);  sigma_c : float > 0.   Returns ``l`` of shape (B, P).
    """
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    diff = c[:, None, :] - mus[None, :, :]                                                # (B, P, C)
    return -np.sum(diff ** 2, axis=2) / (2.0 * sigma_c ** 2)                              # (B, P)


@finite_result("c", "mus", "sigma_c")
def responsibilities(c: np.ndarray, mus: np.ndarray, *, sigma_c: float,
                     check: bool = True) -> np.ndarray:
    """The responsibilities of the mixture components for each row of ``c``.

        r(c) = softmax_k( l_k(c) ),    l_k(c) = -||c - mus[k]||**2 / (2 * sigma_c**2)

    computed as a *stable* softmax: the row maximum is subtracted before ``exp``, so the largest
    term is ``exp(0) = 1`` and the sum never underflows, however far ``c`` is from every mean.
    (The original notebook added ``1e-40`` to every exponential instead; far from every mean the
    floor outweighs them all and ``c`` drifts to the centroid: tutorial 04.)

    where
        c       : (B, C)  hidden causes
        mus     : (P, C)  the means (memories)
        sigma_c : float   width of every component, > 0

    Returns ``r`` of shape (B, P); each row sums to 1.
    """
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    logits = prior_logits(c, mus, sigma_c=sigma_c, check=False)                           # (B, P)
    # BEGIN SOLUTION
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))                          # (B, P)
    return weights / weights.sum(axis=1, keepdims=True)                                   # (B, P)
    # END SOLUTION


@finite_result("c", "mus", "sigma_c")
def prior_gradient(c: np.ndarray, mus: np.ndarray, *, sigma_c: float,
                   check: bool = True) -> np.ndarray:
    """The prior's pull on the causes, ``g(c)`` of equation (8).

        g(c) = - sum_k r_k(c) * (c - mus[k]) / (2 * sigma_c**2)
             = - (c - r(c) @ mus) / (2 * sigma_c**2)          (since sum_k r_k = 1)
             = 0.5 * grad_c log p(c)

    ``c`` is pulled toward the responsibility-weighted average of the means, which near a mean is
    that mean.

    where
        c       : (B, C)  hidden causes
        mus     : (P, C)  the means (memories)
        sigma_c : float   width, > 0

    Returns ``g`` of shape (B, C).
    """
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    # BEGIN SOLUTION
    r = responsibilities(c, mus, sigma_c=sigma_c, check=False)                           # (B, P)
    return -(c - r @ mus) / (2.0 * sigma_c ** 2)                                          # (B, C)
    # END SOLUTION


@finite_result("c", "mus", "alpha_c", "sigma_c")
def causes_prior(c: np.ndarray, mus: np.ndarray, *, alpha_c: float, sigma_c: float,
                 check: bool = True) -> np.ndarray:
    """Equation (8), the top-down update of the causes by the mixture prior.

        c[t] = c + alpha_c * g(c),    g from ``prior_gradient``

    where
        c       : (B, C)  causes after (6) and (7)
        mus     : (P, C)  the means (memories)
        alpha_c : float   update rate, >= 0
        sigma_c : float   width, > 0

    Returns ``c[t]`` of shape (B, C).
    """
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
        alpha_c = as_scalar("alpha_c", alpha_c, low=0)
    # BEGIN SOLUTION
    return c + alpha_c * prior_gradient(c, mus, sigma_c=sigma_c, check=False)            # (B, C)
    # END SOLUTION


@finite_result("c", "mus", "sigma_c")
def log_prior(c: np.ndarray, mus: np.ndarray, *, sigma_c: float, check: bool = True) -> np.ndarray:
    """The mixture's log-density up to a constant, ``log sum_k exp(-||c - mus[k]||**2 / (2 sigma_c**2))``.

    Computed with the log-sum-exp trick (finite however far ``c`` is from the means).  Its
    gradient is ``2 * g(c)``: the tests and tutorial 04 check (8) against it.

    where  c : (B, C);  mus : (P, C);  sigma_c : float > 0.   Returns shape (B,).
    """
    if check:
        c, mus, sigma_c = _check(c, mus, sigma_c)
    logits = prior_logits(c, mus, sigma_c=sigma_c, check=False)                           # (B, P)
    top = logits.max(axis=1)                                                              # (B,)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1))                       # (B,)
