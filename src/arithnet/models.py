"""Model builders: the networks arithnet trains, by name."""

import keras

SEED_NETWORK_UNITS = ((3, None), (5, "relu"), (3, "relu"), (5, "relu"), (1, "relu"))


def build_seed_network(inputs: int) -> keras.Sequential:
    """The classic Dense network from the well-known "it can add but not multiply"
    question, exactly as asked:

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
