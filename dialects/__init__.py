"""qtc's dialects: `nn` (float), `qnn` (integer) and the `qtc` attributes."""

from collections.abc import Callable

from xdsl.ir import Dialect


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Name -> factory that imports the dialect lazily (as xDSL's own registry does)."""

    def get_nn() -> Dialect:
        from qtc.dialects.nn import NN

        return NN

    def get_qnn() -> Dialect:
        from qtc.dialects.qnn import QNN

        return QNN

    def get_qtc() -> Dialect:
        from qtc.dialects.qtc_attrs import Qtc

        return Qtc

    return {"nn": get_nn, "qnn": get_qnn, "qtc": get_qtc}
