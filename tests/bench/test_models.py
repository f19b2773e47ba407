"""The bench's functional networks against the Keras layers they wrap.

Each model is built twice from the same seeds: as a bench `Network` (pure
functions of the parameters, what the vectorized trainer runs) and as a plain
`keras.Sequential` trained by Keras itself. One plain SGD step of Keras gives
its gradient (including the units' `add_loss` regularizers); both must agree
with the bench's forward pass and `jax.grad`, in float64.
"""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from arithnet.bench import models, tasks

# The regularizer at full strength from step 0, so its gradient counts too.
REGULARIZED = dict(regularizer_scale=0.5, regularizer_start=0, regularizer_end=0)
LEARNING_RATE = 1e-6

# Every published stack of the arithmetic task, and the units published only
# on the single-module task; together they hold every unit class.
CASES = [
    (tasks.ARITHMETIC, name)
    for name in models.available_models(tasks.ARITHMETIC)
    if name != models.ARITHNET_RECIPE
] + [
    (tasks.SINGLE_MODULE, name)
    for name, model in models.MODELS.items()
    if model.arithmetic is None and model.single_module is not None
]


def _case(task, name):
    model = models.get_model(name, task)
    settings = model.published_settings(task, "mul")
    if settings.regularizer_scale != 0.0:
        settings = settings.model_copy(update=REGULARIZED)
    network = models.Network(task, model.units(task), settings, dtype="float64")
    rng = np.random.RandomState(0)
    x = rng.uniform(1.0, 2.0, (16, task.input_size))
    target = rng.uniform(1.0, 2.0, (16,))
    return network, x, target


@pytest.mark.parametrize("task, name", CASES, ids=lambda v: getattr(v, "name", v))
def test_forward_and_gradient_match_keras(task, name):
    network, x, target = _case(task, name)
    params, state = network.init(seed=3)
    inputs = keras.Input((task.input_size,), dtype="float64")
    keras_model = keras.Sequential([inputs, *network.build(3)])

    # Forward pass, outside training.
    expected = keras.ops.convert_to_numpy(keras_model(x))[:, 0]
    ours = network.apply(params, state, jnp.asarray(x))[0]
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)

    # Gradient of MSE + regularizers, through one SGD step of Keras.
    def loss(p):
        y, _, regularizer = network.apply(p, state, jnp.asarray(x), training=True)
        return jnp.mean((y - target) ** 2) + regularizer

    grads = jax.grad(loss)(params)
    keras_model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="mse", run_eagerly=True
    )
    before = [v.numpy() for v in keras_model.trainable_variables]
    keras_model.train_on_batch(x, target[:, None])
    after = [v.numpy() for v in keras_model.trainable_variables]
    for g, b, a in zip(jax.tree.leaves(grads), before, after, strict=True):
        np.testing.assert_allclose(g, (b - a) / LEARNING_RATE, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["NAU", "NMU"])
def test_constrain_is_the_units_clamp(name):
    task = tasks.ARITHMETIC
    model = models.get_model(name, task)
    network = models.Network(
        task, model.units(task), model.published_settings(task, "mul")
    )
    params, _ = network.init(seed=0)
    pushed = jax.tree.map(lambda p: p * 10.0, params)
    clamped = network.constrain(pushed)
    low = {"NAU": -1.0, "NMU": 0.0}
    for layer, unit in zip(clamped, model.units(task), strict=True):
        for value in layer:
            assert float(jnp.max(value)) <= 1.0
            assert float(jnp.min(value)) >= low[unit]


def test_sparsity_error_is_zero_at_a_snapped_solution():
    task = tasks.ARITHMETIC
    model = models.get_model("NMU", task)
    network = models.Network(task, model.units(task), models.Settings())
    masks = task.masks(0)
    params = ((masks.T.astype(np.float32),), (np.ones((2, 1), np.float32),))
    assert float(network.sparsity_error(params)) == 0.0
    half = ((masks.T.astype(np.float32) * 0.5,), params[1])
    assert float(network.sparsity_error(half)) == pytest.approx(0.5)


def test_published_settings():
    nmu = models.get_model("NMU", tasks.ARITHMETIC)
    settings = nmu.published_settings(tasks.ARITHMETIC, "mul")
    assert (settings.regularizer_scale, settings.regularizer_start) == (10.0, 1_000_000)
    npu = models.get_model("NPU", tasks.SINGLE_MODULE)
    assert npu.published_settings(tasks.SINGLE_MODULE, "div").regularizer_scale == 1e-7


def test_unpublished_and_unknown_models_are_refused():
    with pytest.raises(ValueError, match="not published on the arithmetic task"):
        models.get_model("NPU", tasks.ARITHMETIC)
    with pytest.raises(ValueError, match="Received: model='GRU'"):
        models.get_model("GRU", tasks.ARITHMETIC)


@pytest.mark.parametrize(
    "task, op, units",
    [
        (tasks.ARITHMETIC, "add", ("NAU", "NAU")),
        (tasks.ARITHMETIC, "mul", ("NAU", "NMU")),
        (tasks.ARITHMETIC, "div", ("NAU", "RealNPU-open")),
        (tasks.SINGLE_MODULE, "sub", ("NAU",)),
        (tasks.SINGLE_MODULE, "div", ("RealNPU-open",)),
    ],
)
def test_arithnet_recipe_picks_the_unit_per_operation(task, op, units):
    recipe = models.get_model(models.ARITHNET_RECIPE, task)
    network = models.build_network(
        task, recipe, recipe.published_settings(task, op), op
    )

    assert recipe.units(task, op) == units
    gate = network.layers[-1].gate if units[-1] == "RealNPU-open" else None
    assert gate is None or (not gate.trainable and float(gate.numpy()[0]) == 1.0)


def test_settings_validation():
    with pytest.raises(ValueError, match="ends before it starts"):
        models.Settings(regularizer_start=10, regularizer_end=5)
    with pytest.raises(ValueError):
        models.Settings(learning_rate=0.0)


def test_snap_rounds_like_the_layers():
    task = tasks.ARITHMETIC
    recipe = models.get_model(models.ARITHNET_RECIPE, task)
    settings = recipe.published_settings(task, "mul")
    network = models.build_network(task, recipe, settings, "mul")
    params, _ = network.init(seed=0)
    pushed = jax.tree.map(lambda p: np.clip(p * 3.0, -1.2, 1.2), params)

    snapped = network.snap(pushed)

    references = network.build(seed=0)  # built Keras layers, snapped their way
    for reference, values, expected in zip(references, pushed, snapped, strict=True):
        reference.kernel.assign(values[0])
        np.testing.assert_array_equal(reference.snapped()["kernel"], expected[0])


def test_snapping_is_refused_for_units_it_does_not_know():
    network = models.Network(tasks.SINGLE_MODULE, ("NALU",), models.Settings())
    with pytest.raises(ValueError, match="Received: NALU"):
        network.check_snappable()
