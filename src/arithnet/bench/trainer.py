"""The vectorized many-seed trainer: one compiled program trains every seed.

The published protocol, seed by seed: fresh inputs every iteration from the
interpolation range, MSE loss plus the units' ramped regularizers, Adam, the
units' clamps after every step, and an evaluation every `eval_every`
iterations (and at step 0) on a fixed validation set (interpolation range)
and a fixed test set (extrapolation range) of 10,000 samples each.

How it runs: `jax.lax.scan` runs the `eval_every` iterations between two
evaluations inside one `jax.jit` program, and `jax.vmap` runs that program
for all seeds of a job at once; the host only sees the evaluations. The
network is the Keras layers themselves, called through `stateless_call` (see
`arithnet.bench.models`).

Randomness: each seed's training inputs come from a counter-based generator
(threefry2x32, JAX's default) keyed by a fixed key, with the counter
`(step, seed * n + j)` for the `n` words a step needs. A seed's inputs
therefore depend only on the seed and the step, never on which other seeds
share the job, and no key is split or carried. Initial weights come from the
layers' own initializers seeded by the seed; the slice offset of the
arithmetic task from NumPy's `RandomState(seed)`.
"""

import functools
import logging
import time
from collections.abc import Callable

import numpy as np

from arithnet.bench import tasks
from arithnet.bench.models import build_network, get_model
from arithnet.bench.runs import Job, RunResult, RunSpec

logger = logging.getLogger(__name__)

# The threefry key of every training stream: the ASCII of "arithnet".
_STREAM_KEY = (0x61726974, 0x686E6574)
_ADAM_BETAS = (0.9, 0.999)
_ADAM_EPSILON = 1e-8


def require_jax() -> None:
    """Raises ValueError unless Keras runs on JAX, which the bench needs."""
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise ValueError(
            "The bench trains with JAX (jit, scan, vmap). Accepted: "
            f"KERAS_BACKEND=jax. Received: backend={backend!r}"
        )


def _random_words(step, seed, count: int):
    """`count` uint32 words for `(step, seed)` from threefry2x32."""
    import jax.numpy as jnp
    from jax import lax
    from jax.extend.random import threefry_2x32

    half = (count + 1) // 2
    # Pairs (step, seed * half + j) are distinct for distinct (step, seed, j).
    high = jnp.broadcast_to(step.astype(jnp.uint32), (half,))
    low = seed.astype(jnp.uint32) * jnp.uint32(half) + lax.iota(jnp.uint32, half)
    key = jnp.asarray(_STREAM_KEY, dtype=jnp.uint32)
    return threefry_2x32(key, jnp.concatenate([high, low]))[:count]


def _uniform_inputs(words, data_range: tasks.Range):
    """Inputs from `data_range`, float32, the shape of `words`."""
    import jax.numpy as jnp
    from jax import lax

    # 23 high bits fill the mantissa of a float in [1, 2); the lowest bit
    # picks the part of a two-part range.
    unit = lax.bitcast_convert_type(
        (words >> 9) | jnp.uint32(0x3F800000), jnp.float32
    ) - jnp.float32(1.0)
    lows = [jnp.float32(part.low) for part in data_range.parts]
    widths = [jnp.float32(part.high - part.low) for part in data_range.parts]
    if len(lows) == 1:
        return lows[0] + widths[0] * unit
    first = (words & jnp.uint32(1)) == 1
    low = jnp.where(first, lows[0], lows[1])
    width = jnp.where(first, widths[0], widths[1])
    return low + width * unit


def sample_inputs(step, seed, batch_size: int, input_size: int, data_range):
    """The training inputs of `seed` at `step`, `(batch_size, input_size)` float32.

    Traceable: `step` and `seed` may be JAX integer scalars.

    Args:
        step: The iteration.
        seed: The run's seed.
        batch_size: Samples per iteration.
        input_size: Inputs per sample.
        data_range: The `tasks.Range` to draw from.
    """
    import jax.numpy as jnp

    count = batch_size * input_size
    words = _random_words(jnp.asarray(step), jnp.asarray(seed), count)
    return _uniform_inputs(words, data_range).reshape(batch_size, input_size)


def _clip(grads, settings):
    import jax
    import jax.numpy as jnp

    if settings.clip_grad_value is not None:
        bound = settings.clip_grad_value
        grads = jax.tree.map(lambda g: jnp.clip(g, -bound, bound), grads)
    if settings.clip_grad_norm is not None:
        leaves = jax.tree.leaves(grads)
        norm = jnp.sqrt(sum(jnp.sum(g * g) for g in leaves))
        scale = jnp.minimum(1.0, settings.clip_grad_norm / (norm + 1e-6))
        grads = jax.tree.map(lambda g: g * scale.astype(g.dtype), grads)
    return grads


def _adam(params, grads, moments, count, learning_rate: float):
    """One Adam step (Kingma & Ba, 2015), as `torch.optim.Adam` takes it."""
    import jax
    import jax.numpy as jnp

    beta1, beta2 = _ADAM_BETAS
    first, second = moments
    first = jax.tree.map(lambda m, g: beta1 * m + (1 - beta1) * g, first, grads)
    second = jax.tree.map(lambda v, g: beta2 * v + (1 - beta2) * g * g, second, grads)
    correction1 = 1 - jnp.float32(beta1) ** count
    correction2 = 1 - jnp.float32(beta2) ** count

    def update(p, m, v):
        denominator = jnp.sqrt(v / correction2) + _ADAM_EPSILON
        return p - (learning_rate * (m / correction1) / denominator).astype(p.dtype)

    return jax.tree.map(update, params, first, second), (first, second)


class _Program:
    """The compiled chunk of training steps and the evaluation, for one spec."""

    def __init__(self, spec: RunSpec, network, task: tasks.Task, snap: bool = False):
        import jax

        self.spec = spec
        self.network = network
        self.snap = snap
        self.task = task
        self.interpolation = tasks.Range.parse(spec.interpolation)
        self.train = jax.jit(
            jax.vmap(self._chunk, in_axes=(0, 0, 0, None)), donate_argnums=0
        )
        self.evaluate = jax.jit(
            jax.vmap(self._evaluate, in_axes=(0, 0, None, 0, None, 0))
        )

    def _loss(self, params, state, x, target):
        import jax.numpy as jnp

        y, state, regularizer = self.network.apply(params, state, x, training=True)
        return jnp.mean((y - target) ** 2) + regularizer, state

    def _step(self, carry, step, seed, masks):
        import jax
        import jax.numpy as jnp

        params, state, moments = carry
        x = sample_inputs(
            step, seed, self.spec.batch_size, self.task.input_size, self.interpolation
        )
        target = self.task.targets(self.spec.op, x, masks)

        grad_fn = jax.grad(self._loss, has_aux=True)
        grads, state = grad_fn(params, state, x, target)
        grads = _clip(grads, self.network.settings)
        count = step.astype(jnp.float32) + 1
        learning_rate = self.network.settings.learning_rate
        params, moments = _adam(params, grads, moments, count, learning_rate)
        return (self.network.constrain(params), state, moments), None

    def _chunk(self, carry, seed, masks, steps):
        from jax import lax

        def body(carry, step):
            return self._step(carry, step, seed, masks)

        return lax.scan(body, carry, steps)[0]

    def _evaluate(self, params, state, x_valid, t_valid, x_test, t_test):
        import jax.numpy as jnp

        def errors(values):
            y_valid = self.network.apply(values, state, x_valid)[0]
            y_test = self.network.apply(values, state, x_test)[0]
            return jnp.mean((y_valid - t_valid) ** 2), jnp.mean((y_test - t_test) ** 2)

        valid, test = errors(params)
        if self.snap:
            # arithnet's recipe keeps the snapped weights when they are at
            # least as good on the validation data, as `arithnet train` does.
            snapped_valid, snapped_test = errors(self.network.snap(params))
            better = snapped_valid <= valid
            valid = jnp.where(better, snapped_valid, valid)
            test = jnp.where(better, snapped_test, test)
        return valid, test, self.network.sparsity_error(params)


@functools.lru_cache(maxsize=4)
def _program(spec: RunSpec) -> _Program:
    # Jobs of one spec (seed chunks, resumed sweeps) share the compiled code.
    task = tasks.get_task(spec.task)
    model = get_model(spec.model, task)
    network = build_network(task, model, spec.settings, spec.op)
    return _Program(spec, network, task, snap=model.snap)


def _check_counter(seeds: np.ndarray, count: int) -> None:
    half = (count + 1) // 2
    if seeds.min() < 0 or (int(seeds.max()) + 1) * half > 2**32:
        raise ValueError(
            "Seed out of range for the counter-based generator. Accepted: "
            f"0 <= seed < {2**32 // half} at this batch and input size. "
            f"Received: seeds {int(seeds.min())}..{int(seeds.max())}"
        )


def _evaluation_data(task: tasks.Task, spec: RunSpec, masks: np.ndarray):
    interpolation = tasks.Range.parse(spec.interpolation)
    extrapolation = tasks.Range.parse(spec.extrapolation)
    data = []
    for data_range, seed in (
        (interpolation, tasks.VALIDATION_SEED),
        (extrapolation, tasks.TEST_SEED),
    ):
        x = tasks.evaluation_inputs(task, data_range, seed)
        # Targets in float64 from the float32 inputs the network sees.
        x32 = x.astype(np.float32)
        targets = [task.targets(spec.op, x32.astype(np.float64), m) for m in masks]
        data += [x32, np.stack(targets).astype(np.float32)]
    return data


def _stack(trees: list):
    import jax

    return jax.tree.map(lambda *leaves: np.stack(leaves), *trees)


class _Tracker:
    """Per-seed bookkeeping of the evaluations: curves, best, solved-at."""

    def __init__(self, seeds: int, threshold: float):
        self.threshold = threshold
        self.steps: list[int] = []
        self.valid: list[np.ndarray] = []
        self.test: list[np.ndarray] = []
        self.best_valid = np.full(seeds, np.inf)
        self.best_test = np.full(seeds, np.nan)
        self.best_sparsity = np.full(seeds, np.nan)
        self.best_step = np.full(seeds, -1)
        self.solved_at = np.full(seeds, -1)

    def add(self, step: int, valid, test, sparsity) -> None:
        valid, test = np.asarray(valid, float), np.asarray(test, float)
        self.steps.append(step)
        self.valid.append(valid)
        self.test.append(test)

        # NaN never compares below, so diverged evaluations are never best.
        better = valid < self.best_valid
        self.best_valid = np.where(better, valid, self.best_valid)
        self.best_test = np.where(better, test, self.best_test)
        self.best_sparsity = np.where(better, np.asarray(sparsity), self.best_sparsity)
        self.best_step = np.where(better, step, self.best_step)
        solved = (test < self.threshold) & (self.solved_at < 0)
        self.solved_at = np.where(solved, step, self.solved_at)

    def results(self, spec: RunSpec, seeds, seconds: float) -> list[RunResult]:
        steps = np.asarray(self.steps)
        valid, test = np.stack(self.valid, 1), np.stack(self.test, 1)
        results = []
        for i, seed in enumerate(seeds):
            found = self.best_step[i] >= 0
            results.append(
                RunResult(
                    spec=spec,
                    seed=int(seed),
                    success=bool(found and self.best_test[i] < spec.threshold),
                    solved_at=int(self.solved_at[i])
                    if self.solved_at[i] >= 0
                    else None,
                    best_step=int(self.best_step[i]) if found else None,
                    interpolation_mse=float(self.best_valid[i]) if found else np.nan,
                    extrapolation_mse=float(self.best_test[i]),
                    sparsity_error=float(self.best_sparsity[i]),
                    steps=steps,
                    interpolation_curve=valid[i],
                    extrapolation_curve=test[i],
                    seconds=seconds,
                    job_seeds=len(seeds),
                )
            )
        return results


def train(job: Job, progress: Callable[[int], None] | None = None) -> list[RunResult]:
    """Trains every seed of `job` together and judges each run.

    Args:
        job: The spec and the seeds.
        progress: Called with the number of iterations done (per seed) after
            every evaluation.

    Returns:
        One result per seed, in the order of `job.seeds`.

    Raises:
        ValueError: If Keras is not on JAX, or the spec names an unknown or
            unpublished task, operation, model or range.
    """
    import jax
    import jax.numpy as jnp

    require_jax()
    started = time.perf_counter()
    spec = job.spec
    task = tasks.get_task(spec.task)
    task.validate(
        spec.op,
        tasks.Range.parse(spec.interpolation),
        tasks.Range.parse(spec.extrapolation),
    )
    seeds = np.asarray(job.seeds, dtype=np.int64)
    _check_counter(seeds, spec.batch_size * task.input_size)

    program = _program(spec)
    network = program.network
    masks = np.stack([task.masks(int(s)) for s in seeds])
    evaluation = _evaluation_data(task, spec, masks)

    params, state = _stack([network.init(int(s)) for s in seeds])
    moments = (jax.tree.map(np.zeros_like, params),) * 2
    carry = jax.tree.map(jnp.asarray, (params, state, moments))
    seed_words = jnp.asarray(seeds, dtype=jnp.uint32)
    masks32 = jnp.asarray(masks, dtype=jnp.float32)

    tracker = _Tracker(len(seeds), spec.threshold)
    tracker.add(0, *program.evaluate(carry[0], carry[1], *evaluation))
    for start in range(0, spec.iterations, spec.eval_every):
        steps = jnp.arange(start, start + spec.eval_every, dtype=jnp.int32)
        carry = program.train(carry, seed_words, masks32, steps)
        done = start + spec.eval_every
        tracker.add(done, *program.evaluate(carry[0], carry[1], *evaluation))
        if progress is not None:
            progress(done)

    seconds = time.perf_counter() - started
    logger.info("%s: %d seeds in %.1f s", spec.label, len(seeds), seconds)
    return tracker.results(spec, seeds, seconds)
