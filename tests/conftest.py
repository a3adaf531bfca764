import numpy as np
import pytest

from reservoirspike import LIF, Network, Population


def single_neuron_network(model=None, dt=0.1, input_weight=1.0):
    """One neuron, no recurrent synapses, one input channel of weight ``input_weight``."""
    pop = Population("E", 1, True, model or LIF())
    return Network(
        populations=(pop,), dt=dt, indptr=np.zeros(2, np.int64), indices=np.zeros(0, np.int32),
        data=np.zeros(0, np.float32), delays=np.zeros(0, np.int16), n_inputs=1,
        input_indptr=np.array([0, 1]), input_indices=np.array([0]), input_data=np.array([input_weight]),
    )


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
