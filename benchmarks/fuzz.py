"""A longer differential fuzzing campaign: random qnn graphs in C against the interpreter.

    python benchmarks/fuzz.py --cases 20000 --seed 7 [--batch 50] [--jobs 2] [--no-shrink]
                              [--cores cortex-m0,cortex-m4]

Uses tests/test_fuzz_qnn.py's generator and runner (Hypothesis-driven graphs of 2-6 qnn ops,
merged `--batch` at a time into one C program built with ASan/UBSan by gcc and clang, or with
`--cores` cross-compiled for those Cortex-M cores and run in Unicorn). Without `--seed` the
sequence is the test's derandomized one. Prints a summary table (cases, inputs, values
compared, C programs, mismatching cases, seconds) and, for a mismatch, the smallest failing
graph Hypothesis shrinks it to (unless --no-shrink); exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_fuzz_qnn import BATCH, COMPILERS, CORES, fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="graphs to run (default 2000)")
    parser.add_argument(
        "--seed", type=int, default=None, help="Hypothesis seed (default: derandomized)"
    )
    parser.add_argument(
        "--batch", type=int, default=BATCH, help=f"graphs per C program (default {BATCH})"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="parallel C builds (default: CPU count)"
    )
    parser.add_argument("--no-shrink", action="store_true", help="report failing graphs unshrunk")
    parser.add_argument(
        "--cores",
        help=f"comma-separated Cortex-M cores ({', '.join(CORES)}) to run the programs on in "
        "Unicorn instead of the host",
    )
    args = parser.parse_args()
    cores = args.cores.split(",") if args.cores else []
    unknown = [c for c in cores if c not in CORES]
    if unknown:
        parser.error(f"unknown core(s) {', '.join(unknown)} (have {', '.join(CORES)})")
    summary = fuzz(args.cases, args.seed, args.batch, args.jobs, not args.no_shrink, tuple(cores) or COMPILERS)
    seed = "derandomized" if args.seed is None else f"seed {args.seed}"
    print(f"qnn graph fuzzing ({seed}, {args.batch} graphs per C program)")
    print(summary.table())
    for mismatch in summary.mismatches[:5]:
        print(f"\nmismatch: {mismatch.report()}")
    if summary.shrunk:
        print(f"\nsmallest failing graph:\n{summary.shrunk}")
    return 1 if summary.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
