"""qtc passes, one a file, each registered under its command-line name."""

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> factory that imports the pass lazily (as xDSL's registry does)."""
    return {}
