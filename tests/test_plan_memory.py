"""plan-memory's placement: buffers live together never share bytes, on random lifetimes and
on a compiled model's IR, and views and in-place results reuse their operand's bytes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qtc.compiler.arena import Buffer, lower_bound, place
from qtc.compiler.emit_c import scratch_bytes
from qtc.compiler.interpreter import entry_function
from qtc.passes.plan_memory import OFFSET, SCRATCH, byte_size, c_signature

buffers_strategy = st.lists(
    st.tuples(st.integers(1, 300), st.integers(0, 12), st.integers(0, 5)), min_size=1, max_size=25
)


@settings(max_examples=200, deadline=None)
@given(buffers_strategy)
def test_placed_buffers_live_together_do_not_overlap(specs) -> None:
    buffers = [Buffer(i, size, 8, start, start + length) for i, (size, start, length) in enumerate(specs)]
    arena = place(buffers)
    for a in buffers:
        assert a.offset % 8 == 0 and a.offset + a.size <= arena
        for b in buffers:
            if a is not b and a.overlaps(b):
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
    assert arena >= lower_bound(buffers)


def test_a_compiled_models_buffers_live_together_do_not_overlap(tmp_path) -> None:
    """A residual int8 CNN (add, reshape, tanh table, softmax): recompute every value's
    lifetime from the IR the pass annotated and check the placement against it."""
    import keras

    from qtc.compiler.build import compile_model
    from qtc.compiler.textual_ir import parse_module

    keras.utils.set_random_seed(3)
    x = keras.Input((8, 8, 2))
    a = keras.layers.Conv2D(4, 3, padding="same")(x)
    b = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(a)
    s = keras.layers.Add()([a, b])
    t = keras.layers.Activation("tanh")(s)
    f = keras.layers.Flatten()(t)
    y = keras.layers.Dense(3, activation="softmax")(f)
    model = keras.Model(x, y)
    calibration = np.random.default_rng(0).normal(size=(16, 8, 8, 2)).astype(np.float32)
    compile_model(model, str(tmp_path / "out"), calibration=calibration)
    module = parse_module((tmp_path / "out" / "model.mlir").read_text())
    function = entry_function(module)
    ops = c_signature(function, "int").ops
    index = {op: i for i, op in enumerate(ops)}
    spans = []  # (first op, last op, offset, bytes) of every arena value and scratch
    for i, op in enumerate(ops):
        if OFFSET in op.attributes:
            result = op.results[0]
            last = max((index.get(u.operation, len(ops)) for u in result.uses), default=len(ops))
            spans.append((i, last, op.attributes[OFFSET].value.data, byte_size(result), op))
        if SCRATCH in op.attributes:
            spans.append((i, i, op.attributes[SCRATCH].value.data, scratch_bytes(op), op))
    handovers = 0
    for s1 in spans:
        for s2 in spans:
            live_together = s1[0] <= s2[1] and s2[0] <= s1[1]
            bytes_overlap = s1[2] < s2[2] + s2[3] and s2[2] < s1[2] + s1[3]
            if s1 is s2 or not (live_together and bytes_overlap):
                continue
            # only a hand-over is allowed: the same bytes, one value written by the op that
            # last reads the other (a view or an in-place element-wise op)
            assert s1[2] == s2[2] and (s1[0] == s2[1] or s2[0] == s1[1]), (s1[4].name, s2[4].name)
            handovers += 1
    names = {op.name for op in ops if OFFSET in op.attributes}
    assert {"qnn.add", "qnn.reshape", "qnn.lut"} <= names
    assert handovers > 0  # the reshape and the table lookup reuse bytes
