"""Adam in PyTorch: ``torch.optim.Adam`` itself, behind the interface of ``pc_numpy.Adam``."""
from __future__ import annotations

from typing import Dict, Mapping

import torch

from pc_numpy.adam import check_adam_settings
from ._checks import as_float_tensor


class Adam:
    """``torch.optim.Adam`` over a dict of named tensors.

    ``Adam(values, lr=0.03, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)``; ``step(grads)``
    sets each value's ``.grad`` and calls ``torch.optim.Adam.step``; ``values`` holds the current
    values (leaf tensors).
    """

    def __init__(self, values: Mapping[str, torch.Tensor], *, lr: float = 0.03, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-4):
        if not isinstance(values, Mapping) or not values:
            raise TypeError("values must be a non-empty dict of name -> tensor")
        lr, betas, eps, weight_decay = check_adam_settings(lr=lr, betas=betas, eps=eps,
                                                           weight_decay=weight_decay)
        self.values: Dict[str, torch.Tensor] = {
            name: as_float_tensor(f"values[{name!r}]", v).detach().clone().requires_grad_(True)
            for name, v in values.items()}
        self.optimizer = torch.optim.Adam(list(self.values.values()), lr=lr, betas=betas,
                                          eps=eps, weight_decay=weight_decay)

    def step(self, grads: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """One update from ``grads`` (same names and shapes); returns the new values (detached)."""
        missing = set(self.values) - set(grads)
        if missing:
            raise ValueError(f"grads is missing {sorted(missing)} (expected {sorted(self.values)})")
        for name, value in self.values.items():
            value.grad = as_float_tensor(f"grads[{name!r}]", grads[name], tuple(value.shape)).to(value.dtype)
        self.optimizer.step()
        return {name: value.detach() for name, value in self.values.items()}
