"""qtc passes, one a file, each registered under its command-line name."""

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> factory that imports the pass lazily (as xDSL's registry does)."""

    def get_calibrate():
        from qtc.passes.calibrate import CalibratePass

        return CalibratePass

    def get_fold_batch_norm():
        from qtc.passes.fold_batch_norm import FoldBatchNormPass

        return FoldBatchNormPass

    def get_fuse_activations():
        from qtc.passes.fuse_activations import FuseActivationsPass

        return FuseActivationsPass

    def get_propagate_contracts():
        from qtc.passes.propagate_contracts import PropagateContractsPass

        return PropagateContractsPass

    def get_requantize():
        from qtc.passes.requantize import RequantizePass

        return RequantizePass

    def get_round_weights():
        from qtc.passes.round_weights import RoundWeightsPass

        return RoundWeightsPass

    def get_plan_memory():
        from qtc.passes.plan_memory import PlanMemoryPass

        return PlanMemoryPass

    def get_check_overflow():
        from qtc.passes.check_overflow import CheckOverflowPass

        return CheckOverflowPass

    return {
        "calibrate": get_calibrate,
        "check-overflow": get_check_overflow,
        "requantize": get_requantize,
        "propagate-contracts": get_propagate_contracts,
        "round-weights": get_round_weights,
        "fold-batch-norm": get_fold_batch_norm,
        "fuse-activations": get_fuse_activations,
        "plan-memory": get_plan_memory,
    }


FLOAT_PIPELINE = "fold-batch-norm,fuse-activations"
"""What every build runs first: the float graph in the form the back ends expect."""
