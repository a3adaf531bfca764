"""Per-neuron math written once, compiled inline for each backend.

Synaptic input is accumulated as 64-bit fixed-point integers (2**-32 mV
resolution), so the sum of the spikes reaching a neuron in one step does not
depend on the order in which they are added (threads, atomics, CSR order).
"""

import math

import numpy as np
from numba import njit

from .._rng import uniform

FIXED_SCALE = 4294967296.0  # 2**32 units per mV
FIXED_INV = 1.0 / FIXED_SCALE


@njit(cache=True, inline="always")
def to_fixed(weight):
    """A weight (mV, float32 or float64) as int64 fixed-point, rounded to nearest."""
    return np.int64(np.floor(np.float64(weight) * FIXED_SCALE + 0.5))


@njit(cache=True, inline="always")
def membrane_step(v, v_inf, p_mm, i_e, p_me, y_e, p_mye, i_i, p_mi, y_i, p_myi):
    """Exact V after one step: leak towards ``v_inf`` plus the synaptic variables' contributions."""
    return v_inf + (v - v_inf) * p_mm + i_e * p_me + y_e * p_mye + i_i * p_mi + y_i * p_myi


@njit(cache=True, inline="always")
def standard_normal(key, index):
    """Three independent N(0, 1) draws for ``index`` under a step key (Box-Muller)."""
    u1 = 1.0 - uniform(key, 4 * index)  # in (0, 1]
    u2 = uniform(key, 4 * index + 1)
    u3 = 1.0 - uniform(key, 4 * index + 2)
    u4 = uniform(key, 4 * index + 3)
    r1 = math.sqrt(-2.0 * math.log(u1))
    r2 = math.sqrt(-2.0 * math.log(u3))
    return r1 * math.cos(2.0 * math.pi * u2), r1 * math.sin(2.0 * math.pi * u2), r2 * math.cos(2.0 * math.pi * u4)
