"""qtc, a quantizing tensor compiler: float Keras models to integer-only C99 for Cortex-M.

`qtc.compile` and `qtc.verify` are the Python twins of `qtc compile` and `qtc verify`
(defined in `qtc.compiler.api`). They are loaded on first use, so that importing a part of
the compiler (`qtc.dialects`, `qtc.passes`, ...) does not pay for TensorFlow.
"""

__all__ = ["ToleranceError", "compile", "verify"]


def __getattr__(name: str):
    if name in __all__:
        from qtc.compiler import api

        return getattr(api, name)
    raise AttributeError(f"module 'qtc' has no attribute {name!r}")
