"""Model builders by name: the units' stacks, the classic seed network and
the baselines, each sized from the expression it is asked to learn.

`MODELS` maps a name to a `ModelSpec`; `choose_model` picks the default for
an expression and says why. Every builder takes a `BuildContext` and returns
an uncompiled Keras model with input `(batch_size, inputs)` and output
`(batch_size, 1)`.
"""

import dataclasses
from collections.abc import Callable
from fractions import Fraction

import keras
import numpy as np

from arithnet import expr as ex
from arithnet.layers import INALU, NALU, NAU, NMRU, NMU, NPU, RealNPU
from arithnet.layers.transforms import Replicate, SignedExp, SignedLog

SEED_NETWORK_UNITS = ((3, None), (5, "relu"), (3, "relu"), (5, "relu"), (1, "relu"))


def build_seed_network(inputs: int) -> keras.Sequential:
    """The classic Dense network from the well-known "it can add but not
    multiply" question, exactly as asked:

    Dense(3) (linear) -> Dense(5, relu) -> Dense(3, relu) -> Dense(5, relu) ->
    Dense(1, relu), Keras default initializers.

    Args:
        inputs: The number of integer inputs.

    Returns:
        An uncompiled model with input shape `(batch_size, inputs)` and output
        shape `(batch_size, 1)`.
    """
    layers = [keras.Input((inputs,))]
    for index, (units, activation) in enumerate(SEED_NETWORK_UNITS, start=1):
        layers.append(keras.layers.Dense(units, activation, name=f"dense_{index}"))
    return keras.Sequential(layers, name="seed_network")


@dataclasses.dataclass(frozen=True)
class Shape:
    """What a stack of NAU and NMU layers needs to express an expression.

    Attributes:
        copies: Per input, how many copies the weights in {-1, 0, 1} need
            (``2*a`` needs two copies of a).
        constants: How many columns of ones (``a + 3`` needs three).
        factors: One entry per product term: its number of linear factors.
        linear: Whether a linear part is added to the products.
        monomial: Whether the only product's factors are single inputs, so an
            NMU on copies of the inputs suffices (``a*b``, ``a**2``).
    """

    copies: tuple[int, ...]
    constants: int
    factors: tuple[int, ...]
    linear: bool
    monomial: bool


def _terms(node: ex.Node, sign: int = 1) -> list[tuple[int, ex.Node]]:
    """The signed additive terms of a tree: a - (b - c) -> +a, -b, +c."""
    if isinstance(node, ex.Add):
        return _terms(node.left, sign) + _terms(node.right, sign)
    if isinstance(node, ex.Sub):
        return _terms(node.left, sign) + _terms(node.right, -sign)
    if isinstance(node, ex.Neg):
        return _terms(node.operand, -sign)
    return [(sign, node)]


def _factors(node: ex.Node) -> list[ex.Node] | None:
    """The multiplicative factors of a term, or None if it divides or roots."""
    if isinstance(node, ex.Mul):
        left, right = _factors(node.left), _factors(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ex.Pow):
        base = _factors(node.base)
        return None if base is None or node.exponent < 0 else base * node.exponent
    if isinstance(node, ex.Neg):
        operand = _factors(node.operand)
        return None if operand is None else [ex.Const(-1), *operand]
    if isinstance(node, ex.Div | ex.Sqrt):
        return None
    return [node]


def _linear_part(node: ex.Node) -> tuple[dict[str, int], int] | None:
    """Integer coefficients and constant of a linear subtree, or None."""
    poly = ex.Expression(node).structure().polynomial
    if poly is None or poly.degree > 1:
        return None
    coefficients, constant = {}, 0
    for exponents in poly:
        value = Fraction(poly[exponents])
        if value.denominator != 1:
            return None
        if sum(exponents) == 0:
            constant = int(value)
        else:
            coefficients[poly.inputs[exponents.index(1)]] = int(value)
    return coefficients, constant


def shape_of(expression: ex.Expression) -> Shape | None:
    """The NAU/NMU stack an expression needs, or None when it has none.

    A sum of terms, each a product of linear factors with integer
    coefficients (``a*b + c``, ``(a + b)*(a - b)``, ``2*a - 3``), has a shape;
    division, roots and fractional coefficients do not.
    """
    inputs = expression.inputs
    copies = dict.fromkeys(inputs, 1)
    constants, factors, linear, plain = 0, [], False, []
    for sign, term in _terms(expression.tree):
        parts = _factors(term)
        parts = None if parts is None else [_linear_part(f) for f in parts]
        if parts is None or any(p is None for p in parts):
            return None
        scalar = int(np.prod([c for coefs, c in parts if not coefs], dtype=object))
        varying = [p for p in parts if p[0]]
        if len(varying) <= 1:
            linear = True
            coefs = varying[0][0] if varying else {}
            for name, value in coefs.items():
                copies[name] = max(copies[name], abs(value * scalar))
            continue
        for coefs, const in varying:
            constants = max(constants, abs(const))
            for name, value in coefs.items():
                copies[name] = max(copies[name], abs(value))
        factors += [len(varying)] * abs(scalar)
        plain.append(
            sign * scalar == 1
            and all(
                len(c) == 1 and next(iter(c.values())) == 1 and k == 0
                for c, k in varying
            )
        )
    constants = max(constants, abs(_constant_term(expression)))
    monomial = len(factors) == 1 and not linear and all(plain)
    if monomial:
        copies = dict.fromkeys(inputs, 0) | _exponents(expression)
    return Shape(
        tuple(copies[n] for n in inputs), constants, tuple(factors), linear, monomial
    )


def _constant_term(expression: ex.Expression) -> int:
    poly = expression.structure().polynomial
    if poly is None:
        return 0
    zero = (0,) * len(poly.inputs)
    value = Fraction(poly[zero]) if zero in set(poly) else Fraction(0)
    return int(value) if value.denominator == 1 else 0


def _exponents(expression: ex.Expression) -> dict[str, int]:
    """The largest exponent of each input in the expanded polynomial."""
    poly = expression.structure().polynomial
    if poly is None:
        return {}
    return {name: max(exps[i] for exps in poly) for i, name in enumerate(poly.inputs)}


def power_exponents(expression: ex.Expression) -> dict[str, Fraction] | None:
    """Exponents of a product of inputs' powers (``a/b``, ``sqrt(a*b)``), or None.

    Only such monomials with exponents in multiples of 1/2 are what one power
    unit can express; constants and sums are not.
    """
    exponents = _power(expression.tree)
    if exponents is None or any((2 * e).denominator != 1 for e in exponents.values()):
        return None
    return exponents


def _power(node: ex.Node) -> dict[str, Fraction] | None:
    if isinstance(node, ex.Input):
        return {node.name: Fraction(1)}
    if isinstance(node, ex.Mul | ex.Div):
        left, right = _power(node.left), _power(node.right)
        if left is None or right is None:
            return None
        sign = 1 if isinstance(node, ex.Mul) else -1
        return {n: left.get(n, 0) + sign * right.get(n, 0) for n in left | right}
    if isinstance(node, ex.Pow | ex.Sqrt):
        base = _power(node.base if isinstance(node, ex.Pow) else node.operand)
        factor = Fraction(node.exponent) if isinstance(node, ex.Pow) else Fraction(1, 2)
        return None if base is None else {n: e * factor for n, e in base.items()}
    return None


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """What a builder may use to size and initialize a model.

    Attributes:
        expression: The target expression.
        dtype: The model's dtype, ``"float32"`` or ``"float64"``.
        seed: Seed of the initializers.
        x: Training inputs `(examples, inputs)`, for baselines that normalize.
        y: Training targets `(examples,)`, as float64.
        regularizer: `(scale, start, end)` of the units' sparsity ramp.
    """

    expression: ex.Expression
    dtype: str
    seed: int
    x: np.ndarray
    y: np.ndarray
    regularizer: tuple[float, int, int] = (1.0, 1000, 3000)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A named model: how to build it and how to train it.

    Attributes:
        name: The registry name, as given to ``--model``.
        summary: One line on what it is.
        build: Builds the uncompiled model from a `BuildContext`.
        units: Whether it is made of arithmetic units (snapped and read out)
            rather than a baseline.
        loss: ``"mse"`` (mean squared error over Var(y)) or ``"relative"``
            (squared error relative to |y| + 1), the recipe's training loss.
        learning_rate: Adam's learning rate in the recipe.
    """

    name: str
    summary: str
    build: Callable[[BuildContext], keras.Model]
    units: bool = True
    loss: str = "mse"
    learning_rate: float = 1e-2


def _unit_kwargs(context: BuildContext, offset: int) -> dict:
    scale, start, end = context.regularizer
    return {
        "regularizer_scale": scale,
        "regularizer_start": start,
        "regularizer_end": end,
        "seed": context.seed * 100 + offset,
        "dtype": context.dtype,
    }


def _input(context: BuildContext) -> keras.KerasTensor:
    return keras.Input((context.x.shape[1],), dtype=context.dtype, name="inputs")


def _shape(context: BuildContext, default: Shape) -> Shape:
    return shape_of(context.expression) or default


def _default_shape(context: BuildContext, factors=(2,), linear=False) -> Shape:
    return Shape((1,) * context.x.shape[1], 0, factors, linear, False)


def build_stack(context: BuildContext, shape: Shape, name: str) -> keras.Model:
    """NAU and NMU layers arranged as `shape` says (see `Shape`).

    No products: Replicate -> NAU(1). One monomial: Replicate -> NMU(1). One
    product of sums: Replicate -> NAU(k) -> NMU(1). Otherwise one
    NAU(k) -> NMU(1) block per product term beside the replicated inputs,
    summed by a final NAU(1).
    """
    inputs = _input(context)
    features = Replicate(
        shape.copies, shape.constants, dtype=context.dtype, name="replicate"
    )(inputs)
    if not shape.factors:
        outputs = NAU(1, name="nau_out", **_unit_kwargs(context, 0))(features)
    elif shape.monomial:
        outputs = NMU(1, name="nmu", **_unit_kwargs(context, 0))(features)
    else:
        blocks = [
            NMU(1, name=f"nmu_{j}", **_unit_kwargs(context, 2 * j + 1))(
                NAU(k, name=f"nau_{j}", **_unit_kwargs(context, 2 * j))(features)
            )
            for j, k in enumerate(shape.factors)
        ]
        if len(blocks) == 1 and not shape.linear:
            outputs = blocks[0]
        else:
            parts = blocks + ([features] if shape.linear else [])
            joined = keras.layers.Concatenate(dtype=context.dtype, name="terms")(parts)
            outputs = NAU(1, name="nau_out", **_unit_kwargs(context, 99))(joined)
    return keras.Model(inputs, outputs, name=name)


def _build_auto_stack(context: BuildContext) -> keras.Model:
    return build_stack(context, _shape(context, _default_shape(context)), "nau_nmu_nau")


def _build_nau(context: BuildContext) -> keras.Model:
    shape = _shape(context, _default_shape(context))
    return build_stack(context, dataclasses.replace(shape, factors=()), "nau")


def _build_nmu(context: BuildContext) -> keras.Model:
    copies = _exponents(context.expression)
    names = context.expression.inputs
    shape = Shape(tuple(max(1, copies.get(n, 1)) for n in names), 0, (1,), False, True)
    return build_stack(context, shape, "nmu")


def _build_nau_nmu(context: BuildContext) -> keras.Model:
    shape = _shape(context, _default_shape(context))
    k = shape.factors[0] if len(shape.factors) == 1 else 2
    single = dataclasses.replace(shape, factors=(k,), linear=False, monomial=False)
    return build_stack(context, single, "nau_nmu")


def _single_unit(layer_class, name: str, **options) -> Callable:
    """A builder of one unit on the raw inputs.

    Args:
        layer_class: The unit.
        name: The layer and model name.
        **options: Constructor arguments of the unit.
    """

    def build(context: BuildContext) -> keras.Model:
        inputs = _input(context)
        kwargs = _unit_kwargs(context, 0) | options
        if layer_class in (NPU, RealNPU, NALU, INALU, NMRU):
            # These units keep their papers' regularizers and schedules.
            for key in ("regularizer_scale", "regularizer_start", "regularizer_end"):
                kwargs.pop(key)
        outputs = layer_class(1, name=name, **kwargs)(inputs)
        return keras.Model(inputs, outputs, name=name)

    return build


def _build_seed(context: BuildContext) -> keras.Model:
    # The classic network keeps Keras's default, globally seeded initializers.
    keras.utils.set_random_seed(context.seed)
    return build_seed_network(context.x.shape[1])


def _dense(context: BuildContext, units: int, activation, index: int):
    initializer = keras.initializers.GlorotUniform(seed=context.seed * 100 + index)
    return keras.layers.Dense(
        units, activation, kernel_initializer=initializer, dtype=context.dtype
    )


def _build_mlp(context: BuildContext) -> keras.Model:
    """Normalized inputs -> 2 x Dense(64, gelu) -> Dense(1) -> target scale."""
    inputs = _input(context)
    norm = keras.layers.Normalization(dtype=context.dtype)
    norm.adapt(context.x.astype(context.dtype))
    hidden = norm(inputs)
    for index, width in enumerate((64, 64)):
        hidden = _dense(context, width, "gelu", index)(hidden)
    scaled = _dense(context, 1, None, 2)(hidden)
    mean, std = float(np.mean(context.y)), float(np.std(context.y)) or 1.0
    outputs = keras.layers.Rescaling(std, offset=mean, dtype=context.dtype)(scaled)
    return keras.Model(inputs, outputs, name="mlp")


def _build_log_mlp(context: BuildContext) -> keras.Model:
    """sign*log(1+|x|) inputs -> 2 x Dense(64, gelu) -> Dense(1) -> exp back."""
    inputs = _input(context)
    hidden = SignedLog(dtype=context.dtype)(inputs)
    for index, width in enumerate((64, 64)):
        hidden = _dense(context, width, "gelu", index)(hidden)
    logs = _dense(context, 1, None, 2)(hidden)
    outputs = SignedExp(dtype=context.dtype)(logs)
    return keras.Model(inputs, outputs, name="log_mlp")


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "nau", "NAU on copies of the inputs: sums and differences", _build_nau
        ),
        ModelSpec(
            "nmu", "NMU on copies of the inputs: one product of inputs", _build_nmu
        ),
        ModelSpec(
            "nau-nmu",
            "NAU then NMU: a product of sums (Madsen & Johansen)",
            _build_nau_nmu,
        ),
        ModelSpec(
            "nau-nmu-nau",
            "products of sums plus a linear part, summed by an NAU",
            _build_auto_stack,
        ),
        ModelSpec(
            "real-npu",
            "RealNPU with its relevance gates held open: products of powers",
            # With open gates log|z| = W log|x| is linear in W, and the power
            # loss makes learning W a convex problem; a trainable gate tends
            # to close on an input whose exponent starts with the wrong sign
            # (a/b, 1 seed in 10), and a closed gate passes no gradient to W.
            _single_unit(
                RealNPU, "real_npu", gate_initializer="ones", train_gate=False
            ),
            loss="power",
            learning_rate=3e-2,
        ),
        ModelSpec(
            "npu",
            "NPU: complex-weighted power unit",
            _single_unit(NPU, "npu"),
            loss="relative",
            learning_rate=3e-2,
        ),
        ModelSpec("nalu", "NALU (Trask et al. 2018)", _single_unit(NALU, "nalu")),
        ModelSpec("inalu", "iNALU (Schlör et al. 2020)", _single_unit(INALU, "inalu")),
        ModelSpec(
            "nmru",
            "NMRU: multiplication and reciprocal unit",
            _single_unit(NMRU, "nmru"),
            loss="relative",
        ),
        ModelSpec(
            "seed",
            "the classic Dense(3-5-3-5-1) ReLU network",
            _build_seed,
            units=False,
            learning_rate=1e-3,
        ),
        ModelSpec(
            "mlp",
            "a normalized GELU MLP (2 x 64)",
            _build_mlp,
            units=False,
            learning_rate=3e-3,
        ),
        ModelSpec(
            "log-mlp",
            "a GELU MLP in signed log space, exp output",
            _build_log_mlp,
            units=False,
            learning_rate=3e-3,
        ),
    )
}


def get_model_spec(name: str) -> ModelSpec:
    """Looks up a model by name.

    Raises:
        ValueError: If the name is not in `MODELS`.
    """
    if name not in MODELS:
        raise ValueError(
            f"Unknown model. Accepted: auto, {', '.join(MODELS)}. "
            f"Received: model={name!r}"
        )
    return MODELS[name]


def choose_model(expression: ex.Expression) -> tuple[ModelSpec, str]:
    """The default model for an expression, and why.

    Returns:
        `(spec, reason)`.

    Raises:
        ValueError: If no unit stack can express it exactly.
    """
    shape = shape_of(expression)
    if shape is not None and not shape.factors:
        return MODELS["nau"], (
            "the target is a sum of inputs with integer coefficients; an NAU "
            "learns weights in {-1, 0, 1} on copies of the inputs"
        )
    if shape is not None and shape.monomial:
        return MODELS["nmu"], (
            "the target is a product of inputs; an NMU multiplies the inputs "
            "whose weights reach 1 and ignores those at 0"
        )
    if shape is not None and len(shape.factors) == 1 and not shape.linear:
        return MODELS["nau-nmu"], (
            f"the target is a product of {shape.factors[0]} sums; an NAU forms "
            "the sums and an NMU multiplies them"
        )
    if shape is not None:
        return MODELS["nau-nmu-nau"], (
            "the target is a sum of products of sums; NAU->NMU blocks form the "
            "products and a final NAU adds them to the linear part"
        )
    if power_exponents(expression) is not None:
        return MODELS["real-npu"], (
            "the target is a product of powers of the inputs (division, roots); "
            "a RealNPU learns the exponents, exp(W log|x|)"
        )
    raise ValueError(
        "No arithmetic-unit model can express this target exactly yet. Accepted "
        "by the default model: sums of products of integer linear forms "
        "(a*b + c, (a+b)*(a-b)) or products of powers of inputs (a/b, "
        f"sqrt(a*b)); try --model mlp. Received: expr={expression.text!r}"
    )
