"""Data: the embedded letters and their variants, and the safe loaders for files."""
