"""The reference workloads of the design notes, built once for the CLI and the benchmarks."""

import numpy as np

from .encoding import PoissonEncoder
from .neurons import LIF
from .topology import connect_inputs, random_reservoir

#: X holds Poisson rates in Hz with this encoder
RATE_ENCODER = PoissonEncoder(max_rate=1000.0, gain=1e-3, transform="linear")


def cuba_network(n_neurons=4000, *, synapses_per_neuron=80, rest_potential=-49.0, random_state=0):
    """CUBA (Vogels & Abbott 2005; Brette et al. 2007, benchmark 2).

    80/20 E/I LIF, taum=20 ms, taue=5 ms, taui=10 ms, Vt=-50 mV, Vr=-60 mV,
    El=-49 mV, 5 ms refractory, we=60*0.27/10 mV, wi=-20*4.5/10 mV,
    dt=0.1 ms, connection probability 80/N (0.02 at N=4000).  Simulate it
    with ``v_init="uniform"`` (V0 uniform in [Vr, Vt]) and no input.
    ``rest_potential`` (El) other than -49 mV changes the firing rate (for
    scaling studies); the benchmark itself uses -49 mV.
    """
    neuron = LIF(tau_m=20.0, tau_e=5.0, tau_i=10.0, v_rest=rest_potential, v_reset=-60.0, v_threshold=-50.0,
                 t_ref=5.0)
    p = min(1.0, synapses_per_neuron / n_neurons)
    net = random_reservoir(n_neurons, excitatory_fraction=0.8, connectivity=p,
                           weights={"E": 60 * 0.27 / 10, "I": -20 * 4.5 / 10}, delay=0.1, neuron=neuron, dt=0.1,
                           random_state=random_state)
    return connect_inputs(net, 1, connectivity=0.0, random_state=random_state)


def batch_network(random_state=0):
    """Batch reservoir: N=1000 LIF (80/20, p=0.1, w_E=0.5 mV, w_I=-2 mV), 100 Poisson inputs
    (p=0.2, w_in=5 mV), taum/taue/taui 20/5/10 ms, Vt=-50 mV, Vr=El=-60 mV, 2 ms refractory, dt=1 ms."""
    neuron = LIF(tau_m=20.0, tau_e=5.0, tau_i=10.0, v_rest=-60.0, v_reset=-60.0, v_threshold=-50.0, t_ref=2.0)
    net = random_reservoir(1000, excitatory_fraction=0.8, connectivity=0.1, weights={"E": 0.5, "I": -2.0},
                           delay=1.0, neuron=neuron, dt=1.0, random_state=random_state)
    return connect_inputs(net, 100, connectivity=0.2, weight=5.0, sign="excitatory", random_state=random_state + 1)


def batch_input(n_sequences, rate_hz=20.0):
    """Constant 20 Hz rates on 100 channels, one frame per sequence (hold it for 1000 steps)."""
    return np.full((n_sequences, 1, 100), rate_hz)
