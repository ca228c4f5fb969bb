"""The protocols around the model: training by BPTT, memory retrieval, checkpoints (README, "Layout")."""
