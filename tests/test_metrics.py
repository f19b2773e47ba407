import keras
import numpy as np
import pytest

from arithnet import metrics


def test_exact_accuracy_rounds_predictions():
    truth = np.array([0, 1, -5, 100])
    pred = np.array([0.49, 1.5000001, -4.6, 98.0])
    assert metrics.exact_accuracy(truth, pred) == pytest.approx(0.5, abs=0)


@pytest.mark.parametrize(
    "exponent, expected", [(25, 1.0), (40, 1.0), (53, 0.5), (60, 0)]
)
def test_exact_accuracy_past_float32_precision(exponent, expected):
    truth = np.array([2**exponent + 1, 2**exponent + 2], dtype=np.int64)
    exact = truth.astype(np.float64)  # exact while exponent < 53
    as_float32 = truth.astype(np.float32)  # loses the low bits past 2**24

    # Past 2**53 float64 itself skips integers: 2**53 + 1 and 2**60 + k round.
    assert metrics.exact_accuracy(truth, exact) == expected
    assert metrics.exact_accuracy(truth, as_float32) == 0.0


def test_exact_accuracy_on_python_ints_past_int64():
    truth = np.empty(2, dtype=object)
    truth[:] = [10**20, 10**20 + 1]
    pred = np.array([1e20, 1e20])
    assert metrics.exact_accuracy(truth, pred) == 0.5


def test_nan_and_inf_predictions_count_as_wrong():
    truth = np.array([1, 2, 3])
    pred = np.array([np.nan, np.inf, 3.0])
    assert metrics.exact_accuracy(truth, pred) == pytest.approx(1 / 3, abs=1e-12)
    assert metrics.mean_absolute_error(truth, pred) == np.inf


def test_mean_absolute_error_does_not_round_the_truth():
    truth = np.array([2**60 + 1], dtype=np.int64)
    pred = np.array([float(2**60)])  # exactly 2**60
    assert metrics.mean_absolute_error(truth, pred) == 1.0
    assert metrics.mean_absolute_error(np.array([3]), np.array([3.25])) == 0.25


def test_max_relative_error_counts_zero_truth_as_absolute():
    truth = np.array([0, 10, -4])
    pred = np.array([0.5, 11.0, -4.0])
    assert metrics.max_relative_error(truth, pred) == pytest.approx(0.5, rel=1e-12)
    assert metrics.max_relative_error(np.array([1e-3]), np.array([1.1e-3])) == (
        pytest.approx(0.1, rel=1e-9)
    )


def test_binary_accuracy_matches_keras_accuracy_on_one_unit():
    truth = np.array([0, 0, 1, 7, 12], dtype=np.float32)
    pred = np.array([0.2, 0.7, 0.9, 7.0, 12.2], dtype=np.float32)
    keras_metric = keras.metrics.BinaryAccuracy()
    keras_metric.update_state(truth.reshape(-1, 1), pred.reshape(-1, 1))
    assert metrics.binary_accuracy(truth, pred) == pytest.approx(
        float(keras_metric.result()), abs=1e-7
    )
    assert metrics.binary_accuracy(truth, pred) == pytest.approx(0.4, abs=1e-12)


def test_keras_exact_accuracy_metric_in_compile():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[2.0]]), np.array([0.3])])
    model.compile(loss="mse", metrics=[metrics.ExactAccuracy()])
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([2.0, 4.0, 7.0, 8.0])

    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["exact_accuracy"] == pytest.approx(0.75, abs=1e-6)


def test_keras_exact_accuracy_metric_config_round_trip():
    metric = metrics.ExactAccuracy(name="exact", dtype="float64")
    clone = metrics.ExactAccuracy.from_config(metric.get_config())
    assert clone.name == "exact" and clone.dtype == "float64"


def test_warns_on_accuracy_for_one_unit_regression():
    with pytest.warns(UserWarning, match="binary accuracy"):
        assert metrics.warn_if_misleading_accuracy(["accuracy"], output_units=1)
    assert not metrics.warn_if_misleading_accuracy(["accuracy"], output_units=3)
    assert not metrics.warn_if_misleading_accuracy(["mae"], output_units=1)
