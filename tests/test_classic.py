import numpy as np
import pytest

from arithnet import classic, diagnosis


@pytest.fixture(scope="module")
def add_run():
    return classic.run_classic("add", seed=0, epochs=1)


def test_classic_network_is_built_as_in_the_question(add_run):
    layers = add_run.model.layers
    assert [layer.units for layer in layers] == [3, 5, 3, 5, 1]
    assert [layer.activation.__name__ for layer in layers] == [
        "linear",
        "relu",
        "relu",
        "relu",
        "relu",
    ]
    assert len(add_run.train) == 10_000
    assert add_run.train.x.min() >= 0 and add_run.train.x.max() < 500
    assert add_run.steps == 1000
    assert len(add_run.batch_loss) == 1000
    assert add_run.warnings and "binary accuracy" in add_run.warnings[0]


def test_forced_collapse_is_detected(add_run):
    kernel, bias = add_run.model.layers[-1].get_weights()
    add_run.model.layers[-1].set_weights([kernel, bias - 1e9])
    try:
        result = diagnosis.diagnose(add_run)
    finally:
        add_run.model.layers[-1].set_weights([kernel, bias])

    assert result.collapsed and result.output_unit_dead
    assert result.dead_units[-1] == 1
    assert result.output_min == result.output_max == 0.0
    assert result.first_layer_gradient_norm == 0.0
    assert result.final_loss == pytest.approx(result.loss_predict_zero, rel=1e-12)
    assert any("collapsed" in f for f in result.findings)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_collapse_flag_matches_a_constant_output(seed):
    run = classic.run_classic("mul", seed=seed, epochs=1)
    result = diagnosis.diagnose(run)
    pred = run.model.predict(run.train.x.astype("float32"), verbose=0).reshape(-1)

    assert result.collapsed == bool(np.ptp(pred) == 0)
    if result.collapsed:
        gap = abs(result.final_loss - result.loss_predict_zero)
        assert gap / result.loss_predict_zero < 1e-3
        assert result.first_layer_gradient_norm == 0.0
    else:
        assert result.final_loss < result.loss_predict_zero
    y = run.train.y.astype(np.float64)
    assert result.loss_predict_zero == pytest.approx(np.mean(y**2), rel=1e-12)
    assert result.loss_predict_mean == pytest.approx(np.var(y), rel=1e-12)
    assert result.reported_accuracy == pytest.approx(result.binary_accuracy, abs=1e-3)


def test_diagnosis_serializes_the_required_fields(add_run):
    payload = diagnosis.diagnose(add_run).to_dict()
    for key in (
        "op",
        "seed",
        "backend",
        "final_loss",
        "loss_predict_zero",
        "loss_predict_mean",
        "collapsed",
        "dead_units",
        "exact_accuracy",
        "findings",
    ):
        assert key in payload
    assert len(payload["dead_units"]) == 5
    assert all(isinstance(f, str) and f for f in payload["findings"])


def test_rejects_unknown_op_and_bad_epochs():
    with pytest.raises(ValueError, match="Accepted: add, mul, square"):
        classic.run_classic("div")
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        classic.run_classic("add", epochs=0)
