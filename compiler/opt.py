"""`qtc-opt`: xDSL's opt driver with qtc's dialects, passes and pipeline aliases.

User mistakes (bad IR, a failing pass, a malformed pipeline) print one diagnostic and exit 1
without a traceback; `-o FILE` is written only when everything succeeded.
"""

from __future__ import annotations

import argparse
import io
import sys

from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from qtc.compiler.files import write_atomically
from qtc.dialects import get_all_dialects
from qtc.passes import FLOAT_PIPELINE, get_all_passes
from qtc.passes.round_weights import DEFAULT_METHOD

QUANTIZE_MODES = ("int8", "int16", "16x8")


def quantize_pipeline(mode: str, calibration: str, method: str) -> str:
    """The pass pipeline behind `--quantize-<mode>`."""
    return (
        f'{FLOAT_PIPELINE},calibrate{{data="{calibration}" method={method}}},'
        f'propagate-contracts{{mode={mode}}},round-weights{{data="{calibration}" method={DEFAULT_METHOD[mode]}}},'
        f"requantize,check-overflow,plan-memory"
    )


class _DeferredOutput(io.StringIO):
    """An output buffer that survives the driver's `close()`, so it can be written at the end."""

    def close(self) -> None:
        pass


class QtcOptMain(xDSLOptMain):
    version_format = "qtc-opt (xdsl {xdsl_version})"

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for name, factory in get_all_dialects().items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in get_all_passes().items():
            self.register_pass(name, factory)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--list-passes",
            action="store_true",
            help="print qtc's passes with their one-line summaries and exit",
        )
        aliases = arg_parser.add_mutually_exclusive_group()
        for mode in QUANTIZE_MODES:
            aliases.add_argument(
                f"--quantize-{mode}",
                dest="quantize",
                action="store_const",
                const=mode,
                help=f"alias for -p '{quantize_pipeline(mode, 'CALIB.npz', 'minmax')}' "
                "(needs --calibration)",
            )
        arg_parser.add_argument("--calibration", help="calibration .npz for the --quantize-* pipelines")
        arg_parser.add_argument(
            "--calibration-method", default="minmax", help="minmax, percentile or mse (default minmax)"
        )

    def setup_pipeline(self) -> None:
        if getattr(self.args, "quantize", None):
            if not self.args.calibration:
                raise ValueError(f"--quantize-{self.args.quantize} needs --calibration CALIB.npz")
            pipeline = quantize_pipeline(
                self.args.quantize, self.args.calibration, self.args.calibration_method
            )
            self.args.passes = ",".join(p for p in (pipeline, self.args.passes) if p)
        super().setup_pipeline()

    def prepare_output(self):
        if self.args.output_file is None:
            return sys.stdout
        self._deferred = _DeferredOutput()
        return self._deferred

    def run(self) -> None:
        if self.args.list_passes:
            print(list_passes())
            return
        super().run()
        if self.args.output_file is not None:
            write_atomically(self.args.output_file, self._deferred.getvalue())


def list_passes() -> str:
    """One line per qtc pass: its name and the first line of its docstring."""
    lines = []
    for name, factory in sorted(get_all_passes().items()):
        doc = (factory().__doc__ or "").strip().splitlines()
        lines.append(f"{name:24} {doc[0] if doc else ''}")
    return "\n".join(lines)


def main(args: list[str] | None = None) -> int:
    try:
        QtcOptMain(description="qtc modular optimizer driver", args=args).run()
    except (ParseError, DiagnosticException) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except ArgSpecParseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
