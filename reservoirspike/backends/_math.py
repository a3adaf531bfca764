"""Per-neuron math written once, compiled inline for each backend.

Synaptic input is accumulated as 64-bit fixed-point integers (2**-32 mV
resolution), so the sum of the spikes reaching a neuron in one step does not
depend on the order in which they are added (threads, atomics, CSR order).
"""

import math

import numpy as np
from numba import njit

from .._rng import uniform
from ._twin import kernel_math

FIXED_SCALE = 4294967296.0  # 2**32 units per mV
FIXED_INV = 1.0 / FIXED_SCALE


@kernel_math
def to_fixed(weight):
    """A weight (mV, float32 or float64) as int64 fixed-point, rounded to nearest."""
    x = np.float64(weight) * FIXED_SCALE + 0.5
    i = np.int64(x)  # truncates towards zero; step down once for negative non-integers: floor(x)
    return i - 1 if i > x else i


def fixed_weights(weights):
    """:func:`to_fixed` of every weight of an array (int64), in NumPy: the same floor of ``w 2**32 + 1/2``.

    For the host-side tables that kernels read ready-made; not compiled, so it costs no compilation.
    """
    return np.floor(np.asarray(weights, np.float64) * FIXED_SCALE + 0.5).astype(np.int64)


@njit(cache=True, inline="always")
def add_psp(ring_e, ring_i, slot, i, fixed_weight):
    """Add a fixed-point PSP to neuron ``i``'s excitatory or inhibitory input of delay slot ``slot``, by its sign.

    CPU only, for functions compiled without reference counting (``step_jit``): inlined into a function
    with it, each call would count references to both rings.
    """
    if fixed_weight >= 0:
        ring_e[slot, i] += fixed_weight
    else:
        ring_i[slot, i] += fixed_weight


@kernel_math
def enter_current(i, y, p_yy):
    """The current and entry variable ``(i, y)`` that a step starts from, ``y`` holding its arrivals.

    Exponential synapses (``p_yy == 0``: no entry variable) take a step's
    arrivals into the current at its start, one addition; their entry
    coefficients equal the current's (``p_my == p_m``, ``p_Iy == p_I``), so
    ``i p_m + y p_my`` and ``(i + y) p_m`` are the same real number, and
    the second takes two multiplications and an addition fewer in every
    neuron update.  Alpha synapses keep ``y``.
    """
    if p_yy == 0.0:
        return i + y, 0.0
    return i, y


@kernel_math
def membrane_step(v, v_inf, p_mm, i_e, p_me, y_e, p_mye, i_i, p_mi, y_i, p_myi):
    """Exact V after one step: leak towards ``v_inf`` plus the synaptic variables' contributions."""
    return v_inf + (v - v_inf) * p_mm + i_e * p_me + y_e * p_mye + i_i * p_mi + y_i * p_myi


@kernel_math
def current_membrane_step(v, v_inf, p_mm, i_e, p_me, i_i, p_mi):
    """:func:`membrane_step` of a neuron whose entry variables are zero (exponential synapses)."""
    return v_inf + (v - v_inf) * p_mm + i_e * p_me + i_i * p_mi


@kernel_math
def standard_normal(key, index):
    """Three independent N(0, 1) draws for ``index`` under a step key (Box-Muller)."""
    u1 = 1.0 - uniform(key, 4 * index)  # in (0, 1]
    u2 = uniform(key, 4 * index + 1)
    u3 = 1.0 - uniform(key, 4 * index + 2)
    u4 = uniform(key, 4 * index + 3)
    r1 = math.sqrt(-2.0 * math.log(u1))
    r2 = math.sqrt(-2.0 * math.log(u3))
    return r1 * math.cos(2.0 * math.pi * u2), r1 * math.sin(2.0 * math.pi * u2), r2 * math.cos(2.0 * math.pi * u4)


@kernel_math
def conductance_membrane_step(v, v_inf, g, g_avg, e_rev, dt_tau, i_i, p_mi, y_i, p_myi):
    """Exact-in-V step with conductance ``g`` (averaged over the step by ``g_avg``) and current inhibition.

    Over a step, V relaxes towards ``(v_inf + g e_rev) / (1 + g)`` at rate
    ``(1 + g) / tau_m``; inhibition is added with its exact coefficients.
    """
    gbar = g * g_avg
    target = (v_inf + gbar * e_rev) / (1.0 + gbar)
    return target + (v - target) * math.exp(-(1.0 + gbar) * dt_tau) + i_i * p_mi + y_i * p_myi
