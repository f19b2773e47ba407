"""`arithnet.training`: the recipe trains to exact, reports honestly, restarts
after failures and is reproducible."""

import keras
import numpy as np
import pytest

from arithnet import data, training
from arithnet import expr as ex


def _config(text: str, train: str, far: str | None = None, **options):
    names = ex.parse(text).inputs
    extrapolate = (dict.fromkeys(names, data.parse_range(far)),) if far else ()
    return training.TrainConfig(
        expr=text,
        ranges=dict.fromkeys(names, data.parse_range(train)),
        extrapolate=extrapolate,
        **options,
    )


@pytest.mark.parametrize(
    "text, train, far, model",
    [
        ("a - b", "0:50", "0:1000000", "nau"),
        ("a*b", "0:50", "-1000:1000", "nmu"),
        ("(a + b)*(a - b)", "-20:20", "-200:200", "nau-nmu"),
    ],
)
def test_default_recipe_is_exact_inside_and_outside(text, train, far, model):
    result = training.train(_config(text, train, far))

    assert result.model_name == model
    assert [r.name for r in result.ranges] == ["train", far]
    assert all(r.exact_accuracy == 1.0 and r.mae == 0.0 for r in result.ranges)
    assert result.ranges[0].grid and not result.ranges[1].grid
    assert result.formula_equivalent and result.snapped
    assert result.validation_exact == 1.0


def test_division_is_within_1e_9_relative_far_outside():
    result = training.train(_config("a/b", "1:60", "1:1000000"))

    assert result.model_name == "real-npu" and result.dtype == "float64"
    assert max(r.max_rel_error for r in result.ranges) <= 1e-9
    assert result.formula_equivalent


def test_output_unit_is_solved_exactly_when_adam_stalls():
    # On all-positive data Adam lifts every weight of the output NAU together
    # and the regularizer pins the linear terms; the least-squares refit
    # recovers the exact remainder.
    result = training.train(_config("a*b + c", "0:30", "30:60", epochs=8))

    assert result.refit
    assert result.formula == "a*b + c"
    assert all(r.exact_accuracy == 1.0 for r in result.ranges)


def test_float64_is_chosen_past_two_to_the_24():
    small = training.plan(_config("a + b", "0:10"))
    result = training.train(_config("a + b", "0:10", "0:20000000"))

    assert small.spec.name == "nau"
    assert result.dtype == "float64"
    assert result.model.inputs[0].dtype == "float64"
    assert result.ranges[1].exact_accuracy == 1.0


def test_same_seed_gives_the_same_report():
    first = training.train(_config("a*b", "0:40", "40:80", seed=3)).to_dict()
    second = training.train(_config("a*b", "0:40", "40:80", seed=3)).to_dict()

    first.pop("seconds"), second.pop("seconds")
    assert first == second


def _poison(model: keras.Model) -> None:
    model.set_weights(
        [w * np.nan if w.dtype.kind == "f" else w for w in model.get_weights()]
    )


class _PoisonFirstRun(keras.callbacks.Callback):
    """Sets every weight to NaN after the first epoch of the first run."""

    def __init__(self):
        super().__init__()
        self.poisoned = False

    def on_train_begin(self, logs=None):
        self.fresh = not self.poisoned

    def on_epoch_end(self, epoch, logs=None):
        if self.fresh and not self.poisoned:
            self.poisoned = True
            _poison(self.model)


def test_nan_restarts_on_the_next_seed_and_says_so(caplog):
    # An MLP is never exact, so the poisoned weights reach a second epoch,
    # whose loss is NaN.
    result = training.train(
        _config("a*b", "0:40", seed=5, model="mlp", epochs=3),
        callbacks=[_PoisonFirstRun()],
    )

    assert result.restarts and result.restarts[0][0] == 5
    assert "NaN" in result.restarts[0][1]
    assert result.seed == 6
    assert "restarting on seed 6" in caplog.text


def test_every_restart_failing_is_an_error():
    class AlwaysNaN(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            _poison(self.model)

    config = _config("a*b", "0:40", model="mlp", max_restarts=1, epochs=3)
    with pytest.raises(RuntimeError, match="failed on 2 seeds in a row"):
        training.train(config, callbacks=[AlwaysNaN()])


def test_baselines_report_no_formula_and_inexact_extrapolation():
    result = training.train(_config("a*b", "0:50", "500:1000", model="mlp", epochs=2))

    assert result.formula is None and not result.formula_equivalent
    assert result.validation_exact_snapped is None and not result.snapped
    assert result.ranges[1].exact_accuracy < 0.5


@pytest.mark.parametrize(
    "config, message",
    [
        (lambda: _config("a/b", "0:1"), "undefined on all of its ranges"),
        (lambda: _config("a + b", "0:5", "0:5"), "must reach outside"),
        (lambda: _config("a + b", "0:5", model="resnet"), "Unknown model"),
        (
            lambda: training.TrainConfig("a + b", {"a": data.Range(0, 5)}),
            "missing=['b']",
        ),
        (lambda: _config("a + b", "0:5", epochs=0), "epochs must be at least 1"),
    ],
)
def test_bad_requests_fail_before_training(config, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        training.plan(config())


def test_exact_share_judges_real_targets_relatively():
    expression = ex.parse("a/b")
    truth = np.array([1 / 3, 2.0, 1e6])
    close = truth * (1 + 5e-10)
    far = truth * (1 + 5e-9)

    assert training.exact_share(expression, truth, close) == 1.0
    assert training.exact_share(expression, truth, far) == 0.0


def test_predict_keeps_float64_inputs_past_two_to_the_24():
    from arithnet.layers import NAU

    inputs = keras.Input((2,), dtype="float64")
    unit = NAU(1, dtype="float64")
    model = keras.Model(inputs, unit(inputs))
    unit.kernel.assign(np.ones((2, 1)))
    x = np.array([[2.0**24 + 1, 1.0]])

    # Keras's data adapter rounds float64 arrays to floatx (float32) first.
    assert model.predict(x, verbose=0)[0, 0] == 2.0**24 + 1
    assert training.predict(model, x)[0] == 2.0**24 + 2
    assert keras.config.floatx() == "float32"
