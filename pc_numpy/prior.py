"""The Gaussian-mixture prior on the hidden causes: equation (8) of the model (docs/model.md §2).

The memories are ``P`` means ``mus (P, C)``; the prior density is the equal-weight mixture

    p(c) ∝ sum_k exp(-||c - mus[k]||**2 / (2 * sigma_c**2))

and (8) moves ``c`` up its log-density: ``g(c) = 0.5 * grad log p(c)``.

Shapes: ``B`` batch, ``C`` hidden causes, ``P`` memories (leading axes alike: ``pc_numpy.params``).
The formulas check nothing (the entry points check, at the door).
"""

import numpy as np


def prior_logits(c: np.ndarray, mus: np.ndarray, *, sigma_c: float) -> np.ndarray:
    """The log-weights of the mixture components for each row of ``c``: the one formula that
    ``responsibilities`` and ``log_prior`` share.

        l_k(c) = -||c - mus[k]||**2 / (2 * sigma_c**2)
               = -(||c||**2 - 2 c . mus[k] + ||mus[k]||**2) / (2 * sigma_c**2)

    The second line is computed (one product, not a slow (B, P, C) array: docs/speed.md); its
    rounding error, ``eps ||c||**2`` (eps 1e-16, float32 6e-8), is far below ``sigma_c**2``.

    where  c : (B, C);  mus : (P, C);  sigma_c : float > 0.   Returns ``l`` of shape (B, P).
    """
    sq_dist = ((c ** 2).sum(axis=-1, keepdims=True) - 2.0 * (c @ mus.mT)                 # (B, P)
               + (mus ** 2).sum(axis=-1)[..., None, :])
    return -sq_dist / (2.0 * sigma_c ** 2)                                                # (B, P)


def responsibilities(c: np.ndarray, mus: np.ndarray, *, sigma_c: float) -> np.ndarray:
    """The responsibilities of the mixture components for each row of ``c``.

        r(c) = softmax_k( l_k(c) ),    l_k(c) = -||c - mus[k]||**2 / (2 * sigma_c**2)

    computed as a *stable* softmax: the row maximum is subtracted before ``exp`` (the largest term
    is ``exp(0) = 1``: the sum never underflows, however far ``c`` is from every mean).
    (The original notebook added ``1e-40`` to every exponential instead; far from every mean the
    floor outweighs them all and ``c`` drifts to the centroid: tutorial 04.)

    where  c : (B, C);  mus : (P, C) the means (memories);  sigma_c : float > 0, their width.
    Returns ``r`` of shape (B, P); each row sums to 1.
    """
    logits = prior_logits(c, mus, sigma_c=sigma_c)                                        # (B, P)
    # BEGIN SOLUTION
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))                         # (B, P)
    return weights / weights.sum(axis=-1, keepdims=True)                                  # (B, P)
    # END SOLUTION


def prior_gradient(c: np.ndarray, mus: np.ndarray, *, sigma_c: float) -> np.ndarray:
    """The prior's pull on the causes, ``g(c)`` of equation (8).

        g(c) = - sum_k r_k(c) * (c - mus[k]) / (2 * sigma_c**2)
             = - (c - r(c) @ mus) / (2 * sigma_c**2)          (since sum_k r_k = 1)
             = 0.5 * grad_c log p(c)

    ``c`` is pulled toward the responsibility-weighted average of the means, which near a mean is
    that mean.

    where  c : (B, C);  mus : (P, C) the means (memories);  sigma_c : float > 0.   Returns (B, C).
    """
    # BEGIN SOLUTION
    r = responsibilities(c, mus, sigma_c=sigma_c)                                         # (B, P)
    return -(c - r @ mus) / (2.0 * sigma_c ** 2)                                          # (B, C)
    # END SOLUTION


def causes_prior(c: np.ndarray, mus: np.ndarray, *, alpha_c: float, sigma_c: float) -> np.ndarray:
    """Equation (8), the top-down update of the causes by the mixture prior.

        c[t] = c + alpha_c * g(c),    g from ``prior_gradient``

    where  c : (B, C) causes after (6) and (7);  mus : (P, C) the means (memories);
           alpha_c, sigma_c : float, update rate >= 0, width > 0.
    Returns ``c[t]`` of shape (B, C).
    """
    # BEGIN SOLUTION
    return c + alpha_c * prior_gradient(c, mus, sigma_c=sigma_c)                          # (B, C)
    # END SOLUTION


def log_prior(c: np.ndarray, mus: np.ndarray, *, sigma_c: float) -> np.ndarray:
    """The mixture's log-density up to a constant, ``log sum_k exp(-||c - mus[k]||**2 / (2 sigma_c**2))``.

    Computed with the log-sum-exp trick (finite however far ``c`` is from the means).  Its
    gradient is ``2 * g(c)``: the tests and tutorial 04 check (8) against it.

    where  c : (B, C);  mus : (P, C);  sigma_c : float > 0.   Returns shape (B,).
    """
    logits = prior_logits(c, mus, sigma_c=sigma_c)                                        # (B, P)
    top = logits.max(axis=-1)                                                             # (B,)
    return top + np.log(np.exp(logits - top[..., None]).sum(axis=-1))                    # (B,)
