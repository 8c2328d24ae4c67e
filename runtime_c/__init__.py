"""Hand-written C that generated models include (fixed-point helpers and kernels)."""
