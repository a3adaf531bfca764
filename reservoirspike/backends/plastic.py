"""Plasticity inside the CPU kernel: event-driven STDP, iSTDP, scaling, intrinsic plasticity.

Traces are stored lazily (value at the last update plus that time) and
decayed when read by ``exp(-(m * dt) / tau)`` for a lag of m whole steps,
looked up in a table built once; a trace untouched for more than 40 time
constants (``exp(-40) < 5e-18``) counts as zero: the table ends in a zero
column and longer lags are clamped to it.  A plastic synapse's spike is queued at emission
and processed when it arrives (``delay`` steps later): its PSP uses the
weight before the arrival's own update, as in Brian2's ``on_pre``.  Post
spikes reach their incoming synapses through a target-sorted index.

Order of events at one time stamp (the start of step ``t``, which is also
the end of step ``t - 1``): first the plastic arrivals of step ``t`` (PSP,
then depression by the post traces), then the post-synaptic updates of the
neurons that fired in step ``t - 1`` (potentiation by the pre traces, which
now include those arrivals).  A pre spike and a post spike at the same time
stamp therefore potentiate (``delta_t = 0``), as Brian2 orders ``on_pre``
before ``on_post`` within a time step.  At the end of a sequence the events
stamped with its end time are processed as well.

Pre-synaptic traces belong to synapses in general (their arrivals differ by
delay).  When every neuron's plastic outgoing synapses share one delay and
one rule and lie side by side in its row -- the usual case, a plastic group
between populations -- the CPU keeps one pre trace per neuron instead
(:func:`pre_trace_layout`): a spike then queues one arrival, not one per
synapse, spike delivery walks only the static part of the row, and the
traces a time stamp needs are decayed once for all neurons, in one
branch-free pass (:func:`decayed_traces`), rather than once per synapse.
The arithmetic, and so every bit of the result, is the same.

The per-synapse rules are also written as scalar functions
(:func:`arrival_update`, :func:`post_traces`, :func:`post_update`,
:func:`bump_post_traces`), which the CUDA kernel compiles as device
functions.  The CPU loops below keep the same arithmetic written out: an
inlined Numba call that takes arrays adds reference counting to every
iteration, which made plastic runs 3.5x slower.  The CUDA tests compare the
two bit for bit.
"""

import math

import numpy as np

from ._jit import step_jit
from ._math import add_psp, to_fixed
from ._twin import kernel_math

# bits of pl_mode
PL_STDP, PL_ISTDP, PL_SCALE, PL_IP = 1, 2, 4, 8
# entries of the parameter vector
(TAU_P, TAU_M, TAU_X, TAU_Y, A2P, A3P, A2M, A3M, W_MIN, W_MAX, MU, NEAREST,
 I_TAU, I_ETA, I_ALPHA, I_WMAX, SCALE_EVERY, IP_ETA, IP_TARGET, PL_DT, IP_BOUND) = range(21)
N_PL = 21
# synapse kinds
SYN_STATIC, SYN_STDP, SYN_ISTDP = 0, 1, 2
# values of pl[NEAREST]: all-to-all, nearest spike, restricted nearest spike (each spike pairs once)
PAIR_ALL, PAIR_NEAREST, PAIR_RESTRICTED = 0.0, 1.0, 2.0


# rows of the decay table
D_P, D_M, D_X, D_Y, D_I = range(5)
MAX_TABLE = 1 << 20


def table_length(tau, dt):
    """Entries of a decay table for ``tau``: lags up to 40 time constants (at most 2**20)."""
    return min(int(math.ceil(40.0 * tau / dt)) + 1, MAX_TABLE)


def decay_tables(pl):
    """Decay factors (5, L): row k, column m is ``exp(-(m dt) / tau_k)``, zero beyond 40 tau_k.

    Each factor is ``math.exp``'s, the C library's ``exp`` that compiled code calls as well (NumPy's
    vectorised ``np.exp`` differs from it in the last bit for about 5 % of the entries); in Python,
    a table takes milliseconds, and compiled it cost 0.46 s of a plastic program's first run.
    """
    dt = float(pl[PL_DT])
    taus = [float(pl[k]) for k in (TAU_P, TAU_M, TAU_X, TAU_Y, I_TAU)]
    lengths = [table_length(t, dt) for t in taus]
    out = np.zeros((5, max(lengths) + 1))  # the last column stays 0: lookups clamp to it
    for row, (tau, length) in enumerate(zip(taus, lengths)):
        out[row, :length] = [math.exp(-(m * dt) / tau) for m in range(length)]
    return out


@kernel_math
def _decay(table, row, lag):
    return table[row, min(np.int64(lag), table.shape[1] - 1)]


@kernel_math
def _bump(trace, nearest):
    return 1.0 if nearest else trace + 1.0


@kernel_math
def depressed(w, o1, r2, a2m, a3m, mu, w_min, w_max):
    """Weight after a pre arrival's depression (o1: post trace, r2: slow pre trace), within the bounds."""
    dep = o1 * (a2m + a3m * r2)
    if mu > 0.0:
        dep *= (max(w, 0.0) / w_max) ** mu
    return min(max(w + dep, w_min), w_max)


@kernel_math
def potentiated(w, r1, gain, mu, w_min, w_max):
    """Weight after a post spike's potentiation (r1: pre trace, gain: A2+ + A3+ o2), within the bounds."""
    pot = r1 * gain
    if mu > 0.0:
        pot *= max(1.0 - w / w_max, 0.0) ** mu
    return min(max(w + pot, w_min), w_max)


@kernel_math
def inhibitory_updated(w, trace, eta, alpha, w_max):
    """iSTDP on the magnitude of inhibitory weight ``w`` (negative), by the other side's trace."""
    return -min(max(-w + eta * (trace - alpha), 0.0), w_max)


@kernel_math
def arrival_update(t, s, table, pl, indices, data, syn_kind, syn_tr, post_tr):
    """Pre-synaptic update of plastic synapse ``s`` whose spike arrives at step ``t`` (after its PSP)."""
    nearest = pl[NEAREST] != 0.0
    i = indices[s]
    w = np.float64(data[s])
    since_pre = t - syn_tr[s, 2]
    since_post = t - post_tr[i, 3]
    if syn_kind[s] == SYN_STDP:
        r1 = syn_tr[s, 0] * _decay(table, D_P, since_pre)
        r2 = syn_tr[s, 1] * _decay(table, D_X, since_pre)
        o1 = post_tr[i, 0] * _decay(table, D_M, since_post)
        if pl[NEAREST] != PAIR_RESTRICTED or post_tr[i, 3] >= syn_tr[s, 2]:  # restricted: first arrival after a post
            data[s] = depressed(w, o1, r2, pl[A2M], pl[A3M], pl[MU], pl[W_MIN], pl[W_MAX])
        syn_tr[s, 0] = _bump(r1, nearest)
        syn_tr[s, 1] = _bump(r2, nearest)
    else:  # inhibitory STDP on the magnitude
        x_post = post_tr[i, 2] * _decay(table, D_I, since_post)
        data[s] = inhibitory_updated(w, x_post, pl[I_ETA], pl[I_ALPHA], pl[I_WMAX])
        syn_tr[s, 0] = syn_tr[s, 0] * _decay(table, D_I, since_pre) + 1.0
    syn_tr[s, 2] = t


@kernel_math
def post_traces(tp, i, table, post_tr):
    """Post-synaptic traces (o1, o2, x) of neuron ``i`` just before its spike at time step ``tp``."""
    since_post = tp - post_tr[i, 3]
    o1 = post_tr[i, 0] * _decay(table, D_M, since_post)
    o2 = post_tr[i, 1] * _decay(table, D_Y, since_post)
    x_post = post_tr[i, 2] * _decay(table, D_I, since_post)
    return o1, o2, x_post


@kernel_math
def bump_post_traces(tp, i, o1, o2, x_post, pl, pl_mode, post_tr):
    """Record neuron ``i``'s spike at ``tp`` in its post-synaptic traces."""
    nearest = pl[NEAREST] != 0.0
    if pl_mode & PL_STDP:
        post_tr[i, 0] = _bump(o1, nearest)
        post_tr[i, 1] = _bump(o2, nearest)
    if pl_mode & PL_ISTDP:
        post_tr[i, 2] = x_post + 1.0
    post_tr[i, 3] = tp


@kernel_math
def post_update(tp, s, o2, last_post, table, pl, data, syn_kind, syn_tr):
    """Post-synaptic update of plastic synapse ``s`` whose target fired at ``tp``.

    ``o2`` is the target's slow trace and ``last_post`` the stamp of its previous spike.
    """
    kind = syn_kind[s]
    since_pre = tp - syn_tr[s, 2]
    w = np.float64(data[s])
    if kind == SYN_STDP and (pl[NEAREST] != PAIR_RESTRICTED or syn_tr[s, 2] > last_post):
        r1 = syn_tr[s, 0] * _decay(table, D_P, since_pre)
        data[s] = potentiated(w, r1, pl[A2P] + pl[A3P] * o2, pl[MU], pl[W_MIN], pl[W_MAX])
    elif kind == SYN_ISTDP:
        x_pre = syn_tr[s, 0] * _decay(table, D_I, since_pre)
        data[s] = inhibitory_updated(w, x_pre, pl[I_ETA], 0.0, pl[I_WMAX])


@kernel_math
def scale_neuron_inputs(i, tgt_ptr, tgt_syn, data, syn_kind, target):
    """Multiply neuron ``i``'s plastic excitatory inputs so that they sum to ``target[i]`` (unchanged at sum 0)."""
    total = 0.0
    for k in range(tgt_ptr[i], tgt_ptr[i + 1]):
        s = tgt_syn[k]
        if syn_kind[s] == SYN_STDP:
            total += np.float64(data[s])  # explicit float64: NumPy would keep float32 in the CUDA simulator
    if total > 0.0:
        factor = target[i] / total
        for k in range(tgt_ptr[i], tgt_ptr[i + 1]):
            s = tgt_syn[k]
            if syn_kind[s] == SYN_STDP:
                data[s] = np.float64(data[s]) * factor


@kernel_math
def threshold_shift(th, fired, eta, target_per_step, bound):
    """Intrinsic plasticity: threshold offset after one step (up after a spike, down slowly otherwise)."""
    return min(max(th + eta * ((1.0 if fired else 0.0) - target_per_step), -bound), bound)


@step_jit()
def process_arrivals(t, slot, table, pl, arr_buf, arr_cnt, indices, data, syn_kind, syn_tr, post_tr, ring_e, ring_i):
    """Plastic spikes arriving at step ``t``: deliver their PSP, then apply the pre-synaptic update."""
    nearest = pl[NEAREST] != 0.0
    restricted = pl[NEAREST] == PAIR_RESTRICTED
    for q in range(arr_cnt[slot]):
        s = arr_buf[slot, q]
        i = np.uint32(indices[s])  # unsigned: no wraparound test
        w = np.float64(data[s])
        add_psp(ring_e, ring_i, slot, i, to_fixed(w))
        since_pre = t - syn_tr[s, 2]
        since_post = t - post_tr[i, 3]
        if syn_kind[s] == SYN_STDP:
            r1 = syn_tr[s, 0] * _decay(table, D_P, since_pre)
            r2 = syn_tr[s, 1] * _decay(table, D_X, since_pre)
            o1 = post_tr[i, 0] * _decay(table, D_M, since_post)
            if not restricted or post_tr[i, 3] >= syn_tr[s, 2]:
                data[s] = depressed(w, o1, r2, pl[A2M], pl[A3M], pl[MU], pl[W_MIN], pl[W_MAX])
            syn_tr[s, 0] = _bump(r1, nearest)
            syn_tr[s, 1] = _bump(r2, nearest)
        else:  # inhibitory STDP on the magnitude
            x_post = post_tr[i, 2] * _decay(table, D_I, since_post)
            data[s] = inhibitory_updated(w, x_post, pl[I_ETA], pl[I_ALPHA], pl[I_WMAX])
            syn_tr[s, 0] = syn_tr[s, 0] * _decay(table, D_I, since_pre) + 1.0
        syn_tr[s, 2] = t
    arr_cnt[slot] = 0


def pre_trace_layout(indptr, delays, syn_kind, tgt_ptr, tgt_syn):
    """Where the pre traces live, and the plastic synapses onto each neuron in target order.

    Returns ``(per_neuron, pre_delay, pre_lo, pre_hi, in_ptr, in_syn, in_row, in_kind, live)``:
    ``per_neuron`` when every neuron's plastic outgoing synapses share one
    delay and one rule and lie next to each other in its row (as a plastic
    group between populations does); ``pre_delay[j]`` that delay (0: no
    plastic outgoing synapse) and ``pre_lo[j]:pre_hi[j]`` their range, so
    that spike delivery walks the static synapses only; the plastic synapses
    onto neuron ``i`` are ``in_syn[in_ptr[i]:in_ptr[i + 1]]``, of kinds
    ``in_kind`` and with their pre traces in row ``in_row`` (the presynaptic
    neuron, or the synapse itself when traces stay per synapse); ``live``: see :func:`_live_rows`.

    In NumPy (segment operations on the CSR and CSC orders): compiled, this layout and
    :func:`_live_rows` cost about 2 s of a plastic program's first run.
    """
    n = indptr.shape[0] - 1
    pre_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))  # each synapse's presynaptic neuron
    pre_delay = np.zeros(n, np.int64)
    pre_lo = indptr[:-1].copy()
    pre_hi = indptr[:-1].copy()
    plastic = np.flatnonzero(syn_kind != SYN_STATIC)  # in row order
    per_neuron = True
    if plastic.size:
        rows = pre_of[plastic]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # each row's first plastic synapse
        counts = np.diff(np.r_[starts, plastic.size])
        first, last, owner = plastic[starts], plastic[starts + counts - 1], rows[starts]
        pre_lo[owner], pre_hi[owner], pre_delay[owner] = first, last + 1, delays[first]
        per_neuron = bool(np.all(last + 1 - first == counts)  # no static synapse between plastic ones
                          and np.all(syn_kind[plastic] == np.repeat(syn_kind[first], counts))
                          and np.all(delays[plastic] == np.repeat(delays[first], counts)))
    onto = syn_kind[tgt_syn] != SYN_STATIC  # the plastic synapses in target order
    seen = np.zeros(tgt_syn.shape[0] + 1, np.int64)
    np.cumsum(onto, out=seen[1:])
    in_ptr = seen[tgt_ptr] - seen[tgt_ptr[0]]
    in_syn = tgt_syn[onto].astype(np.int32)  # 32-bit: this index is streamed at every post spike
    in_row = (pre_of[in_syn] if per_neuron else in_syn).astype(np.int32)
    in_kind = syn_kind[in_syn].astype(np.uint8)
    return per_neuron, pre_delay, pre_lo, pre_hi, in_ptr, in_syn, in_row, in_kind, _live_rows(pre_delay, in_ptr)


def _live_rows(pre_delay, in_ptr):
    """``[lo, hi)`` of the neurons with plastic inputs, then of those with plastic outputs (per-neuron traces).

    The per-step passes of :func:`decayed_traces` cover these rows only (a plastic group between
    populations makes them contiguous); an empty range is ``[0, 0)``.
    """
    live = np.zeros(4, np.int64)
    for k, rows in enumerate((np.flatnonzero(in_ptr[1:] > in_ptr[:-1]), np.flatnonzero(pre_delay > 0))):
        if rows.size:
            live[2 * k], live[2 * k + 1] = rows[0], rows[-1] + 1
    return live


def shares_trace_pass(pl, pl_mode, per_neuron, pre_delay, live):
    """Whether potentiation reads the post-trace pass as its pre traces, and the pre-trace pass is skipped.

    With pair or triplet STDP alone, tau+ == tau-, per-neuron pre traces, a plastic delay of one step
    and the same neurons on both sides of the plastic synapses (E->E), a neuron's spike bumps its post
    trace and, through its arrival, its pre trace at the same time stamp, by the same rule, and both
    decay by the same table: the values are equal bit for bit.  (A neuron without plastic outputs keeps
    a pre trace at zero, but no synapse reads it.)  The pass serves the additive all-to-all or nearest
    rule, the one whose potentiation reads it; the kernel then corrects it for the arrivals of its time
    stamp instead of running the pre-trace pass.
    """
    return bool(per_neuron and pl_mode == PL_STDP and pl[MU] == 0.0 and pl[NEAREST] != PAIR_RESTRICTED
                and pl[TAU_P] == pl[TAU_M] and np.all(pre_delay[pre_delay > 0] == 1)
                and live[0] == live[2] and live[1] == live[3])


def arrival_paths(pl, pl_mode, per_neuron, stdp_nonneg):
    """Which loops a run's plastic events take, each as a pair of which a None is a loop left out.

    Returns ``((additive, general), (additive, general))``, for the arrivals of
    :func:`process_neuron_arrivals` and the potentiation of :func:`post_spikes`: ``np.int64(1)`` where some
    events take that loop, None where none does.  Arrivals take the branch-free additive loop when
    they are STDP's, its weights start >= 0 (so stay so, ``w_min >= 0``), it is additive (``mu`` 0) and
    its pairing is not restricted; other arrivals (inhibitory STDP among them) take the general one.
    Potentiation takes the additive loop for STDP alone, additive, unrestricted, per-neuron pre traces.
    """
    additive_rule = pl[MU] == 0.0 and pl[NEAREST] != PAIR_RESTRICTED
    additive = bool(stdp_nonneg and additive_rule)
    arrive = (additive and pl_mode & PL_STDP, not additive or pl_mode & PL_ISTDP)
    potentiate = bool(pl_mode == PL_STDP and additive_rule and per_neuron)

    def flag(used):
        return np.int64(1) if used else None

    return (flag(arrive[0]), flag(arrive[1])), (flag(potentiate), flag(not potentiate))


#: rows of the trace copies: the post traces o1 (depression), the per-neuron pre traces r1 (potentiation)
COPY_POST, COPY_PRE = 0, 1
#: a sequence's time stamps must fit the copies' 32-bit stamps
MAX_PLASTIC_STEPS = (1 << 31) - 1


def check_stamp_range(longest):
    """Raise ValueError when a plastic sequence of ``longest`` steps overflows the copies' 32-bit stamps."""
    if longest > MAX_PLASTIC_STEPS:
        raise ValueError(f"a plastic sequence has {longest} steps, more than the {MAX_PLASTIC_STEPS} that "
                         "plasticity's 32-bit time stamps count; split it into shorter sequences")


def trace_copies(n):
    """Contiguous copies of the traces that the per-step passes of :func:`decayed_traces` read.

    Returns ``(stamped, stamps, decayed)``: row :data:`COPY_POST` holds each neuron's post trace o1
    and row :data:`COPY_PRE` its pre trace r1 (per-neuron layout), as last stamped (float64) and
    the stamp (int32, steps), kept next to the (n, 3) / (n, 4) trace rows that every other update
    reads; ``decayed`` receives the pass's values at one time stamp.  ``n`` is 0 when the pre
    traces are per synapse (no passes).  In NumPy: the kernels receive them (see
    :func:`reservoirspike.backends.cpu.plastic_scratch`).
    """
    return np.zeros((2, n)), np.zeros((2, n), np.int32), np.empty((2, n))


@step_jit()
def decayed_traces(t, decay_row, values, stamps, out):
    """``out[i]``: trace ``values[i]``, stamped at step ``stamps[i]``, decayed to time stamp ``t``.

    One pass over all rows, branch-free (lags clamp to the table's final zero).  The traces come as
    contiguous values and 32-bit stamps: 0.40 against 0.74 us a pass of 800 rows read from the (n, 3)
    trace rows.  The loop stays scalar: LLVM cannot bound the table lookup for the alias checks that
    vectorising it would need.
    """
    last = np.int32(decay_row.shape[0] - 1)
    now = np.int32(t)
    for i in range(out.shape[0]):
        out[i] = values[i] * decay_row[np.uint32(min(now - stamps[i], last))]


@step_jit()
def _additive_arrival(lo, hi, indices, data, ring, o1_now, dep_gain, w_min, w_max):
    """PSPs and additive depression of the plastic synapses ``lo:hi`` of one arrival, whose weights are >= 0.

    The weights stay within ``[w_min, w_max]`` with ``w_min >= 0``, so every PSP goes to the excitatory
    ring ``ring`` without a sign test; ``dep_gain`` is ``A2- + A3- r2``, so the arithmetic is that of
    :func:`depressed` with ``mu = 0``.
    """
    for s in range(np.uint64(lo), np.uint64(hi)):  # unsigned counter: no wraparound test a synapse
        i = np.uint32(indices[s])  # unsigned: no wraparound test
        w = np.float64(data[s])
        ring[i] += to_fixed(w)
        data[s] = min(max(w + o1_now[i] * dep_gain, w_min), w_max)


@step_jit()
def process_neuron_arrivals(t, slot, table, pl, arr_buf, arr_cnt, pre_lo, pre_hi, indices, data, syn_kind, pre_tr,
                            post_tr, ring_e, ring_i, stamped, stamps, decayed, live, shared, additive, general,
                            n_post):
    """Like :func:`process_arrivals` with one queued arrival per neuron and per-neuron pre traces.

    Neuron ``j``'s plastic synapses are ``pre_lo[j]:pre_hi[j]``, all of one kind (see :func:`pre_trace_layout`).
    ``stamped``, ``stamps`` and ``decayed`` are the copies of the passes' traces (see :func:`trace_copies`).
    ``shared``: see :func:`shares_trace_pass`; ``additive`` is not None where STDP arrivals take the
    branch-free additive loop, ``general`` where some arrivals take the general one (see
    :func:`arrival_paths`): Numba leaves out the code of a path that is None.  ``n_post``: how many
    neurons fired in the previous step.
    """
    nearest = pl[NEAREST] != 0.0
    restricted = pl[NEAREST] == PAIR_RESTRICTED
    a2m, a3m, mu, w_min, w_max = pl[A2M], pl[A3M], pl[MU], pl[W_MIN], pl[W_MAX]
    i_eta, i_alpha, i_wmax = pl[I_ETA], pl[I_ALPHA], pl[I_WMAX]
    o1_now = decayed[COPY_POST]
    if arr_cnt[slot] > 0 or (shared and n_post > 0):  # every post trace at stamp t, in one pass
        lo, hi = live[0], live[1]  # the neurons with plastic inputs
        decayed_traces(t, table[D_M], stamped[COPY_POST, lo:hi], stamps[COPY_POST, lo:hi], o1_now[lo:hi])
    for q in range(arr_cnt[slot]):
        j = arr_buf[slot, q]
        since_pre = t - pre_tr[j, 2]
        r1 = pre_tr[j, 0] * _decay(table, D_P, since_pre)
        r2 = pre_tr[j, 1] * _decay(table, D_X, since_pre)
        stdp = syn_kind[pre_lo[j]] == SYN_STDP
        if additive is not None and stdp:
            _additive_arrival(pre_lo[j], pre_hi[j], indices, data, ring_e[slot], o1_now, a2m + a3m * r2, w_min,
                              w_max)
        elif general is not None:
            for s in range(np.uint64(pre_lo[j]), np.uint64(pre_hi[j])):
                i = np.uint32(indices[s])  # unsigned: no wraparound test
                w = np.float64(data[s])
                add_psp(ring_e, ring_i, slot, i, to_fixed(w))
                since_post = t - post_tr[i, 3]
                if stdp:
                    if restricted and post_tr[i, 3] < pre_tr[j, 2]:  # not the first arrival after a post spike
                        continue
                    data[s] = depressed(w, o1_now[i], r2, a2m, a3m, mu, w_min, w_max)
                else:
                    x_post = post_tr[i, 2] * _decay(table, D_I, since_post)
                    data[s] = inhibitory_updated(w, x_post, i_eta, i_alpha, i_wmax)
        if stdp:
            pre_tr[j, 0] = _bump(r1, nearest)
            pre_tr[j, 1] = _bump(r2, nearest)
        else:
            pre_tr[j, 0] = pre_tr[j, 0] * _decay(table, D_I, since_pre) + 1.0
        pre_tr[j, 2] = t
        stamped[COPY_PRE, j] = pre_tr[j, 0]
        stamps[COPY_PRE, j] = t
    if shared:  # the pass's o1 now serves as r1 for the post spikes: add the bumps of these arrivals
        for q in range(arr_cnt[slot]):
            j = arr_buf[slot, q]
            o1_now[j] = pre_tr[j, 0]
    arr_cnt[slot] = 0


@step_jit()
def _potentiate(lo, hi, in_syn, in_row, data, r1_now, gain, w_min, w_max):
    """Additive potentiation of the plastic synapses ``in_syn[lo:hi]`` by the pre traces ``r1_now`` (branch-free)."""
    for k in range(np.uint64(lo), np.uint64(hi)):
        s = np.uint32(in_syn[k])
        pot = r1_now[np.uint32(in_row[k])] * gain
        data[s] = min(max(np.float64(data[s]) + pot, w_min), w_max)


@step_jit()
def _post_updates(tp, table, lo, hi, in_syn, in_row, in_kind, data, pre_tr, restricted, gain, last_post, mu,
                  w_min, w_max, i_eta, i_wmax):
    """Post-synaptic updates of the plastic synapses ``in_syn[lo:hi]``, every rule (see :func:`post_update`)."""
    for k in range(np.uint64(lo), np.uint64(hi)):
        s = np.uint32(in_syn[k])
        row = np.uint32(in_row[k])
        since_pre = tp - pre_tr[row, 2]
        w = np.float64(data[s])
        if in_kind[k] == SYN_STDP:
            if restricted and pre_tr[row, 2] <= last_post:  # no arrival since its previous spike
                continue
            data[s] = potentiated(w, pre_tr[row, 0] * _decay(table, D_P, since_pre), gain, mu, w_min, w_max)
        else:
            x_pre = pre_tr[row, 0] * _decay(table, D_I, since_pre)
            data[s] = inhibitory_updated(w, x_pre, i_eta, 0.0, i_wmax)


@step_jit()
def post_spikes(tp, ids, n_ids, table, pl, pl_mode, in_ptr, in_syn, in_row, in_kind, data, pre_tr, post_tr, stamped,
                stamps, decayed, live, shared, additive, general):
    """Neurons ``ids[:n_ids]`` fired at time stamp ``tp`` (steps): potentiate their incoming plastic synapses.

    The plastic synapses onto neuron ``i`` come from :func:`pre_trace_layout`; ``stamped``, ``stamps``
    and ``decayed``: see :func:`trace_copies` (empty when the pre traces are per synapse); ``shared``:
    see :func:`shares_trace_pass`.  Exactly one of ``additive`` (STDP alone, additive, per-neuron pre
    traces: a pass over the pre traces, then a branch-free loop) and ``general`` is not None (see
    :func:`arrival_paths`); Numba leaves out the other's code.
    """
    restricted = pl[NEAREST] == PAIR_RESTRICTED
    # parameters in locals: the loop stores weights, which would otherwise make every pl[...] a reload
    a2p, a3p, mu, w_min, w_max, i_eta, i_wmax = pl[A2P], pl[A3P], pl[MU], pl[W_MIN], pl[W_MAX], pl[I_ETA], pl[I_WMAX]
    # STDP alone, additive, per-neuron pre traces: every pre trace at stamp tp in one pass, then a branch-free loop
    copies = stamped.shape[1] > 0
    r1_now = decayed[COPY_POST] if shared else decayed[COPY_PRE]
    if additive is not None and n_ids > 0 and not shared:
        lo, hi = live[2], live[3]  # the neurons with plastic outputs
        decayed_traces(tp, table[D_P], stamped[COPY_PRE, lo:hi], stamps[COPY_PRE, lo:hi], r1_now[lo:hi])
    for q in range(n_ids):
        i = ids[q]
        o1, o2, x_post = post_traces(tp, i, table, post_tr)
        gain = a2p + a3p * o2
        if additive is not None:
            _potentiate(in_ptr[i], in_ptr[i + 1], in_syn, in_row, data, r1_now, gain, w_min, w_max)
        if general is not None:
            _post_updates(tp, table, in_ptr[i], in_ptr[i + 1], in_syn, in_row, in_kind, data, pre_tr, restricted,
                          gain, post_tr[i, 3], mu, w_min, w_max, i_eta, i_wmax)
        bump_post_traces(tp, i, o1, o2, x_post, pl, pl_mode, post_tr)
        if copies:
            stamped[COPY_POST, i] = post_tr[i, 0]
            stamps[COPY_POST, i] = tp


@step_jit()
def scale_inputs(tgt_ptr, tgt_syn, data, syn_kind, target):
    """Multiply each neuron's plastic excitatory inputs so that they sum to ``target[i]``."""
    for i in range(tgt_ptr.shape[0] - 1):
        scale_neuron_inputs(i, tgt_ptr, tgt_syn, data, syn_kind, target)


@step_jit()
def intrinsic_step(fired, th_off, eta, target_per_step, bound):
    """Move every threshold towards the target rate (up after a spike, down slowly otherwise), within +-bound."""
    for j in range(th_off.shape[0]):
        th_off[j] = threshold_shift(th_off[j], fired[j], eta, target_per_step, bound)
