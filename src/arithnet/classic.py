"""The classic failing network, trained exactly as in the well-known question.

A Keras user trains a small ReLU network on integer pairs from [0, 500) with
Adam, mean squared error and ``metrics=['accuracy']`` for 10 epochs at batch
10 on 10,000 examples. `run_classic` repeats that run and keeps everything a
diagnosis needs: the data, the weights before and after, the loss curve,
what Keras reported, and the warnings arithnet's own checks raised.
"""

import dataclasses
import warnings

import keras
import numpy as np

from arithnet import data, metrics, models

CLASSIC_OPS = ("add", "mul", "square")
CLASSIC_RANGE = data.Range(0, 500)
EXAMPLES = 10_000
BATCH_SIZE = 10
LEARNING_RATE = 1e-3  # Keras's Adam default, as in the original question.


@dataclasses.dataclass
class ClassicRun:
    """What one run of the classic network leaves behind.

    Attributes:
        op: The operation trained.
        seed: The seed of data, initialization and shuffling.
        epochs: Epochs trained.
        model: The trained model.
        train: The training data.
        extrapolation: Data from the range just above the training range.
        initial_weights: `model.get_weights()` before training.
        history: Keras's per-epoch logs.
        batch_loss: The running mean loss Keras logged after every batch.
        warnings: Messages of the warnings raised while compiling.
    """

    op: str
    seed: int
    epochs: int
    model: keras.Model
    train: data.Dataset
    extrapolation: data.Dataset
    initial_weights: list[np.ndarray]
    history: dict[str, list[float]]
    batch_loss: list[float]
    warnings: list[str]

    @property
    def steps(self) -> int:
        """The number of optimizer steps taken."""
        return self.epochs * -(-len(self.train) // BATCH_SIZE)


class _BatchLoss(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(logs["loss"]))


def run_classic(
    op: str, seed: int = 0, epochs: int = 10, verbose: int | str = 0
) -> ClassicRun:
    """Trains the classic network on a named operation.

    Args:
        op: One of `CLASSIC_OPS`.
        seed: Seeds the data draw, the initial weights and the shuffling.
        epochs: Epochs to train (the question used 10).
        verbose: Keras `fit` verbosity; 1 shows the progress bar.

    Returns:
        The run, for `arithnet.diagnosis.diagnose`.

    Raises:
        ValueError: On an unknown operation or epochs below 1.
    """
    if op not in CLASSIC_OPS:
        raise ValueError(
            f"Unknown operation for the classic network. Accepted: "
            f"{', '.join(CLASSIC_OPS)}. Received: op={op!r}"
        )
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1. Received: epochs={epochs}")

    train = data.make_dataset(op, CLASSIC_RANGE, size=EXAMPLES, seed=seed)
    extrapolation = data.make_dataset(
        op,
        data.default_extrapolation(CLASSIC_RANGE),
        size=EXAMPLES,
        seed=seed + 1,
        exclude=CLASSIC_RANGE,
        name="extrapolation",
    )

    keras.utils.set_random_seed(seed)
    model = models.build_seed_network(train.x.shape[1])
    compile_metrics = ["accuracy"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metrics.warn_if_misleading_accuracy(compile_metrics, output_units=1)
    model.compile(optimizer="adam", loss="mse", metrics=compile_metrics)
    initial_weights = model.get_weights()

    recorder = _BatchLoss()
    x, y = train.x.astype("float32"), train.y.astype("float32")
    history = model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=verbose,
        callbacks=[recorder],
    )
    return ClassicRun(
        op=op,
        seed=seed,
        epochs=epochs,
        model=model,
        train=train,
        extrapolation=extrapolation,
        initial_weights=initial_weights,
        history={k: [float(v) for v in vs] for k, vs in history.history.items()},
        batch_loss=recorder.values,
        warnings=[str(w.message) for w in caught],
    )
