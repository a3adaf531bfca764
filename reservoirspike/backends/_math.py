"""Per-neuron math written once, compiled inline for each backend.

Synaptic input is accumulated as 64-bit fixed-point integers (2**-32 mV
resolution), so the sum of the spikes reaching a neuron in one step does not
depend on the order in which they are added (threads, atomics, CSR order).
"""

import numpy as np
from numba import njit

FIXED_SCALE = 4294967296.0  # 2**32 units per mV
FIXED_INV = 1.0 / FIXED_SCALE


@njit(cache=True, inline="always")
def to_fixed(weight):
    """A weight (mV, float32 or float64) as int64 fixed-point, rounded to nearest."""
    return np.int64(np.floor(np.float64(weight) * FIXED_SCALE + 0.5))


@njit(cache=True, inline="always")
def membrane_step(v, i_e, i_i, v_inf, p_mm, p_me, p_mi):
    """Exact V after one step: leak towards ``v_inf`` plus both decaying currents."""
    return v_inf + (v - v_inf) * p_mm + i_e * p_me + i_i * p_mi
