"""reservoirspike: batched spiking reservoirs (liquid state machines) with a scikit-learn face."""

from ._config import config_context, get_config, set_config
from .estimators import SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor
from .encoding import CurrentEncoder, DeltaEncoder, EventStream, LatencyEncoder, PoissonEncoder, SpikeEncoder
from .network import Network, Population
from .neurons import LIF, AdaptiveLIF
from .simulate import SimulationResult, simulate
from .topology import column_3d, connect_inputs, input_projection, random_reservoir
from .audio import CochleaEncoder, MelFeatures
from .events import AddressEventEncoder
from .preprocessing import GaussianReceptiveFields, SequenceScaler

__version__ = "0.1.0"

__all__ = [
    "AdaptiveLIF", "CurrentEncoder", "DeltaEncoder", "EventStream", "LIF", "LatencyEncoder", "Network",
    "PoissonEncoder", "Population", "SimulationResult", "SpikeEncoder", "column_3d", "connect_inputs",
    "input_projection", "random_reservoir", "simulate", "SpikingReservoir", "SpikingReservoirClassifier",
    "SpikingReservoirRegressor", "config_context", "get_config", "set_config", "__version__",
    "AddressEventEncoder", "CochleaEncoder", "MelFeatures", "SequenceScaler", "GaussianReceptiveFields",
]
