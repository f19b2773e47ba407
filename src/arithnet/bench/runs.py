"""The unit of work of a sweep: a configuration, its seeds, and their results.

A `RunSpec` fixes everything about a training run except its seed; a run is a
`(RunSpec, seed)` pair. Specs are plain, hashable and picklable, so they travel
to worker processes and Ray tasks and key the results database.
"""

import dataclasses
import hashlib
import json

import numpy as np

from arithnet.bench.models import Settings


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One configuration of the benchmark.

    Attributes:
        task: The task name.
        op: The operation.
        model: The model name.
        interpolation: The training and validation range, e.g. `"U[1;2]"`.
        extrapolation: The test range, e.g. `"U[2;6]"`.
        iterations: Training iterations.
        batch_size: Fresh samples per iteration.
        eval_every: Iterations between evaluations.
        settings: The model's training settings.
        threshold: The success threshold (extrapolation MSE).
    """

    task: str
    op: str
    model: str
    interpolation: str
    extrapolation: str
    iterations: int
    batch_size: int
    eval_every: int
    settings: Settings
    threshold: float

    @property
    def key(self) -> str:
        """A stable digest of every field; equal specs have equal keys."""
        fields = dataclasses.asdict(self)
        fields["settings"] = self.settings.model_dump()
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    @property
    def label(self) -> str:
        """A short human-readable name: task/op/model[ranges]."""
        return (
            f"{self.task}/{self.op}/{self.model} "
            f"{self.interpolation}->{self.extrapolation}"
        )


@dataclasses.dataclass(frozen=True)
class RunResult:
    """The outcome of one seed of a `RunSpec`.

    Attributes:
        spec: The configuration.
        seed: The seed.
        success: Whether the extrapolation MSE at the evaluation with the
            lowest validation MSE is below `spec.threshold`.
        solved_at: The first evaluated step whose extrapolation MSE is below
            the threshold, or `None`.
        best_step: The evaluated step with the lowest validation MSE, or
            `None` when every validation MSE was NaN.
        interpolation_mse: Validation MSE at `best_step`.
        extrapolation_mse: Test (extrapolation) MSE at `best_step`.
        sparsity_error: Max distance of the effective weights from
            {-1, 0, 1} at `best_step`.
        steps: The evaluated steps, `(evaluations,)`.
        interpolation_curve: Validation MSE at `steps`.
        extrapolation_curve: Test MSE at `steps`.
        seconds: Wall time of the whole job that trained this seed.
        job_seeds: How many seeds that job trained together.
    """

    spec: RunSpec
    seed: int
    success: bool
    solved_at: int | None
    best_step: int | None
    interpolation_mse: float
    extrapolation_mse: float
    sparsity_error: float
    steps: np.ndarray
    interpolation_curve: np.ndarray
    extrapolation_curve: np.ndarray
    seconds: float
    job_seeds: int


@dataclasses.dataclass(frozen=True)
class Job:
    """Seeds of one spec to train together in one vectorized program."""

    spec: RunSpec
    seeds: tuple[int, ...]
