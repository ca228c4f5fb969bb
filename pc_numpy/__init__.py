"""PC-RNN-HC-A by hand in NumPy: every equation of docs/model.md §2-§3 written out, NumPy only.

    import pc_numpy as pcn
    params = pcn.init_params(causes_dim, states_dim, output_dim, rng)
    trace = pcn.rollout(params, x, c0, h0, tau=...)            # (1)-(8) over time
    loss, grads = pcn.loss_and_grads(params, x, c0, h0, tau=...)  # BPTT by hand
"""
from .params import Params, init_params
from .generative import hidden_prior, prediction, output_error
from .inference import hidden_posterior, hidden_error, causes_bottom_up, causes_noise
from .prior import prior_logits, responsibilities, prior_gradient, causes_prior, log_prior
from .rollout import Step, Trace, step, rollout, generate
from .bptt import Grads, ForwardCache, step_backward, backward, forward, loss_and_grads
from .adam import Adam
from . import hcm                  # PC-RNN-HC-M, the multiplicative model (pcn.hcm.rollout, ...)
from .local import LocalDeltas, local_deltas, apply_local_update, free_energy
# The machinery around the model: protocols (training, retrieval), data, tools.
from .protocols.model import Model, TrainResult, TrainingDiverged, fingerprint
from .protocols.train import train, initial_values
from .protocols.train_local import train_local
from .protocols.retrieval import RetrievalResult, retrieve, nearest_memory
from .protocols.readout import Readout, read_answers
from .protocols.baselines import SearchResult, MatchResult, random_search, exhaustive_matching
from .protocols.online import OnlineResult, online_recognition
from .protocols.checkpoint import save_model, load_model
from .data.letters import letters, letter_variants
from .data.loaders import load_trajectories

__all__ = [
    "Params", "init_params",
    "hidden_prior", "prediction", "output_error",
    "hidden_posterior", "hidden_error", "causes_bottom_up", "causes_noise",
    "prior_logits", "responsibilities", "prior_gradient", "causes_prior", "log_prior",
    "Step", "Trace", "step", "rollout", "generate",
    "Grads", "ForwardCache", "step_backward", "backward", "forward", "loss_and_grads",
    "Adam", "hcm",
    "LocalDeltas", "local_deltas", "apply_local_update", "free_energy",
    "Model", "TrainResult", "TrainingDiverged", "train", "initial_values", "fingerprint",
    "train_local",
    "RetrievalResult", "retrieve", "nearest_memory", "Readout", "read_answers",
    "SearchResult", "MatchResult", "random_search", "exhaustive_matching",
    "OnlineResult", "online_recognition",
    "save_model", "load_model",
    "letters", "letter_variants", "load_trajectories",
]
