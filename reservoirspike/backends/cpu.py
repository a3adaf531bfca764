"""CPU kernels (Numba): simulate a ragged batch of sequences, one per thread.

Within a step, in order:

1. populations with a background drive get its exact per-step increment
   (mean and Gaussian noise, drawn from the counter-based generator keyed by
   (seed, step, neuron));
2. input spikes of this step (Poisson draws or given events) and recurrent
   spikes whose delay ends now are added to the synaptic entry variables;
3. every neuron integrates the step exactly (held at reset while refractory),
   with a constant drive (bias + analog input current) over the step;
   currents, adaptation and read-out traces decay; a neuron with
   ``V >= threshold`` spikes, is reset, and its spike is scheduled for
   delivery ``delay`` steps later (delay >= 1).

A spike in step ``t`` is reported at time ``(t + 1) * dt``, the end of the
step in which the threshold was crossed.
"""

import sys

import llvmlite.binding as llvm
import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from .._rng import STREAM_INIT, STREAM_INPUT, STREAM_NOISE, step_key, uniform
from .._wiring import row_chunks
from ._jit import step_jit
from ._prefetch import prefetch_rows, prefetch_span
from ._math import (FIXED_INV, add_psp, conductance_membrane_step, current_membrane_step, enter_current,
                    fixed_weights, membrane_step, standard_normal, to_fixed)
from .plastic import (IP_BOUND, IP_ETA, IP_TARGET, PL_IP, PL_SCALE, SCALE_EVERY, SYN_STATIC, SYN_STDP, intrinsic_step,
                      post_spikes, pre_trace_layout, process_arrivals, process_neuron_arrivals, scale_inputs,
                      trace_copies, shares_trace_pass, check_stamp_range, arrival_paths)

# The neuron loop touches many arrays; LLVM only vectorises it when allowed enough runtime
# alias checks (its default budget is too small). The checks run once per population and step.
# Only the vectoriser's budget changes: results are bit-for-bit the same.
llvm.set_option("reservoirspike", "-vectorize-memory-check-threshold=1024")

# Target indices in the scatter loops are cast to unsigned, and so are the synapse counters of the loops
# over a row (``range(np.uint64(lo), np.uint64(hi))``): a signed index makes Numba test it for Python-style
# negative wraparound at every synapse (four instructions: a row's scatter-add took 0.45 ns a synapse with
# a signed counter, 0.29 with an unsigned one).  The
# fixed-point add by sign is written out in the loops of _batch_kernel: inlined there, a helper that
# takes the rings made static and plastic runs 2x slower (reference counting of the array arguments per
# synapse); the functions compiled without reference counting (step_jit) share add_psp.

# columns of the per-population parameter table (see reservoirspike.neurons.propagators)
POP_COLUMNS = ("v_reset", "v_threshold", "ref_steps", "p_mm", "p_me", "p_mye", "p_ee", "p_eye", "p_yye",
               "p_mi", "p_myi", "p_ii", "p_iyi", "p_yyi", "p_aa", "dtheta", "has_drive",
               "conductance", "e_rev_exc", "g_avg", "dt_over_tau_m")
(V_RESET, V_TH, REF, P_MM, P_ME, P_MYE, P_EE, P_EYE, P_YYE,
 P_MI, P_MYI, P_II, P_IYI, P_YYI, P_AA, DTHETA, HAS_DRIVE,
 COND, E_REV, G_AVG, DT_TAU) = range(len(POP_COLUMNS))

# input modes
INPUT_CURRENT, INPUT_POISSON, INPUT_EVENTS = 0, 1, 2

# bits of the `record` flag
REC_COUNTS, REC_BIN_TRACES, REC_FINAL, REC_STEPS, REC_SPIKES, REC_STATE = 1, 2, 4, 8, 16, 32


@njit(cache=True, inline="always")
def _add_input_spike(c, slot, in_indptr, in_indices, in_data, in_weight, ring_e, ring_i):
    """Queue input channel ``c``'s PSPs in ``slot``; ``in_weight[c]``: its one fixed-point weight, or 0."""
    w = in_weight[c]
    if w != 0:  # every synapse of the channel has this weight (and sign): a plain scatter-add
        ring = ring_e[slot] if w > 0 else ring_i[slot]
        for s in range(np.uint64(in_indptr[c]), np.uint64(in_indptr[c + 1])):
            ring[np.uint32(in_indices[s])] += w
        return
    for s in range(np.uint64(in_indptr[c]), np.uint64(in_indptr[c + 1])):
        w = to_fixed(in_data[s])
        if w >= 0:
            ring_e[slot, np.uint32(in_indices[s])] += w
        else:
            ring_i[slot, np.uint32(in_indices[s])] += w


@step_jit()
def _poisson_draws(key, probability, frame, spiking):
    """``spiking[c]``: whether input channel ``c`` spikes in this step, with ``probability[frame, c]``.

    Every channel's draw in one branch-free loop, which the compiler vectorises; the few channels that
    spike are then found as the neurons that fired are (:func:`_fired_ids`).  Returns how many spike.
    """
    n_spiking = 0
    for c in range(spiking.shape[0]):
        s = uniform(key, c) < probability[frame, c]
        spiking[c] = s
        n_spiking += s
    return n_spiking


@step_jit()
def trailing_zeros_portable(word):
    """Zero bits below the lowest set bit of a nonzero uint64 (a loop; Numba's intrinsic is one instruction)."""
    count = np.uint64(0)
    while word & np.uint64(1) == np.uint64(0):
        word >>= np.uint64(1)
        count += np.uint64(1)
    return count


try:  # an intrinsic Numba keeps among its internals (``tzcnt`` on x86)
    from numba.cpython.unsafe.numbers import trailing_zeros
except ImportError:  # pragma: no cover - a Numba without it still gets the same numbers
    trailing_zeros = trailing_zeros_portable


#: the flags are bytes read 8 at a time as a word: on a little-endian machine flag ``8w + i`` is byte ``i``
#: (bits ``8i`` up) of word ``w``, so the lowest set bit of a word is its first flag
_LITTLE_ENDIAN = sys.byteorder == "little"


@step_jit()
def _fired_ids(fired_words, fired, out, n_set):
    """Write the indices of the ``n_set`` set flags of ``fired`` (a view of ``fired_words``) to ``out``.

    Ascending order; 8 clear flags are skipped at once, and the scan stops at the last set flag (the
    loops count them).  Within a word each set flag is found by the position of the word's lowest set
    bit (a flag is the byte 1): no branch a flag, which would be mispredicted about once a spike.
    Returns how many it wrote (``n_set``).
    """
    n = fired.shape[0]
    k = 0
    if n_set == 0:
        return k
    for w in range(fired_words.shape[0]):
        word = fired_words[w]
        if word == 0:
            continue
        if _LITTLE_ENDIAN:
            base = 8 * w
            while word != 0:
                out[k] = base + np.int64(trailing_zeros(word) >> np.uint64(3))  # all-integer: no float round trip
                k += 1
                word &= word - np.uint64(1)  # clear the lowest set bit
        else:
            for j in range(8 * w, min(8 * w + 8, n)):
                if fired[j]:
                    out[k] = j
                    k += 1
        if k >= n_set:
            break
    return k


def _row_extremes(indptr, data, delays, syn_kind, plastic):
    """Per row: whether it has static synapses, and their fixed-point weights' and delays' least and greatest.

    Rows without static synapses get ``seen`` False (their other entries are meaningless).  In plastic
    runs only static synapses (``syn_kind`` 0) count.  ``delays`` None: ones.  In NumPy: as a compiled
    function this cost about a second of compilation on a program's first run.  A static run reduces the
    weights themselves, row by row, and converts only each row's extremes: :func:`to_fixed` never
    decreases as the weight grows, so the least fixed-point weight is that of the least weight (a
    256 000-neuron CUBA network: 0.17 s -> 0.03 s, every call of ``simulate``).  A plastic run masks
    its plastic synapses, over chunks of rows (:func:`reservoirspike._wiring.row_chunks`), so the
    temporaries stay small.
    """
    n = len(indptr) - 1
    seen = np.zeros(n, np.bool_)
    w_lo, w_hi, d_lo, d_hi = (np.zeros(n, np.int64) for _ in range(4))
    if not plastic:
        rows = np.flatnonzero(np.diff(indptr) > 0)  # reduceat needs the non-empty rows
        if len(rows):
            end, starts = int(indptr[-1]), indptr[rows]
            seen[rows] = True
            w_lo[rows] = fixed_weights(np.minimum.reduceat(data[:end], starts))
            w_hi[rows] = fixed_weights(np.maximum.reduceat(data[:end], starts))
            if delays is not None:
                d_lo[rows] = np.minimum.reduceat(delays[:end], starts)
                d_hi[rows] = np.maximum.reduceat(delays[:end], starts)
        return seen, w_lo, w_hi, d_lo, d_hi
    big = np.iinfo(np.int64).max
    for r0, r1 in row_chunks(indptr):
        s0, s1 = int(indptr[r0]), int(indptr[r1])
        if s1 == s0:
            continue
        rows = r0 + np.flatnonzero(np.diff(indptr[r0:r1 + 1]) > 0)
        starts = indptr[rows] - s0
        keep = syn_kind[s0:s1] == SYN_STATIC
        seen[rows] = np.logical_or.reduceat(keep, starts)
        fixed = fixed_weights(data[s0:s1])
        w_lo[rows] = np.minimum.reduceat(np.where(keep, fixed, big), starts)
        w_hi[rows] = np.maximum.reduceat(np.where(keep, fixed, -big), starts)
        if delays is not None:
            d = delays[s0:s1].astype(np.int64)
            d_lo[rows] = np.minimum.reduceat(np.where(keep, d, big), starts)
            d_hi[rows] = np.maximum.reduceat(np.where(keep, d, -big), starts)
    return seen, w_lo, w_hi, d_lo, d_hi


def uniform_row_weights(indptr, data, syn_kind, plastic):
    """Each row's one fixed-point weight where all its (static) synapses have the same, else 0.

    Networks often give every synapse of a population one weight: delivering such a row adds that
    number, with no weight to load or convert a synapse.  A row of zero weights also gets 0 (the
    general path then adds its zeros).  In plastic runs only static synapses (``syn_kind`` 0) count.
    """
    seen, w_lo, w_hi, _, _ = _row_extremes(indptr, data, None, syn_kind, plastic)
    return np.where(seen & (w_lo == w_hi), w_lo, 0)


def static_row_layout(indptr, delays, data, syn_kind, plastic):
    """Rows whose static synapses share one delay and one sign, for :func:`_deliver_row`.

    Returns ``(row_delay, row_ring, row_weight)``: the ring the PSPs of row
    ``j`` go to (1 excitatory, -1 inhibitory, by the sign of the fixed-point
    weight as in delivery; 0 where the signs differ or the row has no static
    synapse), where the ring is one the common delay (0 where the delays
    differ), and the row's one fixed-point weight (as
    :func:`uniform_row_weights`; 0 where they differ).  In plastic runs only
    static synapses (``syn_kind`` 0) count.  Static weights do not change
    during a run, so the layout holds for all of it.
    """
    seen, w_lo, w_hi, d_lo, d_hi = _row_extremes(indptr, data, delays, syn_kind, plastic)
    row_ring = np.where(seen & (w_lo >= 0), 1, np.where(seen & (w_hi < 0), -1, 0)).astype(np.int8)
    row_delay = np.where((row_ring != 0) & (d_lo == d_hi), d_lo, 0)
    return row_delay, row_ring, np.where(seen & (w_lo == w_hi), w_lo, 0)


@step_jit(inline="always")
def _deliver_row(lo, hi, j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i):
    """Queue the PSPs of static synapses ``lo:hi`` of neuron ``j``, which fired in ``slot``, at their delays.

    Where the row's static synapses share a sign (Dale's law: the usual
    case, see :func:`static_row_layout`) the loop adds to one ring without
    testing signs, and where they also share a delay it is a plain
    scatter-add into one ring row, of one number where they also share a
    weight.  ``rows`` is :func:`static_row_layout`'s.
    """
    row_delay, row_ring, row_weight = rows
    if row_ring[j] != 0:
        rings = ring_e if row_ring[j] > 0 else ring_i
        if row_delay[j] > 0:
            tgt_slot = slot + row_delay[j]  # 1 <= delay < n_slots: wrap once, no division
            if tgt_slot >= n_slots:
                tgt_slot -= n_slots
            ring = rings[tgt_slot]
            w = row_weight[j]
            if w != 0:
                for s in range(np.uint64(lo), np.uint64(hi)):
                    ring[np.uint32(indices[s])] += w
                return
            for s in range(np.uint64(lo), np.uint64(hi)):
                ring[np.uint32(indices[s])] += to_fixed(data[s])
            return
        for s in range(np.uint64(lo), np.uint64(hi)):  # one sign, several delays
            tgt_slot = slot + delays[s]
            if tgt_slot >= n_slots:
                tgt_slot -= n_slots
            rings[tgt_slot, np.uint32(indices[s])] += to_fixed(data[s])
        return
    for s in range(np.uint64(lo), np.uint64(hi)):
        tgt_slot = slot + delays[s]
        if tgt_slot >= n_slots:
            tgt_slot -= n_slots
        add_psp(ring_e, ring_i, tgt_slot, np.uint32(indices[s]), to_fixed(data[s]))


@step_jit()
def _deliver_static(lo, hi, j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i):
    """:func:`_deliver_row` as a function of its own, for the callers that deliver one row (part) at a time."""
    _deliver_row(lo, hi, j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i)


@step_jit()
def _deliver_spikes(ids, n_ids, slot, n_slots, indptr, rows, indices, data, delays, ring_e, ring_i, absorb,
                    listed, n_listed, far_rows):
    """The whole static rows of the neurons ``ids[:n_ids]``, which fired in ``slot``: one call a step.

    :func:`_deliver_row` is inlined here; called once a spike, it cost about 15 ns a call in passing
    its arguments alone.  Where :func:`_absorb_slot` takes the slots in (``absorb`` not None), each
    row is also listed for it (:func:`_list_rows`).
    ``far_rows``: whether the rows are too many to stay in the core's cache from one step to the next
    (:data:`PREFETCH_SYNAPSES`); their lines are then prefetched together first (module ``_prefetch``).
    """
    if far_rows and n_ids > 1:
        prefetch_rows(ids, n_ids, indptr, indices, data, rows[2])
    for q in range(n_ids):
        j = ids[q]
        _deliver_row(indptr[j], indptr[j + 1], j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i)
    if absorb is not None:
        _list_rows(ids, n_ids, slot, n_slots, rows[0], listed, n_listed)


@step_jit(inline="always")
def _list_rows(ids, n_ids, slot, n_slots, row_delay, listed, n_listed):
    """List the rows of the neurons ``ids[:n_ids]``, which fired in ``slot``, for the slot they write to.

    ``listed[s, :n_listed[s]]`` are the rows that wrote to slot ``s`` (each row has one delay) since
    :func:`_absorb_slot` last took it in; a neuron fires at most once a step, so it is listed at most once.
    """
    for q in range(n_ids):
        j = ids[q]
        s = slot + row_delay[j]  # 1 <= delay < n_slots: wrap once
        if s >= n_slots:
            s -= n_slots
        listed[s, n_listed[s]] = j
        n_listed[s] += 1


# Taking a step's arrivals into the currents.  In the neuron loops each neuron reads its entries of the
# slot due now, adds them to its currents and clears them: 32 of a lean neuron's 85 bytes of traffic a step
# and 6 of its 15 arithmetic operations, although a step's spikes reach a few per cent of the neurons of a
# large network.  So in a serial static run of at least SPARSE_CLEAR_NEURONS neurons with
# exponential synapses only, whose rows and input channels each write to one ring (one sign), the rows to
# one slot (one delay) (``absorb`` not None), _absorb_slot adds the slot to the currents before the loop,
# either entry by entry, at the targets of the rows that wrote to it (the rows of the neurons that fired
# ``delay`` steps before, and this step's input channels), or whole; the lean loop then reads neither ring.
# An entry is cleared as it is taken, so a target that several rows reach takes its sum once (and then
# zeros, which leave the current as it is).

#: a slot is taken in entry by entry when its rows reach at most one entry in this many; a scattered
#: update costs several streamed ones (read when a run starts)
SPARSE_CLEAR_RATIO = 8.0

#: rows of networks with at least this many synapses are prefetched before delivery and absorption: their
#: targets (1 MiB of int32) do not stay in a core's L2 cache from one step to the next, and the neuron loop
#: streams the whole state through it in between.  Smaller networks' rows stay close, and prefetching them
#: costs more than it saves (the batch workload: 1123 -> 1012 sequences/s with, 4000-neuron CUBA 6 % faster)
PREFETCH_SYNAPSES = 2 ** 18

#: smaller networks take their arrivals in the neuron loop: their rings stay in the core's caches, where
#: that cost less than a pass of its own (the batch workload's 1000 neurons: 1.62 -> 1.84 us a step)
SPARSE_CLEAR_NEURONS = 2048


@step_jit(inline="always")
def _take_entries(ring, current, targets, lo, hi, t_lo, t_hi):
    """Add the fixed-point ring entries of ``targets[lo:hi]`` that lie in ``[t_lo, t_hi)`` to their currents
    and clear them."""
    for s in range(np.uint64(lo), np.uint64(hi)):
        k = np.uint32(targets[s])
        if t_lo <= k < t_hi:
            current[k] += ring[k] * FIXED_INV
            ring[k] = 0


@step_jit()
def _absorb_slot(slot, ratio, ring_e, ring_i, i_e, i_i, indptr, indices, row_ring, listed, n_listed, channels,
                 n_channels, in_indptr, in_indices, in_ring, far_rows, t_lo, t_hi):
    """Add both rings' ``slot`` to the currents (:func:`enter_current`) of neurons ``t_lo:t_hi``; clear it there.

    Called before the lean neuron loop: serially for all neurons, or in a split step
    (:func:`_range_step`) for a thread's range, whose rows are then in target order.  Entry by entry
    where the rows listed for the slot (``listed[slot, :n_listed[slot]]``, see :func:`_deliver_spikes`)
    and this step's input channels ``channels[:n_channels]`` reach at most one entry in ``ratio``; else
    (and for a ``ratio`` of NaN) every entry.  Each row and channel wrote to one ring, ``row_ring`` /
    ``in_ring`` (1 excitatory, -1 inhibitory).  The caller forgets the listed rows once every range has
    taken them in.  ``far_rows``: prefetch the listed rows' targets (as :func:`_deliver_spikes`).
    """
    re = ring_e[slot]
    ri = ring_i[slot]
    whole = t_lo == 0 and t_hi == re.shape[0]
    n_rows = n_listed[slot]
    work = 0
    for q in range(n_rows):
        j = listed[slot, q]
        work += indptr[j + 1] - indptr[j]
        if far_rows and whole:  # for the pass below (a range searches its rows first)
            prefetch_span(indices, indptr[j], indptr[j + 1])
    for q in range(n_channels):
        c = channels[q]
        work += in_indptr[c + 1] - in_indptr[c]
    if not work * ratio <= re.shape[0]:  # NaN: whole
        for i in range(t_lo, t_hi):
            i_e[i] += re[i] * FIXED_INV
            i_i[i] += ri[i] * FIXED_INV
            re[i] = 0
            ri[i] = 0
        return
    for q in range(n_rows):
        j = listed[slot, q]
        lo, hi = indptr[j], indptr[j + 1]
        if not whole:  # the row's targets in the range
            lo, hi = _row_part(indices, lo, hi, t_lo, t_hi, re.shape[0])
        if row_ring[j] > 0:
            _take_entries(re, i_e, indices, lo, hi, t_lo, t_hi)
        else:
            _take_entries(ri, i_i, indices, lo, hi, t_lo, t_hi)
    for q in range(n_channels):
        c = channels[q]
        if in_ring[c] > 0:
            _take_entries(re, i_e, in_indices, in_indptr[c], in_indptr[c + 1], t_lo, t_hi)
        else:
            _take_entries(ri, i_i, in_indices, in_indptr[c], in_indptr[c + 1], t_lo, t_hi)


def _is_lean(pp):
    """Whether population row ``pp`` can take :func:`_lean_population_step` (same result, less state to stream).

    Exponential current synapses (the entry variables y stay zero), no
    threshold adaptation (theta stays zero) and no background drive (which
    would write y_e).
    """
    return bool(pp[COND] == 0.0 and pp[P_YYE] == 0.0 and pp[P_YYI] == 0.0 and pp[DTHETA] == 0.0
                and pp[HAS_DRIVE] == 0.0)


#: values of a population's ``lean`` flag (see :func:`lean_kinds`)
FULL, LEAN, LEAN_SHARED = 0, 1, 2


def lean_kinds(pop_bounds, pop_params, v_inf, th_off, fixed_drive):
    """Each population's step: :data:`FULL`, :data:`LEAN` (:func:`_is_lean`) or :data:`LEAN_SHARED` (int8).

    ``LEAN_SHARED``: a lean population whose neurons share one drive ``v_inf`` and one threshold offset,
    which stay so for the run (``fixed_drive[p]``: no analog input reaches population ``p`` and no
    learning moves thresholds); its loop reads two numbers instead of two arrays (16 bytes a neuron of
    about 100).  Computed once a run, in NumPy: as a compiled function it cost 0.8 s of compilation.
    """
    n_pops = len(pop_bounds) - 1
    kinds = np.zeros(n_pops, np.int8)
    for p in range(n_pops):
        if not _is_lean(pop_params[p]):
            continue
        lo, hi = pop_bounds[p], pop_bounds[p + 1]
        shared = (fixed_drive[p] and hi > lo and bool(np.all(v_inf[lo:hi] == v_inf[lo]))
                  and bool(np.all(th_off[lo:hi] == th_off[lo])))
        kinds[p] = LEAN_SHARED if shared else LEAN
    return kinds


def fixed_drives(pop_bounds, learning, input_mode, inT_indptr):
    """Per population, whether its drive and thresholds stay as they start for the whole run (bool array).

    Learning may move thresholds, and analog input moves the drive of the neurons it reaches
    (``inT_indptr``: the input synapses grouped by target neuron).
    """
    fixed = np.full(len(pop_bounds) - 1, not learning)
    if input_mode == INPUT_CURRENT:
        fixed &= inT_indptr[pop_bounds[1:]] == inT_indptr[pop_bounds[:-1]]
    return fixed


def per_neuron(values, j):
    """``values[j]`` of an array; a number shared by every neuron is itself (compiled: see the overload)."""
    return values if np.ndim(values) == 0 else values[j]


@overload(per_neuron)
def _per_neuron_overload(values, j):
    if isinstance(values, types.Array):
        return lambda values, j: values[j]
    return lambda values, j: values


@step_jit(error_model="numpy")
def _lean_population_step(pp, trace_decay, re, ri, v, i_e, i_i, v_inf, th_off, held_until, t, trace, fired, with_trace,
                          absorbed):
    """:func:`_population_step` for a population that :func:`_is_lean` accepts, bit for bit.

    The loop leaves out what stays zero (y_e, y_i, theta) and the spike
    trace, which only snapshots read (``with_trace``: a pass of its own
    updates it): a step streams about 53 bytes a neuron (85 where the loop
    takes the arrivals in itself) instead of 170,
    and large populations are bound by that memory traffic.  ``x + 0.0``
    compares as ``x``, so the arithmetic is that of the full step with its
    entry variables at zero.  ``v_inf`` and ``th_off`` are arrays, or
    numbers that every neuron shares (:data:`LEAN_SHARED`; compiled as a
    loop of its own).  ``absorbed`` not None: :func:`_absorb_slot` has added
    the step's arrivals to the currents already, and the loop leaves the
    rings alone; else it adds them (:func:`enter_current`) and clears them.
    """
    v_reset, v_th = pp[V_RESET], pp[V_TH]
    p_mm, p_me, p_ee, p_mi, p_ii = pp[P_MM], pp[P_ME], pp[P_EE], pp[P_MI], pp[P_II]
    n_fired = 0
    for j in range(v.shape[0]):
        ie, ii = i_e[j], i_i[j]
        if absorbed is None:
            ie += re[j] * FIXED_INV
            ii += ri[j] * FIXED_INV
            re[j] = 0
            ri[j] = 0
        v_new = current_membrane_step(v[j], per_neuron(v_inf, j), p_mm, ie, p_me, ii, p_mi)
        vj = v_reset if held_until[j] >= t else v_new  # held at reset while refractory
        i_e[j] = ie * p_ee
        i_i[j] = ii * p_ii
        f = vj >= v_th + per_neuron(th_off, j)
        fired[j] = f
        n_fired += f
        v[j] = v_reset if f else vj
    if with_trace:  # a pass of its own: tested in the loop, it left masked loads and stores of the trace there
        for j in range(v.shape[0]):
            trace[j] = trace[j] * trace_decay + (1.0 if fired[j] else 0.0)
    return n_fired


@step_jit(error_model="numpy")
def _population_step(pp, trace_decay, re, ri, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until, t, theta, trace, fired,
                     lean, with_trace, conductance, full, lean_arrays, lean_shared, absorb):
    """Advance one population (views of its neurons) by one step; returns its spike count.

    ``pp`` is the population's parameter row: scalars here, so the loop
    streams only the state arrays and compiles to branch-free SIMD code.
    ``lean``: the population's kind of step (:func:`lean_kinds`); ``with_trace``: the
    spike trace is recorded; ``conductance``: None when no population of
    the network is conductance-based (the kernel then leaves that loop out);
    ``full``, ``lean_arrays``, ``lean_shared``: None when no population of
    the network takes that kind of step (:data:`FULL`, :data:`LEAN`,
    :data:`LEAN_SHARED`; likewise: each loop costs about half a second of
    compilation).  Passed as arguments: Numba prunes a branch on a None
    argument, not on a None taken from a tuple.
    """
    if lean_shared is not None and lean == LEAN_SHARED:
        return _lean_population_step(pp, trace_decay, re, ri, v, i_e, i_i, v_inf[0], th_off[0], held_until, t, trace,
                                     fired, with_trace, absorb)
    if lean_arrays is not None and lean != FULL:  # LEAN (a LEAN_SHARED population could take it too)
        return _lean_population_step(pp, trace_decay, re, ri, v, i_e, i_i, v_inf, th_off, held_until, t, trace,
                                     fired, with_trace, absorb)
    if full is None:  # every population took a branch above
        return 0
    v_reset, v_th = pp[V_RESET], pp[V_TH]
    p_mm, p_me, p_mye, p_ee, p_eye, p_yye = pp[P_MM], pp[P_ME], pp[P_MYE], pp[P_EE], pp[P_EYE], pp[P_YYE]
    p_mi, p_myi, p_ii, p_iyi, p_yyi = pp[P_MI], pp[P_MYI], pp[P_II], pp[P_IYI], pp[P_YYI]
    p_aa, dtheta = pp[P_AA], pp[DTHETA]
    if conductance is not None and pp[COND] != 0.0:
        return _conductance_population_step(pp, trace_decay, re, ri, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until,
                                            t, theta, trace, fired)
    n_fired = 0
    for j in range(v.shape[0]):
        # arrivals of this step enter the entry variables, or the currents of exponential synapses
        ie, ye = enter_current(i_e[j], y_e[j] + re[j] * FIXED_INV, p_yye)
        ii, yi = enter_current(i_i[j], y_i[j] + ri[j] * FIXED_INV, p_yyi)
        re[j] = 0
        ri[j] = 0
        v_new = membrane_step(v[j], v_inf[j], p_mm, ie, p_me, ye, p_mye, ii, p_mi, yi, p_myi)
        vj = v_reset if held_until[j] >= t else v_new  # held at reset while refractory
        i_e[j] = ie * p_ee + ye * p_eye
        y_e[j] = ye * p_yye
        i_i[j] = ii * p_ii + yi * p_iyi
        y_i[j] = yi * p_yyi
        th = theta[j] * p_aa
        f = vj >= v_th + th_off[j] + th
        fired[j] = f
        n_fired += f
        v[j] = v_reset if f else vj
        theta[j] = th + dtheta if f else th
        trace[j] = trace[j] * trace_decay + (1.0 if f else 0.0)
    return n_fired


@njit(cache=True, error_model="numpy")
def _conductance_population_step(pp, trace_decay, re, ri, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until, t, theta,
                                 trace, fired):
    """Like :func:`_population_step` with conductance-based excitation (exponential synapses).

    Over a step, V relaxes towards ``(v_inf + g e_rev) / (1 + g)`` at rate
    ``(1 + g) / tau_m`` with ``g`` the conductance averaged over the step
    (``g_start * g_avg``, exact for its exponential decay); inhibition stays
    current-based and is added with its exact coefficients.
    """
    v_reset, v_th = pp[V_RESET], pp[V_TH]
    p_ee, p_mi, p_myi, p_ii, p_iyi, p_yyi = pp[P_EE], pp[P_MI], pp[P_MYI], pp[P_II], pp[P_IYI], pp[P_YYI]
    p_aa, dtheta, e_rev, g_avg, dt_tau = pp[P_AA], pp[DTHETA], pp[E_REV], pp[G_AVG], pp[DT_TAU]
    n_fired = 0
    for j in range(v.shape[0]):
        g = i_e[j] + y_e[j] + re[j] * FIXED_INV  # conductance at the step start, arrivals included
        ii, yi = enter_current(i_i[j], y_i[j] + ri[j] * FIXED_INV, p_yyi)
        re[j] = 0
        ri[j] = 0
        v_new = conductance_membrane_step(v[j], v_inf[j], g, g_avg, e_rev, dt_tau, ii, p_mi, yi, p_myi)
        vj = v_reset if held_until[j] >= t else v_new
        i_e[j] = g * p_ee
        y_e[j] = 0.0
        i_i[j] = ii * p_ii + yi * p_iyi
        y_i[j] = yi * p_yyi
        th = theta[j] * p_aa
        f = vj >= v_th + th_off[j] + th
        fired[j] = f
        n_fired += f
        v[j] = v_reset if f else vj
        theta[j] = th + dtheta if f else th
        trace[j] = trace[j] * trace_decay + (1.0 if f else 0.0)
    return n_fired


#: networks whose largest population has fewer than this many neurons a thread are stepped serially even
#: when threads are asked for: below it a split step gains too little over its per-step costs (the
#: parallel region, the rows each range searches) to stay ahead on a shared machine.  CUBA on the 2-core
#: machine the benchmarks run on, 2 threads against 1 (medians of 8 alternating runs, with the split
#: forced): 32 000 neurons 1.08x, 64 000 1.17x, 128 000 1.37x, 256 000 1.58x; 1 000 000 1.19x (4 runs),
#: with the range step's searches inlined; as compiled now (shorter), 1.46x at 256 000.
#: At times this machine's second vCPU gives much less (``benchmarks/machine.py``: a vectorised loop in L1
#: from 1.05x to 2.00x over a day), and a split step then loses less the larger its ranges.
MIN_CHUNK_NEURONS = 50_000


@step_jit()
def _step_populations(slot, p_lo, p_hi, pop_bounds, pop_params, trace_decay, ring_e, ring_i, v, i_e, y_e, i_i, y_i,
                      v_inf, th_off, held_until, t, theta, trace, fired, lean, with_trace, conductance, present,
                      absorb):
    """Step 3 for populations ``p_lo:p_hi``, on their views of the state; returns how many neurons fired.

    The views are taken here, in a function compiled without reference counting: taken in the kernel,
    each would cost an atomic increment and decrement at every step.  ``absorb``: see
    :func:`_absorb_slot`.
    """
    re = ring_e[slot]
    ri = ring_i[slot]
    full, lean_arrays, lean_shared = present
    n_fired = 0
    for p in range(p_lo, p_hi):
        lo, hi = pop_bounds[p], pop_bounds[p + 1]
        n_fired += _population_step(
            pop_params[p], trace_decay, re[lo:hi], ri[lo:hi], v[lo:hi], i_e[lo:hi], y_e[lo:hi],
            i_i[lo:hi], y_i[lo:hi], v_inf[lo:hi], th_off[lo:hi], held_until[lo:hi], t, theta[lo:hi], trace[lo:hi],
            fired[lo:hi], lean[p], with_trace, conductance, full, lean_arrays, lean_shared, absorb,
        )
    return n_fired


@step_jit()
def _hold_fired(ids, n_ids, stamp, pop_bounds, pop_params, held_until):
    """Start the refractory period of the neurons ``ids[:n_ids]`` (ascending), which fired in step ``stamp``.

    They are held at reset through step ``stamp + ref_steps`` of their population.  The neuron loops only
    compare ``held_until`` with the step: a countdown that each loop decremented and stored cost them a
    store and three integer operations a neuron-step, for what changes a few times a second.
    """
    p = 0
    for q in range(n_ids):
        j = ids[q]
        while j >= pop_bounds[p + 1]:
            p += 1
        held_until[j] = stamp + np.int32(pop_params[p, REF])


@step_jit()
def _first_at_least(indices, lo, hi, target):
    """The first position in ``lo:hi`` (sorted ``indices``) holding ``target`` or more; ``hi`` if none."""
    while lo < hi:
        m = (lo + hi) >> 1
        if indices[m] < target:
            lo = m + 1
        else:
            hi = m
    return lo


@step_jit(inline="always")
def _row_part(indices, lo, hi, t_lo, t_hi, n):
    """The positions ``a, b`` of row ``lo:hi`` (ordered by target) whose targets lie in ``[t_lo, t_hi)``.

    The first range of ``n`` neurons starts at 0 and the last ends at ``n``: there the row's own end is
    the answer, so of two ranges each searches a row once, not twice.
    """
    a = lo if t_lo == 0 else _first_at_least(indices, lo, hi, t_lo)
    b = hi if t_hi == n else _first_at_least(indices, a, hi, t_hi)
    return a, b


@step_jit()
def _deliver_static_range(lo, hi, j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i, t_lo, t_hi):
    """:func:`_deliver_row` for the targets in ``[t_lo, t_hi)`` only, in a row ordered by target."""
    a, b = _row_part(indices, lo, hi, t_lo, t_hi, ring_e.shape[1])
    _deliver_row(a, b, j, slot, n_slots, rows, indices, data, delays, ring_e, ring_i)


#: the neuron ranges of a split step start at multiples of this many neurons: whole words of spike flags
#: for each range's scan, and whole cache lines of its state and flags
RANGE_ALIGN = 128


@step_jit(inline="always")
def range_start(c, n, n_chunks):
    """The first neuron of range ``c`` (``n`` for ``c == n_chunks``) of ``n`` neurons split into ``n_chunks``."""
    if c >= n_chunks:
        return n
    return (c * n // n_chunks) // RANGE_ALIGN * RANGE_ALIGN


@step_jit()
def _range_step(c, lo, hi, slot, pending, n_pending, pending_slot, n_slots, indptr, indices, data, delays, rows,
                pop_bounds, pop_params, trace_decay, ring_e, ring_i, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until,
                t, theta, trace, fired_words, fired, fired_ids, range_fired, lean, with_trace, conductance, present,
                absorb, taken):
    """One thread's share of :func:`_step_split`: range ``c``, neurons ``lo:hi``.

    It lists the range's spikes itself, in ``fired_ids[n + lo:]`` (``n`` neurons; the pending ones,
    which the other ranges may still be delivering, stay untouched in ``fired_ids[:n_pending]``), and
    starts their refractory periods; ``range_fired[c]`` is their number.  One thread scanning all the
    flags after the step took 20-25 us a step at 256 000 neurons (half of the flags coming from the
    other core's cache) while the other thread waited; each range's own half takes about 12 us.
    """
    n = v.shape[0]
    for q in range(n_pending):
        j = pending[q]
        a, b = indptr[j], indptr[j + 1]
        prefetch_span(indices, a + (b - a) * lo // n, a + (b - a) * hi // n)
    for q in range(n_pending):
        j = pending[q]
        _deliver_static_range(indptr[j], indptr[j + 1], j, pending_slot, n_slots, rows, indices, data, delays,
                              ring_e, ring_i, lo, hi)
    if absorb is not None:  # the range's arrivals are all in the slot now
        ratio, listed, n_listed, channels, n_channels, in_indptr, in_indices, in_ring = taken
        _absorb_slot(slot, ratio, ring_e, ring_i, i_e, i_i, indptr, indices, rows[1], listed, n_listed, channels,
                     n_channels, in_indptr, in_indices, in_ring, False, lo, hi)
    re = ring_e[slot]
    ri = ring_i[slot]
    full, lean_arrays, lean_shared = present
    n_fired = 0
    for p in range(pop_bounds.shape[0] - 1):
        a, b = max(lo, pop_bounds[p]), min(hi, pop_bounds[p + 1])
        if a < b:
            n_fired += _population_step(pop_params[p], trace_decay, re[a:b], ri[a:b], v[a:b], i_e[a:b], y_e[a:b],
                                        i_i[a:b], y_i[a:b], v_inf[a:b], th_off[a:b], held_until[a:b], t, theta[a:b],
                                        trace[a:b], fired[a:b], lean[p], with_trace, conductance, full,
                                        lean_arrays, lean_shared, absorb)
    out = fired_ids[v.shape[0] + lo:]
    k = _fired_ids(fired_words[lo >> 3:], fired[lo:hi], out, n_fired)  # lo: a whole number of words
    for q in range(k):
        out[q] += lo
    _hold_fired(out, k, t, pop_bounds, pop_params, held_until)
    range_fired[c] = k


@step_jit()
def _gather_range_ids(fired_ids, range_fired, n):
    """Move the ranges' spike lists (:func:`_range_step`) to ``fired_ids[:total]``, ascending; returns the total."""
    total = 0
    for c in range(range_fired.shape[0]):
        src = n + range_start(c, n, range_fired.shape[0])
        for q in range(range_fired[c]):
            fired_ids[total] = fired_ids[src + q]
            total += 1
    return total


@njit(cache=True, parallel=True)
def _step_split(range_fired, slot, pending, n_pending, pending_slot, n_slots, indptr, indices, data, delays, rows,
                pop_bounds, pop_params, trace_decay, ring_e, ring_i, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until,
                t, theta, trace, fired_words, fired, lean, with_trace, conductance, present, absorb, taken):
    """Step 3 of one large network, split over the Numba threads in contiguous neuron ranges, one an entry of
    ``range_fired`` (:func:`range_start`).

    Each range first takes the PSPs that the previous step's spikes (``pending[:n_pending]``, fired in
    ``pending_slot``; rows ordered by target) send into it (and, with ``absorb``, takes the slot due now
    into its currents: ``taken`` holds :func:`_absorb_slot`'s other arguments), then advances its
    neurons, population by population (:func:`_range_step`).  A range's PSPs and neurons are its own,
    and the fixed-point ring sums do not depend on the order of their terms, so the result is the serial
    one, bit for bit; the delivery, which the serial kernel does at the end of a step, runs on all threads
    too, each on its share of the targets.  The parallel loop only calls :func:`_range_step`: a short loop
    body keeps its compilation short.  Returns how many neurons fired.
    """
    n, n_chunks = v.shape[0], range_fired.shape[0]
    for c in prange(n_chunks):
        _range_step(c, range_start(c, n, n_chunks), range_start(c + 1, n, n_chunks), slot, pending, n_pending,
                    pending_slot, n_slots, indptr, indices, data, delays, rows, pop_bounds, pop_params, trace_decay,
                    ring_e, ring_i, v, i_e, y_e, i_i, y_i, v_inf, th_off, held_until, t, theta, trace, fired_words,
                    fired, pending, range_fired, lean, with_trace, conductance, present, absorb, taken)
    n_fired = 0
    for c in range(n_chunks):  # each range's count (no reduction in the parallel loop: shorter compilation)
        n_fired += range_fired[c]
    return n_fired


def rows_in_target_order(indptr, indices):
    """Whether every CSR row lists its targets in increasing order (what the builders make).

    In NumPy: compiled, it cost 0.4 s of a split run's first call.
    """
    rising = indices[1:] >= indices[:-1]
    starts = indptr[1:-1]
    rising[starts[(starts > 0) & (starts < indices.shape[0])] - 1] = True  # a pair across two rows
    return bool(rising.all())


@step_jit()
def _background_drive(key, lo, hi, g, v, i_e, y_e):
    """Add the exact per-step background increment ``g[:, 0] + g[:, 1:] @ xi`` to (V, I_e, y_e)."""
    for j in range(lo, hi):
        x0, x1, x2 = standard_normal(key, j)
        v[j] += g[0, 0] + g[0, 1] * x0 + g[0, 2] * x1 + g[0, 3] * x2
        i_e[j] += g[1, 0] + g[1, 1] * x0 + g[1, 2] * x1 + g[1, 3] * x2
        y_e[j] += g[2, 0] + g[2, 1] * x0 + g[2, 2] * x1 + g[2, 3] * x2


@step_jit()
def _background_drives(key, pop_bounds, pop_params, pop_drive, v, i_e, y_e):
    """The background drive of every population that has one, for one step."""
    for p in range(pop_bounds.shape[0] - 1):
        if pop_params[p, HAS_DRIVE] != 0.0:
            _background_drive(key, pop_bounds[p], pop_bounds[p + 1], pop_drive[p], v, i_e, y_e)


def plastic_scratch(learn, n, n_slots):
    """The scratch arrays of a plastic run, allocated in NumPy (see :func:`sequence_workspace`).

    Returns ``(arr_buf, arr_cnt, pre_tr, copies, post_ids)``: the arrival queue of each delay slot and
    its counts, the pre traces (per neuron, or the per-synapse ``syn_tr`` of ``learn``), the contiguous
    trace copies of the per-step passes (:func:`~reservoirspike.backends.plastic.trace_copies`), and
    room for the neurons that fired in the previous step.  :func:`_plastic_begin` sets them to a
    sequence's start.
    """
    syn_kind, syn_tr, layout = learn[3], learn[4], learn[9]
    per_neuron = layout[0]
    arr_buf = np.empty((n_slots, n if per_neuron else max(1, np.count_nonzero(syn_kind))), np.int64)
    pre_tr = np.zeros((n, 3)) if per_neuron else syn_tr
    return arr_buf, np.zeros(n_slots, np.int64), pre_tr, trace_copies(n if per_neuron else 0), np.empty(n, np.int64)


@step_jit()
def _plastic_begin(post_tr, arr_cnt, pre_tr, copies):
    """Traces at zero and empty arrival queues: a plastic sequence's start (see backends.plastic).

    ``pre_tr`` (:func:`plastic_scratch`) holds the per-neuron pre traces, or is the per-synapse
    ``syn_tr`` of ``learn`` (24 bytes a synapse), which a run with per-neuron traces leaves alone.
    """
    for i in range(post_tr.shape[0]):
        for c in range(post_tr.shape[1]):
            post_tr[i, c] = 0.0
    for i in range(pre_tr.shape[0]):
        for c in range(pre_tr.shape[1]):
            pre_tr[i, c] = 0.0
    for sl in range(arr_cnt.shape[0]):
        arr_cnt[sl] = 0
    stamped, stamps, _ = copies
    for r in range(stamped.shape[0]):
        for i in range(stamped.shape[1]):
            stamped[r, i] = 0.0
            stamps[r, i] = 0


@step_jit()
def _plastic_events(t, slot, neuron_traces, synapse_traces, decay, pl, pl_mode, arr_buf, arr_cnt, pre_lo, pre_hi,
                    indices, data, syn_kind, pre_tr, post_tr, ring_e, ring_i, post_ids, n_post, in_ptr, in_syn, in_row,
                    in_kind, copies, live, fast):
    """Plasticity at time stamp ``t``: the plastic arrivals of step ``t``, then the spikes of step ``t - 1``.

    Of ``neuron_traces`` and ``synapse_traces``, the one that names where the pre traces live is not
    None (see ``layout`` in :func:`_kernel_args`): Numba then leaves the other kind's arrivals
    uncompiled (0.9 s of a per-neuron run's first call).  ``fast``: ``(shared, arrival loops,
    potentiation loops)`` (see :func:`~reservoirspike.backends.plastic.shares_trace_pass` and
    :func:`~reservoirspike.backends.plastic.arrival_paths`).
    """
    stamped, stamps, decayed = copies
    if neuron_traces is not None:
        process_neuron_arrivals(t, slot, decay, pl, arr_buf, arr_cnt, pre_lo, pre_hi, indices, data, syn_kind,
                                pre_tr, post_tr, ring_e, ring_i, stamped, stamps, decayed, live, fast[0], fast[1][0],
                                fast[1][1], n_post)
    if synapse_traces is not None:
        process_arrivals(t, slot, decay, pl, arr_buf, arr_cnt, indices, data, syn_kind, pre_tr, post_tr, ring_e,
                         ring_i)
    post_spikes(t, post_ids, n_post, decay, pl, pl_mode, in_ptr, in_syn, in_row, in_kind, data, pre_tr, post_tr,
                stamped, stamps, decayed, live, fast[0], fast[2][0], fast[2][1])


@step_jit()
def _plastic_step_end(t, n_steps, fired, th_off, data, intrinsic, scaling, pl, syn_kind, tgt_ptr, tgt_syn,
                      scale_target):
    """Homeostasis after step ``t``: intrinsic plasticity every step, synaptic scaling every ``SCALE_EVERY``.

    ``intrinsic`` and ``scaling`` are None where the rules have no such homeostasis: Numba then leaves
    its code out.
    """
    if intrinsic is not None:
        intrinsic_step(fired, th_off, pl[IP_ETA], pl[IP_TARGET], pl[IP_BOUND])
    if scaling is not None and ((t + 1) % np.int64(pl[SCALE_EVERY]) == 0 or t == n_steps - 1):
        scale_inputs(tgt_ptr, tgt_syn, data, syn_kind, scale_target)


@njit(cache=True, nogil=True, error_model="numpy")
def _batch_kernel(
    offsets, frame_offsets, frame_steps, seq_ids, seed, input_mode, dense_input, ev_ptr, ev_channel,
    in_indptr, in_indices, in_data, inT_indptr, inT_channel, inT_data,
    indptr, indices, data, delays, max_delay, pop_bounds, pop_params, pop_drive, v_rest, bias, v_init_mode,
    n_bins, trace_decay, record, counts, bin_traces, final, step_traces,
    spike_step, spike_id, spike_total, state_ids, state, th_off, learn, chunks, serial, deliver, rows, conductance,
    kinds, absorb, workspace,
):
    """Simulate the sequences ``seq_ids`` of a batch one after another, without the GIL, in one thread's
    ``workspace`` (:func:`sequence_workspace`; set to each sequence's start here).

    Sequence ``k`` runs ``n_steps = offsets[k+1] - offsets[k]`` steps: step
    ``t`` reads event/step row ``offsets[k] + t`` and dense input row
    ``frame_offsets[k] + t // frame_steps`` (each input frame is held
    ``frame_steps`` steps).  ``learn`` (see :func:`simulate_batch_serial`)
    is None for a static run; otherwise the plastic synapses learn and
    ``data`` / ``th_off`` are updated in place.  ``chunks`` is None, or
    an array with an entry for each neuron range that a large network's
    step is split into (see :func:`_step_split`); ``serial`` is None
    exactly when it is.
    ``deliver`` is None where a step's spikes are not delivered all at once
    after the step: in a plastic run (per spike) and in a split static run
    whose rows are in target order (by the next step's parallel region).
    None-valued arguments remove their branches before compilation (Numba
    prunes ``x is None`` only for an ``x`` that is None, hence the pairs), so
    a static run never compiles the plasticity, a serial run the parallel
    code, and a split run the serial step or delivery; likewise
    ``pop_drive`` (None: no population has a background drive) and
    ``conductance`` (None: no population is conductance-based).  ``kinds``:
    each population's kind of step (:func:`lean_kinds`), and for each kind
    (full, lean with arrays, lean shared) None where no population takes it.
    ``absorb``: None where the neuron loops take the step's ring entries
    into the currents, else :func:`_absorb_slot` does so before the loop.

    One compiled function for the batch and its sequences: Numba optimises a
    compiled callee's code again, and generates its machine code again, in
    each caller, so a kernel that called a compiled function per sequence
    took about 3 s longer to compile the first time (CUBA 4k: 11.8 -> 8.2-8.6 s).
    """
    n = v_rest.shape[0]
    n_pops = pop_bounds.shape[0] - 1
    n_slots = max_delay + 1
    # fired: the spike flags, a view of fired_words, which the scan reads 8 at a time (in_spiking likewise)
    (ring_e, ring_i, v, v_inf, i_e, y_e, i_i, y_i, theta, trace, held_until, fired_words, fired, fired_ids, in_words,
     in_spiking, in_ids, listed, n_listed, scratch) = workspace
    lean, present = kinds  # which kinds of step occur: see _population_step
    with_trace = (record & (REC_BIN_TRACES | REC_FINAL | REC_STEPS)) != 0  # only snapshots read the trace
    cap = spike_step.shape[1]
    n_in = in_indptr.shape[0] - 1
    # static_row_layout's; each input channel's one weight (uniform_row_weights) and ring (its sign);
    # SPARSE_CLEAR_RATIO (see _absorb_slot); whether the rows are prefetched (see _deliver_spikes)
    row_layout, in_weight, in_ring, clear_ratio, far_rows = rows
    if learn is not None:  # unpacked once: the arrays go to the plastic functions as arguments
        pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target, layout = learn
        (_, pre_delay, pre_lo, pre_hi, in_ptr, in_syn, in_row, in_kind, live, fast, neuron_traces, synapse_traces,
         intrinsic, scaling) = layout
        arr_buf, arr_cnt, pre_tr, copies, post_ids = scratch  # plastic_scratch
    for position in range(seq_ids.shape[0]):
        seq = seq_ids[position]
        start, n_steps, frame_start = offsets[seq], offsets[seq + 1] - offsets[seq], frame_offsets[seq]
        for sl in range(n_slots):  # a fresh sequence: empty rings, rest, zero synaptic state and traces
            for j in range(n):
                ring_e[sl, j] = 0
                ring_i[sl, j] = 0
            n_listed[sl] = 0
        for j in range(n):
            v[j] = v_rest[j]
            v_inf[j] = v_rest[j] + bias[j]
            i_e[j] = 0.0
            y_e[j] = 0.0
            i_i[j] = 0.0
            y_i[j] = 0.0
            theta[j] = 0.0
            trace[j] = 0.0
            held_until[j] = -1  # not refractory from step 0 on
        if v_init_mode == 1:
            key = step_key(seed, STREAM_INIT, 0)
            for p in range(n_pops):
                lo_v, hi_v = pop_params[p, V_RESET], pop_params[p, V_TH]
                for j in range(pop_bounds[p], pop_bounds[p + 1]):
                    v[j] = lo_v + uniform(key, j) * (hi_v - lo_v)
        n_spikes = 0
        n_pending, pending_slot = np.int64(0), np.int64(0)  # not literal zeros: one compiled _step_split, not two
        if learn is not None:  # the plastic state at a sequence's start
            _plastic_begin(post_tr, arr_cnt, pre_tr, copies)
            n_post = np.int64(0)  # not a literal zero: one compiled _plastic_events, not two
        for t in range(n_steps):
            row = start + t
            frame = frame_start + t // frame_steps
            slot = t % n_slots
            stamp = np.int32(t)  # the neuron loops compare it with held_until (int32, as their lanes)
            # constant drive of this frame: bias + analog input (fixed channel order per neuron); a neuron
            # without input synapses keeps v_rest + bias from the start
            if input_mode == INPUT_CURRENT and t % frame_steps == 0:
                for j in range(n):
                    if inT_indptr[j + 1] == inT_indptr[j]:
                        continue
                    drive = bias[j]
                    for s in range(inT_indptr[j], inT_indptr[j + 1]):
                        drive += dense_input[frame, inT_channel[s]] * inT_data[s]
                    v_inf[j] = v_rest[j] + drive
            # 1. background drive
            if pop_drive is not None:
                _background_drives(step_key(seed, STREAM_NOISE, t), pop_bounds, pop_params, pop_drive, v, i_e, y_e)
            # 2. input spikes of this step go straight into the current slot; in_ids[:n_in_now] lists their
            # channels for _absorb_slot (where it cannot hold them, the slot is taken in whole)
            n_in_now = 0
            ratio = clear_ratio
            if input_mode == INPUT_POISSON:
                n_drawn = _poisson_draws(step_key(seed, STREAM_INPUT, t), dense_input, frame, in_spiking)
                n_in_now = _fired_ids(in_words, in_spiking, in_ids, n_drawn)
                for q in range(n_in_now):
                    _add_input_spike(in_ids[q], slot, in_indptr, in_indices, in_data, in_weight, ring_e, ring_i)
            elif input_mode == INPUT_EVENTS:
                for e in range(ev_ptr[row], ev_ptr[row + 1]):
                    _add_input_spike(ev_channel[e], slot, in_indptr, in_indices, in_data, in_weight, ring_e, ring_i)
                if absorb is not None:
                    if ev_ptr[row + 1] - ev_ptr[row] > n_in:  # a channel may have several events
                        ratio = np.nan  # take the slot in whole
                    else:
                        for e in range(ev_ptr[row], ev_ptr[row + 1]):
                            in_ids[n_in_now] = ev_channel[e]
                            n_in_now += 1
            # time stamp t: arrivals, then step t - 1's spikes
            if learn is not None and (arr_cnt[slot] > 0 or n_post > 0):
                _plastic_events(t, slot, neuron_traces, synapse_traces, decay, pl, pl_mode, arr_buf, arr_cnt, pre_lo,
                                pre_hi, indices, data, syn_kind, pre_tr, post_tr, ring_e, ring_i, post_ids, n_post,
                                in_ptr, in_syn, in_row, in_kind, copies, live, fast)
                n_post = np.int64(0)
            # 3. arrivals, exact integration, decay, threshold: one population at a time
            n_fired = 0
            if chunks is not None:  # one large network: its step (and the last step's delivery) split over the threads
                n_fired = _step_split(chunks, slot, fired_ids, n_pending, pending_slot, n_slots, indptr, indices,
                                      data, delays, row_layout, pop_bounds, pop_params, trace_decay, ring_e, ring_i, v,
                                      i_e, y_e, i_i, y_i, v_inf, th_off, held_until, stamp, theta, trace, fired_words,
                                      fired, lean, with_trace, conductance, present, absorb,
                                      (ratio, listed, n_listed, in_ids, n_in_now, in_indptr, in_indices, in_ring))
                n_pending = np.int64(0)
                if absorb is not None:
                    n_listed[slot] = 0  # taken in by every range
            if serial is not None:
                if absorb is not None:
                    _absorb_slot(slot, ratio, ring_e, ring_i, i_e, i_i, indptr, indices, row_layout[1], listed,
                                 n_listed, in_ids, n_in_now, in_indptr, in_indices, in_ring, far_rows, 0, n)
                    n_listed[slot] = 0
                n_fired = _step_populations(slot, 0, n_pops, pop_bounds, pop_params, trace_decay, ring_e, ring_i, v,
                                            i_e, y_e, i_i, y_i, v_inf, th_off, held_until, stamp, theta, trace, fired,
                                            lean, with_trace, conductance, present, absorb)
            # 4. bookkeeping and delivery of this step's spikes
            b = (t * n_bins) // n_steps
            if n_fired > 0:
                if chunks is not None:  # listed, and held, by their ranges
                    n_found = _gather_range_ids(fired_ids, chunks, n)
                else:
                    n_found = _fired_ids(fired_words, fired, fired_ids, n_fired)
                    _hold_fired(fired_ids, n_found, stamp, pop_bounds, pop_params, held_until)
                if deliver is not None:  # the PSPs of all of this step's spikes
                    _deliver_spikes(fired_ids, n_found, slot, n_slots, indptr, row_layout, indices, data, delays,
                                    ring_e, ring_i, absorb, listed, n_listed, far_rows)
                elif chunks is not None and learn is None:  # by the next step's parallel region (keeps fired_ids)
                    n_pending, pending_slot = n_found, slot
                    if absorb is not None:
                        _list_rows(fired_ids, n_found, slot, n_slots, row_layout[0], listed, n_listed)
                for q in range(n_found):
                    j = fired_ids[q]
                    if record & REC_COUNTS:
                        counts[seq, b, j] += 1
                    if record & REC_SPIKES:
                        if n_spikes < cap:
                            spike_step[seq, n_spikes] = t
                            spike_id[seq, n_spikes] = j
                    n_spikes += 1
                    if learn is None:  # delivered above, or in the next step's parallel region
                        continue
                    post_ids[n_post] = j  # for the post-synaptic updates at the next time stamp
                    n_post += 1
                    # per-neuron pre traces: one arrival for all its plastic synapses; the static ones lie beside them
                    if neuron_traces is not None:
                        if pre_delay[j] > 0:
                            tgt_slot = slot + pre_delay[j]  # 1 <= delay < n_slots: wrap once, no division
                            if tgt_slot >= n_slots:
                                tgt_slot -= n_slots
                            arr_buf[tgt_slot, arr_cnt[tgt_slot]] = j
                            arr_cnt[tgt_slot] += 1
                        _deliver_static(indptr[j], pre_lo[j], j, slot, n_slots, row_layout, indices, data, delays,
                                        ring_e, ring_i)
                        _deliver_static(pre_hi[j], indptr[j + 1], j, slot, n_slots, row_layout, indices, data, delays,
                                        ring_e, ring_i)
                        continue
                    for s in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                        tgt_slot = slot + delays[s]  # 1 <= delay < n_slots: wrap once, no division
                        if tgt_slot >= n_slots:
                            tgt_slot -= n_slots
                        if syn_kind[s] != SYN_STATIC:  # one arrival per plastic synapse: it acts and learns then
                            arr_buf[tgt_slot, arr_cnt[tgt_slot]] = s
                            arr_cnt[tgt_slot] += 1
                            continue
                        w = to_fixed(data[s])
                        if w >= 0:
                            ring_e[tgt_slot, np.uint32(indices[s])] += w
                        else:
                            ring_i[tgt_slot, np.uint32(indices[s])] += w
            if learn is not None and pl_mode & (PL_IP | PL_SCALE):  # a call passes many arrays: skip it when idle
                _plastic_step_end(t, n_steps, fired, th_off, data, intrinsic, scaling, pl, syn_kind, tgt_ptr,
                                  tgt_syn, scale_target)
            if (record & REC_STEPS) and (t + 1) % frame_steps == 0:
                for j in range(n):
                    step_traces[frame, j] = trace[j]
            if (record & REC_BIN_TRACES) and (((t + 1) * n_bins) // n_steps != b or t == n_steps - 1):
                for j in range(n):
                    bin_traces[seq, b, j] = trace[j]
            if record & REC_STATE:
                for k in range(state_ids.shape[0]):
                    j = state_ids[k]
                    state[row, k, 0] = v[j]
                    state[row, k, 1] = i_e[j]
                    state[row, k, 2] = i_i[j]
        if learn is not None:  # the plasticity events stamped with the sequence's end time
            _plastic_events(n_steps, n_steps % n_slots, neuron_traces, synapse_traces, decay, pl, pl_mode, arr_buf,
                            arr_cnt, pre_lo, pre_hi, indices, data, syn_kind, pre_tr, post_tr, ring_e, ring_i, post_ids,
                            n_post, in_ptr, in_syn, in_row, in_kind, copies, live, fast)
        if record & REC_FINAL:
            for j in range(n):
                final[seq, j] = trace[j]
        spike_total[seq] = n_spikes


#: bytes the workspace arrays are aligned to: a cache line, and the width of an AVX-512 vector
ALIGNMENT = 64


def aligned_zeros(shape, dtype):
    """``np.zeros(shape, dtype)`` whose data start on a multiple of :data:`ALIGNMENT` bytes (C order).

    NumPy aligns large arrays to 16 bytes, so a 64-byte vector load in the neuron loop straddled two
    cache lines: the lean loop took 0.608 ns a neuron-step on such arrays and 0.541 ns on aligned ones
    (4000 neurons, one thread).
    """
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buffer = np.zeros(size + ALIGNMENT, np.uint8)
    start = -buffer.ctypes.data % ALIGNMENT
    return buffer[start:start + size].view(dtype).reshape(shape)


def sequence_workspace(n, max_delay, n_inputs, sparse_clear=False, learn=None, split=False):
    """The arrays a thread simulates its sequences in, allocated here (in NumPy) rather than in the kernel.

    Returns ``(ring_e, ring_i, v, v_inf, i_e, y_e, i_i, y_i, theta, trace, held_until, fired_words, fired,
    fired_ids, in_words, in_spiking, in_ids, listed, n_listed, scratch)``: the fixed-point delay rings,
    the neuron state (``held_until``: the last step of each neuron's refractory period, see
    :func:`_hold_fired`), the spike flags as words, as bytes (a view of the words) and the list of their
    neurons (with ``split``, room for two lists: a split step's ranges list theirs in the second half,
    see :func:`_range_step`), the same for the input channels, the rows that wrote to each ring slot
    (:func:`_deliver_spikes`; no room for them unless ``sparse_clear``), and a plastic run's
    :func:`plastic_scratch` (None unless ``learn``, the kernel's argument of that name, is given).
    :func:`_batch_kernel` sets them to a sequence's start.  (Allocated or viewed in the kernel, each kind
    of array cost Numba a compilation of ``np.zeros``, ``np.empty`` or ``view``: about 1.4 s of every
    program's first run.)  The arrays the neuron loop streams start on a cache line
    (:func:`aligned_zeros`), and so does each ring slot where ``n`` is a multiple of 8.
    """
    n_slots = max_delay + 1
    fired_words = aligned_zeros((n + 7) // 8, np.uint64)
    in_words = np.zeros((n_inputs + 7) // 8, np.uint64)
    return (aligned_zeros((n_slots, n), np.int64), aligned_zeros((n_slots, n), np.int64),
            *(aligned_zeros(n, np.float64) for _ in range(8)), aligned_zeros(n, np.int32),
            fired_words, fired_words.view(np.bool_)[:n], np.zeros(2 * n if split else n, np.int64),
            in_words, in_words.view(np.bool_)[:n_inputs], np.zeros(n_inputs, np.int64),
            np.zeros((n_slots, n if sparse_clear else 0), np.int32), np.zeros(n_slots, np.int64),
            None if learn is None else plastic_scratch(learn, n, n_slots))


def simulate_batch_serial(*args):
    """Simulate the sequences ``args[3]`` of a ragged batch one after another (the kernel releases the GIL).

    ``args`` are the backend arguments built by :func:`reservoirspike.simulate.run_encoded` (the CUDA backend
    takes the same), ending in ``th_off, pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn,
    scale_target, n_chunks``.  ``offsets[k]:offsets[k+1]`` are the step rows of sequence ``k`` and
    ``frame_offsets[k]`` its first dense-input row.  Plastic runs use it directly (learning runs the
    sequences in order); :func:`simulate_batch` runs it on several threads.  ``n_chunks > 1`` splits the
    step of a large network over the Numba threads instead (see :func:`_step_split`).

    The layouts are computed here, once per call: the plastic synapses' (see
    :func:`~reservoirspike.backends.plastic.pre_trace_layout`) and the static rows' (see
    :func:`static_row_layout`).  A static run passes ``learn=None``, a run that cannot split a population
    ``chunks=None``, and so on (see :func:`_batch_kernel`), so that the kernel compiled for it leaves those
    paths out.
    """
    kernel_args = _kernel_args(args)
    _batch_kernel(*kernel_args, _workspace_for(kernel_args))


def _workspace_for(kernel_args):
    """:func:`sequence_workspace` for the kernel arguments ``kernel_args`` (their network's sizes)."""
    sparse_clear = kernel_args[-1] is not None  # absorb: see _kernel_args
    split = kernel_args[-7] is not None  # chunks
    return sequence_workspace(len(kernel_args[23]), int(kernel_args[19]), len(kernel_args[9]) - 1, sparse_clear,
                              kernel_args[-8], split)  # learn


def merged_populations(pop_bounds, pop_params, pop_drive, lean, v_inf, th_off):
    """Adjacent populations that the kernel would step alike, joined: ``(bounds, params, drive, lean)``.

    Two neighbours join when their parameter rows, background drives (``pop_drive``, or None) and kinds
    of step are equal, and for :data:`LEAN_SHARED` also their shared drive and threshold.  The kernel
    reads only those per population, so the run is the same, bit for bit, in fewer and longer loops:
    E and I populations of one neuron model become one loop of every neuron instead of two, each with
    its own call, runtime alias checks and scalar remainder.
    """
    keep = [0]
    for p in range(1, len(pop_bounds) - 1):
        a, b = pop_bounds[keep[-1]], pop_bounds[p]
        same = (np.array_equal(pop_params[p], pop_params[keep[-1]]) and lean[p] == lean[keep[-1]]
                and (pop_drive is None or np.array_equal(pop_drive[p], pop_drive[keep[-1]])))
        if same and lean[p] == LEAN_SHARED:
            same = v_inf[a] == v_inf[b] and th_off[a] == th_off[b]
        if not same:
            keep.append(p)
    keep = np.array(keep)
    bounds = np.append(pop_bounds[keep], pop_bounds[-1])
    drive = None if pop_drive is None else np.ascontiguousarray(pop_drive[keep])
    return bounds, np.ascontiguousarray(pop_params[keep]), drive, lean[keep]


#: the most steps a sequence may have on the CPU: :func:`_hold_fired` stamps steps as int32
MAX_STEPS = 2**31 - 1


def check_step_range(longest, pop_params):
    """Raise ValueError when a sequence of ``longest`` steps overflows the int32 refractory stamps."""
    room = MAX_STEPS - int(pop_params[:, REF].max(initial=0))
    if longest > room:
        raise ValueError(f"a sequence has {longest} steps, more than the {room} that the CPU kernel's 32-bit "
                         "step stamps count with these refractory periods; split it into shorter sequences")


def _kernel_args(args):
    """The arguments of :func:`_batch_kernel` for the backend arguments ``args`` (see :func:`simulate_batch_serial`)."""
    *common, th_off, pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target, n_chunks = args
    indptr, data, delays, pop_bounds, pop_params = common[15], common[17], common[18], common[20], common[21]
    if not np.any(pop_params[:, HAS_DRIVE] != 0.0):
        common[22] = None  # pop_drive
    longest = int(np.diff(common[0]).max(initial=0))  # offsets: the longest sequence's steps
    check_step_range(longest, pop_params)
    learn = None
    if pl_mode != 0:
        check_stamp_range(longest)
        layout = pre_trace_layout(indptr, delays, syn_kind, tgt_ptr, tgt_syn)
        # STDP weights that start >= 0 stay so (w_min >= 0): their arrivals need no sign test
        stdp_nonneg = bool(np.all(data[syn_kind == SYN_STDP] >= 0))
        # (shares_trace_pass, then the loops that arrivals and potentiation take: see arrival_paths)
        fast = (shares_trace_pass(pl, pl_mode, layout[0], layout[1], layout[8]),
                *arrival_paths(pl, pl_mode, layout[0], stdp_nonneg))
        # the kind of pre traces twice, as a pair of which exactly one is None (see _plastic_events)
        traces = (np.int64(1), None) if layout[0] else (None, np.int64(1))
        # and whether the rules have each kind of homeostasis, None where not (see _plastic_step_end)
        homeostasis = tuple(np.int64(1) if pl_mode & flag else None for flag in (PL_IP, PL_SCALE))
        layout = (*layout, fast, *traces, *homeostasis)
        learn = (np.int64(pl_mode), pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target, layout)
    # input channels (all static): each one's ring (its sign) and one weight (as uniform_row_weights), in one pass
    _, in_ring, in_weight = static_row_layout(common[9], None, common[11], syn_kind, False)
    row_layout = static_row_layout(indptr, delays, data, syn_kind, pl_mode != 0)
    largest = int(np.diff(pop_bounds).max(initial=0))
    chunks, split_delivery = None, False
    if n_chunks > 1 and largest >= n_chunks * MIN_CHUNK_NEURONS:  # threads; deliver in the parallel region?
        chunks = np.zeros(n_chunks, np.int64)  # each range's spike count of a step
        split_delivery = pl_mode == 0 and rows_in_target_order(indptr, common[16])
    # arrivals taken into the currents before the loop in a serial static run of a large network of
    # exponential synapses whose rows each write to one slot with one sign (see _absorb_slot); plastic
    # arrivals are not listed
    exponential = bool(np.all(pop_params[:, P_YYE] == 0.0) and np.all(pop_params[:, P_YYI] == 0.0))
    sparse_clear = bool(pl_mode == 0 and (chunks is None or split_delivery) and len(indptr) - 1 >= SPARSE_CLEAR_NEURONS
                        and exponential
                        and np.all((row_layout[0] > 0) | (np.diff(indptr) == 0))
                        and np.all((in_ring != 0) | (np.diff(common[9]) == 0)))
    far_rows = np.bool_(len(common[16]) >= PREFETCH_SYNAPSES)  # common[16]: every recurrent synapse's target
    rows = (row_layout, in_weight, in_ring, np.float64(SPARSE_CLEAR_RATIO), far_rows)
    absorb = np.int64(1) if sparse_clear else None
    serial = np.int64(1) if chunks is None else None
    deliver = np.int64(1) if pl_mode == 0 and not split_delivery else None
    conductance = np.int64(1) if np.any(pop_params[:, COND] != 0.0) else None
    v_inf = common[23] + common[24]  # v_rest + bias, as the kernel starts it
    fixed_drive = fixed_drives(pop_bounds, learn is not None, common[5], common[12])
    lean = lean_kinds(pop_bounds, pop_params, v_inf, th_off, fixed_drive)
    common[20], common[21], common[22], lean = merged_populations(pop_bounds, pop_params, common[22], lean, v_inf,
                                                                  th_off)
    # None: no population takes that kind of step, whose loop is then not compiled
    present = tuple(np.int64(1) if np.any(lean == kind) else None for kind in (FULL, LEAN, LEAN_SHARED))
    return (*common, th_off, learn, chunks, serial, deliver, rows, conductance, (lean, present), absorb)


def simulate_batch(*args, n_threads, chunks_per_thread=8):
    """Spread the sequences ``args[3]`` of a batch over ``n_threads`` Python threads.

    Each thread runs the kernel of :func:`simulate_batch_serial` (which
    releases the GIL) on small chunks of sequences taken in turn, so ragged
    batches balance; the layouts are computed once, before the threads start.
    Sequences write disjoint rows of the outputs, and their random draws
    depend only on (seed, sequence step, neuron), so the result does not
    depend on the threads.  (A ``prange`` kernel would do the same, but its
    compilation cost as much again as the simulation kernel's.)
    """
    from concurrent.futures import ThreadPoolExecutor

    kernel_args = _kernel_args((*args, np.int64(1)))  # one thread per chunk: no neuron split
    seq_ids = args[3]
    size = max(1, -(-len(seq_ids) // (n_threads * chunks_per_thread)))
    parts = [seq_ids[k:k + size] for k in range(0, len(seq_ids), size)]

    def run(part):
        _batch_kernel(*kernel_args[:3], part, *kernel_args[4:], _workspace_for(kernel_args))

    with ThreadPoolExecutor(max_workers=min(n_threads, len(parts))) as pool:
        list(pool.map(run, parts))  # re-raises a worker's exception here
