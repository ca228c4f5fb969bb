"""Adam with L2 weight decay, exactly the semantics of ``torch.optim.Adam`` (not AdamW).

For every value ``p`` with gradient ``d_p``, at step ``t = 1, 2, ...``:

    d = d_p + weight_decay * p                     # L2 decay enters the gradient, before the moments
    m = beta1 * m + (1 - beta1) * d                # first moment
    v = beta2 * v + (1 - beta2) * d**2             # second moment
    p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

The state (``m``, ``v``, ``t``) lives in plain attributes a debugger shows.
"""

import math
from typing import Dict, Mapping

import numpy as np

from .tools import doors


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
        values, (self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay) = doors.adam_args(
            values, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)              # the door
        self.values: Dict[str, np.ndarray] = {name: v.copy() for name, v in values.items()}
        self.m = {name: np.zeros_like(v) for name, v in self.values.items()}
        self.v = {name: np.zeros_like(v) for name, v in self.values.items()}
        self.t = 0

    def step(self, grads: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
        """One Adam update of every value from ``grads`` (the same names and shapes, unchecked)."""
        self.t += 1
        for name in self.values:
            self.values[name] = self._update(name, grads[name])
        return dict(self.values)

    def _update(self, name: str, d_p: np.ndarray) -> np.ndarray:
        """The four lines of the module docstring for ``name``: stores ``m``, ``v``; returns ``p``."""
        p, m, v, t = self.values[name], self.m[name], self.v[name], self.t
        # BEGIN SOLUTION
        d = d_p + self.weight_decay * p
        m = self.beta1 * m + (1.0 - self.beta1) * d
        v = self.beta2 * v + (1.0 - self.beta2) * d ** 2
        p = p - (self.lr / (1.0 - self.beta1 ** t)) * m / (np.sqrt(v) / math.sqrt(1.0 - self.beta2 ** t) + self.eps)
        # END SOLUTION
        self.m[name], self.v[name] = m, v
        return p
