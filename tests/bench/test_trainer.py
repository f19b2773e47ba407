import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from arithnet.bench import models, tasks, thresholds, trainer
from arithnet.bench.runs import Job, RunSpec


def _spec(task=tasks.SINGLE_MODULE, op="add", model="NAU", iterations=3000, **settings):
    published = models.get_model(model, task).published_settings(task, op)
    interpolation, extrapolation = task.ranges[0]
    return RunSpec(
        task=task.name,
        op=op,
        model=model,
        interpolation=str(interpolation),
        extrapolation=str(extrapolation),
        iterations=iterations,
        batch_size=128,
        eval_every=500,
        settings=published.model_copy(update=settings),
        threshold=thresholds.success_threshold(task, op, extrapolation),
    )


def test_solves_single_module_addition_on_every_seed():
    # A larger step than published, to converge within the test's seconds.
    spec = _spec(learning_rate=0.01, regularizer_start=500, regularizer_end=2000)
    results = trainer.train(Job(spec, (0, 1, 2, 3)))
    assert [r.seed for r in results] == [0, 1, 2, 3]
    for result in results:
        assert result.success
        assert result.extrapolation_mse < spec.threshold
        assert result.solved_at is not None and result.solved_at <= result.best_step
        assert result.sparsity_error < 1e-3
        # An evaluation at step 0 and after every 500 iterations.
        np.testing.assert_array_equal(result.steps, np.arange(0, 3001, 500))


def test_a_seed_trains_the_same_alone_or_in_company():
    spec = _spec(iterations=1000)
    alone = trainer.train(Job(spec, (2,)))[0]
    together = trainer.train(Job(spec, (0, 1, 2)))[2]
    np.testing.assert_allclose(
        alone.extrapolation_curve, together.extrapolation_curve, rtol=1e-4
    )
    np.testing.assert_allclose(
        alone.interpolation_curve, together.interpolation_curve, rtol=1e-4
    )


def test_untrained_multiplication_fails_honestly():
    # Zero iterations: the judgement is made on the initial weights.
    spec = _spec(task=tasks.ARITHMETIC, op="mul", model="NMU", iterations=500)
    result = trainer.train(Job(spec, (0,)))[0]
    assert not result.success
    assert result.solved_at is None
    assert result.extrapolation_mse > spec.threshold


def test_progress_reports_every_evaluation():
    seen = []
    trainer.train(Job(_spec(iterations=1500), (0,)), progress=seen.append)
    assert seen == [500, 1000, 1500]


@pytest.mark.parametrize("text", ["U[1;2]", "U[-6;-2]|U[2;6]"])
def test_inputs_are_uniform_on_the_range(text):
    data_range = tasks.Range.parse(text)
    x = np.asarray(trainer.sample_inputs(0, 0, 4096, 10, data_range))
    assert x.shape == (4096, 10) and x.dtype == np.float32
    low, high = data_range.parts[0].low, data_range.parts[-1].high
    assert np.all((x >= min(low, data_range.low)) & (x <= high))
    if len(data_range.parts) == 1:
        assert x.mean() == pytest.approx(1.5, abs=0.01)
        assert x.var() == pytest.approx(1 / 12, rel=0.05)
    else:
        assert np.mean(x > 0) == pytest.approx(0.5, abs=0.02)


def test_inputs_are_fresh_per_step_and_seed():
    data_range = tasks.Range.parse("U[1;2]")
    draws = [
        np.asarray(trainer.sample_inputs(step, seed, 128, 100, data_range))
        for step, seed in [(0, 0), (1, 0), (0, 1)]
    ]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.any(draws[i] == draws[j])
    again = trainer.sample_inputs(jnp.int32(1), jnp.uint32(0), 128, 100, data_range)
    np.testing.assert_array_equal(np.asarray(again), draws[1])


def test_sampling_traces_under_vmap():
    data_range = tasks.Range.parse("U[1;2]")
    batched = jax.vmap(lambda s: trainer.sample_inputs(5, s, 8, 3, data_range))(
        jnp.arange(3, dtype=jnp.uint32)
    )
    single = trainer.sample_inputs(5, 2, 8, 3, data_range)
    np.testing.assert_array_equal(np.asarray(batched[2]), np.asarray(single))


def test_refuses_seeds_beyond_the_counter():
    with pytest.raises(ValueError, match="Seed out of range"):
        trainer.train(Job(_spec(task=tasks.ARITHMETIC, iterations=500), (2**20,)))


@pytest.mark.any_backend
def test_refuses_other_backends(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(ValueError, match="Received: backend='torch'"):
        trainer.require_jax()
