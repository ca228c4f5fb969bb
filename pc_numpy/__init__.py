"""PC-RNN-HC-A by hand in NumPy (public API filled in module by module)."""
