"""The network spec: plain arrays that every backend kernel can read.

A :class:`Network` holds populations (contiguous neuron ranges sharing one
neuron model and one sign), recurrent synapses in CSR form ordered by the
presynaptic neuron, integer delays in steps, and an optional input projection
from ``n_inputs`` channels.  It knows nothing of estimators or kernels.
"""

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from ._validation import check_int, check_positive
from .neurons import LIF, propagators


@dataclass(frozen=True)
class Population:
    """A contiguous range of neurons with one model and one synaptic sign.

    Parameters
    ----------
    name : str
        Label, e.g. ``"E"`` or ``"I"``.
    size : int
        Number of neurons (>= 1).
    excitatory : bool
        Sign of every outgoing synapse (Dale's law): positive if True.
    model : LIF
        Neuron parameters (a :class:`~reservoirspike.neurons.LIF` or subclass).
    """

    name: str
    size: int
    excitatory: bool = True
    model: LIF = field(default_factory=LIF)

    def __post_init__(self):
        check_int(f"size of population {self.name!r}", self.size, low=1)
        if not isinstance(self.model, LIF):
            raise TypeError(f"model of population {self.name!r} must be a LIF record, got {self.model!r}")


def _check_csr(prefix, n_rows, n_cols, indptr, indices, weights):
    if indptr.shape != (n_rows + 1,):
        raise ValueError(f"{prefix}indptr must have shape ({n_rows + 1},), got {indptr.shape}")
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != len(indices):
        raise ValueError(f"{prefix}indptr must rise from 0 to len(indices)")
    if len(weights) != len(indices):
        raise ValueError(f"{prefix}weights must have one entry per synapse")
    if len(indices) and (indices.min() < 0 or indices.max() >= n_cols):
        raise ValueError(f"{prefix}indices must lie in [0, {n_cols})")
    # NaN and inf show in the extremes: no temporary the size of the synapses
    if len(weights) and not (np.isfinite(weights.min()) and np.isfinite(weights.max())):
        raise ValueError(f"{prefix}weights must be finite")


#: the longest delay (steps) a network may hold: delays are stored in at most 16 bits
MAX_DELAY_STEPS = int(np.iinfo(np.int16).max)


def delay_dtype(longest):
    """The dtype delays of at most ``longest`` steps are stored in: uint8 up to 255 steps, else int16.

    One byte a synapse where the delays allow it (most networks): with int32 targets and float32
    weights a static synapse then takes 9 bytes.
    """
    return np.dtype(np.uint8) if longest <= np.iinfo(np.uint8).max else np.dtype(np.int16)


def compact_delays(delays):
    """Integer delays (steps) in ``[1, MAX_DELAY_STEPS]`` as a contiguous array of :func:`delay_dtype`."""
    delays = np.asarray(delays)
    if delays.ndim != 1:
        raise ValueError(f"delays must be a 1-d array of steps, got shape {delays.shape}")
    if not len(delays):
        return np.zeros(0, np.uint8)
    if delays.dtype.kind not in "iu":
        if delays.dtype.kind != "f" or not np.all(np.isfinite(delays)) or np.any(delays != np.round(delays)):
            raise ValueError(f"delays must be whole numbers of steps, got dtype {delays.dtype}")
    lo, hi = delays.min(), delays.max()
    if lo < 1 or hi > MAX_DELAY_STEPS:
        raise ValueError(f"delays must be at least 1 step and at most {MAX_DELAY_STEPS}, got [{lo}, {hi}]")
    return np.ascontiguousarray(delays, dtype=delay_dtype(int(hi)))


@dataclass(frozen=True, eq=False)
class Network:
    """An immutable spiking network: populations, CSR synapses, delays, inputs.

    Parameters
    ----------
    populations : tuple of Population
        Neuron ranges in index order.
    dt : float
        Simulation time step (ms) the delays are expressed in.
    indptr, indices, data, delays : ndarray
        Recurrent synapses as CSR rows by presynaptic neuron: ``indptr``
        (int64, n_neurons + 1), ``indices`` (int32 target neuron),
        ``data`` (float32 weights, mV; the sign follows the presynaptic population)
        and ``delays`` (steps, >= 1; stored as uint8 when every delay is at most 255
        steps, else int16, see :func:`delay_dtype`).
    n_inputs : int
        Number of input channels (0 for none).
    input_indptr, input_indices, input_data : ndarray
        Input projection as CSR rows by channel (weights in mV, any sign).
    bias : ndarray (n_neurons,), optional
        Per-neuron constant drive R·I (mV) added to each model's ``bias``;
        heterogeneous background drive makes neurons respond differently.
    threshold : ndarray (n_neurons,), optional
        Per-neuron offset (mV) added to each model's ``v_threshold``, e.g.
        learned by intrinsic plasticity.

    Notes
    -----
    The arrays must not be changed in place (make a new network, e.g. with
    :meth:`with_data`): the CUDA backend keeps device copies of them between
    runs, keyed by the arrays' identity.
    """

    populations: tuple
    dt: float
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    delays: np.ndarray
    n_inputs: int = 0
    input_indptr: np.ndarray = None
    input_indices: np.ndarray = None
    input_data: np.ndarray = None
    bias: np.ndarray = None
    threshold: np.ndarray = None

    def __post_init__(self):
        pops = tuple(self.populations)
        if not pops:
            raise ValueError("populations must hold at least one Population")
        object.__setattr__(self, "populations", pops)
        names = [p.name for p in pops]
        if len(set(names)) != len(names):
            raise ValueError(f"population names must be unique, got {names}")
        check_positive("dt", self.dt)
        for pop in pops:
            pop.model.check_dt(self.dt)
        n = self.n_neurons
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("indptr", np.ascontiguousarray(self.indptr, dtype=np.int64))
        set_("indices", np.ascontiguousarray(self.indices, dtype=np.int32))
        set_("data", np.ascontiguousarray(self.data, dtype=np.float32))
        set_("delays", compact_delays(self.delays))
        _check_csr("", n, n, self.indptr, self.indices, self.data)
        if len(self.delays) != len(self.indices):
            raise ValueError("delays must have one entry per synapse")
        check_int("n_inputs", self.n_inputs, low=0)
        if self.input_indptr is None:
            set_("input_indptr", np.zeros(self.n_inputs + 1, np.int64))
            set_("input_indices", np.zeros(0, np.int32))
            set_("input_data", np.zeros(0, np.float32))
        set_("input_indptr", np.ascontiguousarray(self.input_indptr, dtype=np.int64))
        set_("input_indices", np.ascontiguousarray(self.input_indices, dtype=np.int32))
        set_("input_data", np.ascontiguousarray(self.input_data, dtype=np.float32))
        _check_csr("input_", self.n_inputs, n, self.input_indptr, self.input_indices, self.input_data)
        bias = np.zeros(n) if self.bias is None else np.asarray(self.bias, dtype=np.float64)
        if bias.shape != (n,) or not np.all(np.isfinite(bias)):
            raise ValueError(f"bias must be a finite array of shape ({n},), got shape {bias.shape}")
        set_("bias", np.ascontiguousarray(bias))
        thr = np.zeros(n) if self.threshold is None else np.asarray(self.threshold, dtype=np.float64)
        if thr.shape != (n,) or not np.all(np.isfinite(thr)):
            raise ValueError(f"threshold must be a finite array of shape ({n},), got shape {thr.shape}")
        set_("threshold", np.ascontiguousarray(thr))
        self._check_dale()

    def _check_dale(self):
        # the smallest and largest weight of each non-empty row: memory per neuron, not per synapse
        rows = np.flatnonzero(np.diff(self.indptr))
        if len(rows) == 0:
            return
        row_min = np.minimum.reduceat(self.data, self.indptr[rows])
        row_max = np.maximum.reduceat(self.data, self.indptr[rows])
        exc = self.excitatory[rows]
        if np.any(row_min[exc] < 0) or np.any(row_max[~exc] > 0):
            raise ValueError(
                "weights break Dale's law: synapses from excitatory populations must be >= 0 "
                "and from inhibitory populations <= 0"
            )

    # --- shape -----------------------------------------------------------
    @property
    def n_neurons(self):
        """Total number of neurons."""
        return sum(p.size for p in self.populations)

    @property
    def n_synapses(self):
        """Number of recurrent synapses."""
        return len(self.indices)

    @property
    def max_delay(self):
        """Longest recurrent delay in steps (0 without synapses)."""
        return int(self.delays.max()) if len(self.delays) else 0

    def population_slices(self):
        """Name → slice of neuron indices."""
        out, start = {}, 0
        for pop in self.populations:
            out[pop.name] = slice(start, start + pop.size)
            start += pop.size
        return out

    @property
    def excitatory(self):
        """Boolean mask (n_neurons,) of neurons whose synapses are excitatory."""
        return np.concatenate([np.full(p.size, p.excitatory) for p in self.populations])

    # --- inspection ------------------------------------------------------
    @property
    def weights(self):
        """Recurrent weights as ``scipy.sparse.csr_matrix`` (pre × post, mV)."""
        n = self.n_neurons
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=(n, n))

    @property
    def input_weights(self):
        """Input weights as ``scipy.sparse.csr_matrix`` (channel × neuron, mV)."""
        return sp.csr_matrix(
            (self.input_data, self.input_indices, self.input_indptr),
            shape=(self.n_inputs, self.n_neurons),
        )

    @property
    def delays_ms(self):
        """Delays of the recurrent synapses in ms."""
        return self.delays.astype(np.float64) * self.dt

    # --- derived per-neuron arrays ----------------------------------------
    def neuron_table(self, keys=None):
        """Per-neuron arrays of the exact propagators and potentials.

        Parameters
        ----------
        keys : sequence of str, optional
            The arrays wanted (default all): a run needs only a few, and the
            whole table takes about 260 bytes a neuron.

        Returns
        -------
        dict
            Keys as in :func:`reservoirspike.neurons.propagators` (float64, or
            int32 for ``ref_steps``; ``drive_offset`` is (n, 3) and
            ``drive_gain`` (n, 3, 3)); ``bias`` includes this network's
            per-neuron ``bias`` and ``v_threshold`` its ``threshold``.
        """
        tables = [propagators(p.model, self.dt) for p in self.populations]
        keys = tuple(tables[0]) if keys is None else tuple(keys)
        unknown = [k for k in keys if k not in tables[0]]
        if unknown:
            raise ValueError(f"keys {unknown} are not in the neuron table; choose from {sorted(tables[0])}")
        out = {}
        for key in keys:
            dtype = np.int32 if key == "ref_steps" else np.float64
            out[key] = np.concatenate(
                [np.broadcast_to(np.asarray(t[key], dtype=dtype), (p.size,) + np.shape(t[key]))
                 for p, t in zip(self.populations, tables)]
            )
        if "bias" in out:
            out["bias"] = out["bias"] + self.bias
        if "v_threshold" in out:
            out["v_threshold"] = out["v_threshold"] + self.threshold
        return out

    def population_tables(self):
        """Kernel tables: (bounds (P+1,), parameters (P, columns), drive (P, 3, 4))."""
        from .backends.cpu import POP_COLUMNS

        bounds = np.cumsum([0] + [p.size for p in self.populations]).astype(np.int64)
        tables = [propagators(p.model, self.dt) for p in self.populations]
        params = np.array([[float(t[c]) for c in POP_COLUMNS] for t in tables])
        drive = np.array([np.column_stack([t["drive_offset"], t["drive_gain"]]) for t in tables])
        return bounds, params, drive

    def with_inputs(self, indptr, indices, data):
        """A copy of this network with a new input projection (CSR by channel)."""
        return replace(
            self,
            n_inputs=len(indptr) - 1,
            input_indptr=indptr,
            input_indices=indices,
            input_data=data,
        )

    def with_data(self, data, threshold=None):
        """A copy with new recurrent weights (same structure, float32 mV) and optionally thresholds.

        The weights are copied, so the network does not change when the caller's array does (a backend
        keeps device copies of a network's arrays).
        """
        return replace(self, data=np.array(data, dtype=np.float32),
                       threshold=self.threshold if threshold is None else threshold)

    def incoming(self):
        """Target-sorted index: synapses onto neuron i are ``syn[ptr[i]:ptr[i+1]]`` (CSR positions)."""
        # NumPy's stable sort is a radix sort for 16-bit keys: 5x faster than on int32 at 100k synapses
        keys = self.indices.astype(np.uint16) if self.n_neurons <= 1 << 16 else self.indices
        order = np.argsort(keys, kind="stable")
        ptr = np.zeros(self.n_neurons + 1, np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.n_neurons), out=ptr[1:])
        return ptr, order.astype(np.int64)

    def __repr__(self):
        pops = ", ".join(f"{p.name}:{p.size}" for p in self.populations)
        return (
            f"Network({pops}; {self.n_synapses} synapses, delays 1..{self.max_delay} steps, "
            f"{self.n_inputs} inputs, dt={self.dt} ms)"
        )
