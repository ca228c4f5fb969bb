"""Adam with L2 weight decay, exactly the semantics of ``torch.optim.Adam`` (not AdamW).

For every value ``p`` with gradient ``d_p``, at step ``t = 1, 2, ...``:

    d = d_p + weight_decay * p                     # L2 decay enters the gradient, before the moments
    m = beta1 * m + (1 - beta1) * d                # first moment
    v = beta2 * v + (1 - beta2) * d**2             # second moment
    p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

The state (``m``, ``v``, ``t``) lives in plain attributes a debugger shows.
"""
from __future__ import annotations

from typing import Dict, Mapping

import numpy as np

from ._checks import as_float_array, as_scalar


def check_adam_settings(*, lr, betas, eps, weight_decay):
    """Check Adam's settings (shared with ``pc_torch.Adam``); returns ``(lr, (b1, b2), eps, wd)``."""
    lr = as_scalar("lr", lr, low=0, low_inclusive=False)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    beta1 = as_scalar("betas[0]", betas[0], low=0)
    beta2 = as_scalar("betas[1]", betas[1], low=0)
    for name, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
        if beta >= 1:
            raise ValueError(f"{name} must be in [0, 1), got {beta}")
    eps = as_scalar("eps", eps, low=0, low_inclusive=False)
    weight_decay = as_scalar("weight_decay", weight_decay, low=0)
    return lr, (beta1, beta2), eps, weight_decay


class Adam:
    """Adam over a dict of named arrays (e.g. ``w_o ... b_r`` and ``c0``).

    where
        values       : dict name -> array  the starting values (copied)
        lr           : float > 0           learning rate (docs/model.md §3: 0.03)
        betas        : (beta1, beta2)      each in [0, 1) ((0.9, 0.999))
        eps          : float > 0           added to the denominator (1e-8)
        weight_decay : float >= 0          L2 coefficient added to the gradient (1e-4)

    ``step(grads)`` applies one update and returns the new values (a dict of the same names and
    shapes); ``values`` always holds the current ones.
    """

    def __init__(self, values: Mapping[str, np.ndarray], *, lr: float = 0.03,
                 betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-4):
        if not isinstance(values, Mapping) or not values:
            raise TypeError("values must be a non-empty dict of name -> numpy array")
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = check_adam_settings(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        self.values: Dict[str, np.ndarray] = {
            name: as_float_array(f"values[{name!r}]", v).copy() for name, v in values.items()}
        self.m = {name: np.zeros_like(v) for name, v in self.values.items()}
        self.v = {name: np.zeros_like(v) for name, v in self.values.items()}
        self.t = 0

    def step(self, grads: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
        """One Adam update of every value from ``grads`` (a mapping with the same names)."""
        if not isinstance(grads, Mapping):
            raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
        missing = set(self.values) - set(grads)
        if missing:
            raise ValueError(f"grads is missing {sorted(missing)} (expected {sorted(self.values)})")
        checked = {name: as_float_array(f"grads[{name!r}]", grads[name], self.values[name].shape)
                   for name in self.values}
        self.t += 1
        for name, d_p in checked.items():
            self.values[name] = self._update(name, d_p)
        return dict(self.values)

    def _update(self, name: str, d_p: np.ndarray) -> np.ndarray:
        """The four lines of the module docstring for value ``name``; stores the new ``m`` and
        ``v`` in ``self.m[name]``, ``self.v[name]`` and returns the new value."""
        p, m, v, t = self.values[name], self.m[name], self.v[name], self.t
        # BEGIN SOLUTION
        d = d_p + self.weight_decay * p
        m = self.beta1 * m + (1.0 - self.beta1) * d
        v = self.beta2 * v + (1.0 - self.beta2) * d ** 2
        p = p - (self.lr / (1.0 - self.beta1 ** t)) * m / (np.sqrt(v) / np.sqrt(1.0 - self.beta2 ** t) + self.eps)
        # END SOLUTION
        self.m[name], self.v[name] = m, v
        return p
