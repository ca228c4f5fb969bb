"""Training and retrieval run with the torch backend (the protocols are pc_numpy.protocols')."""
