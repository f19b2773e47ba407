"""Neural arithmetic units as Keras 3 layers.

Every unit is `Unit(units, ..., **kwargs)` with input `(batch_size, inputs)` and
output `(batch_size, units)`; it computes with `keras.ops` only, runs on the
JAX, TensorFlow and PyTorch backends and stays float64 with `dtype="float64"`.
Each unit module also exposes its maths as pure functions of tensors
(`nau_forward`, `nmu_sparsity_loss`, `nau_clamp`, ...).

The fixed transforms arithnet's models put around the units (`Replicate`,
`SignedLog`, `SignedExp`) live here too. Importing this package registers all
of them with Keras, so a `.keras` file that
uses them loads with `keras.saving.load_model` and no `custom_objects`, once
`arithnet.layers` (or `arithnet.saving`) is imported.
"""

from arithnet.layers._regularizer import ramp, snap_to_integers
from arithnet.layers.inalu import INALU
from arithnet.layers.nac import NAC, NACMul
from arithnet.layers.nalu import NALU
from arithnet.layers.nau import NAU
from arithnet.layers.nmu import NMU
from arithnet.layers.npu import NPU, RealNPU
from arithnet.layers.nru import NMRU, NRU
from arithnet.layers.transforms import Replicate, SignedExp, SignedLog

UNITS = {
    cls.__name__: cls
    for cls in (NAC, NACMul, NALU, INALU, NAU, NMU, NPU, RealNPU, NRU, NMRU)
}

__all__ = [
    "INALU",
    "NAC",
    "NACMul",
    "NALU",
    "NAU",
    "NMRU",
    "NMU",
    "NPU",
    "NRU",
    "RealNPU",
    "Replicate",
    "SignedExp",
    "SignedLog",
    "UNITS",
    "ramp",
    "snap_to_integers",
]
