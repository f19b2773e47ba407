"""Seed-iterations per CPU-second of three ways to train the same model.

The task is the arithmetic task of Madsen & Johansen (2020) as the bench runs
it: 100 inputs from U[1, 2], a and b sums of two overlapping slices of 25,
target a * b, fresh samples every iteration, batch 128, Adam 1e-3, the NAU ->
NMU network (hidden size 2) with its sparsity regularizer. Side by side, in
one process:

(a) `arithnet.bench`'s vectorised trainer: many seeds in one jit/scan/vmap
    program;
(b) Keras `fit` on arithnet's layers, one seed, the same batches;
(c) a plain single-thread PyTorch loop written the way the original research
    code trains: one seed at a time, `torch.rand` for a fresh batch every
    iteration, forward, backward, Adam, clamp.

CPU-seconds are `time.process_time()`: all threads of this process, so a
path that uses both cores pays for both. The script then splits the time of
(a) and (c) into sampling, the training step and the rest.

    python benchmarks/speed.py                      # about two minutes
    python benchmarks/speed.py --iterations 500     # a quick look
"""

import argparse
import contextlib
import time

import arithnet  # noqa: F401  (selects JAX and 64-bit mode before keras)
import numpy as np

TASK_SLICE = 25
TASK_OVERLAP = 12
BATCH_SIZE = 128
INPUTS = 100
LEARNING_RATE = 1e-3


@contextlib.contextmanager
def clock(timings: dict, name: str):
    """Adds the CPU and wall seconds of the block to `timings[name]`."""
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    previous = timings.get(name, (0.0, 0.0))
    timings[name] = (
        previous[0] + time.process_time() - cpu,
        previous[1] + time.perf_counter() - wall,
    )


def vectorised(seeds: int, iterations: int) -> dict:
    """(a) `arithnet.bench.trainer.train` on `seeds` seeds at once."""
    from arithnet.bench import config, trainer

    sweep = config.SweepConfig.model_validate(
        {
            "name": "speed",
            "seeds": seeds,
            "iterations": iterations,
            "seeds_per_job": seeds,
            "experiment": [{"task": "arithmetic", "ops": ["mul"], "models": ["NMU"]}],
        }
    )
    (job,) = config.plan(sweep)
    small = config.plan(sweep.model_copy(update={"iterations": sweep.eval_every}))
    timings = {}
    with clock(timings, "compile and first chunk"):
        trainer.train(small[0])
    with clock(timings, "total"):
        trainer.train(job)
    return timings


def vectorised_sampling(seeds: int, iterations: int) -> dict:
    """The sampling of (a) alone: the same jit/scan/vmap program, no training."""
    import jax
    import jax.numpy as jnp

    from arithnet.bench import tasks, trainer

    data_range = tasks.Range.parse("U[1;2]")

    def chunk(total, seed, steps):
        def body(total, step):
            x = trainer.sample_inputs(step, seed, BATCH_SIZE, INPUTS, data_range)
            return total + x.sum(), None

        return jax.lax.scan(body, total, steps)[0]

    program = jax.jit(jax.vmap(chunk, in_axes=(0, 0, None)))
    totals = jnp.zeros(seeds)
    seed_words = jnp.arange(seeds, dtype=jnp.uint32)
    program(totals, seed_words, jnp.arange(1000, dtype=jnp.int32)).block_until_ready()
    timings = {}
    with clock(timings, "total"):
        for start in range(0, iterations, 1000):
            steps = jnp.arange(start, start + 1000, dtype=jnp.int32)
            totals = program(totals, seed_words, steps)
        totals.block_until_ready()
    return timings


def _batches(iterations: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 2.0, (iterations * BATCH_SIZE, INPUTS)).astype("float32")
    start = 3
    a = x[:, start : start + TASK_SLICE].sum(1)
    b_start = start + TASK_SLICE - TASK_OVERLAP
    b = x[:, b_start : b_start + TASK_SLICE].sum(1)
    return x, (a * b)[:, None]


def keras_fit(iterations: int) -> dict:
    """(b) Keras `fit` on NAU -> NMU, one seed, pre-drawn fresh batches."""
    import keras

    from arithnet.layers import NAU, NMU

    model = keras.Sequential(
        [
            keras.Input((INPUTS,)),
            NAU(2, regularizer_scale=10.0, seed=0),
            NMU(1, regularizer_scale=10.0, seed=1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
    x, y = _batches(iterations, 0)
    warm_x, warm_y = _batches(50, 1)
    timings = {}
    with clock(timings, "compile and warm-up"):
        model.fit(warm_x, warm_y, batch_size=BATCH_SIZE, verbose=0)
    with clock(timings, "total"):
        model.fit(x, y, batch_size=BATCH_SIZE, shuffle=False, verbose=0)
    return timings


def torch_loop(iterations: int) -> dict:
    """(c) one seed at a time, the research code's loop, one thread."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    limit = min(0.5, (6.0 / (INPUTS + 2)) ** 0.5)
    nau = torch.nn.Parameter(torch.empty(INPUTS, 2).uniform_(-limit, limit))
    nmu = torch.nn.Parameter(torch.empty(2, 1).uniform_(0.25, 0.75))
    optimizer = torch.optim.Adam([nau, nmu], lr=LEARNING_RATE)
    b_start = 3 + TASK_SLICE - TASK_OVERLAP
    timings = {}

    def sparsity(w):
        return torch.minimum(w.abs(), 1 - w.abs()).mean()

    with clock(timings, "total"):
        for step in range(iterations):
            with clock(timings, "sampling"):
                x = torch.rand(BATCH_SIZE, INPUTS) + 1.0
                a = x[:, 3 : 3 + TASK_SLICE].sum(1)
                t = a * x[:, b_start : b_start + TASK_SLICE].sum(1)
            with clock(timings, "forward and backward"):
                hidden = x @ nau.clamp(-1, 1)
                w = nmu.clamp(0, 1)
                y = (hidden[:, :, None] * w + 1 - w).prod(1)[:, 0]
                strength = 10.0 * min(1.0, max(0.0, (step - 1e6) / 1e6))
                loss = torch.mean((y - t) ** 2) + strength * (
                    sparsity(nau) + sparsity(nmu)
                )
                optimizer.zero_grad()
                loss.backward()
            with clock(timings, "Adam and clamp"):
                optimizer.step()
                with torch.no_grad():
                    nau.clamp_(-1, 1)
                    nmu.clamp_(0, 1)
    return timings


def _rate(seed_iterations: int, timings: dict) -> float:
    return seed_iterations / timings["total"][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--keras-iterations", type=int, default=5_000)
    parser.add_argument("--torch-iterations", type=int, default=5_000)
    args = parser.parse_args()
    if args.iterations % 1000:
        parser.error("--iterations must be a multiple of 1000 (one evaluation)")

    rows = {
        "(a) arithnet vectorised": (
            args.seeds * args.iterations,
            vectorised(args.seeds, args.iterations),
        ),
        "(b) Keras fit, arithnet layers": (
            args.keras_iterations,
            keras_fit(args.keras_iterations),
        ),
        "(c) PyTorch loop, one thread": (
            args.torch_iterations,
            torch_loop(args.torch_iterations),
        ),
    }
    sampling = vectorised_sampling(args.seeds, args.iterations)
    torch_rate = _rate(*rows["(c) PyTorch loop, one thread"])

    print("| path | seed-iterations | CPU s | wall s | per CPU-second | vs (c) |")
    print("|---|---|---|---|---|---|")
    for name, (count, timings) in rows.items():
        cpu, wall = timings["total"]
        rate = count / cpu
        print(
            f"| {name} | {count:,} | {cpu:.1f} | {wall:.1f} | {rate:,.0f} "
            f"| {rate / torch_rate:.1f}x |"
        )

    print("\nWhere the time goes (CPU seconds):")
    total_a = rows["(a) arithnet vectorised"][1]["total"][0]
    print(
        f"- (a): sampling alone {sampling['total'][0]:.1f} of {total_a:.1f} "
        f"({sampling['total'][0] / total_a:.0%}); the rest is the training step "
        "and evaluations. One-time compilation: "
        f"{rows['(a) arithnet vectorised'][1]['compile and first chunk'][0]:.1f}"
    )
    torch_timings = rows["(c) PyTorch loop, one thread"][1]
    total_c = torch_timings["total"][0]
    parts = ", ".join(
        f"{name} {torch_timings[name][0] / total_c:.0%}"
        for name in ("sampling", "forward and backward", "Adam and clamp")
    )
    print(f"- (c): {parts}; the rest is Python overhead between the parts")


if __name__ == "__main__":
    main()
