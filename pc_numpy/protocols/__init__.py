"""The protocols around the model: training by BPTT and by the local rule, memory retrieval, checkpoints (README, "Layout")."""
