"""``simulate(network, X)``: run a batch and get spikes and states back.

This is the one place that picks a backend and calls its kernel; the
estimators use :func:`run_encoded` below.
"""

import contextlib
import warnings
from dataclasses import dataclass

import numba
import numpy as np

from ._config import check_memory
from ._rng import derive_seed
from ._validation import check_choice, check_int, check_positive
from .backends import cpu
from .encoding import frame_count, get_encoder

RECORDABLE = ("spikes", "counts", "traces", "final", "steps", "state")
SATURATION = 0.5  # warn when neurons fire in more than this fraction of their steps
MAX_DRIVE = 1e9  # mV: current input beyond this is an error in X, not a drive
BACKENDS = ("cpu", "cuda", "auto")
AUTO_GPU_WORK = 2e8  # neuron updates from which backend="auto" moves a batch to a usable GPU
_FLAGS = {
    "counts": cpu.REC_COUNTS,
    "traces": cpu.REC_BIN_TRACES,
    "final": cpu.REC_FINAL,
    "steps": cpu.REC_STEPS,
    "spikes": cpu.REC_SPIKES,
    "state": cpu.REC_STATE,
}


def resolve_backend(backend, work=None):
    """Name of the backend to use (``"cpu"`` or ``"cuda"``); raises if the requested one is unusable.

    ``"auto"`` picks the GPU only when one is usable and ``work`` (neuron
    updates: neurons x steps) is at least :data:`AUTO_GPU_WORK`; it never
    picks Numba's CUDA simulator.  ``"cuda"`` without a usable GPU raises a
    RuntimeError saying which piece is missing (numba-cuda, driver, device).
    """
    check_choice("backend", backend, BACKENDS)
    if backend == "cpu":
        return "cpu"
    from .backends import cuda as gpu  # does not import numba.cuda by itself

    if backend == "cuda":
        gpu.check_available()
        return "cuda"
    if work is None or work < AUTO_GPU_WORK or gpu.simulator_enabled() or not gpu.is_available():
        return "cpu"
    return "cuda"


def resolve_threads(n_jobs):
    """Number of Numba threads for ``n_jobs`` (None or -1: all; -k: all but k-1)."""
    available = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return available
    n_jobs = check_int("n_jobs", n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a non-zero integer or None, got 0")
    if n_jobs < 0:
        return max(1, available + 1 + n_jobs)
    return min(n_jobs, available)


@contextlib.contextmanager
def numba_threads(n):
    """Run the enclosed parallel kernels on ``n`` threads."""
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(before)


@dataclass
class SimulationResult:
    """What a simulation recorded.

    Attributes
    ----------
    dt : float
        Time step (ms).
    lengths : ndarray (n_sequences,)
        Steps per sequence.
    n_neurons : int
    total_spikes : ndarray (n_sequences,)
        Spikes per sequence (always counted).
    counts : ndarray (n_sequences, n_bins, n_neurons) or None
        Spike counts in equal time bins.
    traces : ndarray (n_sequences, n_bins, n_neurons) or None
        Exponentially filtered spike trains sampled at the end of each bin.
    final : ndarray (n_sequences, n_neurons) or None
        Filtered trace at the last step.
    steps : list of ndarray (n_frames_i, n_neurons) or None
        Filtered trace at the end of every input frame (every step when
        ``steps_per_frame=1``).
    state : list of ndarray (T_i, k, 3) or None
        V, I_e and I_i (mV) at the end of every step for ``state_neurons``.
    backend : str
        ``"cpu"`` or ``"cuda"``: where the batch ran.
    launch : dict or None
        For the GPU: team mode, blocks, threads, chunk size and number of
        chunks the batch was streamed in, kernel compile seconds so far.
    """

    dt: float
    lengths: np.ndarray
    n_neurons: int
    total_spikes: np.ndarray
    counts: np.ndarray = None
    traces: np.ndarray = None
    final: np.ndarray = None
    steps: list = None
    state: list = None
    backend: str = "cpu"
    launch: dict = None
    _spike_steps: list = None
    _spike_ids: list = None

    @property
    def n_sequences(self):
        return len(self.lengths)

    def spikes(self, i):
        """Spike times (ms, end of the step) and neuron ids of sequence ``i``."""
        steps, ids = self.spike_steps(i)
        return (steps + 1) * self.dt, ids

    def spike_steps(self, i):
        """Step indices and neuron ids of the spikes of sequence ``i``."""
        if self._spike_steps is None:
            raise ValueError("spikes were not recorded; pass record=('spikes', ...)")
        if not 0 <= i < self.n_sequences:
            raise IndexError(f"sequence index i must be in [0, {self.n_sequences}), got {i}")
        return self._spike_steps[i], self._spike_ids[i]

    @property
    def mean_rate(self):
        """Mean firing rate over all neurons and sequences (Hz)."""
        return float(self.total_spikes.sum() / (self.n_neurons * self.lengths.sum() * self.dt) * 1000.0)


def _input_by_target(network):
    """Input projection as rows by target neuron (fixed channel order)."""
    m = network.input_weights.tocsc()
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float64)


def _static_learning(network):
    """Kernel arguments of a run without plasticity."""
    from .backends.plastic import N_PL

    def writable(a):  # the kernel may write these when learning; arrays loaded read-only get a copy
        return a if a.flags.writeable else a.copy()

    return (writable(network.data), writable(network.threshold), 0, np.zeros(N_PL), np.zeros((5, 1)),
            np.zeros(0, np.uint8), np.zeros((0, 3)),
            np.zeros((0, 4)), np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0))


def run_encoded(network, kin, *, seed, record=("counts",), n_bins=1, tau_trace=20.0,
                v_init="rest", state_neurons=None, n_jobs=None, backend="cpu", max_spikes=None, learning=None):
    """Run an encoded batch (:class:`~reservoirspike.encoding.KernelInput`) on ``network``.

    See :func:`simulate` for the parameters.  ``learning`` (a
    :class:`~reservoirspike.learning.LearningState`) makes the run plastic:
    sequences then run in order on one thread and its weights and thresholds
    are updated in place.
    """
    if kin.n_channels != network.n_inputs:
        raise ValueError(
            f"the input has {kin.n_channels} channels but the network's input projection expects "
            f"{network.n_inputs}"
        )
    if kin.mode == cpu.INPUT_CURRENT and kin.dense.size and network.input_data.size:
        # the largest drive any neuron can receive must be a finite, physical number of mV
        per_neuron = np.bincount(network.input_indices, weights=np.abs(network.input_data.astype(np.float64)),
                                 minlength=network.n_neurons).max()
        with np.errstate(over="ignore"):
            peak = float(np.abs(kin.dense).max()) * per_neuron
        if not peak <= MAX_DRIVE:
            raise ValueError(
                f"X drives neurons with up to {peak:.3g} mV through the input weights (largest |X| "
                f"{np.abs(kin.dense).max():.3g}); more than {MAX_DRIVE:.0e} mV is not a membrane drive; scale X"
            )
    for r in record:
        check_choice("record", r, RECORDABLE)
    flags = sum(_FLAGS[r] for r in set(record))
    n_bins = check_int("n_bins", n_bins, low=1)
    tau_trace = check_positive("tau_trace", tau_trace)
    check_choice("v_init", v_init, ("rest", "uniform"))
    lengths = kin.lengths
    if flags & (cpu.REC_COUNTS | cpu.REC_BIN_TRACES) and lengths.min() < n_bins:
        raise ValueError(
            f"n_bins={n_bins} is more than the {int(lengths.min())} steps of the shortest sequence; "
            "use fewer bins or more steps_per_frame"
        )
    n, N, total = kin.n_sequences, network.n_neurons, int(lengths.sum())
    state_ids = np.zeros(0, np.int32) if state_neurons is None else np.asarray(state_neurons, np.int32).ravel()
    if len(state_ids) and (state_ids.min() < 0 or state_ids.max() >= N):
        raise ValueError(f"state_neurons must lie in [0, {N})")

    backend = resolve_backend(backend, work=float(N) * float(lengths.sum()))
    threads = resolve_threads(n_jobs)
    if learning is not None:  # a plastic run cannot be repeated: make room for every possible spike
        max_spikes = N * int(lengths.max())
    elif max_spikes is None:  # a first guess; sequences that overflow it are re-run exactly
        max_spikes = int(N * lengths.max() * network.dt * 0.02) + 64
    n_frames = int(kin.frame_offsets[-1])
    check_memory({
        "spike counts and binned traces": n * n_bins * N * 8 * bool(flags & (cpu.REC_COUNTS | cpu.REC_BIN_TRACES)),
        f"per-frame traces ({n_frames} frames x {N} neurons)": n_frames * N * 4 * bool(flags & cpu.REC_STEPS),
        f"recorded state ({total} steps x {len(state_ids)} neurons)": total * len(state_ids) * 24,
        "spike buffers": n * max_spikes * 8 * bool(flags & cpu.REC_SPIKES),
        "delay rings and neuron state per thread": threads * N * (16 * (network.max_delay + 1) + 96),
    })

    def alloc(flag, shape, dtype):
        return np.zeros(shape if flags & flag else (0,) * len(shape), dtype)

    counts = alloc(cpu.REC_COUNTS, (n, n_bins, N), np.int32)
    traces = alloc(cpu.REC_BIN_TRACES, (n, n_bins, N), np.float32)
    final = alloc(cpu.REC_FINAL, (n, N), np.float32)
    steps = alloc(cpu.REC_STEPS, (int(kin.frame_offsets[-1]), N), np.float32)
    state = alloc(cpu.REC_STATE, (total, len(state_ids), 3), np.float64)
    cap = max_spikes if flags & cpu.REC_SPIKES else 0
    spike_step = np.zeros((n, cap), np.int32)
    spike_id = np.zeros((n, cap), np.int32)
    total_spikes = np.zeros(n, np.int64)
    table = network.neuron_table(("v_rest", "bias"))  # all the kernels take per neuron
    pop_bounds, pop_params, pop_drive = network.population_tables()
    inT = _input_by_target(network)

    data, *plastic_args = _static_learning(network) if learning is None else learning.kernel_args()

    launch = {}

    def call(seq_ids, flags_now, s_step, s_id):
        args = (
            kin.step_offsets, kin.frame_offsets, kin.frame_steps, seq_ids, np.uint64(seed), kin.mode,
            kin.dense, kin.ev_ptr, kin.ev_channel,
            network.input_indptr, network.input_indices, network.input_data, *inT,
            network.indptr, network.indices, data, network.delays, network.max_delay,
            pop_bounds, pop_params, pop_drive, table["v_rest"], table["bias"], 1 if v_init == "uniform" else 0,
            n_bins, float(np.exp(-network.dt / tau_trace)), flags_now,
            counts, traces, final, steps, s_step, s_id, total_spikes, state_ids, state, *plastic_args,
        )
        parallel = threads > 1 and len(seq_ids) > 1 and learning is None
        if backend == "cuda":
            from .backends import cuda as gpu

            launch.update(gpu.simulate_batch(*args))
            return
        if parallel:
            cpu.simulate_batch(*args, n_threads=threads)
            return
        # a single sequence (or a plastic run) on several threads: split each large population's step instead
        with numba_threads(threads):
            cpu.simulate_batch_serial(*args, threads)

    call(np.arange(n, dtype=np.int64), flags, spike_step, spike_id)
    busy = total_spikes.sum() / (N * lengths.sum())
    if busy > SATURATION:
        warnings.warn(
            f"the network is saturated: neurons fired in {100 * busy:.0f} % of their steps "
            f"(mean rate {busy * 1000.0 / network.dt:.0f} Hz at dt={network.dt} ms); every spike is counted, "
            "but the states carry little information; lower the input or recurrent weights",
            RuntimeWarning, stacklevel=2,
        )
    result = SimulationResult(network.dt, lengths, N, total_spikes,
                              counts=counts if flags & cpu.REC_COUNTS else None,
                              traces=traces if flags & cpu.REC_BIN_TRACES else None,
                              final=final if flags & cpu.REC_FINAL else None, backend=backend,
                              launch=dict(launch) if launch else None)
    if flags & cpu.REC_STEPS:
        result.steps = np.split(steps, kin.frame_offsets[1:-1])
    if flags & cpu.REC_STATE:
        result.state = np.split(state, kin.step_offsets[1:-1])
    if flags & cpu.REC_SPIKES:
        over = np.flatnonzero(total_spikes > cap)
        s_steps = [spike_step[i, :total_spikes[i]] for i in range(n)]
        s_ids = [spike_id[i, :total_spikes[i]] for i in range(n)]
        if len(over):  # frozen noise: a re-run gives the same spikes, now with room for all
            cap2 = int(total_spikes[over].max())
            spike_step2 = np.zeros((n, cap2), np.int32)
            spike_id2 = np.zeros((n, cap2), np.int32)
            call(over.astype(np.int64), cpu.REC_SPIKES, spike_step2, spike_id2)
            for i in over:
                s_steps[i] = spike_step2[i, :total_spikes[i]]
                s_ids[i] = spike_id2[i, :total_spikes[i]]
        result._spike_steps, result._spike_ids = s_steps, s_ids
    return result


def simulate(network, X, *, encoder="current", steps_per_frame=1, record=("spikes", "counts"),
             n_bins=1, tau_trace=20.0, v_init="rest", state_neurons=None, random_state=0,
             n_jobs=None, backend="cpu", max_spikes=None):
    """Simulate ``network`` on a batch of input sequences.

    Parameters
    ----------
    network : Network
        Network with an input projection matching the encoded channels.
    X : array-like or list
        A 3-D array (n, T, d), a list of (T_i, d) arrays, or a 2-D (n, T)
        array of univariate sequences; for ``SpikeEncoder`` a list of
        :class:`~reservoirspike.encoding.EventStream`.
    encoder : str or Encoder
        ``"current"``, ``"poisson"``, ``"delta"``, ``"latency"`` or an
        :class:`~reservoirspike.encoding.Encoder`.
    steps_per_frame : int
        Simulation steps each input row is held for.
    record : sequence of str
        Any of ``"spikes"``, ``"counts"``, ``"traces"``, ``"final"``,
        ``"steps"`` (filtered trace at the end of every frame), ``"state"``.
    n_bins : int
        Equal time bins per sequence for ``"counts"`` and ``"traces"``.
    tau_trace : float
        Time constant (ms) of the filtered spike traces.
    v_init : {"rest", "uniform"}
        Start each sequence at rest or uniform in [v_reset, v_threshold]
        (drawn from the counter-based generator keyed by neuron).
    state_neurons : array of int, optional
        Neurons whose V, I_e, I_i are recorded with ``"state"``.
    random_state : int, Generator or None
        Seed of the frozen noise (Poisson input, initial potential).
    n_jobs : int or None
        Threads (None or -1: all Numba threads).
    backend : {"cpu", "auto", "cuda"}
    max_spikes : int, optional
        First guess of spikes per sequence to make room for; sequences with
        more are simulated again with room for all.

    Returns
    -------
    SimulationResult
    """
    enc = get_encoder(encoder)
    frame_steps = frame_count(steps_per_frame)
    seqs, _ = enc.validate(X)
    kin = enc.encode(seqs, network.dt, frame_steps)
    return run_encoded(network, kin, seed=derive_seed(random_state), record=record, n_bins=n_bins,
                       tau_trace=tau_trace, v_init=v_init, state_neurons=state_neurons, n_jobs=n_jobs,
                       backend=backend, max_spikes=max_spikes)
