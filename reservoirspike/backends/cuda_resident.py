"""The resident CUDA kernel: a sequence's whole network state stays on one multiprocessor.

For batches of many sequences through a network small enough for one
thread block (at most ``threads x per_thread`` neurons), each block is a team
that simulates one sequence at a time, and

* each thread owns ``per_thread`` neurons (``j = rank + i * threads``) and
  keeps their state (V, V_inf, synaptic variables, threshold, trace,
  refractory count, spike count of the bin) in registers for the whole
  sequence: device memory sees the outputs only;
* the delay rings of fixed-point synaptic input live in the block's shared
  memory when they fit (``2 x (max_delay + 1) x n x 8`` bytes), else in a
  per-team slice of device memory; the step's spike list is in shared memory;
* a step has two block barriers instead of three: the input channels that
  spike at step t + 1 are drawn during the neuron update of step t, and the
  delivery phase of step t adds both them and the step's own spikes into the
  rings (integer adds commute); each thread keeps the running spike total;
* the delivery is split into work items of 32 synapses (a spike or input
  channel has as many items as its row needs), which the warps share, so a
  step's few spikes keep every warp busy instead of one warp a spike;
* each synapse's fixed-point weight and its ring offset (delay x n + target)
  are computed once on the host (:func:`synapse_tables`), so a delivered
  synapse costs two loads, an add and one atomic.

Everything else is the general kernel's (:mod:`reservoirspike.backends.cuda`):
the same device functions for a neuron's step, the same fixed-point input, the
same counter-based draws, so the spikes are the CPU's spike for spike.  Runs
that learn or record per-step state use the general kernel.
"""

import numba
import numpy as np

from .. import _rng
from . import _math
from ._twin import device_twin
from .cpu import (HAS_DRIVE, INPUT_CURRENT, INPUT_EVENTS, INPUT_POISSON, REC_BIN_TRACES, REC_COUNTS, REC_FINAL,
                  REC_SPIKES, REC_STEPS)

cuda = None  # numba.cuda once a kernel is built: a module global, which the CUDA simulator swaps for its own


def shared_bytes(n, max_delay, ring_in_shared, n_inputs):
    """Dynamic shared memory of one team: the rings (when they are kept there), the list of the neurons
    that spike and that of the input channels that spike, each entry (id, row start, row end) in int32."""
    ring = 2 * (max_delay + 1) * n * 8 if ring_in_shared else 0
    return ring + 3 * (n + n_inputs) * 4


def synapse_tables(n, indices, data, delays, in_data):
    """What the delivery reads per synapse: ``(syn_target, syn_fixed, in_fixed)``.

    ``syn_target = delay x n + target`` (int32) is the synapse's ring offset
    from the current slot's row (wrapped past the last slot in the kernel);
    ``syn_fixed``/``in_fixed`` are the recurrent/input weights in the
    fixed-point units of the rings, rounded as the CPU's :func:`~reservoirspike.backends._math.to_fixed`.
    """
    syn_target = (np.asarray(delays, np.int64) * n + np.asarray(indices, np.int64)).astype(np.int32)
    return syn_target, _math.fixed_weights(np.asarray(data)), _math.fixed_weights(np.asarray(in_data))


def chunks_of(indptr):
    """Warp-wide chunks (32 synapses) of the longest row of a CSR matrix; at least one."""
    longest = int(np.diff(indptr).max(initial=0))
    return max(1, -(-longest // 32))


def kernel_function(features, per_thread, ring_in_shared):
    """The resident kernel's Python function for one feature set (see ``cuda.KernelFeatures``).

    ``per_thread`` (neurons a thread owns) and ``ring_in_shared`` are fixed
    when it is compiled.
    """
    from . import cuda as gpu

    global cuda
    cuda = gpu.numba_cuda()
    initial_v, frame_v_inf, noise_kick, neuron_step, lean_neuron_step = gpu._neuron_functions(features.conductance)
    lean = features.lean
    full, lean_shared = gpu.FULL, gpu.LEAN_SHARED
    shared_v_inf, shared_th_off = gpu.SHARED_V_INF, gpu.SHARED_TH_OFF
    step_key = device_twin(_rng.step_key)
    uniform = device_twin(_rng.uniform)
    stream_input, stream_noise = _rng.STREAM_INPUT, _rng.STREAM_NOISE
    with_noise = features.noise
    any_input = features.input_mode < 0
    with_current = any_input or features.input_mode == INPUT_CURRENT
    with_poisson = any_input or features.input_mode == INPUT_POISSON
    with_events = any_input or features.input_mode == INPUT_EVENTS
    K = per_thread
    u32 = np.uint32
    float64, int32, int64 = numba.float64, numba.int32, numba.int64

    # Array indices are cast to unsigned 32-bit where they are used: Numba tests every signed index for
    # Python's negative wraparound, and the kernel is bound by its integer instructions (all indices fit).

    @cuda.jit(device=True)
    def ring_add(ring, at, inhibitory_offset, w):
        """Add fixed-point ``w`` at ring index ``at`` (excitatory half) or ``at + inhibitory_offset``."""
        cuda.atomic.add(ring, u32(at + inhibitory_offset if w < 0 else at), w)

    @cuda.jit(device=True)
    def add_input_synapses(lo, hi, step, in_indices, in_fixed, ring, at, half):
        """Input synapses ``lo, lo + step, ... < hi`` into the ring row starting at ``at``."""
        for s in range(lo, hi, step):
            ring_add(ring, at + in_indices[u32(s)], half, in_fixed[u32(s)])

    def simulate(
        offsets, frame_offsets, frame_steps, seq_ids, seed, input_mode, dense, ev_ptr, ev_channel,
        in_indptr, in_indices, in_fixed, inT_indptr, inT_channel, inT_data,
        indptr, syn_target, syn_fixed, max_delay, pop_of, pop_params, pop_drive, v_rest, bias, v_init_mode,
        n_bins, trace_decay, record, counts, bin_traces, final, step_traces, frame_base,
        spike_step, spike_id, spike_total, th_off, ring_global, rec_chunks, in_chunks,
    ):
        team, n_teams, rank, size = cuda.blockIdx.x, cuda.gridDim.x, cuda.threadIdx.x, cuda.blockDim.x
        warp, lane, n_warps = rank // 32, rank % 32, size // 32
        n = v_rest.shape[0]
        n_slots = max_delay + 1
        half = n_slots * n  # the inhibitory ring follows the excitatory one
        n_in = in_indptr.shape[0] - 1
        cap = spike_step.shape[1]
        fired = cuda.shared.array(0, int32)  # the lists, in dynamic shared memory after the rings if those are
        if ring_in_shared:
            ring = cuda.shared.array(0, int64)
            ring_base = 0
            fired_base = 4 * half  # int32 index just past the two int64 rings
        else:
            ring = ring_global
            ring_base = team * 2 * half
            fired_base = 0
        in_base = fired_base + 3 * n  # the input channels' list follows the spike list
        # One list of each kind is enough (written in phase B, read in phase C, written again only after the
        # next barrier), but their lengths are kept by step parity, since a length is reset in phase A,
        # which runs beside the previous step's phase C: spikes (0, 1), input channels for the next step (2, 3)
        listed = cuda.shared.array(4, int32)
        rec_items = np.int32(rec_chunks)
        in_items = np.int32(in_chunks)
        poisson = with_poisson and input_mode == INPUT_POISSON
        events = with_events and input_mode == INPUT_EVENTS
        with_trace = (record & (REC_BIN_TRACES | REC_FINAL | REC_STEPS)) != 0  # only snapshots read the trace
        # the state of this thread's neurons, in registers for a whole sequence
        v = cuda.local.array(K, float64)
        v_inf = cuda.local.array(K, float64)
        ie = cuda.local.array(K, float64)
        ye = cuda.local.array(K, float64)
        ii = cuda.local.array(K, float64)
        yi = cuda.local.array(K, float64)
        theta = cuda.local.array(K, float64)
        trace = cuda.local.array(K, float64)
        refr = cuda.local.array(K, int32)
        count = cuda.local.array(K, int32)
        for q in range(team, seq_ids.shape[0], n_teams):
            k = seq_ids[q]
            start = offsets[k]
            n_steps = offsets[k + 1] - start
            frame_start = frame_offsets[k]
            for i in range(K):  # a fresh sequence: rest (or uniform V), zero synaptic state and traces
                j = rank + i * size
                if j < n:
                    v[i] = initial_v(j, seed, v_init_mode, pop_of, pop_params, v_rest)
                    v_inf[i] = v_rest[j] + bias[j]
                    ie[i] = 0.0
                    ye[i] = 0.0
                    ii[i] = 0.0
                    yi[i] = 0.0
                    theta[i] = 0.0
                    trace[i] = 0.0
                    refr[i] = 0
                    count[i] = 0
            for x in range(rank, 2 * half, size):
                ring[ring_base + x] = 0
            cuda.syncthreads()
            # the input spikes of step 0 (later steps' are drawn one step ahead): a warp per channel
            if poisson:
                key_in = step_key(seed, stream_input, 0)
                for c in range(warp, n_in, n_warps):  # every lane draws the same number
                    if uniform(key_in, c) < dense[frame_start, c]:
                        add_input_synapses(in_indptr[c] + lane, in_indptr[c + 1], 32, in_indices, in_fixed, ring,
                                           ring_base, half)
            elif events:
                for e in range(ev_ptr[start] + warp, ev_ptr[start + 1], n_warps):
                    c = ev_channel[e]
                    add_input_synapses(in_indptr[c] + lane, in_indptr[c + 1], 32, in_indices, in_fixed, ring,
                                       ring_base, half)
            spikes_before = 0  # every thread keeps the running total of the team's spikes
            # step counters kept by increments (64-bit division is slow on a GPU): ring slot, frame and the
            # position in it, bin b = t * n_bins // n_steps and the first step of the next bin
            slot = 0
            frame = frame_start
            in_frame = 0
            b = 0
            next_bin = (n_steps + n_bins - 1) // n_bins
            cuda.syncthreads()
            for t in range(n_steps):
                row = start + t
                par = t & 1
                if rank == 0:  # last read two steps ago, behind two barriers
                    listed[par] = 0
                    listed[2 + par] = 0
                # A. frame drive and noise (own neurons)
                new_frame = with_current and input_mode == INPUT_CURRENT and in_frame == 0
                key_noise = step_key(seed, stream_noise, t) if with_noise else np.uint64(0)
                for i in range(K):
                    j = rank + i * size
                    if j < n:
                        if new_frame and inT_indptr[j + 1] > inT_indptr[j]:  # others keep v_rest + bias
                            v_inf[i] = frame_v_inf(j, frame, dense, inT_indptr, inT_channel, inT_data, v_rest, bias)
                        if with_noise:
                            p = pop_of[j]
                            if pop_params[p, HAS_DRIVE] != 0.0:
                                v[i], ie[i], ye[i] = noise_kick(key_noise, j, p, pop_drive, v[i], ie[i], ye[i])
                cuda.syncthreads()
                # B. the exact neuron step of own neurons, threshold, records
                bin_ends = t + 1 == next_bin or t == n_steps - 1
                frame_ends = in_frame + 1 == frame_steps
                for i in range(K):
                    j = rank + i * size
                    if j < n:
                        ju = u32(j)
                        at_e = u32(ring_base + slot * n + j)
                        at_i = u32(ring_base + slot * n + j + half)
                        re = ring[at_e]
                        ri = ring[at_i]
                        if re != 0:
                            ring[at_e] = 0
                        if ri != 0:
                            ring[at_i] = 0
                        if lean != full:  # y_e, y_i and theta stay zero: fewer registers (see cuda.KernelFeatures)
                            p = pop_of[ju]
                            if lean == lean_shared:
                                v_inf_j, th_off_j = pop_params[p, shared_v_inf], pop_params[p, shared_th_off]
                            else:
                                v_inf_j, th_off_j = v_inf[i], th_off[ju]
                            v[i], ie[i], ii[i], refr[i], f = lean_neuron_step(p, pop_params, re, ri, v[i], v_inf_j,
                                                                              ie[i], ii[i], refr[i], th_off_j)
                            if with_trace:
                                trace[i] = trace[i] * trace_decay + (1.0 if f else 0.0)
                        else:
                            v[i], ie[i], ye[i], ii[i], yi[i], theta[i], trace[i], refr[i], f = neuron_step(
                                pop_of[ju], pop_params, re, ri, v[i], v_inf[i], ie[i], ye[i], ii[i], yi[i],
                                theta[i], trace[i], refr[i], th_off[ju], trace_decay)
                        if f:  # listed with its row's bounds, loaded now rather than in the delivery
                            at = fired_base + 3 * cuda.atomic.add(listed, par, 1)
                            fired[u32(at)] = j
                            fired[u32(at + 1)] = np.int32(indptr[ju])
                            fired[u32(at + 2)] = np.int32(indptr[u32(j + 1)])
                            count[i] += 1
                        if (record & REC_STEPS) and frame_ends:
                            step_traces[frame - frame_base, j] = trace[i]
                        if bin_ends:
                            if record & REC_COUNTS:
                                counts[q, b, j] = count[i]
                            if record & REC_BIN_TRACES:
                                bin_traces[q, b, j] = trace[i]
                            count[i] = 0
                # the input channels that spike at the next step (Poisson draws; events are listed already)
                next_slot = 0 if slot + 1 == n_slots else slot + 1
                if poisson and t + 1 < n_steps:
                    key_in = step_key(seed, stream_input, t + 1)
                    next_frame = frame + 1 if frame_ends else frame
                    for c in range(rank, n_in, size):
                        if uniform(key_in, c) < dense[u32(next_frame), u32(c)]:
                            at = in_base + 3 * cuda.atomic.add(listed, 2 + par, 1)
                            fired[u32(at)] = c
                            fired[u32(at + 1)] = np.int32(in_indptr[u32(c)])
                            fired[u32(at + 2)] = np.int32(in_indptr[u32(c + 1)])
                cuda.syncthreads()
                # C. delivery in items of 32 synapses shared by the warps: this step's spikes (and their
                # record), then the next step's input spikes
                n_fired = listed[par]
                if events:
                    ev_next = ev_ptr[row + 1]
                    n_inputs = np.int32(ev_ptr[row + 2] - ev_next) if t + 1 < n_steps else np.int32(0)
                else:
                    ev_next = 0
                    n_inputs = listed[2 + par]
                n_rec = n_fired * rec_items
                slot_row = slot * n
                for w in range(np.int32(warp), n_rec + n_inputs * in_items, np.int32(n_warps)):
                    if w < n_rec:
                        e = w // rec_items
                        chunk = w - e * rec_items
                        at = fired_base + 3 * e
                        if chunk == 0 and lane == 0 and (record & REC_SPIKES) and spikes_before + e < cap:
                            spike_step[q, spikes_before + e] = t
                            spike_id[q, spikes_before + e] = fired[u32(at)]
                        s = fired[u32(at + 1)] + chunk * 32 + lane
                        if s < fired[u32(at + 2)]:
                            su = u32(s)
                            tgt = slot_row + syn_target[su]  # past the last slot: wrap to the first
                            if tgt >= half:
                                tgt -= half
                            ring_add(ring, ring_base + tgt, half, syn_fixed[su])
                    else:
                        e = (w - n_rec) // in_items
                        chunk = (w - n_rec) - e * in_items
                        if events:
                            c = ev_channel[u32(ev_next + e)]
                            lo, hi = in_indptr[u32(c)], in_indptr[u32(c + 1)]
                        else:
                            at = in_base + 3 * e
                            lo, hi = np.int64(fired[u32(at + 1)]), np.int64(fired[u32(at + 2)])
                        lo += chunk * 32 + lane
                        add_input_synapses(lo, min(lo + 1, hi), 1, in_indices, in_fixed, ring,
                                           ring_base + next_slot * n, half)
                spikes_before += n_fired
                slot = next_slot
                if frame_ends:
                    frame += 1
                    in_frame = 0
                else:
                    in_frame += 1
                if t + 1 == next_bin:
                    b = ((t + 1) * n_bins) // n_steps
                    next_bin = ((b + 1) * n_steps + n_bins - 1) // n_bins
            if rank == 0:
                spike_total[q] = spikes_before
            if record & REC_FINAL:
                for i in range(K):
                    j = rank + i * size
                    if j < n:
                        final[q, j] = trace[i]
            cuda.syncthreads()  # the last delivery ends before the next sequence clears the rings

    return simulate
