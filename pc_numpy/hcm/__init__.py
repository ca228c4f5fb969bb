"""PC-RNN-HC-M by hand in NumPy: the second model of the family, multiplicative hidden causes.

The causes gate the recurrence through ``F`` factors instead of being added to it
(docs/model.md §2b).  Only (1) and (6) change, to (1m) and (6m) (``pc_numpy.hcm.equations``);
(2)-(5), (7), (8) are PC-RNN-HC-A's own functions, called as they are.

    import pc_numpy as pcn
    params = pcn.hcm.init_params(causes_dim, states_dim, output_dim, factor_dim, rng)
    trace = pcn.hcm.rollout(params, x, c0, h0, tau=...)               # same keywords as pcn.rollout
    loss, grads = pcn.hcm.loss_and_grads(params, x, c0, h0, tau=...)  # BPTT by hand
"""
from .params import Params, init_params
from .equations import hidden_prior, causes_bottom_up
from .rollout import Step, Trace, step, rollout, generate
from .bptt import Grads, ForwardCache, step_backward, backward, forward, loss_and_grads

__all__ = [
    "Params", "init_params",
    "hidden_prior", "causes_bottom_up",
    "Step", "Trace", "step", "rollout", "generate",
    "Grads", "ForwardCache", "step_backward", "backward", "forward", "loss_and_grads",
]
