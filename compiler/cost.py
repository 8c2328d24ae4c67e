"""`qtc cost`: what one inference of a generated model costs on a Cortex-M0, M3 or M4, measured
without hardware.

    measure_cost("out/digits", "cortex-m0")  ->  {"instructions", "cycles", "flash_bytes",
                                                 "ram_bytes", "per_layer": [...], ...}

Method (the facts are in the project's mcu-measurement notes):

1. Build. `OUT/NAME.c`, `runtime_c/cortex_m/bench_main.c` and `qtc_startup.c` are compiled
   and linked with arm-none-eabi-gcc (`-mcpu=cortex-mX -mthumb -O2 -std=c99 -ffp-contract=off
   -ffunction-sections -fdata-sections -Wl,--gc-sections`, soft float; `float_abi="hard"` on
   the M4 is the M4F: `-mfloat-abi=hard -mfpu=fpv4-sp-d16`) against `qtc_cortex_m.ld` (flash
   1 MB at 0, RAM 256 KB at 0x20000000). `-fno-tree-loop-distribute-patterns` keeps the
   kernels' copy and fill loops as written (GCC would otherwise call memcpy/memset); libgcc
   supplies the AEABI helpers (soft float, 64-bit multiply and divide) and newlib-nano's libm
   expf/tanhf/roundf for float builds (`--specs=nano.specs -nostartfiles`, our own start-up).
   `-g` adds line tables only; it does not change the code.
2. Run. The ELF is loaded into Unicorn (`UC_MODE_THUMB | UC_MODE_MCLASS`, CPU model M0/M3/M4),
   a deterministic input is written to `qtc_bench_input` (a fixed pseudo-random pattern:
   integers over their whole range, floats uniform in [-1, 1); raw int16 samples, as floats
   too in the float build, when pre-processing takes int16 samples), and the code runs from the
   reset vector until `qtc_bench_end` is entered. A block hook counts every instruction
   executed after `qtc_bench_begin` returns: `NAME_run` plus the few instructions of its call.
   These counts are exact; QEMU's are the same (tests/test_cost.py checks it).
3. Cycles are modelled, not measured: every executed instruction is weighted with the
   Cortex-M Technical Reference Manual timings at zero wait states (see `m0_cycles` and
   `v7m_cycles`; each instruction is decoded once with capstone). No caches, flash wait states
   or bus contention are modelled.
4. Memory. flash = every allocated section with contents (vector table, code, constants,
   .data's initial image); RAM = .data + .bss (model arena and state, bench I/O buffers) +
   the peak stack, measured by painting the free stack before `main` and finding the deepest
   overwritten word after the inference.
5. Layers. The bench is built with `-g`; `arm-none-eabi-addr2line -i` names, for every
   instruction of `NAME_run`, the statement of `NAME_run` it came from (inlined kernels
   included), and each statement is the C of one op of OUT/model.mlir (the emitters are
   replayed to know which). Code outside `NAME_run` (kernels GCC kept out of line, libgcc
   helpers) is charged to the statement that called it. Ops map to report.json's layers in
   order; ops the quantizer added (requantize, float I/O conversions) are extra rows. The rest
   (call, prologue, output copy) is `other`.

The M0 build is checked to hold only ARMv6-M instructions (Unicorn's M0 would run Thumb-2).
"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from qtc.compiler.errors import QtcError, UsageError
from qtc.compiler.files import REPORT_JSON, read_report

TOOLCHAIN_PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi"
"""The Debian packages of the cross toolchain and the C library it links against."""
PYTHON_PACKAGES = {"unicorn": "unicorn", "capstone": "capstone", "elftools": "pyelftools"}


@dataclass(frozen=True)
class Core:
    name: str
    gcc_flags: tuple[str, ...]
    unicorn_model: str
    """Name of the `unicorn.arm_const.UC_CPU_ARM_*` CPU model."""
    qemu_board: str
    qemu_memory: tuple[int, int]
    """(flash, RAM) bytes of the QEMU board, for benches that run there."""


CORES = {
    "cortex-m0": Core("cortex-m0", ("-mcpu=cortex-m0",), "UC_CPU_ARM_CORTEX_M0", "microbit", (256 << 10, 16 << 10)),
    "cortex-m3": Core("cortex-m3", ("-mcpu=cortex-m3",), "UC_CPU_ARM_CORTEX_M3", "mps2-an385", (1 << 20, 256 << 10)),
    "cortex-m4": Core("cortex-m4", ("-mcpu=cortex-m4",), "UC_CPU_ARM_CORTEX_M4", "mps2-an386", (1 << 20, 256 << 10)),
}
HARD_FLOAT_FLAGS = ("-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
TARGETS = ("cortex-m0", "cortex-m3", "cortex-m4", "cortex-m4f")
"""What `qtc cost --cpu` accepts: cortex-m4f is the M4 with its FPU (hard-float ABI)."""
DEFAULT_TARGETS = ("cortex-m0", "cortex-m3", "cortex-m4")

CFLAGS = (
    "-mthumb", "-O2", "-g", "-std=c99", "-ffp-contract=off", "-ffunction-sections",
    "-fdata-sections", "-fno-tree-loop-distribute-patterns",
)
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections")
LIBS = ("-Wl,--start-group", "-lm", "-lc", "-lgcc", "-Wl,--end-group")
BUILD_NAMES = {"8": "int8", "16": "int16", "16x8": "16x8", "float": "float"}
"""report.json's `bits` as people say it."""
STACK_PAINT = 0xC0DEC0DE
"""The word qtc_startup.c paints the free stack with."""
RUN_TIMEOUT_US = 600_000_000
"""Unicorn gives up after this long (a model that never reaches the end marker)."""
FLOAT_HELPER = re.compile(r"^(__aeabi_(c?[fd]|u?[il]2[fd])|__\w+[sd]f[23]$)")
"""libgcc's soft-float entry points (__aeabi_fmul, __aeabi_i2f, __addsf3, ...)."""


def resolve_target(cpu: str, float_abi: str | None = None) -> tuple[Core, str]:
    """(core, "soft" | "hard") of a `--cpu` value; cortex-m4f means the M4 with hard float."""
    if cpu == "cortex-m4f":
        cpu, float_abi = "cortex-m4", float_abi or "hard"
    if cpu not in CORES:
        raise UsageError(f"unknown cpu {cpu}: choose one of {', '.join(TARGETS)}")
    float_abi = float_abi or "soft"
    if float_abi not in ("soft", "hard"):
        raise UsageError(f"float_abi must be soft or hard, got {float_abi}")
    if float_abi == "hard" and cpu != "cortex-m4":
        raise UsageError(f"{cpu} has no FPU: hard float is only for cortex-m4 (cortex-m4f)")
    return CORES[cpu], float_abi


def target_name(cpu: str, float_abi: str | None = None) -> str:
    core, abi = resolve_target(cpu, float_abi)
    return "cortex-m4f" if abi == "hard" else core.name


# ------------------------------------------------------------------------------ tools


def require_python_packages() -> None:
    missing = []
    for module, package in PYTHON_PACKAGES.items():
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise QtcError(f"qtc cost needs the Python packages {', '.join(missing)}: pip install {' '.join(missing)}")


@lru_cache(maxsize=None)
def toolchain() -> dict[str, str]:
    """Paths of arm-none-eabi-gcc and -addr2line; one clear error when something is missing."""
    tools = {tool: shutil.which(f"arm-none-eabi-{tool}") for tool in ("gcc", "addr2line")}
    if not all(tools.values()):
        raise QtcError(
            "arm-none-eabi-gcc not found: qtc cost cross-compiles for Cortex-M; install the "
            f"toolchain (apt-get install {TOOLCHAIN_PACKAGES})"
        )
    probe = subprocess.run(
        [tools["gcc"], "-mthumb", "-mcpu=cortex-m0", "--specs=nano.specs", "-print-file-name=libc_nano.a"],
        capture_output=True, text=True,
    )
    if not os.path.isabs(probe.stdout.strip()):
        raise QtcError(
            "arm-none-eabi-gcc has no C library (newlib-nano): install it "
            "(apt-get install libnewlib-arm-none-eabi)"
        )
    return tools


def runtime_path(name: str) -> str:
    """A file of runtime_c/cortex_m/ (package data)."""
    path = resources.files("qtc.runtime_c").joinpath("cortex_m", name)
    if not path.is_file():
        raise QtcError(f"qtc's Cortex-M runtime file {name} is missing from the installation")
    return str(path)


# ------------------------------------------------------------------------------ build


@dataclass
class ModelIO:
    """The C interface of a generated model, read from its header. Input and output types
    differ when pre-processing takes raw int16 samples into an int8 network."""

    ctype: str
    """The inputs' element type."""
    inputs: list[int]
    outputs: list[int]
    output_ctype: str

    @property
    def dtype(self) -> np.dtype:
        return C_DTYPES[self.ctype]

    @property
    def output_dtype(self) -> np.dtype:
        return C_DTYPES[self.output_ctype]


C_DTYPES = {"float": np.dtype(np.float32), "int8_t": np.dtype(np.int8), "int16_t": np.dtype(np.int16)}


def read_model_io(out_dir: str, name: str) -> ModelIO:
    path = os.path.join(out_dir, f"{name}.h")
    if not os.path.isfile(path):
        raise QtcError(f"{path} not found: give a folder written by qtc compile (and its --name)")
    text = open(path, encoding="utf-8").read()
    match = re.search(rf"int {re.escape(name)}_run\(([^)]*)\);", text)
    if match is None:
        raise QtcError(f"{path}: no {name}_run declaration; is this a qtc-generated header?")
    params = [p.strip() for p in match.group(1).split(",")]
    ctypes = {  # inputs are the const pointers
        kind: {re.sub(r"^const\s+|\s*\*\s*\w+$", "", p) for p in params if p.startswith("const ") == is_input}
        for kind, is_input in (("INPUT", True), ("OUTPUT", False))
    }
    sizes = {kind: [int(n) for _, n in re.findall(rf"#define {name.upper()}_{kind}(\d*)_SIZE (\d+)", text)]
             for kind in ("INPUT", "OUTPUT")}
    if any(len(t) != 1 or t - set(C_DTYPES) for t in ctypes.values()) or not sizes["INPUT"] or not sizes["OUTPUT"]:
        raise QtcError(f"{path}: cannot read the model's input and output types and sizes")
    return ModelIO(ctypes["INPUT"].pop(), sizes["INPUT"], sizes["OUTPUT"], ctypes["OUTPUT"].pop())


def bench_config(io: ModelIO, name: str) -> str:
    """qtc_bench_config.h: what bench_main.c needs to call the model."""
    def pointers(buffer: str, sizes: list[int]) -> list[str]:
        return [f"({buffer}) + {sum(sizes[:i])}" for i in range(len(sizes))]

    args = ", ".join(pointers("in", io.inputs) + pointers("out", io.outputs))
    return "\n".join([
        "/* qtc_bench_config.h: generated by qtc cost. */",
        f'#include "{name}.h"',
        f"#define QTC_BENCH_INPUT_TYPE {io.ctype}",
        f"#define QTC_BENCH_OUTPUT_TYPE {io.output_ctype}",
        f"#define QTC_BENCH_INPUT_ELEMENTS {sum(io.inputs)}",
        f"#define QTC_BENCH_OUTPUT_ELEMENTS {sum(io.outputs)}",
        f"#define QTC_BENCH_INIT() {name}_init()",
        f"#define QTC_BENCH_RUN(in, out) {name}_run({args})",
        "",
    ])


def bench_input(io: ModelIO, sample_type: str | None = None) -> bytes:
    """The deterministic input: a fixed pseudo-random pattern of the model's input type.

    `sample_type` "int16" (pre-processing of raw int16 samples) gives a float build the int
    build's raw integers as floats, so both builds of a model are measured on the same window.
    """
    rng = np.random.default_rng(0)
    count = sum(io.inputs)
    pattern = np.dtype(np.int16) if sample_type == "int16" else io.dtype
    if pattern.kind == "f":
        return rng.uniform(-1.0, 1.0, count).astype(np.float32).tobytes()
    info = np.iinfo(pattern)
    return rng.integers(info.min, info.max, count, dtype=pattern, endpoint=True).astype(io.dtype).tobytes()


def raw_sample_type(out_dir: str) -> str | None:
    """The raw samples' type of OUT's pre-processing (report.json), None without one; a folder
    of generated C alone (no report) has none."""
    if not os.path.isfile(os.path.join(out_dir, REPORT_JSON)):
        return None
    return read_report(out_dir).get("preprocess", {}).get("sample_type")


@dataclass
class Bench:
    """A model's measurement program for one core, built and ready to run."""

    elf: str
    core: Core
    float_abi: str
    name: str
    out_dir: str
    io: ModelIO
    input: bytes
    build_dir: str

    @property
    def target(self) -> str:
        return "cortex-m4f" if self.float_abi == "hard" else self.core.name


def build_bench(
    out_dir: str,
    cpu: str,
    name: str = "model",
    float_abi: str | None = None,
    *,
    build_dir: str,
    memory: tuple[int, int] | None = None,
) -> Bench:
    """Cross-compile OUT's model with the bench into `build_dir/bench.elf`.

    `memory` = (flash bytes, RAM bytes) overrides the linker script's 1 MB / 256 KB (e.g. a
    QEMU board's `Core.qemu_memory`).
    """
    from qtc.compiler.emit_c import c_identifier

    core, abi = resolve_target(cpu, float_abi)
    tools = toolchain()
    out_dir = os.path.abspath(out_dir)
    name = c_identifier(name)  # the generated files' and functions' prefix
    source = os.path.join(out_dir, f"{name}.c")
    if not os.path.isfile(source):
        raise QtcError(f"{source} not found: give a folder written by qtc compile (and its --name)")
    io = read_model_io(out_dir, name)
    os.makedirs(build_dir, exist_ok=True)
    with open(os.path.join(build_dir, "qtc_bench_config.h"), "w", encoding="utf-8") as f:
        f.write(bench_config(io, name))
    elf = os.path.join(build_dir, "bench.elf")
    defsyms = []
    if memory is not None:
        defsyms = [f"-Wl,--defsym=__qtc_flash_bytes={memory[0]},--defsym=__qtc_ram_bytes={memory[1]}"]
    command = [
        tools["gcc"], *core.gcc_flags, *(HARD_FLOAT_FLAGS if abi == "hard" else ("-mfloat-abi=soft",)),
        *CFLAGS, "-I", build_dir, "-I", out_dir, *LDFLAGS, "-T", runtime_path("qtc_cortex_m.ld"), *defsyms,
        runtime_path("qtc_startup.c"), runtime_path("bench_main.c"), source, *LIBS, "-o", elf,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise QtcError(f"building {source} for {core.name} failed:\n{result.stderr.strip()}")
    bench = Bench(elf, core, abi, name, out_dir, io, bench_input(io, raw_sample_type(out_dir)), build_dir)
    if core.name == "cortex-m0":
        found = thumb2_instructions(elf)
        if found:
            listing = "; ".join(f"{a:#x} {text}" for a, text in found[:5])
            raise QtcError(f"the Cortex-M0 build of {source} holds {len(found)} Thumb-2 instructions "
                           f"the M0 cannot run ({listing})")
    return bench


# ------------------------------------------------------------------------------ the ELF


class Elf:
    """What the measurement needs of the linked ELF: segments, symbols, section sizes."""

    def __init__(self, path: str):
        from elftools.elf.elffile import ELFFile

        with open(path, "rb") as f:
            elf = ELFFile(f)
            self.segments = [
                (seg["p_paddr"], seg.data()) for seg in elf.iter_segments()
                if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] > 0
            ]
            self.sections = [
                (s.name, s["sh_addr"], s["sh_size"], s["sh_flags"], s["sh_type"]) for s in elf.iter_sections()
            ]
            symtab = elf.get_section_by_name(".symtab")
            symbols = list(symtab.iter_symbols())
            self.code_ranges = executable_ranges(elf, symbols)
        self.symbols = {s.name: s for s in symbols if s.name and not s.name.startswith("$")}
        functions = sorted(
            (s["st_value"] & ~1, s["st_size"], s.name) for s in symbols
            if s["st_info"]["type"] == "STT_FUNC" and s["st_size"] > 0
        )
        self.function_starts = [f[0] for f in functions]
        self.functions = functions

    def address(self, symbol: str) -> int:
        if symbol not in self.symbols:
            raise QtcError(f"the bench has no symbol {symbol}")
        return self.symbols[symbol]["st_value"]

    def function(self, symbol: str) -> tuple[int, int]:
        """(start, end) of a Thumb function."""
        start = self.address(symbol) & ~1
        return start, start + self.symbols[symbol]["st_size"]

    def function_at(self, address: int) -> str:
        i = bisect.bisect_right(self.function_starts, address) - 1
        if i >= 0 and address < self.functions[i][0] + self.functions[i][1]:
            return self.functions[i][2]
        return "?"

    def memory(self) -> dict[str, int]:
        from elftools.elf.constants import SH_FLAGS

        allocated = [s for s in self.sections if s[3] & SH_FLAGS.SHF_ALLOC]
        flash = sum(s[2] for s in allocated if s[4] != "SHT_NOBITS")
        ram = sum(s[2] for s in allocated if s[3] & SH_FLAGS.SHF_WRITE)
        return {"flash_bytes": flash, "static_ram_bytes": ram}


def executable_ranges(elf, symbols) -> list[tuple[int, bytes]]:
    """(address, bytes) of every stretch of Thumb code: executable sections cut at the ARM
    mapping symbols ($t code, $d data such as literal pools) of that section (debug sections have
    mapping symbols too, at offsets that may fall inside .text's addresses)."""
    marks = sorted(
        (s["st_value"], s.name[:2], s["st_shndx"]) for s in symbols if s.name[:2] in ("$t", "$d", "$a")
    )
    ranges = []
    for index, section in enumerate(elf.iter_sections()):
        if not section["sh_flags"] & 0x4 or section["sh_type"] == "SHT_NOBITS":  # SHF_EXECINSTR
            continue
        lo, data = section["sh_addr"], section.data()
        hi = lo + len(data)
        inside = [(a, kind) for a, kind, where in marks if where == index and lo <= a < hi]
        for i, (a, kind) in enumerate(inside):
            end = inside[i + 1][0] if i + 1 < len(inside) else hi
            if kind == "$t" and end > a:
                ranges.append((a, data[a - lo : end - lo]))
    return ranges


def disassembler(detail: bool = False):
    import capstone

    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = detail
    md.skipdata = True
    return md


ARMV6M_WIDE = {"bl", "dmb", "dsb", "isb", "mrs", "msr"}
"""The only 32-bit instructions of ARMv6-M."""


def thumb2_instructions(elf_path: str) -> list[tuple[int, str]]:
    """Instructions of the ELF's code that ARMv6-M (Cortex-M0) lacks: (address, text)."""
    md = disassembler()
    found = []
    for address, code in Elf(elf_path).code_ranges:
        for insn in md.disasm(code, address):
            if insn.id == 0:  # bytes capstone cannot decode at all
                found.append((insn.address, f"{insn.mnemonic} {insn.op_str}"))
                continue
            mnemonic = insn.mnemonic.split(".")[0]
            wide = insn.size == 4 and mnemonic not in ARMV6M_WIDE
            if wide or mnemonic in ("cbz", "cbnz") or re.fullmatch(r"it[te]{0,3}", mnemonic):
                found.append((insn.address, f"{insn.mnemonic} {insn.op_str}"))
    return found


def float_helpers(elf_path: str) -> list[str]:
    """The libgcc soft-float routines linked into the ELF."""
    return sorted(n for n in Elf(elf_path).symbols if FLOAT_HELPER.match(n))


# ------------------------------------------------------------------------------ cycle model


@lru_cache(maxsize=None)
def _arm():
    import capstone.arm as arm

    i = lambda *names: frozenset(getattr(arm, f"ARM_INS_{n}") for n in names)  # noqa: E731
    return {
        "load": i("LDR", "LDRB", "LDRH", "LDRSB", "LDRSH", "LDRT", "LDRBT", "LDRHT", "LDRSBT", "LDRSHT", "LDREX",
                  "LDREXB", "LDREXH"),
        "store": i("STR", "STRB", "STRH", "STRT", "STRBT", "STRHT", "STREX", "STREXB", "STREXH"),
        "pair": i("LDRD", "STRD"),
        "multiple": i("LDM", "LDMDB", "STM", "STMDB", "PUSH", "POP", "VLDMIA", "VLDMDB", "VSTMIA", "VSTMDB",
                      "VPUSH", "VPOP"),
        "vmem": i("VLDR", "VSTR"),
        "b": i("B"), "bl": i("BL"), "bx": i("BX", "BLX"), "cb": i("CBZ", "CBNZ"), "tb": i("TBB", "TBH"),
        "mla": i("MLA", "MLS"),
        "long_mul": i("SMULL", "UMULL"),
        "long_mla": i("SMLAL", "UMLAL", "UMAAL"),
        "div": i("SDIV", "UDIV"),
        "vmac": i("VMLA", "VMLS", "VNMLA", "VNMLS", "VFMA", "VFMS", "VFNMA", "VFNMS"),
        "vdiv": i("VDIV", "VSQRT"),
        "barrier": i("DMB", "DSB", "ISB"),
        "system": i("MRS", "MSR"),
        "it": i("IT"),
        "pc": arm.ARM_REG_PC,
        "al": arm.ARM_CC_AL,
        "reg": arm.ARM_OP_REG,
    }


def _registers(insn) -> int:
    """Words transferred by LDM/STM/PUSH/POP/VLDM... (the base register not counted; a double
    register is two)."""
    regs = [insn.reg_name(op.reg) for op in insn.operands if op.type == _arm()["reg"]]
    if insn.mnemonic.split(".")[0] not in ("push", "pop", "vpush", "vpop"):
        regs = regs[1:]
    return sum(2 if r.startswith("d") else 1 for r in regs)


def _writes_pc(insn) -> bool:
    return _arm()["pc"] in insn.regs_access()[1]


M3_PIPELINE_REFILL = 2
"""P of the Cortex-M3/M4 TRMs: 1-3 cycles to refill the pipeline after a taken branch,
depending on the target's alignment and width and on early address speculation; 2 here."""


def m0_cycles(insn) -> tuple[int, int]:
    """(cycles if not taken, cycles if taken) on the Cortex-M0 (TRM table 3-1, zero wait states,
    the fast single-cycle multiplier; the small multiplier option makes MULS 32)."""
    a, ins = _arm(), insn.id
    if ins in a["b"]:
        return (1, 3) if insn.cc != a["al"] else (3, 3)
    if ins in a["bl"]:
        return 4, 4
    if ins in a["bx"]:
        return 3, 3
    if ins in a["multiple"]:  # PUSH/POP/LDM/STM 1+N; POP {..., pc} 4+N (N: registers other than pc)
        n = _registers(insn)
        return (4 + n - 1, 4 + n - 1) if _writes_pc(insn) else (1 + n, 1 + n)
    if ins in a["load"] or ins in a["store"]:
        return 2, 2
    if ins in a["barrier"] or ins in a["system"]:
        return 4, 4
    if _writes_pc(insn):  # ADD pc / MOV pc
        return 3, 3
    return 1, 1


def v7m_cycles(insn, m4: bool) -> tuple[int, int]:
    """(cycles if not taken, cycles if taken) on the Cortex-M3 (TRM table 18-1) or M4 (TRM
    tables 3-1 and 7-1, FPv4-SP), zero wait states, P = M3_PIPELINE_REFILL. Loads and stores
    are 2 each (back-to-back pipelining not modelled), IT 1 (folding not modelled), SDIV/UDIV 7
    (2-12, early termination), M3 SMULL/UMULL 4 (3-5) and SMLAL/UMLAL 5 (4-7)."""
    a, ins, p = _arm(), insn.id, M3_PIPELINE_REFILL
    if ins in a["b"]:
        return (1, 1 + p) if insn.cc != a["al"] else (1 + p, 1 + p)
    if ins in a["bl"] or ins in a["bx"]:
        return 1 + p, 1 + p
    if ins in a["cb"]:
        return 1, 1 + p
    if ins in a["tb"]:
        return 2 + p, 2 + p
    refill = p if _writes_pc(insn) else 0
    if ins in a["multiple"]:
        n = _registers(insn)
        return 1 + n + refill, 1 + n + refill
    if ins in a["pair"]:
        return 3, 3
    if ins in a["load"] or ins in a["store"] or ins in a["vmem"]:
        return 2 + refill, 2 + refill
    if ins in a["mla"]:
        return (1, 1) if m4 else (2, 2)
    if ins in a["long_mul"]:
        return (1, 1) if m4 else (4, 4)
    if ins in a["long_mla"]:
        return (1, 1) if m4 else (5, 5)
    if ins in a["div"]:
        return 7, 7
    if ins in a["vmac"]:
        return 3, 3
    if ins in a["vdiv"]:
        return 14, 14
    if ins in a["barrier"]:
        return 4, 4
    return 1 + refill, 1 + refill


# ------------------------------------------------------------------------------ layers


@dataclass
class LayerMap:
    """Which report row each source line of NAME_run belongs to."""

    rows: list[dict]
    """report.json's layers in order, plus ops the quantizer added, as {name, op}."""
    line_rows: dict[int, int] = field(default_factory=dict)
    """model.c line number -> index into rows."""


def layer_map(out_dir: str, name: str) -> LayerMap:
    """Attribute the statements of OUT/NAME.c's NAME_run to report.json's layers.

    Each op of OUT/model.mlir emits its statements in order (as CEmitter.generate does); the
    emitters are replayed on the final module to learn which op owns which statement.
    """
    from qtc.compiler import emit_c_qnn  # noqa: F401  (registers the integer emitters)
    from qtc.compiler.emit_c import EMITTERS, CEmitter, c_identifier
    from qtc.compiler.textual_ir import read_module

    report = read_report(out_dir)
    module = read_module(os.path.join(out_dir, "model.mlir"))
    emitter = CEmitter(module, name, report.get("io", "float") if report.get("bits") != "float" else "float")
    args = emitter.inputs
    for i, arg in enumerate(args):  # as CEmitter.generate: name the inputs, place buffers, emit
        emitter.exprs[arg] = "input" if len(args) == 1 else f"input{i}"
    emitter.plan_values()
    owners = []
    for op in emitter.ops:
        EMITTERS[type(op)](emitter, op)
        owners += [op] * (len(emitter.body.statements) - len(owners))

    rows, op_rows = match_layers(report["layers"], list(dict.fromkeys(owners)))

    path = os.path.join(out_dir, f"{c_identifier(name)}.c")
    lines = open(path, encoding="utf-8").read().split("\n")
    signature = f"int {c_identifier(name)}_run("
    start = next((i for i, line in enumerate(lines) if line.startswith(signature)), None)
    if start is None or lines[start + 1] != "{":
        raise QtcError(f"{path}: no {signature}...) definition; was the file edited?")
    first = start + 2  # index of the first statement line
    body = lines[first : first + len(owners)]
    if len(body) != len(owners) or not all(line.startswith("    ") for line in body):
        raise QtcError(f"{path} does not match {out_dir}/model.mlir: was it edited after qtc compile?")
    mapping = LayerMap(rows)
    for k, op in enumerate(owners):
        mapping.line_rows[first + k + 1] = op_rows[op]
    return mapping


def match_layers(layers: list[dict], ops: list) -> tuple[list[dict], dict]:
    """Rows of the cost table and the row of each op of the final module (in program order).

    An op takes the first free report row of its layer whose op it implements (nn.dense ~
    qnn.dense, nn.tanh ~ qnn.lut: `qnn.implements`), else the first free row of its layer;
    further ops of a layer (a batch norm's integer form is several ops) add to the layer's
    last row. Ops of no report layer (the quantizer's float I/O conversions) get rows of their
    own, placed in program order.
    """
    from qtc.compiler.report import layer_of
    from qtc.dialects.qnn import implements

    taken = [False] * len(layers)
    placed: dict = {}  # op -> report row index, or (after row index, op) for an op of its own
    last: dict[str, int] = {}
    previous = -1
    for op in ops:
        layer = layer_of(op)
        free = [i for i, used in enumerate(taken) if not used and layers[i]["name"] == layer]
        same_kind = [i for i in free if implements(op.name, layers[i]["op"])]
        if free:
            row = (same_kind or free)[0]
            taken[row] = True
        elif layer in last:
            row = last[layer]
        else:
            placed[op] = (previous, op)
            continue
        placed[op] = last[layer] = previous = row
    rows, index = [], {}
    extras = [p for p in placed.values() if isinstance(p, tuple)]
    for position in range(-1, len(layers)):
        if position >= 0:
            index[position] = len(rows)
            rows.append({"name": layers[position]["name"], "op": layers[position]["op"]})
        for after, op in extras:
            if after == position:
                index[(after, op)] = len(rows)
                rows.append({"name": layer_of(op), "op": op.name})
    return rows, {op: index[p] for op, p in placed.items()}


def statement_rows(bench: Bench, mapping: LayerMap, run: tuple[int, int]) -> dict[int, int | None]:
    """Report row of every halfword address of NAME_run (None: not an op's statement)."""
    addresses = range(run[0], run[1], 2)
    result = subprocess.run(
        [toolchain()["addr2line"], "-e", bench.elf, "-a", "-i"],
        input="\n".join(f"{a:#x}" for a in addresses) + "\n", capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise QtcError(f"arm-none-eabi-addr2line failed: {result.stderr.strip()}")
    source = f"{bench.name}.c"
    rows, address, outer = {}, None, None
    for line in result.stdout.splitlines() + ["0x0"]:
        if line.startswith("0x"):
            if address is not None:
                rows[address] = outer
            address, outer = int(line, 16), None
            continue
        match = re.match(r"(.*):(\d+)", line)
        if match:  # frames are innermost first: the last one is NAME_run's own statement
            in_model = os.path.basename(match.group(1)) == source
            outer = mapping.line_rows.get(int(match.group(2))) if in_model else None
    return rows


# ------------------------------------------------------------------------------ running


@dataclass
class _Block:
    count: int
    cycles: int
    groups: list[tuple[int | None, int, int]] | None
    """(row, instructions, cycles) inside NAME_run; None: charged to the calling statement."""
    last_row: int | None
    branch: tuple[int, int, int] | None
    """(fall-through address, extra cycles if not taken, if taken) of the closing branch."""
    function: str


class _Counter:
    """The block hook: counts instructions and modelled cycles between the two markers."""

    def __init__(self, bench: Bench, elf: Elf, rows: dict[int, int | None], n_rows: int, run: tuple[int, int]):
        self.md = disassembler(detail=True)
        self.elf = elf
        self.cycles_of = m0_cycles if bench.core.name == "cortex-m0" else (
            lambda insn: v7m_cycles(insn, bench.core.name == "cortex-m4"))
        self.rows, self.run = rows, run
        self.begin = elf.address("qtc_bench_begin") & ~1
        self.end = elf.address("qtc_bench_end") & ~1
        self.blocks: dict[tuple[int, int], _Block] = {}
        self.counting = self.done = False
        self.instructions = self.cycles = 0
        self.row_instructions = [0] * n_rows
        self.row_cycles = [0] * n_rows
        self.other = [0, 0]
        self.functions: dict[str, int] = {}
        self.current: int | None = None
        self.pending: tuple[tuple[int, int, int], int | None] | None = None

    def analyse(self, uc, address: int, size: int) -> _Block:
        code = bytes(uc.mem_read(address, size))
        inside = self.run[0] <= address < self.run[1]
        groups, count, total, branch, last_row = [], 0, 0, None, None
        insns = list(self.md.disasm(code, address))
        for k, insn in enumerate(insns):
            not_taken, taken = self.cycles_of(insn)
            count += 1
            row = self.rows.get(insn.address) if inside else None
            if k == len(insns) - 1 and taken != not_taken:
                branch = (insn.address + insn.size, not_taken, taken)
                cost = 0  # added when the next block shows whether it was taken
            else:
                cost = not_taken
            total += cost
            if inside:
                if groups and groups[-1][0] == row:
                    groups[-1] = (row, groups[-1][1] + 1, groups[-1][2] + cost)
                else:
                    groups.append((row, 1, cost))
                last_row = row if row is not None else last_row
        return _Block(count, total, groups if inside else None, last_row, branch, self.elf.function_at(address))

    def charge(self, row: int | None, instructions: int, cycles: int) -> None:
        if row is None:
            self.other[0] += instructions
            self.other[1] += cycles
        else:
            self.row_instructions[row] += instructions
            self.row_cycles[row] += cycles

    def hook(self, uc, address: int, size: int, _data) -> None:
        if not self.counting:
            if address == self.begin and not self.done:
                self.counting = True
            return
        if self.pending is not None:
            (fallthrough, not_taken, taken), row = self.pending
            cost = not_taken if address == fallthrough else taken
            self.cycles += cost
            self.charge(row, 0, cost)
            self.pending = None
        if address == self.end:
            self.counting, self.done = False, True
            uc.emu_stop()
            return
        block = self.blocks.get((address, size))
        if block is None:
            block = self.blocks[(address, size)] = self.analyse(uc, address, size)
        self.instructions += block.count
        self.cycles += block.cycles
        self.functions[block.function] = self.functions.get(block.function, 0) + block.count
        if block.groups is None:
            self.charge(self.current, block.count, block.cycles)
            row = self.current
        else:
            for row, n, c in block.groups:
                self.charge(row, n, c)
            if block.last_row is not None:
                self.current = block.last_row
            row = block.groups[-1][0]
        if block.branch is not None:
            self.pending = (block.branch, row)


def run_bench(bench: Bench, mapping: LayerMap | None = None) -> dict:
    """Run the bench in Unicorn from reset to `qtc_bench_end`; the measured cost."""
    require_python_packages()
    import unicorn
    import unicorn.arm_const as uc_arm

    elf = Elf(bench.elf)
    run = elf.function(f"{bench.name}_run")
    rows = statement_rows(bench, mapping, run) if mapping is not None else {}
    counter = _Counter(bench, elf, rows, len(mapping.rows) if mapping else 0, run)

    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(getattr(uc_arm, bench.core.unicorn_model))
    flash, ram_top = elf.address("__qtc_flash_bytes_used"), elf.address("__stack_top")
    uc.mem_map(0, flash)
    uc.mem_map(0x20000000, ram_top - 0x20000000)
    uc.mem_map(0xE0000000, 0x100000)  # the system control space (the start-up writes CPACR)
    for address, data in elf.segments:
        uc.mem_write(address, data)
    uc.mem_write(elf.address("qtc_bench_input"), bench.input)
    sp, reset = np.frombuffer(bytes(uc.mem_read(0, 8)), dtype="<u4")
    uc.reg_write(uc_arm.UC_ARM_REG_SP, int(sp))

    exits = []

    def interrupt(uc, number, _data):
        exits.append((uc.reg_read(uc_arm.UC_ARM_REG_PC), uc.reg_read(uc_arm.UC_ARM_REG_R1)))
        uc.emu_stop()

    uc.hook_add(unicorn.UC_HOOK_BLOCK, counter.hook)
    uc.hook_add(unicorn.UC_HOOK_INTR, interrupt)
    try:
        uc.emu_start(int(reset) | 1, 0xFFFFFFFF, timeout=RUN_TIMEOUT_US)
    except unicorn.UcError as e:
        pc = uc.reg_read(uc_arm.UC_ARM_REG_PC)
        raise QtcError(f"{bench.target}: the model faulted at {pc:#x} in {elf.function_at(pc)} ({e})") from e
    if not counter.done:
        where = f"stopped in {elf.function_at(exits[0][0])}" if exits else "timed out"
        raise QtcError(f"{bench.target}: the bench {where} before the end of the inference")

    stack_lo, stack_hi = elf.address("__stack_limit"), ram_top
    stack = np.frombuffer(bytes(uc.mem_read(stack_lo, stack_hi - stack_lo)), dtype="<u4")
    untouched = np.argmax(stack != STACK_PAINT) if np.any(stack != STACK_PAINT) else len(stack)
    stack_bytes = (len(stack) - int(untouched)) * 4
    memory = elf.memory()
    result = {
        "instructions": counter.instructions,
        "cycles": counter.cycles,
        "flash_bytes": memory["flash_bytes"],
        "ram_bytes": memory["static_ram_bytes"] + stack_bytes,
        "static_ram_bytes": memory["static_ram_bytes"],
        "stack_bytes": stack_bytes,
        "float_abi": bench.float_abi,
    }
    if mapping is not None:
        result["per_layer"] = [
            {**row, "instructions": counter.row_instructions[i], "cycles": counter.row_cycles[i]}
            for i, row in enumerate(mapping.rows)
        ]
        result["other"] = {"instructions": counter.other[0], "cycles": counter.other[1]}
    top = sorted(counter.functions.items(), key=lambda kv: -kv[1])
    result["functions"] = dict(top[:8])
    return result


def measure_cost(out_dir: str, cpu: str, name: str = "model", float_abi: str | None = None) -> dict:
    """Build OUT's model for `cpu` and measure one inference (see the module docstring).

    Returns {"instructions", "cycles", "flash_bytes", "ram_bytes", "per_layer": [{name, op,
    instructions, cycles}, ...], "other", "static_ram_bytes", "stack_bytes", "float_abi",
    "functions" (instructions of the most executed functions)}.
    """
    require_python_packages()
    toolchain()
    mapping = layer_map(out_dir, name)
    with tempfile.TemporaryDirectory(prefix="qtc-cost-") as build_dir:
        bench = build_bench(out_dir, cpu, name, float_abi, build_dir=build_dir)
        return run_bench(bench, mapping)


# ------------------------------------------------------------------------------ QEMU


def qemu_instructions(bench: Bench, timeout: float = 120.0) -> int:
    """Instructions QEMU executes between the markers for the same ELF and input.

    Runs `qemu-system-arm -M <board>` with semihosting, one instruction per translation block
    and `-d exec,nochain` (a log line for every executed block) and counts the lines after
    `qtc_bench_begin` until `qtc_bench_end`. Build the bench with `memory=core.qemu_memory`
    (the microbit has 16 KB of RAM).
    """
    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        raise QtcError("qemu-system-arm not found (apt-get install qemu-system-arm)")
    elf = Elf(bench.elf)
    begin, end = (elf.address(s) & ~1 for s in ("qtc_bench_begin", "qtc_bench_end"))
    input_path = os.path.join(bench.build_dir, "input.bin")
    log_path = os.path.join(bench.build_dir, "qemu-exec.log")
    with open(input_path, "wb") as f:
        f.write(bench.input)
    version = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout
    major = int(re.search(r"version (\d+)", version).group(1))
    one_insn = ["-accel", "tcg,one-insn-per-tb=on"] if major >= 8 else ["-singlestep"]
    command = [
        qemu, "-M", bench.core.qemu_board, "-nographic", "-monitor", "none", "-serial", "none",
        "-semihosting-config", "enable=on,target=native", "-kernel", bench.elf,
        "-device", f"loader,file={input_path},addr={elf.address('qtc_bench_input'):#x},force-raw=on",
        *one_insn, "-d", "exec,nochain", "-D", log_path,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise QtcError(f"QEMU ({bench.core.qemu_board}) failed (exit {result.returncode}): {result.stderr.strip()}")
    pc = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    count, counting = 0, False
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = pc.match(line)
            if match is None:
                continue
            address = int(match.group(1), 16)
            if address == end and counting:
                return count
            if counting:
                count += 1
            elif address == begin:
                counting = True
    raise QtcError(f"QEMU's log of {bench.elf} does not pass both markers")


# ------------------------------------------------------------------------------ qtc cost


def write_costs(out_dir: str, costs: dict[str, dict]) -> None:
    """Add `cost: {target: measurement}` to OUT/report.json (other targets kept) and re-render report.md."""
    from qtc.compiler.report_md import update_report

    update_report(out_dir, cost={**read_report(out_dir).get("cost", {}), **costs})


def format_table(header: list[str], rows: list[list], left: int = 1) -> str:
    """A plain-text table: the first `left` columns left-aligned, the others right-aligned."""
    cells = [header] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
        for row in cells
    )


def cost_table(report: dict, costs: dict[str, dict]) -> str:
    """The `qtc cost` summary: one row a core, then the cycles of every layer on each core."""
    macs = report.get("macs", 0)
    summary = format_table(
        ["core", "instructions", "cycles", "cycles/MAC", "flash B", "RAM B", "stack B"],
        [
            [target, c["instructions"], c["cycles"], f"{c['cycles'] / macs:.1f}" if macs else "n/a",
             c["flash_bytes"], c["ram_bytes"], c["stack_bytes"]]
            for target, c in costs.items()
        ],
    )
    targets = list(costs)
    first = costs[targets[0]].get("per_layer", [])
    layers = format_table(
        ["layer", "op", *[f"{t} cycles" for t in targets]],
        [
            [row["name"], row["op"], *[costs[t]["per_layer"][i]["cycles"] for t in targets]]
            for i, row in enumerate(first)
        ] + [["(call, output copy)", "", *[costs[t]["other"]["cycles"] for t in targets]]],
        left=2,
    )
    bits = report.get("bits", "?")
    title = f"{report.get('model', 'model')}: {BUILD_NAMES.get(bits, bits)} build, {macs:,} MACs"
    return f"{title}\n{summary}\n\n{layers}"
