"""The fit recipe: from an expression and ranges to a model that is exact.

`train` parses the target, draws exact data for the training range and every
extrapolation range, picks a model (`arithnet.models`), fits it with Keras
until the validation data is exact (raw or with weights snapped to simple
values), restarts on the next seed after NaN or a dead model, keeps the
snapped weights when they are at least as exact, and measures every range.

"Exact" means round(prediction) == truth for integer-valued targets and a
relative error of at most `REAL_TOLERANCE` otherwise.
"""

import dataclasses
import logging
import time

import keras
import numpy as np
from keras import ops

from arithnet import _backend, data, metrics, models, readout
from arithnet import expr as ex

logger = logging.getLogger(__name__)

REAL_TOLERANCE = 1e-9
FLOAT32_EXACT_LIMIT = 2**24
TRAIN_POOL = 200_000
VALIDATION_SIZE = 10_000
REPORT_GRID_LIMIT = 1_000_000
EXTRAPOLATION_SIZE = 100_000


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything `train` needs; the CLI parses options into one of these.

    Attributes:
        expr: The target expression, for example ``"a*b"``.
        ranges: The training range of each input.
        extrapolate: Extrapolation ranges, each a range per input.
        model: A name from `arithnet.models.MODELS`, or ``"auto"``.
        seed: Seed of data, initialization and shuffling.
        epochs: The most epochs to train.
        steps_per_epoch: Optimizer steps per epoch.
        batch_size: Examples per step.
        max_restarts: Restarts allowed after NaN or a dead model.
    """

    expr: str
    ranges: dict[str, data.Range]
    extrapolate: tuple[dict[str, data.Range], ...] = ()
    model: str = "auto"
    seed: int = 0
    epochs: int = 40
    steps_per_epoch: int = 200
    batch_size: int = 256
    max_restarts: int = 3

    def __post_init__(self):
        for name in ("epochs", "steps_per_epoch", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"{name} must be at least 1. Received: {name}={getattr(self, name)}"
                )
        if self.max_restarts < 0:
            raise ValueError(
                f"max_restarts must be >= 0. Received: max_restarts={self.max_restarts}"
            )


@dataclasses.dataclass
class RangeReport:
    """How exact the model is on one range.

    Attributes:
        name: ``"train"`` or the extrapolation range's text.
        ranges: The range of each input, as text.
        examples: Rows measured.
        grid: Whether the rows are the range's full grid.
        exact_accuracy: Share of exact rows.
        mae: Mean absolute error.
        max_rel_error: Largest relative error.
    """

    name: str
    ranges: str
    examples: int
    grid: bool
    exact_accuracy: float
    mae: float
    max_rel_error: float


@dataclasses.dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        expression: The parsed target.
        model_name: The registry name of the model trained.
        reason: Why that model was chosen.
        model: The final Keras model (snapped when that was kept).
        dtype: ``"float32"`` or ``"float64"``.
        seed: The seed of the run that was kept.
        restarts: `(seed, reason)` of each run abandoned.
        epochs: Epochs trained in the kept run.
        loss: The training loss after every epoch.
        batch_loss: Keras's running mean of the loss after every step.
        validation_exact_raw: Validation exactness of the trained weights.
        validation_exact_snapped: The same with snapped weights, or None for
            baselines.
        snapped: Whether the snapped weights were kept.
        refit: Whether training ended without exact validation data and the
            output NAU was then solved by least squares on the snapped,
            frozen inner units.
        formula: The formula read from the weights, or None; polynomials
            expanded into canonical form.
        network_formula: The same formula as the network is wired, for
            example ``(a - b)*(a + b)`` where `formula` is ``a**2 - b**2``.
        formula_equivalent: Whether it equals the target symbolically.
        ranges: One report per range, ``train`` first.
        seconds: Wall time of the whole call.
    """

    expression: ex.Expression
    model_name: str
    reason: str
    model: keras.Model
    dtype: str
    seed: int
    restarts: list[tuple[int, str]]
    epochs: int
    loss: list[float]
    batch_loss: list[float]
    validation_exact_raw: float
    validation_exact_snapped: float | None
    snapped: bool
    refit: bool
    formula: str | None
    network_formula: str | None
    formula_equivalent: bool
    ranges: list[RangeReport]
    seconds: float

    @property
    def exact(self) -> bool:
        """Whether every range is exact."""
        return all(r.exact_accuracy == 1.0 for r in self.ranges)

    @property
    def validation_exact(self) -> float:
        """Validation exactness of the weights that were kept."""
        if self.snapped and self.validation_exact_snapped is not None:
            return self.validation_exact_snapped
        return self.validation_exact_raw

    def metadata(self) -> dict:
        """What a saved model needs to predict and explain itself."""
        return {
            "format": 1,
            "inputs": list(self.expression.inputs),
            "integer_valued": self.expression.is_integer_valued(),
            "validation_exact": self.validation_exact,
            **self.to_dict(),
        }

    def to_dict(self) -> dict:
        """The JSON-ready report."""
        return {
            "expr": self.expression.text,
            "model": self.model_name,
            "reason": self.reason,
            "formula": self.formula,
            "network_formula": self.network_formula,
            "formula_equivalent": self.formula_equivalent,
            "seed": self.seed,
            "restarts": [{"seed": s, "reason": r} for s, r in self.restarts],
            "dtype": self.dtype,
            "epochs": self.epochs,
            "snapped": self.snapped,
            "refit": self.refit,
            "validation_exact_raw": self.validation_exact_raw,
            "validation_exact_snapped": self.validation_exact_snapped,
            "exact": self.exact,
            "seconds": round(self.seconds, 2),
            "ranges": [dataclasses.asdict(r) for r in self.ranges],
        }


class _Restart(Exception):
    """Raised inside `train` when a run must start again on the next seed."""


def exact_share(expression: ex.Expression, y_true, y_pred) -> float:
    """Share of exact rows: integer equality, or relative error <= 1e-9."""
    if expression.is_integer_valued():
        return metrics.exact_accuracy(y_true, y_pred)
    errors = metrics.absolute_errors(y_true, y_pred)
    scale = np.abs(np.asarray(y_true, dtype=np.float64))
    ok = errors <= REAL_TOLERANCE * np.where(scale > 0, scale, 1.0)
    return float(ok.mean())


def _rows(expression, ranges, size, seed, exclude=None):
    """Inputs and exact targets over per-input ranges, domain rows only."""
    names = expression.inputs
    box = [ranges[n] for n in names]
    skip = None if exclude is None else [exclude[n] for n in names]
    x, grid = data.sample_inputs(box, size, seed, exclude=skip)
    y, valid = expression.evaluate_many({n: x[:, i] for i, n in enumerate(names)})
    return x[valid], y[valid], grid


def _needs_float64(expression, sets) -> bool:
    for x, y, _ in sets:
        if len(x) and np.abs(x).max() > FLOAT32_EXACT_LIMIT:
            return True
        finite = np.abs(np.asarray(y, dtype=np.float64))
        if len(finite) and np.nanmax(finite) > FLOAT32_EXACT_LIMIT:
            return True
    return False


def _loss(kind: str, y: np.ndarray):
    variance = float(np.var(y)) or 1.0

    def normalized_mse(y_true, y_pred):
        # MSE over Var(y): the scale of the loss no longer depends on the
        # size of the integers, so the units' regularizer strengths mean the
        # same for 0:10 as for 0:1000000.
        y_true = ops.reshape(y_true, ops.shape(y_pred))
        return ops.mean(ops.square(y_true - y_pred)) / variance

    def relative(y_true, y_pred):
        y_true = ops.reshape(y_true, ops.shape(y_pred))
        return ops.mean(ops.square((y_true - y_pred) / (ops.abs(y_true) + 1.0)))

    def power(y_true, y_pred):
        # Squared error of log magnitudes: for a power unit with open gates
        # log|z| = W log|x| is linear in W, so this part is a convex least-
        # squares problem whose minimum is the exact exponents. The bounded
        # relative term adds what magnitudes cannot see: the sign.
        y_true = ops.reshape(y_true, ops.shape(y_pred))
        magnitude = ops.log1p(ops.abs(y_pred)) - ops.log1p(ops.abs(y_true))
        scale = ops.abs(y_true) + ops.abs(y_pred) + 1.0
        return ops.mean(ops.square(magnitude) + ops.square((y_true - y_pred) / scale))

    return {"mse": normalized_mse, "relative": relative, "power": power}[kind]


def _units(model: keras.Model) -> list:
    return [layer for layer in model.layers if hasattr(layer, "snapped_weights")]


def _outputs(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """`model.predict` in the model's own dtype, as float64 `(examples, units)`."""
    dtype = model.inputs[0].dtype
    with _backend.floatx(dtype):
        out = model.predict(np.asarray(x).astype(dtype), batch_size=65_536, verbose=0)
    return np.asarray(out, dtype=np.float64).reshape(len(x), -1)


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Predictions `(examples,)` as float64, computed in the model's dtype.

    Args:
        model: A single-output model.
        x: Inputs `(examples, inputs)`; cast to the model's input dtype.
    """
    return _outputs(model, x).reshape(-1)


def snapped_predictions(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Predictions with every unit's weights snapped; the weights are restored."""
    saved = model.get_weights()
    for layer in _units(model):
        layer.snap()
    try:
        return predict(model, x)
    finally:
        model.set_weights(saved)


class ExactStop(keras.callbacks.Callback):
    """Stops training once the validation data is exact, raw or snapped, and
    flags NaN losses and dead (constant) models.

    Args:
        expression: The target, to judge exactness.
        x: Validation inputs.
        y: Exact validation targets.
        patience: Epochs of constant output before the model counts as dead.
    """

    def __init__(self, expression, x, y, patience: int = 3):
        super().__init__()
        self.expression, self.x, self.y = expression, x, y
        self.patience = patience
        self.constant_epochs = 0
        self.failure: str | None = None
        self.exact = False
        self.losses: list[float] = []
        self.batch_losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_losses.append(float((logs or {}).get("loss", np.nan)))

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", np.nan))
        self.losses.append(loss)
        pred = predict(self.model, self.x)
        if not np.isfinite(loss) or not np.isfinite(pred).all():
            self.failure = f"NaN or infinite values at epoch {epoch + 1}"
            self.model.stop_training = True
            return
        self.constant_epochs = self.constant_epochs + 1 if np.ptp(pred) == 0 else 0
        if self.constant_epochs >= self.patience:
            self.failure = f"dead model: constant output for {self.patience} epochs"
            self.model.stop_training = True
            return
        if exact_share(self.expression, self.y, pred) == 1.0 or (
            _units(self.model)
            and exact_share(
                self.expression, self.y, snapped_predictions(self.model, self.x)
            )
            == 1.0
        ):
            self.exact = True
            self.model.stop_training = True


def _check_ranges(expression, ranges: dict[str, data.Range], label: str):
    """The ranges of exactly the expression's inputs, or a one-line error."""
    missing = [n for n in expression.inputs if n not in ranges]
    unknown = [n for n in ranges if n not in expression.inputs]
    if missing or unknown:
        raise ValueError(
            f"Give one {label} range per input of the expression. Accepted: "
            f"inputs {', '.join(expression.inputs)}. Received: "
            f"missing={missing}, unknown={unknown}"
        )
    return {n: ranges[n] for n in expression.inputs}


def _spec(name: str, expression) -> tuple[models.ModelSpec, str]:
    if name == "auto":
        return models.choose_model(expression)
    spec = models.get_model_spec(name)
    return spec, f"chosen with --model {name}: {spec.summary}"


def range_text(ranges: dict[str, data.Range]) -> str:
    """``0:500`` when every input shares a range, else ``a=0:500,b=-5:5``."""
    values = set(ranges.values())
    if len(values) == 1:
        return str(next(iter(values)))
    return ",".join(f"{n}={r}" for n, r in ranges.items())


def _fit(spec, expression, pool, validation, dtype, seed, config, verbose, callbacks):
    # Every builder seeds its initializers from the context, and fit does not
    # shuffle, so no global seed is needed (keras.utils.set_random_seed would
    # import TensorFlow, when installed, for seconds).
    x, y = pool[0].astype(dtype), np.asarray(pool[1], dtype=np.float64)
    model = spec.build(models.BuildContext(expression, dtype, seed, x, y))

    # One epoch is a fixed, seeded draw of steps * batch rows from the pool
    # (with replacement, so a small grid still fills the epoch), already in
    # random order.
    rows = np.random.default_rng(seed).integers(
        0, len(x), size=config.steps_per_epoch * config.batch_size
    )
    x, y = x[rows], y[rows].astype(dtype)
    stopper = ExactStop(expression, validation[0].astype(dtype), validation[1])

    model.compile(
        optimizer=keras.optimizers.Adam(spec.learning_rate), loss=_loss(spec.loss, y)
    )
    with _backend.floatx(dtype):
        model.fit(
            x,
            y,
            batch_size=config.batch_size,
            epochs=config.epochs,
            shuffle=False,
            verbose=verbose,
            callbacks=[stopper, *callbacks],
        )
    if stopper.failure:
        raise _Restart(stopper.failure)
    refit = not stopper.exact and _refit_output(model, x, y)
    return model, stopper, refit


def _refit_output(model: keras.Model, x: np.ndarray, y: np.ndarray) -> bool:
    """Snaps and freezes the inner units and solves the output NAU exactly.

    Once the inner units are snapped, the output NAU is a linear model of
    fixed features, so its best weights are a least-squares solution, not
    something to search for with Adam. Searching fails in a known way: on
    all-positive data (a*b + c on 0:100) Adam moves every weight up at the
    same rate and the sparsity regularizer then pins the linear terms at 1.

    Returns:
        Whether the model has inner units and an output NAU to refit.
    """
    units = _units(model)
    output = model.layers[-1]
    if len(units) < 2 or output is not units[-1] or not hasattr(output, "kernel"):
        return False
    for unit in units[:-1]:
        unit.snap()
        unit.trainable = False

    features = _outputs(keras.Model(model.inputs, output.input), x)
    solution, *_ = np.linalg.lstsq(features, np.asarray(y, np.float64), rcond=None)
    kernel = np.clip(solution, -1.0, 1.0).reshape(output.kernel.shape)
    output.kernel.assign(kernel.astype(output.kernel.dtype))
    return True


def _measure(expression, model, name, ranges, rows) -> RangeReport:
    x, y, grid = rows
    pred = predict(model, x)
    return RangeReport(
        name=name,
        ranges=range_text(ranges),
        examples=len(x),
        grid=grid,
        exact_accuracy=exact_share(expression, y, pred),
        mae=metrics.mean_absolute_error(y, pred),
        max_rel_error=metrics.max_relative_error(y, pred),
    )


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked training request: what `train` will learn, and with what.

    Attributes:
        expression: The parsed target.
        ranges: The training range of each input, in input order.
        extrapolate: The extrapolation ranges, each one range per input.
        spec: The model to train.
        reason: Why that model.
    """

    expression: ex.Expression
    ranges: dict[str, data.Range]
    extrapolate: tuple[dict[str, data.Range], ...]
    spec: models.ModelSpec
    reason: str


def plan(config: TrainConfig) -> Plan:
    """Checks a request without training: expression, ranges, domain, model.

    Raises:
        ValueError: On a bad expression, ranges that do not match its inputs,
            a training range outside its domain, or an unknown model.
    """
    expression = ex.parse(config.expr)
    ranges = _check_ranges(expression, config.ranges, "training")
    extrapolate = tuple(
        _check_ranges(expression, r, "extrapolation") for r in config.extrapolate
    )
    ex.check_domain(expression, {n: (r.lo, r.hi) for n, r in ranges.items()})
    for far in extrapolate:
        ex.check_domain(expression, {n: (r.lo, r.hi) for n, r in far.items()})
        if all(ranges[n].covers(far[n]) for n in expression.inputs):
            raise ValueError(
                "An extrapolation range must reach outside the training range. "
                f"Accepted: ranges beyond {range_text(ranges)} for some input. "
                f"Received: extrapolate={range_text(far)}"
            )
    spec, reason = _spec(config.model, expression)
    return Plan(expression, ranges, extrapolate, spec, reason)


def _datasets(checked: Plan, seed: int):
    """The training pool, the validation rows and the rows of every report."""
    expression, ranges = checked.expression, checked.ranges
    pool = _rows(expression, ranges, TRAIN_POOL, seed)
    validation = _rows(expression, ranges, VALIDATION_SIZE, seed + 1)
    sets = [("train", ranges, _rows(expression, ranges, REPORT_GRID_LIMIT, seed + 2))]
    for index, r in enumerate(checked.extrapolate):
        rows = _rows(expression, r, EXTRAPOLATION_SIZE, seed + 3 + index, ranges)
        sets.append((range_text(r), r, rows))
    return pool, validation, sets


def _fit_until_done(checked, pool, validation, dtype, config, verbose, callbacks):
    """`_fit` on the configured seed, then on the next ones after failures."""
    restarts, seed = [], config.seed
    while True:
        try:
            fitted = _fit(
                checked.spec,
                checked.expression,
                pool,
                validation,
                dtype,
                seed,
                config,
                verbose,
                callbacks,
            )
            return (*fitted, seed, restarts)
        except _Restart as failure:
            restarts.append((seed, str(failure)))
            logger.warning(
                "seed %d failed (%s); restarting on seed %d", seed, failure, seed + 1
            )
            if len(restarts) > config.max_restarts:
                raise RuntimeError(
                    f"Training failed on {len(restarts)} seeds in a row; the last "
                    f"failure was {failure}. Received: seed={config.seed}, "
                    f"max_restarts={config.max_restarts}"
                ) from None
            seed += 1


def _keep_snapped(expression, model, validation, dtype):
    """Snaps the units when that is at least as exact on validation data.

    Returns:
        `(raw, snapped, kept)`: the two validation shares and whether the
        snapped weights were kept.
    """
    val_x = validation[0].astype(dtype)
    raw = exact_share(expression, validation[1], predict(model, val_x))
    if not _units(model):
        return raw, None, False
    snapped = exact_share(expression, validation[1], snapped_predictions(model, val_x))
    if snapped >= raw:
        for layer in _units(model):
            layer.snap()
    return raw, snapped, snapped >= raw


def train(config: TrainConfig, verbose: int | str = 0, callbacks=()) -> TrainResult:
    """Trains a model of `config.expr` until it is exact, and measures it.

    Args:
        config: What to learn, on which ranges, with which model and seed.
        verbose: Keras `fit` verbosity (1 shows the progress bar).
        callbacks: More Keras callbacks for `fit`.

    Returns:
        The result with the final model, formula and per-range reports.

    Raises:
        ValueError: On a bad expression, ranges that do not match its inputs,
            a range outside its domain, or an unknown model.
        RuntimeError: When every allowed restart ended in NaN or a dead model.
    """
    start = time.perf_counter()
    checked = plan(config)
    expression = checked.expression
    pool, validation, sets = _datasets(checked, config.seed)
    # Real-valued targets are judged to 1e-9 relative, beyond float32's 6e-8.
    wide = _needs_float64(expression, [s[2] for s in sets])
    dtype = "float64" if wide or not expression.is_integer_valued() else "float32"
    if dtype == "float64":
        _backend.require_float64()

    model, stopper, refit, seed, restarts = _fit_until_done(
        checked, pool, validation, dtype, config, verbose, callbacks
    )
    raw, snapped, kept = _keep_snapped(expression, model, validation, dtype)
    formula, wiring = readout.formulas(model, expression.inputs)
    return TrainResult(
        expression=expression,
        model_name=checked.spec.name,
        reason=checked.reason,
        model=model,
        dtype=dtype,
        seed=seed,
        restarts=restarts,
        epochs=len(stopper.losses),
        loss=stopper.losses,
        batch_loss=stopper.batch_losses,
        validation_exact_raw=raw,
        validation_exact_snapped=snapped,
        snapped=kept,
        refit=refit,
        formula=formula,
        network_formula=wiring,
        formula_equivalent=formula is not None
        and readout.equivalent(formula, expression),
        ranges=[_measure(expression, model, name, r, rows) for name, r, rows in sets],
        seconds=time.perf_counter() - start,
    )
