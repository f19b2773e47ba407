"""What went wrong in a run of the classic network, measured from the run.

Every finding is a sentence built around a number taken from the trained
model, its data or its logs; nothing here is recited.
"""

import dataclasses

import keras
import numpy as np

from arithnet import metrics
from arithnet._gradients import loss_gradients
from arithnet.classic import LEARNING_RATE, ClassicRun

# Relative spread under which the output counts as constant.
CONSTANT_TOLERANCE = 1e-6


@dataclasses.dataclass
class Diagnosis:
    """The measured state of a classic run, with findings in words.

    Attributes:
        op: The operation trained.
        seed: The run's seed.
        backend: The Keras backend it ran on.
        final_loss: MSE of the trained model over the training data (float64).
        loss_predict_zero: E[y²], the MSE of always predicting 0.
        loss_predict_mean: Var(y), the MSE of always predicting the mean.
        collapsed: Whether the output is constant over the training data.
        output_min: Smallest prediction on the training data.
        output_max: Largest prediction on the training data.
        dead_units: Per Dense layer, units never active on the training data
            (ReLU output never above 0; for the linear layer, a constant
            output).
        layer_units: Units per Dense layer.
        output_unit_dead: Whether the single output unit is dead.
        first_layer_gradient_norm: Norm of the loss gradient on the first
            layer's kernel at the end of training.
        target_std: Standard deviation of the targets.
        target_max: Largest absolute target.
        initial_weight_std: Standard deviation of the initial kernels.
        initial_output_max: Largest output of the untrained network.
        max_weight_change: Largest change of any weight during training.
        steps: Optimizer steps taken.
        reported_accuracy: The last epoch's ``accuracy`` from Keras.
        binary_accuracy: That metric recomputed on the final model.
        zero_target_share: The share of targets equal to 0.
        exact_accuracy: Share of training rows with round(pred) == truth.
        train_mae: Mean absolute error on the training data.
        extrapolation_mae: Mean absolute error on the extrapolation data.
        extrapolation_range: The extrapolation inputs' range, as text.
        findings: One sentence per finding.
    """

    op: str
    seed: int
    backend: str
    final_loss: float
    loss_predict_zero: float
    loss_predict_mean: float
    collapsed: bool
    output_min: float
    output_max: float
    dead_units: list[int]
    layer_units: list[int]
    output_unit_dead: bool
    first_layer_gradient_norm: float
    target_std: float
    target_max: float
    initial_weight_std: float
    initial_output_max: float
    max_weight_change: float
    steps: int
    reported_accuracy: float | None
    binary_accuracy: float
    zero_target_share: float
    exact_accuracy: float
    train_mae: float
    extrapolation_mae: float
    extrapolation_range: str
    findings: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary of every field."""
        return dataclasses.asdict(self)


def diagnose(run: ClassicRun) -> Diagnosis:
    """Measures a classic run and explains it.

    Args:
        run: A finished run from `arithnet.classic.run_classic`.

    Returns:
        The diagnosis with its findings.
    """
    x = run.train.x.astype("float32")
    y = run.train.y.astype(np.float64)
    activations = _activations(run.model, x)
    pred = activations[-1].reshape(-1)

    spread = float(pred.max() - pred.min())
    collapsed = spread <= CONSTANT_TOLERANCE * (1.0 + abs(float(pred.mean())))
    dead = [
        _dead_count(layer, a)
        for layer, a in zip(run.model.layers, activations, strict=True)
    ]
    initial = _initial_output(run, x)
    kernels = [w for w in run.initial_weights if w.ndim == 2]

    result = Diagnosis(
        op=run.op,
        seed=run.seed,
        backend=keras.backend.backend(),
        final_loss=float(np.mean((pred - y) ** 2)),
        loss_predict_zero=float(np.mean(y**2)),
        loss_predict_mean=float(np.var(y)),
        collapsed=bool(collapsed),
        output_min=float(pred.min()),
        output_max=float(pred.max()),
        dead_units=dead,
        layer_units=[int(layer.units) for layer in run.model.layers],
        output_unit_dead=bool(dead[-1] == 1),
        first_layer_gradient_norm=_first_layer_gradient_norm(run.model, x, y),
        target_std=float(np.std(y)),
        target_max=float(np.abs(y).max()),
        initial_weight_std=float(np.std(np.concatenate([k.ravel() for k in kernels]))),
        initial_output_max=float(np.abs(initial).max()),
        max_weight_change=_max_weight_change(run),
        steps=run.steps,
        reported_accuracy=_last(run.history.get("accuracy")),
        binary_accuracy=metrics.binary_accuracy(y, pred),
        zero_target_share=float(np.mean(y == 0)),
        exact_accuracy=metrics.exact_accuracy(run.train.y, pred),
        train_mae=metrics.mean_absolute_error(run.train.y, pred),
        extrapolation_mae=_extrapolation_mae(run),
        extrapolation_range=_range_text(run.extrapolation.x),
    )
    result.findings = findings(result, run.warnings)
    return result


def _activations(model: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
    outputs = probe.predict(x, batch_size=4096, verbose=0)
    return [np.asarray(o, dtype=np.float64) for o in outputs]


def _dead_count(layer: keras.layers.Dense, activation: np.ndarray) -> int:
    if layer.activation is keras.activations.relu:
        return int(np.sum(~(activation > 0).any(axis=0)))
    return int(np.sum(np.ptp(activation, axis=0) == 0))


def _initial_output(run: ClassicRun, x: np.ndarray) -> np.ndarray:
    trained = run.model.get_weights()
    run.model.set_weights(run.initial_weights)
    output = np.asarray(run.model.predict(x, batch_size=4096, verbose=0))
    run.model.set_weights(trained)
    return output


def _first_layer_gradient_norm(model: keras.Model, x: np.ndarray, y: np.ndarray):
    grads = loss_gradients(model, x, y.astype("float32").reshape(-1, 1))
    return float(np.linalg.norm(grads[0]))


def _max_weight_change(run: ClassicRun) -> float:
    pairs = zip(run.model.get_weights(), run.initial_weights, strict=True)
    return float(max(np.abs(after - before).max() for after, before in pairs))


def _extrapolation_mae(run: ClassicRun) -> float:
    x = run.extrapolation.x.astype("float32")
    pred = run.model.predict(x, batch_size=4096, verbose=0)
    return metrics.mean_absolute_error(run.extrapolation.y, pred)


def _range_text(x: np.ndarray) -> str:
    return f"[{int(x.min())}, {int(x.max()) + 1})"


def _last(values: list[float] | None) -> float | None:
    return None if not values else float(values[-1])


def findings(d: Diagnosis, warning_messages: list[str] = ()) -> list[str]:
    """The diagnosis in sentences, each carrying its measured number."""
    found = [
        _loss_finding(d),
        _output_finding(d),
        _dead_finding(d),
        _gradient_finding(d),
        _scale_finding(d),
        _accuracy_finding(d),
    ]
    if not d.collapsed:
        found.append(_fit_finding(d))
    found.extend(f"arithnet's check warned: {m}" for m in warning_messages)
    return found


def _loss_finding(d: Diagnosis) -> str:
    ratio = d.final_loss / d.loss_predict_zero if d.loss_predict_zero else 0.0
    return (
        f"Final training loss (MSE) is {d.final_loss:.4g}. Always predicting 0 "
        f"would score E[y²] = {d.loss_predict_zero:.4g} and always predicting the "
        f"mean would score Var(y) = {d.loss_predict_mean:.4g}; the model's loss "
        f"is {ratio:.4g} times that of predicting 0."
    )


def _output_finding(d: Diagnosis) -> str:
    if d.collapsed:
        return (
            f"The output is constant ({d.output_min:.4g}) on every training "
            "input: the network has collapsed and cannot learn from here."
        )
    return (
        f"The output varies over the training data, from {d.output_min:.4g} to "
        f"{d.output_max:.4g}, while the targets reach {d.target_max:.4g}."
    )


def _dead_finding(d: Diagnosis) -> str:
    parts = ", ".join(
        f"layer {i} {dead}/{units}"
        for i, (dead, units) in enumerate(
            zip(d.dead_units, d.layer_units, strict=True), start=1
        )
    )
    tail = (
        "the output unit itself is dead, so no gradient reaches any weight"
        if d.output_unit_dead
        else "the output unit is still active"
    )
    return f"Dead units (never active on the training data): {parts}; {tail}."


def _gradient_finding(d: Diagnosis) -> str:
    norm = d.first_layer_gradient_norm
    state = "exactly zero: training has stopped" if norm == 0 else f"{norm:.4g}"
    return f"The loss gradient reaching the first layer's kernel is {state}."


def _scale_finding(d: Diagnosis) -> str:
    return (
        f"Targets have standard deviation {d.target_std:.4g} (largest "
        f"{d.target_max:.4g}), while the initial kernels have standard deviation "
        f"{d.initial_weight_std:.3g} and the untrained network's largest output "
        f"is {d.initial_output_max:.4g}. Adam moves a weight by about its "
        f"learning rate ({LEARNING_RATE:g}) per step, so {d.steps} steps can move "
        f"it by about {LEARNING_RATE * d.steps:.3g}; the largest change measured "
        f"is {d.max_weight_change:.4g}."
    )


def _accuracy_finding(d: Diagnosis) -> str:
    reported = (
        "nothing" if d.reported_accuracy is None else (f"{d.reported_accuracy:.4g}")
    )
    return (
        f"Keras reported accuracy {reported}. In Keras 3 'accuracy' on one "
        "output unit is binary accuracy, y_true == (y_pred > 0.5); on the final "
        f"model it is {d.binary_accuracy:.4g}, against a share of zero targets of "
        f"{d.zero_target_share:.4g}. It does not count correct integers: "
        f"exact-integer accuracy is {d.exact_accuracy:.4g}."
    )


def _fit_finding(d: Diagnosis) -> str:
    return (
        f"The run did not collapse, yet only {d.exact_accuracy:.2%} of training "
        f"answers round to the truth; mean absolute error is {d.train_mae:.4g} "
        f"on the training range and {d.extrapolation_mae:.4g} on "
        f"{d.extrapolation_range}. A ReLU network is piecewise linear: it can "
        "only approximate a curved surface and extends it linearly outside."
    )
