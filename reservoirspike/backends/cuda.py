"""CUDA kernels (Numba CUDA): twins of the CPU kernels, spike for spike.

A *team* of threads simulates one sequence at a time:

* **block mode** (many sequences): a team is one thread block; the blocks
  of the grid take the sequences of a batch in turn (persistent blocks).
* **grid mode** (few sequences, large networks): the whole grid is one team,
  launched cooperatively, with grid-wide barriers.

Block teams of runs that neither learn nor record per-step state use the
resident kernel of :mod:`reservoirspike.backends.cuda_resident` (state in
registers, rings in shared memory); everything else runs the general kernel
below, whose team state is in device memory.

Every step runs the CPU kernel's stages as phases separated by team barriers:

A. frame drive, background noise, input spikes (Poisson draws or events) and
   the arrivals of plastic synapses (PSP, then their pre-synaptic update);
B. the exact neuron step (one thread per neuron; the same scalar functions as
   the CPU, see :mod:`reservoirspike.backends._twin`), threshold, counts and
   traces, intrinsic plasticity; a spiking neuron appends itself to the
   step's list of spikes; the post-synaptic traces of the previous step's
   spikes (stamped with this step's start, after its arrivals);
C. delivery: one warp per spike, its lanes over the spike's synapses; plastic
   synapses are queued for their arrival step; post-synaptic plasticity of
   the previous step's spikes on their neurons' incoming synapses;
D. (on scaling steps only) synaptic scaling, one thread per neuron.

After the last step the plasticity events stamped with the end time (its
arrivals, then its spikes) are processed, as on the CPU.

Synaptic input is summed as 64-bit fixed point with integer atomics, so the
order in which threads add does not change a single bit; the counter-based
generator makes every random draw the CPU's draw.  Spikes of one step are
recorded in the order the list was filled and sorted by neuron on the host,
which gives the CPU's order.  Floating-point contraction into FMA is switched
off while compiling (NVVM would otherwise fuse multiply-adds the CPU rounds
twice); what can still differ is the last bit of ``exp``, ``log``, ``sin``,
``cos`` and ``pow`` (libdevice vs. the CPU's libm), used by background noise,
conductance synapses and multiplicative STDP.

Nothing here imports ``numba.cuda`` at module import: :func:`check_available`
and the first simulation do.
"""

import contextlib
import dataclasses
import importlib.util
import os
import re
import time
from dataclasses import dataclass

import numpy as np

from .. import _rng
from . import _math, plastic
from ._twin import device_twin
from .cpu import (COND, DT_TAU, DTHETA, E_REV, FULL, G_AVG, HAS_DRIVE, INPUT_CURRENT, INPUT_EVENTS, INPUT_POISSON,
                  LEAN_SHARED, P_AA, P_EE, P_EYE, P_II, P_IYI, P_ME, P_MI, P_MM, P_MYE, P_MYI, P_YYE, P_YYI,
                  POP_COLUMNS, REC_BIN_TRACES, REC_COUNTS, REC_FINAL, REC_SPIKES, REC_STATE, REC_STEPS, REF, V_RESET,
                  V_TH, fixed_drives, lean_kinds)


@dataclass
class LaunchConfig:
    """Launch configuration of the CUDA kernels (patch :data:`LAUNCH` to change it).

    Attributes
    ----------
    threads : int
        Threads per block (a multiple of 32).
    grid_mode_neurons : int
        Networks with at least this many neurons run one sequence at a time
        on the whole grid when the batch has fewer sequences than the GPU
        has multiprocessors (or when learning).
    max_chunk_bytes : int
        Device memory for the outputs of one chunk of sequences (at most
        half the free device memory); larger batches are streamed in chunks.
    max_teams : int or None
        Upper bound on concurrent sequences in block mode (None: as many
        blocks as fit on the device at once).
    team : {"auto", "block", "grid"}
        Force one team mode (``"auto"``: by the rule above).
    max_registers : int or None
        Register cap a thread handed to the compiler (None: its choice).
        Fewer registers let more warps reside on a multiprocessor at the
        price of spills; kernels already compiled keep their setting.
    grid_registers : int or None
        Register cap of the general kernel in grid mode, for runs that do
        not learn, when ``max_registers`` is None: 64 lets four 256-thread
        blocks share a multiprocessor (CUBA with 1M neurons on an H200:
        0.587 s against 0.785 s uncapped at 138 registers; 32 registers:
        0.889 s).
    kernel : {"auto", "general", "resident"}
        Which kernel runs block-mode sequences.  The resident kernel
        (:mod:`reservoirspike.backends.cuda_resident`) keeps a team's neuron
        state in registers and its delay rings in shared memory; ``"auto"``
        uses it wherever it applies (runs that neither learn nor record
        per-step state, networks of at most ``resident_threads x
        resident_max_per_thread`` neurons), ``"resident"`` raises where it
        does not apply.  Both give the same spikes.
    resident_threads : int
        Threads a team of the resident kernel (a multiple of 32, at most 1024).
    resident_max_per_thread : int
        Neurons a thread of the resident kernel may own.
    shared_bytes : int
        Dynamic shared memory a block may ask for (48 KiB unless the device
        has been set to allow more).
    lean : bool
        Let runs whose populations all qualify take the lean neuron step
        (see :class:`KernelFeatures`); False runs the full step everywhere
        (same spikes, for comparison).
    """

    threads: int = 256
    grid_mode_neurons: int = 4096
    max_chunk_bytes: int = 1 << 30
    max_teams: int = None
    team: str = "auto"
    max_registers: int = None
    grid_registers: int = 64
    kernel: str = "auto"
    resident_threads: int = 512
    resident_max_per_thread: int = 4
    shared_bytes: int = 48 * 1024
    lean: bool = True


LAUNCH = LaunchConfig()

# rows of the per-team float64 neuron state
V, VINF, IE, YE, II, YI, THETA, TRACE = range(8)
N_STATE = 8


def numba_cuda():
    """``numba.cuda``, imported on first need.

    numba-cuda (up to 0.30.4 at least) registers an overload of
    ``np.row_stack``, which NumPy 2.5 removed; its old alias is restored
    (it is ``np.vstack``) so that the CUDA target loads on such NumPy.
    """
    if not hasattr(np, "row_stack"):
        np.row_stack = np.vstack
    from numba import cuda as module

    return module


def simulator_enabled():
    """True when Numba's CUDA simulator is switched on (``NUMBA_ENABLE_CUDASIM=1``)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") == "1"


def check_available():
    """Raise a RuntimeError naming the missing piece when no usable GPU is there.

    The pieces, in order: the numba-cuda package, a CUDA driver, a device.
    Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) it passes.

    Raises
    ------
    RuntimeError
        With a message that names what is missing.
    """
    if importlib.util.find_spec("numba_cuda") is None:
        raise RuntimeError(
            "backend='cuda' needs the numba-cuda package (Numba's CUDA target), which is not installed: "
            "pip install 'reservoirspike[cuda]'"
        )
    cuda = numba_cuda()

    if simulator_enabled():
        return
    try:
        cuda.cudadrv.driver.driver.cuInit  # loads and initialises the driver library
        n_devices = len(cuda.gpus)
    except Exception as exc:  # CudaSupportError and friends: the library or the driver is missing
        detail = " ".join(str(exc).split()).rstrip(": ")
        raise RuntimeError(f"backend='cuda' found no usable CUDA driver ({detail})") from exc
    if n_devices == 0:
        raise RuntimeError("backend='cuda' found a CUDA driver but no GPU device")


def is_available():
    """Whether the CUDA backend can run here.

    Returns
    -------
    bool
        True when :func:`check_available` passes.
    """
    try:
        check_available()
    except RuntimeError:
        return False
    return True


_UNROUNDED = re.compile(r"\b(add|sub|mul)\.f(32|64)\b")


def _round_each_operation(ptx):
    """Give PTX float add/sub/mul an explicit ``.rn``: the assembler may fuse only unmarked ones into FMA."""
    if isinstance(ptx, bytes):
        return _UNROUNDED.sub(r"\1.rn.f\2", ptx.decode()).encode()
    return _UNROUNDED.sub(r"\1.rn.f\2", ptx)


@contextlib.contextmanager
def _without_fma_contraction():
    """Compile without multiply-add fusion: products and sums rounded one by one, as on the CPU.

    NVVM gets ``-fma=0``, and the PTX it returns marks every float add, sub
    and mul round-to-nearest (``.rn``), which forbids ptxas to fuse them.
    """
    from numba.cuda.cudadrv import nvvm

    original = nvvm.compile_ir

    def compile_ir(llvmir, **options):
        if options.get("fastmath"):
            return original(llvmir, **options)
        options["fma"] = False
        if "gen-lto" in options:  # LTO IR is not text; kernels here are built without LTO (lto=False)
            return original(llvmir, **options)
        return _round_each_operation(original(llvmir, **options))

    nvvm.compile_ir = compile_ir
    try:
        yield
    finally:
        nvvm.compile_ir = original


cuda = None  # numba.cuda once a kernel is built: a module global, which the CUDA simulator swaps for its own


@dataclass(frozen=True)
class KernelFeatures:
    """What a network and a run use; each combination gets its own kernel, compiled without the rest.

    Leaving unused paths out of the compiled code (they are constants of the
    closure, so the compiler removes them) keeps the register count, and so
    the number of resident warps, as good as the run allows.

    ``lean`` (:func:`lean_step_kind`): when every population's synapses are
    exponential currents without threshold adaptation or background drive,
    the neuron step neither reads nor keeps y_e, y_i and theta (and the trace
    only where a record reads it); with ``LEAN_SHARED`` the neurons of a
    population also share their drive and threshold offset, read from the
    population table.  A large network's step is bound by the bytes a neuron
    moves (about 190 in the full step, about 90 lean).
    """

    plastic: bool
    noise: bool
    conductance: bool
    input_mode: int
    lean: int = FULL


# extra columns of the device copy of the population table: the drive v_inf and threshold offset that the
# neurons of a LEAN_SHARED population share (zero elsewhere)
SHARED_V_INF, SHARED_TH_OFF = len(POP_COLUMNS), len(POP_COLUMNS) + 1


def lean_step_kind(pop_bounds, pop_params, v_inf, th_off, fixed_drive):
    """The neuron step a whole run can take: :data:`~reservoirspike.backends.cpu.FULL`, ``LEAN`` or ``LEAN_SHARED``.

    The CPU chooses per population (:func:`~reservoirspike.backends.cpu.lean_kinds`); a GPU kernel
    compiles one step for all neurons, so it takes the least lean kind that any population needs.
    """
    kinds = lean_kinds(pop_bounds, pop_params, v_inf, th_off, fixed_drive)
    return int(kinds.min()) if len(kinds) else FULL


def device_pop_params(pop_bounds, pop_params, v_inf, th_off, lean):
    """The population table for the kernels: ``pop_params`` with the columns :data:`SHARED_V_INF` and
    :data:`SHARED_TH_OFF` (each population's first neuron's values when ``lean`` is ``LEAN_SHARED``)."""
    first = np.asarray(pop_bounds[:-1], np.int64)
    shared = lean == LEAN_SHARED and len(v_inf) > 0
    extra = np.zeros((len(first), 2))
    if shared:
        extra[:, 0], extra[:, 1] = v_inf[first], th_off[first]
    return np.ascontiguousarray(np.column_stack([pop_params, extra]), np.float64)


def _neuron_functions(with_conductance):
    """Device functions of one neuron, shared by both kernels: ``(initial_v, frame_v_inf, noise_kick, neuron_step)``.

    They take and return scalars, so a kernel may keep the state in device
    memory or in registers; the arithmetic is the CPU kernel's, operation for
    operation.
    """
    global cuda
    cuda = numba_cuda()

    membrane_step = device_twin(_math.membrane_step)
    current_membrane_step = device_twin(_math.current_membrane_step)
    enter_current = device_twin(_math.enter_current)
    conductance_membrane_step = device_twin(_math.conductance_membrane_step)
    standard_normal = device_twin(_math.standard_normal)
    step_key = device_twin(_rng.step_key)
    uniform = device_twin(_rng.uniform)
    stream_init = _rng.STREAM_INIT
    fixed_inv = _math.FIXED_INV

    @cuda.jit(device=True)
    def initial_v(j, seed, v_init_mode, pop_of, pop_params, v_rest):
        """V of neuron ``j`` at a sequence's start: rest, or (``v_init_mode`` 1) uniform in [V_reset, V_th]."""
        if v_init_mode != 1:
            return v_rest[j]
        p = pop_of[j]
        lo_v, hi_v = pop_params[p, V_RESET], pop_params[p, V_TH]
        return lo_v + uniform(step_key(seed, stream_init, 0), j) * (hi_v - lo_v)

    @cuda.jit(device=True)
    def frame_v_inf(j, frame, dense, inT_indptr, inT_channel, inT_data, v_rest, bias):
        """V_inf of a neuron with input synapses while a frame of current input is held."""
        drive = bias[j]
        for s in range(inT_indptr[j], inT_indptr[j + 1]):
            drive += dense[frame, inT_channel[s]] * inT_data[s]
        return v_rest[j] + drive

    @cuda.jit(device=True)
    def noise_kick(key_noise, j, p, pop_drive, v, ie, ye):
        """One step of background noise: the exact increments of V, I_e and y_e (three shared normal draws)."""
        x0, x1, x2 = standard_normal(key_noise, j)
        v += pop_drive[p, 0, 0] + pop_drive[p, 0, 1] * x0 + pop_drive[p, 0, 2] * x1 + pop_drive[p, 0, 3] * x2
        ie += pop_drive[p, 1, 0] + pop_drive[p, 1, 1] * x0 + pop_drive[p, 1, 2] * x1 + pop_drive[p, 1, 3] * x2
        ye += pop_drive[p, 2, 0] + pop_drive[p, 2, 1] * x0 + pop_drive[p, 2, 2] * x1 + pop_drive[p, 2, 3] * x2
        return v, ie, ye

    @cuda.jit(device=True)
    def neuron_step(p, pop_params, re, ri, v, v_inf, ie, ye, ii, yi, theta, trace, r, th_off_j, trace_decay):
        """The exact step, refractory clamp, threshold and reset of one neuron.

        ``re``/``ri`` are the step's fixed-point excitatory/inhibitory input.
        Returns the new ``(v, ie, ye, ii, yi, theta, trace, refractory, fired)``.
        """
        p = np.uint32(p)  # unsigned: no negative-index test at each parameter read
        ii, yi = enter_current(ii, yi + ri * fixed_inv, pop_params[p, P_YYI])
        if with_conductance and pop_params[p, COND] != 0.0:
            g = ie + ye + re * fixed_inv
            v_new = conductance_membrane_step(v, v_inf, g, pop_params[p, G_AVG], pop_params[p, E_REV],
                                              pop_params[p, DT_TAU], ii, pop_params[p, P_MI], yi, pop_params[p, P_MYI])
            ie = g * pop_params[p, P_EE]
            ye = 0.0
        else:
            ie, ye = enter_current(ie, ye + re * fixed_inv, pop_params[p, P_YYE])
            v_new = membrane_step(v, v_inf, pop_params[p, P_MM], ie, pop_params[p, P_ME], ye, pop_params[p, P_MYE],
                                  ii, pop_params[p, P_MI], yi, pop_params[p, P_MYI])
            ie = ie * pop_params[p, P_EE] + ye * pop_params[p, P_EYE]
            ye = ye * pop_params[p, P_YYE]
        ii = ii * pop_params[p, P_II] + yi * pop_params[p, P_IYI]
        yi = yi * pop_params[p, P_YYI]
        v_reset = pop_params[p, V_RESET]
        vj = v_reset if r > 0 else v_new
        th = theta * pop_params[p, P_AA]
        f = vj >= pop_params[p, V_TH] + th_off_j + th
        v = v_reset if f else vj
        r = np.int32(pop_params[p, REF]) if f else np.int32(max(r - 1, 0))
        theta = th + pop_params[p, DTHETA] if f else th
        trace = trace * trace_decay + (1.0 if f else 0.0)
        return v, ie, ye, ii, yi, theta, trace, r, f

    @cuda.jit(device=True)
    def lean_neuron_step(p, pop_params, re, ri, v, v_inf, ie, ii, r, th_off_j):
        """:func:`neuron_step` of a lean population (the CPU's ``_lean_population_step``), bit for bit.

        y_e, y_i and theta stay zero there, so they are neither read nor
        kept; the step's arrivals enter the currents (``enter_current``).
        The caller updates the spike trace where a record reads it.
        Returns ``(v, ie, ii, refractory, fired)``.
        """
        p = np.uint32(p)
        ie = ie + re * fixed_inv
        ii = ii + ri * fixed_inv
        v_new = current_membrane_step(v, v_inf, pop_params[p, P_MM], ie, pop_params[p, P_ME], ii, pop_params[p, P_MI])
        ie = ie * pop_params[p, P_EE]
        ii = ii * pop_params[p, P_II]
        v_reset = pop_params[p, V_RESET]
        vj = v_reset if r > 0 else v_new
        f = vj >= pop_params[p, V_TH] + th_off_j
        v = v_reset if f else vj
        r = np.int32(pop_params[p, REF]) if f else np.int32(max(r - 1, 0))
        return v, ie, ii, r, f

    return initial_v, frame_v_inf, noise_kick, neuron_step, lean_neuron_step


def _kernel_function(features=KernelFeatures(True, True, True, -1)):
    """The simulation kernel's Python function, closing over the device twins of the shared math.

    ``features`` fixes which paths exist (``input_mode=-1``: all input modes).
    """
    global cuda
    cuda = numba_cuda()

    initial_v, frame_v_inf, noise_kick, neuron_step, lean_neuron_step = _neuron_functions(features.conductance)
    lean = features.lean
    to_fixed = device_twin(_math.to_fixed)
    step_key = device_twin(_rng.step_key)
    uniform = device_twin(_rng.uniform)
    arrival_update = device_twin(plastic.arrival_update)
    post_traces = device_twin(plastic.post_traces)
    bump_post_traces = device_twin(plastic.bump_post_traces)
    post_update = device_twin(plastic.post_update)
    scale_neuron_inputs = device_twin(plastic.scale_neuron_inputs)
    threshold_shift = device_twin(plastic.threshold_shift)
    stream_input, stream_noise = _rng.STREAM_INPUT, _rng.STREAM_NOISE
    pl_ip, pl_scale, scale_every = plastic.PL_IP, plastic.PL_SCALE, plastic.SCALE_EVERY
    ip_eta, ip_target, ip_bound = plastic.IP_ETA, plastic.IP_TARGET, plastic.IP_BOUND
    syn_static = plastic.SYN_STATIC
    with_plasticity, with_noise = features.plastic, features.noise
    any_input = features.input_mode < 0
    with_current = any_input or features.input_mode == INPUT_CURRENT
    with_poisson = any_input or features.input_mode == INPUT_POISSON
    with_events = any_input or features.input_mode == INPUT_EVENTS

    @cuda.jit(device=True)
    def barrier(grid_mode):
        if grid_mode:
            cuda.cg.this_grid().sync()
        else:
            cuda.syncthreads()

    @cuda.jit(device=True)
    def ring_add(ring_e, ring_i, team, slot, i, w):
        if w >= 0:
            cuda.atomic.add(ring_e, (team, slot, i), w)
        else:
            cuda.atomic.add(ring_i, (team, slot, i), w)

    @cuda.jit(device=True)
    def post_spike_traces(tp, fired_list, ctr, team, parity, rank, size, decay, pl, pl_mode, post_tr, post_saved):
        """A thread per listed spike: read its neuron's post traces at stamp ``tp``, then bump them.

        ``post_saved[team, 0, j]`` keeps the slow trace o2, ``post_saved[team, 1, j]`` the previous spike's stamp.
        """
        for e in range(rank, ctr[team, parity], size):
            j = fired_list[team, parity, e]
            o1, o2, x_post = post_traces(tp, j, decay, post_tr)
            post_saved[team, 0, j] = o2
            post_saved[team, 1, j] = post_tr[j, 3]
            bump_post_traces(tp, j, o1, o2, x_post, pl, pl_mode, post_tr)

    @cuda.jit(device=True)
    def post_spike_updates(tp, fired_list, ctr, team, parity, warp, lane, n_warps, decay, pl, data, syn_kind,
                           syn_tr, tgt_ptr, tgt_syn, post_saved):
        """A warp per listed spike, its lanes over the neuron's incoming synapses: the post-synaptic update."""
        for e in range(warp, ctr[team, parity], n_warps):
            j = fired_list[team, parity, e]
            o2, last_post = post_saved[team, 0, j], post_saved[team, 1, j]
            for kk in range(tgt_ptr[j] + lane, tgt_ptr[j + 1], 32):
                post_update(tp, tgt_syn[kk], o2, last_post, decay, pl, data, syn_kind, syn_tr)

    def simulate(
        grid_mode, offsets, frame_offsets, frame_steps, seq_ids, seed, input_mode, dense, ev_ptr, ev_channel,
        in_indptr, in_indices, in_data, inT_indptr, inT_channel, inT_data,
        indptr, indices, data, delays, max_delay, pop_of, pop_params, pop_drive, v_rest, bias, v_init_mode,
        n_bins, trace_decay, record, counts, bin_traces, final, step_traces, frame_base,
        spike_step, spike_id, spike_total, state_ids, state, row_base,
        th_off, pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target,
        ring_e, ring_i, fst, refr, fired_list, post_saved, arr_buf, arr_cnt, ctr,
    ):
        if grid_mode:
            team, n_teams, rank, size = 0, 1, cuda.grid(1), cuda.gridsize(1)
        else:
            team, n_teams, rank, size = cuda.blockIdx.x, cuda.gridDim.x, cuda.threadIdx.x, cuda.blockDim.x
        warp, lane, n_warps = rank // 32, rank % 32, size // 32
        n = v_rest.shape[0]
        n_syn = indices.shape[0]
        n_slots = max_delay + 1
        n_in = in_indptr.shape[0] - 1
        cap = spike_step.shape[1]
        plastic_run = with_plasticity and pl_mode != 0
        with_trace = (record & (REC_BIN_TRACES | REC_FINAL | REC_STEPS)) != 0  # only snapshots read the trace
        for q in range(team, seq_ids.shape[0], n_teams):
            k = seq_ids[q]
            start = offsets[k]
            n_steps = offsets[k + 1] - start
            frame_start = frame_offsets[k]
            # a fresh sequence: rest (or uniform V), empty rings, zero traces
            for j in range(rank, n, size):
                fst[team, V, j] = initial_v(j, seed, v_init_mode, pop_of, pop_params, v_rest)
                fst[team, VINF, j] = v_rest[j] + bias[j]
                for r in range(IE, N_STATE):
                    fst[team, r, j] = 0.0
                refr[team, j] = 0
                for sl in range(n_slots):
                    ring_e[team, sl, j] = 0
                    ring_i[team, sl, j] = 0
                if plastic_run:
                    for c in range(4):
                        post_tr[j, c] = 0.0
            if plastic_run:
                for s in range(rank, n_syn, size):
                    for c in range(3):
                        syn_tr[s, c] = 0.0
            if rank == 0:
                for c in range(3):
                    ctr[team, c] = 0
                for sl in range(n_slots):
                    arr_cnt[team, sl] = 0
            barrier(grid_mode)
            for t in range(n_steps):
                row = start + t
                frame = frame_start + t // frame_steps
                slot = t % n_slots
                par = t % 2
                if rank == 0:  # spikes so far; this step's list starts empty
                    if t > 0:
                        ctr[team, 2] += ctr[team, 1 - par]
                    ctr[team, par] = 0
                # A. drive, noise, input spikes, plastic arrivals
                new_frame = with_current and input_mode == INPUT_CURRENT and t % frame_steps == 0
                key_noise = step_key(seed, stream_noise, t) if with_noise else np.uint64(0)
                for j in range(rank, n, size):
                    if new_frame and inT_indptr[j + 1] > inT_indptr[j]:  # others keep v_rest + bias
                        fst[team, VINF, j] = frame_v_inf(j, frame, dense, inT_indptr, inT_channel, inT_data, v_rest,
                                                         bias)
                    p = pop_of[j]
                    if with_noise and pop_params[p, HAS_DRIVE] != 0.0:
                        fst[team, V, j], fst[team, IE, j], fst[team, YE, j] = noise_kick(
                            key_noise, j, p, pop_drive, fst[team, V, j], fst[team, IE, j], fst[team, YE, j])
                if with_poisson and input_mode == INPUT_POISSON:
                    key_in = step_key(seed, stream_input, t)
                    for c in range(rank, n_in, size):
                        if uniform(key_in, c) < dense[frame, c]:
                            for s in range(in_indptr[c], in_indptr[c + 1]):
                                ring_add(ring_e, ring_i, team, slot, in_indices[s], to_fixed(in_data[s]))
                elif with_events and input_mode == INPUT_EVENTS:
                    for e in range(ev_ptr[row] + rank, ev_ptr[row + 1], size):
                        c = ev_channel[e]
                        for s in range(in_indptr[c], in_indptr[c + 1]):
                            ring_add(ring_e, ring_i, team, slot, in_indices[s], to_fixed(in_data[s]))
                if plastic_run:
                    for a in range(rank, arr_cnt[team, slot], size):
                        s = arr_buf[team, slot, a]
                        ring_add(ring_e, ring_i, team, slot, indices[s], to_fixed(data[s]))
                        arrival_update(t, s, decay, pl, indices, data, syn_kind, syn_tr, post_tr)
                barrier(grid_mode)
                # B. exact neuron step, threshold, recording
                if rank == 0 and plastic_run:
                    arr_cnt[team, slot] = 0
                b = (t * n_bins) // n_steps
                bin_ends = ((t + 1) * n_bins) // n_steps != b or t == n_steps - 1
                for j in range(rank, n, size):
                    p = pop_of[j]
                    re = ring_e[team, slot, j]
                    ri = ring_i[team, slot, j]
                    if re != 0:  # most entries are zero already: no store
                        ring_e[team, slot, j] = 0
                    if ri != 0:
                        ring_i[team, slot, j] = 0
                    r_before = refr[team, j]
                    if lean != FULL:  # V, I_e, I_i and the refractory count; the trace where a record reads it
                        if lean == LEAN_SHARED:
                            v_inf_j, th_off_j = pop_params[p, SHARED_V_INF], pop_params[p, SHARED_TH_OFF]
                        else:
                            v_inf_j, th_off_j = fst[team, VINF, j], th_off[j]
                        v, ie, ii, r, f = lean_neuron_step(p, pop_params, re, ri, fst[team, V, j], v_inf_j,
                                                           fst[team, IE, j], fst[team, II, j], r_before, th_off_j)
                        fst[team, V, j] = v
                        fst[team, IE, j] = ie
                        fst[team, II, j] = ii
                        trace = 0.0
                        if with_trace:
                            trace = fst[team, TRACE, j] * trace_decay + (1.0 if f else 0.0)
                            fst[team, TRACE, j] = trace
                    else:
                        v, ie, ye, ii, yi, theta, trace, r, f = neuron_step(
                            p, pop_params, re, ri, fst[team, V, j], fst[team, VINF, j], fst[team, IE, j],
                            fst[team, YE, j], fst[team, II, j], fst[team, YI, j], fst[team, THETA, j],
                            fst[team, TRACE, j], r_before, th_off[j], trace_decay)
                        fst[team, V, j] = v
                        fst[team, IE, j] = ie
                        fst[team, YE, j] = ye
                        fst[team, II, j] = ii
                        fst[team, YI, j] = yi
                        fst[team, THETA, j] = theta
                        fst[team, TRACE, j] = trace
                    if r != r_before:  # most neurons stay out of their refractory period: no store
                        refr[team, j] = r
                    if f:
                        fired_list[team, par, cuda.atomic.add(ctr, (team, par), 1)] = j
                        if record & REC_COUNTS:
                            counts[q, b, j] += 1
                    if plastic_run and (pl_mode & pl_ip):
                        th_off[j] = threshold_shift(th_off[j], f, pl[ip_eta], pl[ip_target], pl[ip_bound])
                    if (record & REC_STEPS) and (t + 1) % frame_steps == 0:
                        step_traces[frame - frame_base, j] = trace
                    if (record & REC_BIN_TRACES) and bin_ends:
                        bin_traces[q, b, j] = trace
                if plastic_run:  # the previous step's spikes, stamped t (after this step's arrivals)
                    post_spike_traces(t, fired_list, ctr, team, 1 - par, rank, size, decay, pl, pl_mode, post_tr,
                                      post_saved)
                barrier(grid_mode)
                # C. delivery (a warp per spike), spike record, post-synaptic plasticity
                n_fired = ctr[team, par]
                base = ctr[team, 2]
                for e in range(warp, n_fired, n_warps):
                    j = fired_list[team, par, e]
                    if lane == 0 and (record & REC_SPIKES) and base + e < cap:
                        spike_step[q, base + e] = t
                        spike_id[q, base + e] = j
                    for s in range(indptr[j] + lane, indptr[j + 1], 32):
                        tgt_slot = slot + delays[s]
                        if tgt_slot >= n_slots:
                            tgt_slot -= n_slots
                        if plastic_run and syn_kind[s] != syn_static:
                            arr_buf[team, tgt_slot, cuda.atomic.add(arr_cnt, (team, tgt_slot), 1)] = s
                        else:
                            ring_add(ring_e, ring_i, team, tgt_slot, indices[s], to_fixed(data[s]))
                if plastic_run:
                    post_spike_updates(t, fired_list, ctr, team, 1 - par, warp, lane, n_warps, decay, pl, data,
                                       syn_kind, syn_tr, tgt_ptr, tgt_syn, post_saved)
                if record & REC_STATE:
                    for kk in range(rank, state_ids.shape[0], size):
                        j = state_ids[kk]
                        state[row - row_base, kk, 0] = fst[team, V, j]
                        state[row - row_base, kk, 1] = fst[team, IE, j]
                        state[row - row_base, kk, 2] = fst[team, II, j]
                barrier(grid_mode)
                # D. synaptic scaling
                if plastic_run and (pl_mode & pl_scale) and (
                        (t + 1) % np.int64(pl[scale_every]) == 0 or t == n_steps - 1):
                    for j in range(rank, n, size):
                        scale_neuron_inputs(j, tgt_ptr, tgt_syn, data, syn_kind, scale_target)
                    barrier(grid_mode)
            if plastic_run:  # the events stamped with the end time: arrivals, then the last step's spikes
                end_slot = n_steps % n_slots
                for a in range(rank, arr_cnt[team, end_slot], size):
                    arrival_update(n_steps, arr_buf[team, end_slot, a], decay, pl, indices, data, syn_kind, syn_tr,
                                   post_tr)
                barrier(grid_mode)
                last = (n_steps - 1) % 2
                post_spike_traces(n_steps, fired_list, ctr, team, last, rank, size, decay, pl, pl_mode, post_tr,
                                  post_saved)
                barrier(grid_mode)
                post_spike_updates(n_steps, fired_list, ctr, team, last, warp, lane, n_warps, decay, pl, data,
                                   syn_kind, syn_tr, tgt_ptr, tgt_syn, post_saved)
            if rank == 0:
                spike_total[q] = ctr[team, 2] + ctr[team, (n_steps - 1) % 2]
            if record & REC_FINAL:
                for j in range(rank, n, size):
                    final[q, j] = fst[team, TRACE, j]
            barrier(grid_mode)

    return simulate


class _Compiled:
    """Kernels compiled for the features and argument types met so far (explicit signatures, no FMA)."""

    def __init__(self):
        self._kernels = {}
        self.compile_seconds = 0.0

    @staticmethod
    def _signature(args):
        import numba

        return "simulator" if simulator_enabled() else tuple(numba.typeof(a) for a in args)

    def get(self, features, args, resident=None, max_registers=None):
        """``(kernel, specialisation)``: the dispatcher, and its compiled kernel object for these argument
        types (launch limits, registers; None under the simulator).

        ``resident``: None for the general kernel, else ``(per_thread, ring_in_shared)`` of the resident
        kernel (:mod:`reservoirspike.backends.cuda_resident`).  ``max_registers`` caps registers a thread.
        """
        import numba

        cuda = numba_cuda()
        signature = self._signature(args)
        key = (features, resident, signature, max_registers)
        if key not in self._kernels:
            t0 = time.perf_counter()
            if resident is None:
                python = _kernel_function(features)
            else:
                from . import cuda_resident

                python = cuda_resident.kernel_function(features, *resident)
            if signature == "simulator":  # the simulator runs the Python function itself
                kernel = cuda.jit(python)
            else:
                with _without_fma_contraction():
                    kernel = cuda.jit(numba.void(*signature), lto=False, max_registers=max_registers)(python)
                    kernel.inspect_asm(signature)  # builds the PTX now, under the options above
            self._kernels[key] = kernel
            self.compile_seconds += time.perf_counter() - t0
        kernel = self._kernels[key]
        return kernel, (None if signature == "simulator" else kernel.overloads[signature])


_COMPILED = _Compiled()


class _DeviceMemory:
    """Device copies kept between calls: read-only network arrays by identity, scratch by name."""

    def __init__(self):
        self._constants = {}
        self._slots = {}
        self._scratch = {}

    @staticmethod
    def _key(array):
        return id(array), array.__array_interface__["data"][0], array.shape, array.dtype.str

    def constant(self, array, slot=None):
        """Device copy of a host array that does not change while it is alive (kept with it).

        A network's arrays qualify: :class:`~reservoirspike.network.Network` is immutable.  With ``slot``
        only the last array given under that name is kept (for large arrays such as the weights, whose
        host array may be a fresh copy each run).
        """
        cuda = numba_cuda()

        key = self._key(array)
        hit = self._constants.get(key) if slot is None else self._slots.get(slot)
        if hit is None or hit[0] is not array or hit[2] != key:
            hit = (array, cuda.to_device(np.ascontiguousarray(array)), key)
            if slot is not None:
                self._slots[slot] = hit
            else:
                if len(self._constants) > 64:
                    self._constants.clear()
                self._constants[key] = hit
        return hit[1]

    def scratch(self, name, shape, dtype):
        """A device array of this shape and dtype, reused when the last one of that name matches."""
        cuda = numba_cuda()

        have = self._scratch.get(name)
        if have is None or have.shape != tuple(shape) or have.dtype != np.dtype(dtype):
            have = cuda.device_array(shape, dtype)
            self._scratch[name] = have
        return have

    def release(self):
        """Forget every cached device array (frees the memory once nothing else holds it)."""
        self._constants.clear()
        self._slots.clear()
        self._scratch.clear()


DEVICE_MEMORY = _DeviceMemory()


def device_properties():
    """(name, multiprocessors, memory bandwidth in bytes/s or None) of the current device."""
    cuda = numba_cuda()

    if simulator_enabled():
        return "CUDA simulator", 1, None
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    try:
        clock_khz = dev.MEMORY_CLOCK_RATE
        bus_bits = dev.GLOBAL_MEMORY_BUS_WIDTH
        bandwidth = 2.0 * clock_khz * 1e3 * bus_bits / 8.0
    except Exception:  # attribute missing in this driver binding
        bandwidth = None
    return name, dev.MULTIPROCESSOR_COUNT, bandwidth


def _population_of(pop_bounds, n):
    return np.repeat(np.arange(len(pop_bounds) - 1, dtype=np.int32), np.diff(pop_bounds)).astype(np.int32)[:n]


def _chunks(seq_ids, per_sequence_bytes, budget):
    size = max(1, int(budget // max(per_sequence_bytes, 1)))
    return [seq_ids[i:i + size] for i in range(0, len(seq_ids), size)], size


def simulate_batch(
    offsets, frame_offsets, frame_steps, seq_ids, seed, input_mode, dense_input, ev_ptr, ev_channel,
    in_indptr, in_indices, in_data, inT_indptr, inT_channel, inT_data,
    indptr, indices, data, delays, max_delay, pop_bounds, pop_params, pop_drive, v_rest, bias, v_init_mode,
    n_bins, trace_decay, record, counts, bin_traces, final, step_traces,
    spike_step, spike_id, spike_total, state_ids, state,
    th_off, pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target,
):
    """GPU twin of :func:`reservoirspike.backends.cpu.simulate_batch`: its arguments (less ``n_chunks``), same outputs.

    Outputs are written into the host arrays given.  Plastic runs
    (``pl_mode != 0``) run the sequences in order on one team and copy the
    learned ``data``, ``th_off`` and traces back.  Returns a dict describing
    the launch (team mode, teams, threads, chunk size, number of chunks,
    compile seconds).
    """
    cuda = numba_cuda()

    mem = DEVICE_MEMORY
    seq_ids = np.asarray(seq_ids, np.int64)
    n, n_seq = v_rest.shape[0], len(seq_ids)
    plastic_run = pl_mode != 0
    _, n_sm, _ = device_properties()
    threads = LAUNCH.threads
    if threads % 32:
        raise ValueError(f"LAUNCH.threads must be a multiple of 32, got {threads}")
    if LAUNCH.team not in ("auto", "block", "grid"):
        raise ValueError(f"LAUNCH.team must be 'auto', 'block' or 'grid', got {LAUNCH.team!r}")
    if LAUNCH.kernel not in ("auto", "general", "resident"):
        raise ValueError(f"LAUNCH.kernel must be 'auto', 'general' or 'resident', got {LAUNCH.kernel!r}")
    if not isinstance(LAUNCH.lean, (bool, np.bool_)):  # a string such as "False" would read as true
        raise ValueError(f"LAUNCH.lean must be True or False, got {LAUNCH.lean!r}")
    if LAUNCH.team == "auto":
        grid_mode = n >= LAUNCH.grid_mode_neurons and (plastic_run or n_seq < n_sm)
    else:
        grid_mode = LAUNCH.team == "grid"
    contiguous = n_seq == 0 or np.array_equal(seq_ids, np.arange(seq_ids[0], seq_ids[0] + n_seq))
    if (record & (REC_STEPS | REC_STATE)) and not contiguous:
        raise ValueError("per-step records need a contiguous range of sequences")
    cap = spike_step.shape[1]
    lengths = np.diff(offsets)[seq_ids] if n_seq else np.zeros(0, np.int64)
    frames = (np.diff(frame_offsets)[seq_ids] if n_seq else np.zeros(0, np.int64))
    per_seq = (n_bins * n * 4 * (bool(record & REC_COUNTS) + bool(record & REC_BIN_TRACES))
               + n * 4 * bool(record & REC_FINAL) + cap * 8 + 8
               + int(frames.max(initial=0)) * n * 4 * bool(record & REC_STEPS)
               + int(lengths.max(initial=0)) * len(state_ids) * 24 * bool(record & REC_STATE))
    budget = LAUNCH.max_chunk_bytes
    if not simulator_enabled():  # the outputs of a chunk take at most half the memory free on the device
        budget = min(budget, cuda.current_context().get_memory_info()[0] // 2)
    chunks, chunk_size = _chunks(seq_ids, per_seq, budget) if not plastic_run else ([seq_ids], n_seq)

    constant = mem.constant
    d_net = [constant(a) for a in (in_indptr, in_indices, in_data, inT_indptr, inT_channel, inT_data,
                                   indptr, indices)]
    d_delays = constant(delays)
    d_pop_of = cuda.to_device(_population_of(pop_bounds, n))
    v_inf = v_rest + bias  # the drive every neuron starts with
    lean = FULL
    if LAUNCH.lean:
        lean = lean_step_kind(pop_bounds, pop_params, v_inf, th_off,
                              fixed_drives(pop_bounds, plastic_run, input_mode, inT_indptr))
    d_pop_params = cuda.to_device(device_pop_params(pop_bounds, pop_params, v_inf, th_off, lean))
    d_pop_drive = cuda.to_device(pop_drive)
    d_v_rest, d_bias = constant(v_rest), constant(bias)
    d_inputs = [cuda.to_device(np.ascontiguousarray(a)) for a in (offsets, frame_offsets, dense_input, ev_ptr,
                                                                   ev_channel)]
    # a static run reads the weights only: kept on the device between runs of the same network (chunks of
    # an estimator's transform, repeated calls); a plastic run writes its own copy and returns it
    d_data = cuda.to_device(data) if plastic_run else constant(data, slot="weights")
    d_th_off = cuda.to_device(th_off)
    d_pl = [cuda.to_device(a) for a in (pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target)]
    d_state_ids = cuda.to_device(state_ids)
    n_slots = max_delay + 1
    n_plastic = max(1, int(np.count_nonzero(syn_kind))) if plastic_run else 1
    features = KernelFeatures(plastic=bool(plastic_run), noise=bool(np.any(pop_params[:, HAS_DRIVE] != 0.0)),
                              conductance=bool(np.any(pop_params[:, COND] != 0.0)), input_mode=int(input_mode),
                              lean=lean)

    def scratch(n_teams, tag=""):
        return (mem.scratch(tag + "ring_e", (n_teams, n_slots, n), np.int64),
                mem.scratch(tag + "ring_i", (n_teams, n_slots, n), np.int64),
                mem.scratch(tag + "state", (n_teams, N_STATE, n), np.float64),
                mem.scratch(tag + "refractory", (n_teams, n), np.int32),
                mem.scratch(tag + "fired", (n_teams, 2, n), np.int32),
                mem.scratch(tag + "post_saved", (n_teams, 2, n if plastic_run else 1), np.float64),
                mem.scratch(tag + "arrivals", (n_teams, n_slots, n_plastic), np.int64),
                mem.scratch(tag + "arrival_counts", (n_teams, n_slots), np.int64),
                mem.scratch(tag + "counters", (n_teams, 3), np.int64))

    resident = None if grid_mode or plastic_run or record & REC_STATE else _resident_plan(n, max_delay, indptr,
                                                                                                in_indptr)
    if LAUNCH.kernel == "resident" and resident is None:
        raise ValueError("LAUNCH.kernel='resident' needs a run in block mode that does not learn or record "
                         f"per-step state, and a network of at most {LAUNCH.resident_threads} x "
                         f"{LAUNCH.resident_max_per_thread} neurons (this one has {n})")
    if resident is not None:
        threads = resident["threads"]
        from . import cuda_resident

        resident["tables"] = [cuda.to_device(a) for a in cuda_resident.synapse_tables(n, indices, data, delays,
                                                                                       in_data)]
    info = {"backend": "cuda", "team": "grid" if grid_mode else "block", "threads": threads,
            "kernel": "general" if resident is None else "resident",
            "features": dataclasses.asdict(features),
            "chunk_size": int(chunk_size), "n_chunks": len(chunks)}
    for chunk in chunks:
        m = len(chunk)
        if m == 0:
            continue
        k0 = int(chunk[0])
        frame_base, row_base = int(frame_offsets[k0]), int(offsets[k0])
        n_frames = int(frame_offsets[chunk[-1] + 1]) - frame_base if record & REC_STEPS else 0
        n_rows = int(offsets[chunk[-1] + 1]) - row_base if record & REC_STATE else 0

        def out(flag, shape, dtype):
            return cuda.to_device(np.zeros(shape if record & flag else (0,) * len(shape), dtype))

        d_counts = out(REC_COUNTS, (m, n_bins, n), counts.dtype)
        d_bins = out(REC_BIN_TRACES, (m, n_bins, n), bin_traces.dtype)
        d_final = out(REC_FINAL, (m, n), final.dtype)
        d_steps = out(REC_STEPS, (n_frames, n), step_traces.dtype)
        d_state = out(REC_STATE, (n_rows, len(state_ids), 3), state.dtype)
        d_sstep = cuda.device_array((m, cap), np.int32)
        d_sid = cuda.device_array((m, cap), np.int32)
        d_total = cuda.device_array(m, np.int64)
        d_chunk = cuda.to_device(chunk)
        args_before = (d_inputs[0], d_inputs[1], np.int64(frame_steps), d_chunk, np.uint64(seed),
                       np.int64(input_mode), d_inputs[2], d_inputs[3], d_inputs[4], *d_net[:8], d_data, d_delays,
                       np.int64(max_delay), d_pop_of, d_pop_params, d_pop_drive, d_v_rest, d_bias,
                       np.int64(v_init_mode), np.int64(n_bins), np.float64(trace_decay), np.int64(record),
                       d_counts, d_bins, d_final, d_steps, np.int64(frame_base), d_sstep, d_sid, d_total,
                       d_state_ids, d_state, np.int64(row_base), d_th_off, np.int64(pl_mode), *d_pl)
        if resident is not None:
            blocks, n_teams, resources = _launch_resident(resident, features, n, max_delay, m, args_before)
        else:
            blocks, n_teams, resources = _launch_general(features, grid_mode, plastic_run, n, m, args_before,
                                                         scratch)
        info.update(blocks=int(blocks), teams=int(n_teams), **resources)
        if resident is not None:
            info.update(per_thread=resident["per_thread"], ring_in_shared=resident["ring_in_shared"],
                        shared_bytes=resident["shared_bytes"])
        cuda.synchronize()
        if record & REC_COUNTS:
            counts[chunk] = d_counts.copy_to_host()
        if record & REC_BIN_TRACES:
            bin_traces[chunk] = d_bins.copy_to_host()
        if record & REC_FINAL:
            final[chunk] = d_final.copy_to_host()
        if record & REC_STEPS:
            step_traces[frame_base:frame_base + n_frames] = d_steps.copy_to_host()
        if record & REC_STATE:
            state[row_base:row_base + n_rows] = d_state.copy_to_host()
        totals = d_total.copy_to_host()
        spike_total[chunk] = totals
        if record & REC_SPIKES and cap:
            _sorted_spikes(*_recorded_spikes(d_sstep, d_sid, totals), totals, n, chunk, spike_step, spike_id)
    if plastic_run:  # the learned state goes back to the caller's arrays
        data[:] = d_data.copy_to_host()
        th_off[:] = d_th_off.copy_to_host()
        syn_tr[:] = d_pl[3].copy_to_host()
        post_tr[:] = d_pl[4].copy_to_host()
    info["compile_s"] = _COMPILED.compile_seconds
    return info


def _launch_general(features, grid_mode, plastic_run, n, m, args_before, scratch):
    """Launch the general kernel on one chunk of ``m`` sequences; returns ``(blocks, teams, resources)``."""
    threads = LAUNCH.threads
    registers = LAUNCH.max_registers
    if registers is None and grid_mode and not plastic_run:
        registers = LAUNCH.grid_registers
    # the kernel's types come from zero-team scratch, so the real scratch keeps its shape between calls
    kernel, compiled = _COMPILED.get(features, (np.bool_(grid_mode), *args_before, *scratch(0, "probe ")),
                                     max_registers=registers)
    if compiled is None:  # the simulator: grid barriers only work with one block; blocks run one by one
        max_blocks = 1 if grid_mode else 2
    else:
        max_blocks = compiled.max_cooperative_grid_blocks(threads)
    if max_blocks < 1:
        raise RuntimeError(f"the simulation kernel does not fit on the device with {threads} threads a block")
    if grid_mode:
        blocks, n_teams = max(1, min(max_blocks, -(-n // threads))), 1
    else:
        n_teams = 1 if plastic_run else min(m, max_blocks, LAUNCH.max_teams or max_blocks)
        blocks = n_teams
    kernel[blocks, threads](np.bool_(grid_mode), *args_before, *scratch(n_teams))
    return blocks, n_teams, _resources(compiled)


def _resident_plan(n, max_delay, indptr, in_indptr):
    """How the resident kernel would run a network of ``n`` neurons, or None where it does not apply.

    Threads a team: ``LAUNCH.resident_threads``, fewer for a smaller network
    (whole warps); neurons a thread: as many as it takes, at most
    ``LAUNCH.resident_max_per_thread``.  The rings go to shared memory when
    they and the spike lists fit in ``LAUNCH.shared_bytes``.  The register cap
    lets a whole block reside on one multiprocessor (64 K registers).
    """
    from . import cuda_resident

    if LAUNCH.kernel == "general" or n == 0:
        return None
    if LAUNCH.resident_threads % 32 or not 32 <= LAUNCH.resident_threads <= 1024:
        raise ValueError(f"LAUNCH.resident_threads must be a multiple of 32 in [32, 1024], "
                         f"got {LAUNCH.resident_threads}")
    threads = min(LAUNCH.resident_threads, 32 * -(-n // 32))
    per_thread = -(-n // threads)
    if per_thread > LAUNCH.resident_max_per_thread:
        return None
    n_inputs = len(in_indptr) - 1
    ring_in_shared = cuda_resident.shared_bytes(n, max_delay, True, n_inputs) <= LAUNCH.shared_bytes
    registers = min(255, (65536 // threads) // 8 * 8)
    if LAUNCH.max_registers:
        registers = min(registers, LAUNCH.max_registers)
    return {"threads": threads, "per_thread": per_thread, "ring_in_shared": ring_in_shared,
            "shared_bytes": cuda_resident.shared_bytes(n, max_delay, ring_in_shared, n_inputs),
            "max_registers": registers,
            "chunks": (np.int64(cuda_resident.chunks_of(indptr)), np.int64(cuda_resident.chunks_of(in_indptr)))}


def _launch_resident(plan, features, n, max_delay, m, args_before):
    """Launch the resident kernel on one chunk of ``m`` sequences; returns ``(blocks, teams, resources)``."""
    threads, shared = plan["threads"], plan["shared_bytes"]
    syn_target, syn_fixed, in_fixed = plan["tables"]  # in place of the weights, indices and delays
    a = args_before
    resident_args = (*a[:11], in_fixed, *a[12:16], syn_target, syn_fixed, *a[19:37], a[40])  # ..., th_off

    def ring(n_teams):
        size = 0 if plan["ring_in_shared"] else n_teams * 2 * (max_delay + 1) * n
        return DEVICE_MEMORY.scratch("resident ring", (size,), np.int64)

    chunks = plan["chunks"]  # work items a spike's row and an input channel's row take in the delivery
    kernel, compiled = _COMPILED.get(features, (*resident_args, ring(0), *chunks),
                                     resident=(plan["per_thread"], plan["ring_in_shared"]),
                                     max_registers=plan["max_registers"])
    if compiled is None:  # the simulator runs blocks one by one
        max_blocks = 2
    else:
        max_blocks = compiled.max_cooperative_grid_blocks(threads, shared)
    if max_blocks < 1:
        raise RuntimeError(f"the resident kernel does not fit on the device with {threads} threads and "
                           f"{shared} bytes of shared memory a block")
    n_teams = min(m, max_blocks, LAUNCH.max_teams or max_blocks)
    kernel[n_teams, threads, 0, shared](*resident_args, ring(n_teams), *chunks)
    return n_teams, n_teams, _resources(compiled)


def _resources(compiled):
    """Registers and local memory (bytes) a thread of a compiled kernel uses (empty under the simulator)."""
    if compiled is None:
        return {}
    return {"registers": int(compiled.regs_per_thread), "local_bytes": int(compiled.local_mem_per_thread)}


#: a chunk of at most this many sequences copies back only the recorded part of its spike buffers
FEW_SEQUENCES = 64


def _recorded_spikes(d_steps, d_ids, totals):
    """The spike buffers of a chunk on the host: ``(steps, ids)``, each ``(m, cap)`` or, for a few sequences
    whose spikes fill less than half the room, ``(m, most recorded)`` (row prefixes are contiguous)."""
    m, cap = d_steps.shape
    used = int(min(cap, totals.max(initial=0)))
    if m > FEW_SEQUENCES or 2 * used > cap:
        return d_steps.copy_to_host(), d_ids.copy_to_host()
    steps, ids = np.zeros((m, used), np.int32), np.zeros((m, used), np.int32)
    for q in range(m):
        k = int(min(totals[q], cap))
        if k:
            steps[q, :k] = d_steps[q, :k].copy_to_host()
            ids[q, :k] = d_ids[q, :k].copy_to_host()
    return steps, ids


def _sorted_spikes(steps, ids, totals, n, chunk, spike_step, spike_id):
    """Put each sequence's recorded spikes in (step, neuron) order, as the CPU records them.

    A neuron spikes at most once a step, so the keys ``step x n + neuron`` are distinct: sorting them
    alone (no permutation to apply) gives both columns back.  The kernels list a sequence's spikes step
    after step, so its step column is in order already and only the neurons need the sorted keys.
    """
    room = steps.shape[1]
    for q, k in enumerate(chunk):
        m = int(min(totals[q], room))
        step = steps[q, :m]
        key = step.astype(np.int64) * n + ids[q, :m]
        key.sort(kind="stable")  # a radix sort for integers
        if not np.all(step[1:] >= step[:-1]):  # not listed step after step: decode the steps too
            step = key // n
        spike_step[k, :m] = step
        spike_id[k, :m] = key - step.astype(np.int64) * n


def _delivery_kernel_function():
    """Spike delivery alone (phase C of the simulation kernel, static synapses), over a recorded spike list."""
    global cuda
    cuda = numba_cuda()

    to_fixed = device_twin(_math.to_fixed)

    def deliver(spike_step, spike_id, indptr, indices, data, delays, ring_e, ring_i):
        rank = cuda.grid(1)
        warp, lane, n_warps = rank // 32, rank % 32, cuda.gridsize(1) // 32
        n_slots = ring_e.shape[0]
        for e in range(warp, spike_id.shape[0], n_warps):
            j = spike_id[e]
            slot = spike_step[e] % n_slots
            for s in range(indptr[j] + lane, indptr[j + 1], 32):
                tgt_slot = slot + delays[s]
                if tgt_slot >= n_slots:
                    tgt_slot -= n_slots
                w = to_fixed(data[s])
                if w >= 0:
                    cuda.atomic.add(ring_e, (tgt_slot, indices[s]), w)
                else:
                    cuda.atomic.add(ring_i, (tgt_slot, indices[s]), w)

    return deliver


def replay_delivery(network, spike_steps, spike_ids, repeats=5):
    """Time the spike-delivery code alone on the GPU for a recorded spike train of ``network``.

    Returns ``(median_seconds, bytes_moved, synapses_delivered)``; bytes are
    counted by :func:`spike_delivery_bytes` (the least the delivery must move).
    """
    import numba
    cuda = numba_cuda()

    spike_steps = np.ascontiguousarray(spike_steps, np.int64)
    spike_ids = np.ascontiguousarray(spike_ids, np.int32)
    args = [cuda.to_device(a) for a in (spike_steps, spike_ids, network.indptr, network.indices, network.data,
                                        network.delays)]
    n_slots = network.max_delay + 1
    ring_e = cuda.to_device(np.zeros((n_slots, network.n_neurons), np.int64))
    ring_i = cuda.to_device(np.zeros((n_slots, network.n_neurons), np.int64))
    with _without_fma_contraction():
        kernel = cuda.jit(_delivery_kernel_function(), lto=False)
        signature = tuple(numba.typeof(a) for a in (*args, ring_e, ring_i))
        kernel.compile(signature)
    threads = LAUNCH.threads
    blocks = 4 * device_properties()[1] * (2048 // threads)
    kernel[blocks, threads](*args, ring_e, ring_i)  # warm-up
    cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, stop = cuda.event(), cuda.event()
        start.record()
        kernel[blocks, threads](*args, ring_e, ring_i)
        stop.record()
        stop.synchronize()
        times.append(cuda.event_elapsed_time(start, stop) / 1000.0)
    delivered = int(np.diff(network.indptr)[spike_ids].sum())
    return float(np.median(times)), spike_delivery_bytes(len(spike_ids), delivered), delivered


def copy_bandwidth(n_bytes=1 << 30, repeats=5):
    """Device-to-device copy rate (bytes read + written per second): the memory bandwidth to compare with."""
    cuda = numba_cuda()

    a = cuda.device_array(n_bytes // 8, np.float64)
    b = cuda.device_array(n_bytes // 8, np.float64)
    b.copy_to_device(a)
    times = []
    for _ in range(repeats):
        start, stop = cuda.event(), cuda.event()
        start.record()
        b.copy_to_device(a)
        stop.record()
        stop.synchronize()
        times.append(cuda.event_elapsed_time(start, stop) / 1000.0)
    return 2.0 * (n_bytes // 8) * 8 / float(np.median(times))


def spike_delivery_bytes(n_spikes, n_synapses_delivered):
    """Bytes the delivery phase must move at least: per spike its CSR row bounds and list entry, per
    synapse its target (4 B), weight (4 B), delay (2 B) and one 8-byte atomic read-modify-write (16 B)."""
    return n_spikes * 20 + n_synapses_delivered * (4 + 4 + 2 + 16)


__all__ = ["LAUNCH", "LaunchConfig", "check_available", "copy_bandwidth", "device_properties", "is_available",
           "replay_delivery", "simulate_batch", "simulator_enabled", "spike_delivery_bytes"]
