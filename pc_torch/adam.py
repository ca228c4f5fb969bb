"""Adam in PyTorch: ``torch.optim.Adam`` itself, behind the interface of ``pc_numpy.Adam``."""
from __future__ import annotations

from typing import Dict, Mapping

import torch

from . import doors


class Adam:
    """``torch.optim.Adam`` over a dict of named tensors.

    ``Adam(values, lr=0.03, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)``; ``step(grads)``
    sets each value's ``.grad`` and calls ``torch.optim.Adam.step``; ``values`` holds the current
    values (leaf tensors).
    """

    def __init__(self, values: Mapping[str, torch.Tensor], *, lr: float = 0.03, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-4):
        values, (lr, betas, eps, weight_decay) = doors.adam_args(
            values, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)              # the door
        self.values: Dict[str, torch.Tensor] = {
            name: v.detach().clone().requires_grad_(True) for name, v in values.items()}
        self.optimizer = torch.optim.Adam(list(self.values.values()), lr=lr, betas=betas,
                                          eps=eps, weight_decay=weight_decay)

    def step(self, grads: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """One update from ``grads`` (same names and shapes); returns the new values (detached)."""
        for name, value in self.values.items():
            value.grad = torch.as_tensor(grads[name], dtype=value.dtype, device=value.device)
        self.optimizer.step()
        return {name: value.detach() for name, value in self.values.items()}
