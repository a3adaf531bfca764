"""Counter-based random numbers: every draw is a pure function of its key.

A draw is keyed by ``(seed, stream, step, index)`` and never by the position
of a sequence in a batch, the thread that runs it, or the order of other
draws ("frozen noise").  The generator is SplitMix64's output function applied
to a counter derived from the key, so the same arithmetic can be compiled for
CPU and GPU targets and give identical bits.
"""

import numpy as np

from .backends._twin import kernel_math as _kernel_math

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0

# Streams keep unrelated uses of the same (step, index) independent.
STREAM_INPUT = 1  # Poisson input spikes, index = input channel
STREAM_INIT = 2  # random initial membrane potential, index = neuron
STREAM_NOISE = 3  # noise current, index = neuron


@_kernel_math
def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_kernel_math
def step_key(seed, stream, step):
    """Key of one (seed, stream, step); combine with an index by `uniform`."""
    h = mix64(np.uint64(seed) + np.uint64(stream) * GOLDEN)
    return mix64(h ^ np.uint64(step))


@_kernel_math
def uniform(key, index):
    """Uniform float64 in [0, 1) for ``index`` under a step key."""
    z = mix64(key + (np.uint64(index) + np.uint64(1)) * GOLDEN)
    return np.float64(z >> _S11) * _INV_2_53


def uniform_numpy(seed, stream, step, index):
    """Vectorised NumPy twin of ``uniform(step_key(seed, stream, step), index)``.

    Used by tests and by reference code; ``step`` and ``index`` broadcast.
    """
    with np.errstate(over="ignore"):
        def mix(z):
            z = (z ^ (z >> np.uint64(30))) * _M1
            z = (z ^ (z >> np.uint64(27))) * _M2
            return z ^ (z >> np.uint64(31))

        h = mix(np.uint64(seed) + np.uint64(stream) * GOLDEN)
        key = mix(h ^ np.asarray(step, dtype=np.uint64))
        z = mix(key + (np.asarray(index, dtype=np.uint64) + np.uint64(1)) * GOLDEN)
    return (z >> np.uint64(11)).astype(np.float64) * _INV_2_53


def derive_seed(random_state):
    """A 63-bit simulation seed from an int, a Generator/RandomState or None."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state) & 0x7FFFFFFFFFFFFFFF
    from sklearn.utils import check_random_state

    rs = check_random_state(random_state)
    return int(rs.randint(0, 2**62, dtype=np.int64))
