"""Success thresholds: the extrapolation MSE of an epsilon-perfect solution.

A run succeeds when its extrapolation MSE, at the evaluation with the lowest
validation MSE, is below the MSE that a solution with every weight off by
`epsilon` would make on the extrapolation range (Madsen & Johansen, 2020,
section 4.1; Mistry et al., 2022). The threshold is estimated by simulating
that solution on fresh extrapolation samples, the way each paper did.
"""

import functools

import numpy as np

from arithnet.bench.tasks import Range, Task, apply_operation

EPSILON = 1e-5
_CHUNK = 100_000


def simulate_threshold(
    task: Task,
    op: str,
    extrapolation: Range,
    epsilon: float = EPSILON,
    samples: int = 1_000_000,
    seed: int = 0,
) -> float:
    """Estimates the MSE of an `epsilon`-perfect solution on `extrapolation`.

    For the `arithmetic` task (Madsen & Johansen, 2020) the perfect first
    layer `W` (`(input_size, 2)`, ones on the two slices) becomes
    `W + epsilon` off the slices and `W - epsilon` on them, and the output is
    `op(x W)`. For the `single_module` task (Mistry et al., 2022) the
    perturbed module computes `x1 + x2 - epsilon (|x1| + |x2|)`,
    `x1 - x2 - epsilon (|x1| + |x2|)`, `(1 - epsilon)**2 x1 x2` or
    `(1 - epsilon) / (1 + epsilon) x1 / x2`.

    Warning:
        The published arithmetic-task simulation indexes its slices with R's
        inclusive ranges, so its perturbed solution covers 26 inputs per
        slice with an overlap of 13, one more than the task itself. We follow
        it, so that our thresholds are the ones the published success rates
        were judged by. Against the task's own slices this makes the `add`,
        `sqrt` and `div` thresholds 8 %, 11 % and 15 % lower (stricter) and
        leaves the others within 0.5 %.

    Args:
        task: The task.
        op: The operation.
        extrapolation: The range the threshold is measured on.
        epsilon: The weight error of the reference solution.
        samples: The number of simulated inputs.
        seed: The NumPy seed of the simulation.

    Returns:
        The threshold, a mean squared error.
    """
    rng = np.random.RandomState(seed)
    total = 0.0
    for start in range(0, samples, _CHUNK):
        x = extrapolation.sample(rng, (min(_CHUNK, samples - start), task.input_size))
        if task.name == "single_module":
            error = _single_module_error(op, x, epsilon)
        else:
            error = _arithmetic_error(task, op, x, epsilon)
        total += float(np.sum(error**2))
    return total / samples


def _arithmetic_error(task: Task, op: str, x: np.ndarray, epsilon: float):
    # Slices one input longer than the task's, as R's `a.start:a.end` is.
    length = task.subset_size + 1
    b_start = length - (task.overlap + 1)
    perfect = np.zeros((task.input_size, 2))
    perfect[:length, 0] = 1.0
    perfect[b_start : b_start + length, 1] = 1.0
    perturbed = np.where(perfect == 1.0, 1.0 - epsilon, epsilon)

    def output(weights):
        z = x @ weights
        return apply_operation(op, z[:, 0], z[:, 1])

    return output(perturbed) - output(perfect)


def _single_module_error(op: str, x: np.ndarray, epsilon: float):
    x1, x2 = x[:, 0], x[:, 1]
    leak = epsilon * np.sum(np.abs(x), axis=1)
    if op in ("add", "sub"):
        return -leak
    if op == "mul":
        return ((1 - epsilon) ** 2 - 1) * x1 * x2
    if op == "div":
        return ((1 - epsilon) / (1 + epsilon) - 1) * x1 / x2
    raise ValueError(
        "No single-module threshold for this operation. Accepted: add, sub, "
        f"mul, div. Received: op={op!r}"
    )


@functools.cache
def success_threshold(task: Task, op: str, extrapolation: Range) -> float:
    """The simulated threshold with the published settings, cached."""
    return simulate_threshold(task, op, extrapolation)
