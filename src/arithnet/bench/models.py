"""The bench's networks: the published models, run statelessly.

A bench network is a short stack of Keras layers, the arithmetic units of
`arithnet.layers` (or `Dense` for the baselines), used through
`Layer.stateless_call`: parameters go in as arrays and come out updated, so
the same layer code runs under `jax.jit`, `jax.lax.scan` and `jax.vmap` for
many seeds at once. The forward pass, the ramped sparsity regularizer (the
layers' own `add_loss`), the step counter and the weight clamps (the
variables' constraints) are therefore exactly those of the Keras layers.

Models use the names of the published tables. On the `arithmetic` task (two
layers, hidden size 2, Madsen & Johansen 2020):

| model     | layers            | settings                                   |
|-----------|-------------------|--------------------------------------------|
| `NAU`     | NAU -> NAU        | lambda 0.01, ramp 5e3 -> 5e4               |
| `NMU`     | NAU -> NMU        | lambda 10, ramp 1e6 -> 2e6                 |
| `NAC-add` | NAC -> NAC        | no regularizer                             |
| `NAC-mul` | NAC -> NACMul     | no regularizer                             |
| `NALU`    | NALU -> NALU      | no regularizer                             |
| `Linear`  | Dense -> Dense    | bias, Glorot uniform                       |
| `ReLU`    | Dense(relu) -> Dense | bias, He uniform then Glorot uniform    |

On the `single_module` task (one layer, Mistry et al. 2022) each model is its
unit alone, with the NALM benchmark's settings: NAU lambda 0.01 and NMU
lambda 10, both ramped over 2e4 -> 3.5e4; iNALU with gradients clipped to
0.1; NPU and RealNPU with learning rate 5e-3 and an L1 penalty reaching 1e-5
(1e-7 for division); NMRU with learning rate 1e-2, gradient norm clipped to
1, lambda 10 over 2e4 -> 3.5e4.

`arithnet` is arithnet's own recipe beside them: per operation the unit
`arithnet train` would choose (NAU, NMU, or a RealNPU with its gates held
open), Adam at 1e-2, and a regularizer of strength 1 ramped over 1e4 -> 2e4.

Warning:
    Departures from the published training: the NALM benchmark's iNALU
    re-initializes stalled runs (not done here), and its NPU/RealNPU penalty
    grows tenfold every 1e4 steps, where ours ramps linearly to the same final
    strength.
"""

import dataclasses
from collections.abc import Callable

import pydantic

from arithnet.bench.tasks import Task

ARITHNET_RECIPE = "arithnet"


class Settings(pydantic.BaseModel):
    """Training settings of one model; `None` keeps the layers' defaults.

    Attributes:
        learning_rate: Adam's step size.
        regularizer_scale: lambda hat of every unit's sparsity regularizer.
        regularizer_start: The step at which its ramp leaves 0.
        regularizer_end: The step at which it reaches `regularizer_scale`.
        clip_grad_value: Clip each gradient element to +-this value.
        clip_grad_norm: Clip the global gradient norm to this value.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    learning_rate: float = pydantic.Field(1e-3, gt=0)
    regularizer_scale: float | None = pydantic.Field(None, ge=0)
    regularizer_start: int | None = pydantic.Field(None, ge=0)
    regularizer_end: int | None = pydantic.Field(None, ge=0)
    clip_grad_value: float | None = pydantic.Field(None, gt=0)
    clip_grad_norm: float | None = pydantic.Field(None, gt=0)

    @pydantic.model_validator(mode="after")
    def _ramp_in_order(self) -> "Settings":
        start, end = self.regularizer_start, self.regularizer_end
        if start is not None and end is not None and end < start:
            raise ValueError(
                "The regularizer ramp ends before it starts. Accepted: "
                f"regularizer_end >= regularizer_start. Received: "
                f"regularizer_start={start}, regularizer_end={end}"
            )
        return self


@dataclasses.dataclass(frozen=True)
class Model:
    """A published model: its layer stack per task and its settings.

    Attributes:
        name: The name in the published tables.
        arithmetic: Unit names of the two layers on the arithmetic task, or
            `None` where the model was not published on it.
        single_module: The unit name on the single-module task, or `None`.
        settings: Published settings per task name.
        op_settings: Overrides per `(task, op)`.
        op_units: Layer stacks per `(task, op)` that replace the task's.
        snap: Whether every evaluation also scores the weights snapped to
            simple values and keeps whichever has the lower validation MSE,
            as `arithnet train` does. The published models do not snap.
    """

    name: str
    arithmetic: tuple[str, str] | None
    single_module: str | None
    settings: dict[str, dict] = dataclasses.field(default_factory=dict)
    op_settings: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)
    op_units: dict[tuple[str, str], tuple[str, ...]] = dataclasses.field(
        default_factory=dict
    )
    snap: bool = False

    def units(self, task: Task, op: str | None = None) -> tuple[str, ...]:
        """The unit names of the layers on `task` (for `op`), first layer first."""
        if (task.name, op) in self.op_units:
            return self.op_units[(task.name, op)]
        units = self.arithmetic if task.depth == 2 else (self.single_module,)
        if units is None or None in units:
            raise ValueError(
                f"Model {self.name} was not published on the {task.name} task. "
                f"Accepted: {', '.join(available_models(task))}. "
                f"Received: model={self.name!r}"
            )
        return units

    def published_settings(self, task: Task, op: str) -> Settings:
        """The published settings of this model on `task` for `op`."""
        values = dict(self.settings.get(task.name, {}))
        values.update(self.op_settings.get((task.name, op), {}))
        return Settings(**values)


_NALM_RAMP = {"regularizer_start": 20_000, "regularizer_end": 35_000}
_NO_REGULARIZER = {"regularizer_scale": 0.0}
_NPU = {"learning_rate": 5e-3, "regularizer_start": 0, "regularizer_end": 20_000}

MODELS = {
    model.name: model
    for model in (
        Model(
            "NAU",
            ("NAU", "NAU"),
            "NAU",
            {
                "arithmetic": {
                    "regularizer_scale": 0.01,
                    "regularizer_start": 5_000,
                    "regularizer_end": 50_000,
                },
                "single_module": {"regularizer_scale": 0.01, **_NALM_RAMP},
            },
        ),
        Model(
            "NMU",
            ("NAU", "NMU"),
            "NMU",
            {
                "arithmetic": {
                    "regularizer_scale": 10.0,
                    "regularizer_start": 1_000_000,
                    "regularizer_end": 2_000_000,
                },
                "single_module": {"regularizer_scale": 10.0, **_NALM_RAMP},
            },
        ),
        Model(
            "NAC-add",
            ("NAC", "NAC"),
            "NAC",
            {"arithmetic": _NO_REGULARIZER, "single_module": _NO_REGULARIZER},
        ),
        Model(
            "NAC-mul",
            ("NAC", "NACMul"),
            "NACMul",
            {"arithmetic": _NO_REGULARIZER, "single_module": _NO_REGULARIZER},
        ),
        Model(
            "NALU",
            ("NALU", "NALU"),
            "NALU",
            {"arithmetic": _NO_REGULARIZER, "single_module": _NO_REGULARIZER},
        ),
        Model("iNALU", None, "INALU", {"single_module": {"clip_grad_value": 0.1}}),
        Model(
            "NPU",
            None,
            "NPU",
            {"single_module": {"regularizer_scale": 1e-5, **_NPU}},
            {("single_module", "div"): {"regularizer_scale": 1e-7}},
        ),
        Model(
            "RealNPU",
            None,
            "RealNPU",
            {"single_module": {"regularizer_scale": 1e-5, **_NPU}},
            {("single_module", "div"): {"regularizer_scale": 1e-7}},
        ),
        Model(
            "NMRU",
            None,
            "NMRU",
            {
                "single_module": {
                    "learning_rate": 1e-2,
                    "clip_grad_norm": 1.0,
                    "regularizer_scale": 10.0,
                    **_NALM_RAMP,
                }
            },
        ),
        Model("Linear", ("linear", "linear"), "linear"),
        Model("ReLU", ("relu", "linear"), None),
    )
}


# arithnet's own recipe, as `arithnet train` chooses and trains: the unit
# that can represent the operation (an NAU for sums, an NMU for products, a
# RealNPU with open gates for quotients and roots), Adam at 1e-2 and a
# sparsity regularizer that reaches full strength early.
_RECIPE_UNITS = {"add": "NAU", "sub": "NAU", "mul": "NMU", "square": "NMU"}
_RECIPE_UNITS |= {"div": "RealNPU-open", "sqrt": "RealNPU-open"}
_RECIPE_SETTINGS = {
    "learning_rate": 1e-2,
    "regularizer_scale": 1.0,
    "regularizer_start": 10_000,
    "regularizer_end": 20_000,
}
RECIPE = Model(
    ARITHNET_RECIPE,
    arithmetic=("NAU", "NMU"),
    single_module="NMU",
    settings={"arithmetic": _RECIPE_SETTINGS, "single_module": _RECIPE_SETTINGS},
    op_units={
        **{("arithmetic", op): ("NAU", unit) for op, unit in _RECIPE_UNITS.items()},
        **{("single_module", op): (unit,) for op, unit in _RECIPE_UNITS.items()},
    },
    snap=True,
)

# Units that arithnet's recipe builds with options of their own.
_UNIT_VARIANTS = {
    "RealNPU-open": ("RealNPU", {"gate_initializer": "ones", "train_gate": False}),
}


def available_models(task: Task) -> list[str]:
    """Names of the models published on `task`, plus the arithnet recipe."""
    names = [
        name
        for name, model in MODELS.items()
        if (model.arithmetic if task.depth == 2 else model.single_module) is not None
    ]
    return [*names, ARITHNET_RECIPE]


def get_model(name: str, task: Task) -> Model:
    """The published model `name` (or arithnet's recipe), checked against `task`.

    Raises:
        ValueError: For an unknown name or a model not published on `task`.
    """
    if name == ARITHNET_RECIPE:
        return RECIPE
    if name not in MODELS:
        raise ValueError(
            f"Unknown model. Accepted: {', '.join(available_models(task))}. "
            f"Received: model={name!r}"
        )
    model = MODELS[name]
    model.units(task)
    return model


def _unit_factory(unit: str) -> Callable:
    import keras

    if unit in ("linear", "relu"):
        initializer = keras.initializers.GlorotUniform
        if unit == "relu":
            initializer = keras.initializers.HeUniform

        def dense(units: int, seed: int, settings: Settings, dtype: str):
            return keras.layers.Dense(
                units,
                activation=None if unit == "linear" else "relu",
                kernel_initializer=initializer(seed=seed),
                dtype=dtype,
            )

        return dense

    from arithnet import layers

    name, options = _UNIT_VARIANTS.get(unit, (unit, {}))
    if name not in layers.UNITS:
        raise ValueError(
            f"Unit not in arithnet.layers. Accepted: {', '.join(layers.UNITS)}. "
            f"Received: unit={unit!r}"
        )
    cls = layers.UNITS[name]

    def arithmetic_unit(units: int, seed: int, settings: Settings, dtype: str):
        return cls(
            units,
            regularizer_scale=settings.regularizer_scale,
            regularizer_start=settings.regularizer_start,
            regularizer_end=settings.regularizer_end,
            seed=seed,
            dtype=dtype,
            **options,
        )

    return arithmetic_unit


class Network:
    """A stack of Keras layers used as pure functions of their parameters.

    Parameters are a tuple per layer of its trainable variables' values;
    state is the same for its non-trainable values (the units' step
    counters). Every method is traceable by JAX.

    Args:
        task: The task, for the layer sizes.
        units: Unit names per layer (`"linear"`/`"relu"` for Dense layers).
        settings: The model's settings (regularizer of every unit).
        dtype: The layers' dtype; the published runs are float32.
    """

    def __init__(
        self,
        task: Task,
        units: tuple[str, ...],
        settings: Settings,
        dtype: str = "float32",
    ):
        if len(units) != task.depth:
            raise ValueError(
                f"The {task.name} task has {task.depth} layer(s). Accepted: "
                f"{task.depth} unit names. Received: units={units}"
            )
        widths = [task.input_size] + [task.hidden_size] * (task.depth - 1) + [1]
        self.sizes = tuple(zip(widths[:-1], widths[1:], strict=True))
        self.factories = tuple(_unit_factory(unit) for unit in units)
        self.settings = settings
        self.dtype = dtype
        self.layers = self.build(seed=0)

    def build(self, seed: int) -> list:
        """Fresh built layers, initialized from `seed`."""
        built = []
        for index, (factory, (inputs, outputs)) in enumerate(
            zip(self.factories, self.sizes, strict=True)
        ):
            # Units draw one initializer seed per weight (seed + 0..4).
            layer = factory(
                outputs, 1000 * seed + 10 * index, self.settings, self.dtype
            )
            layer.build((None, inputs))
            built.append(layer)
        return built

    def init(self, seed: int) -> tuple[tuple, tuple]:
        """Initial parameters and state of `seed`, as NumPy arrays."""
        layers = self.build(seed)
        params = tuple(
            tuple(v.numpy() for v in layer.trainable_variables) for layer in layers
        )
        state = tuple(
            tuple(v.numpy() for v in layer.non_trainable_variables) for layer in layers
        )
        return params, state

    def apply(self, params, state, x, training: bool = False):
        """Outputs `(batch_size,)`, new state, and the regularizer loss."""
        losses = []
        new_state = []
        for layer, values, layer_state in zip(self.layers, params, state, strict=True):
            x, layer_state, layer_losses = layer.stateless_call(
                list(values),
                list(layer_state),
                x,
                training=training,
                return_losses=True,
            )
            losses.extend(layer_losses)
            new_state.append(tuple(layer_state))
        regularizer = sum(losses[1:], losses[0]) if losses else 0.0
        return x[:, 0], tuple(new_state), regularizer

    def constrain(self, params):
        """Parameters after the variables' constraints (the units' clamps)."""
        constrained = []
        for layer, values in zip(self.layers, params, strict=True):
            constrained.append(
                tuple(
                    value if v.constraint is None else v.constraint(value)
                    for v, value in zip(layer.trainable_variables, values, strict=True)
                )
            )
        return tuple(constrained)

    def check_snappable(self) -> None:
        """Raises ValueError unless `snap` knows every layer of the network."""
        unknown = [type(x).__name__ for x in self.layers if type(x) not in _snappers()]
        if unknown:
            raise ValueError(
                "Snapping is defined for NAU, NMU and the power units. Accepted: "
                f"networks of those. Received: {', '.join(unknown)}"
            )

    def snap(self, params):
        """Parameters with every weight snapped to its nearest simple value.

        The same rounding as the layers' `snap()` (NAU to {-1, 0, 1}, NMU to
        {0, 1}, power-unit exponents to multiples of 1/2), traceable by JAX.
        """
        import jax.numpy as jnp

        snapped = []
        for layer, values in zip(self.layers, params, strict=True):
            names = [v.name for v in layer.trainable_variables]
            rules = _snappers()[type(layer)]
            snapped.append(
                tuple(
                    rules[name](value, jnp) if name in rules else value
                    for name, value in zip(names, values, strict=True)
                )
            )
        return tuple(snapped)

    def sparsity_error(self, params):
        """max over effective weights of min(|w|, |1 - |w||) (Madsen & Johansen)."""
        import keras
        from keras import ops

        errors = []
        for layer, values in zip(self.layers, params, strict=True):
            mapping = list(zip(layer.trainable_variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                if hasattr(layer, "effective"):
                    weights = list(layer.effective().values())
                else:
                    weights = [layer.kernel.value]
                for w in weights:
                    magnitude = ops.abs(w)
                    distance = ops.minimum(magnitude, ops.abs(1.0 - magnitude))
                    errors.append(ops.max(distance))
        return ops.max(ops.stack(errors))


def _snappers() -> dict:
    """Unit class -> {variable name: snapping function of (value, xp)}."""
    from arithnet import layers
    from arithnet.layers import snap_to_integers
    from arithnet.layers.npu import snap_exponents

    def gate(value, xp):
        return xp.round(xp.clip(value, 0.0, 1.0))

    power = {"kernel": snap_exponents, "gate": gate}
    return {
        layers.NAU: {"kernel": lambda w, xp: snap_to_integers(w, -1.0, 1.0, xp)},
        layers.NMU: {"kernel": lambda w, xp: snap_to_integers(w, 0.0, 1.0, xp)},
        layers.RealNPU: power,
        layers.NPU: {**power, "kernel_imag": lambda w, xp: w * 0},
    }


def build_network(
    task: Task, model: Model, settings: Settings, op: str | None = None
) -> Network:
    """The network of `model` on `task` (for `op`) with `settings`."""
    network = Network(task, model.units(task, op), settings)
    if model.snap:
        network.check_snappable()
    return network
