"""A brute-force NumPy simulator written independently of the kernels.

It follows the documented semantics step by step with whole-population
NumPy operations: the background drive's exact increment is added to
(V, I_e, y_e); input spikes of step t and recurrent spikes due at t are
added (as 2**-32 mV fixed point) to the synaptic entry variables y, which
exponential synapses (no y) add to their currents at once; V is
integrated exactly (held at reset while refractory), currents and
adaptation decay, neurons at or above threshold spike, reset, and schedule
their spikes ``delay`` steps on.
"""

import math

import numpy as np

from reservoirspike._rng import STREAM_INIT, STREAM_INPUT, STREAM_NOISE, uniform_numpy


def normals(seed, t, n):
    """Three N(0,1) per neuron by Box-Muller from the keyed uniforms (n, 3)."""
    u = uniform_numpy(seed, STREAM_NOISE, t, np.arange(4 * n)).reshape(n, 4)
    r1 = np.sqrt(-2.0 * np.log(1.0 - u[:, 0]))
    r2 = np.sqrt(-2.0 * np.log(1.0 - u[:, 2]))
    return np.column_stack([r1 * np.cos(2 * np.pi * u[:, 1]), r1 * np.sin(2 * np.pi * u[:, 1]),
                            r2 * np.cos(2 * np.pi * u[:, 3])])


def fixed(w):
    return np.floor(np.asarray(w, np.float64) * 2.0**32 + 0.5).astype(np.int64)


def enter_current(i, y, p_yy):
    """Exponential synapses (no entry variable, ``p_yy == 0``) take a step's arrivals into the current."""
    exponential = np.asarray(p_yy) == 0.0
    return np.where(exponential, i + y, i), np.where(exponential, 0.0, y)


def reference_simulate(net, x, seed, mode, frame_steps=1, v_init="rest"):
    """Simulate one sequence. ``x`` is (n_frames, d): drive for mode "current",
    spike probability per step for mode "poisson"; for mode "events" it is
    (n_steps, steps, channels) of the input events. Returns (steps, ids) of spikes."""
    if mode == "events":
        n_total, ev_steps, ev_chan = x
        x = np.zeros((n_total, net.n_inputs))
    N = net.n_neurons
    tab = net.neuron_table()
    W = net.weights.tocoo()
    pre, post, w = W.row, W.col, W.data
    delay = net.delays.astype(np.int64)  # CSR order equals COO order of a canonical csr
    Win = net.input_weights.toarray().astype(np.float64)  # (d, N)
    D = int(delay.max()) if len(delay) else 0
    ring_e = np.zeros((D + 1, N), np.int64)
    ring_i = np.zeros((D + 1, N), np.int64)
    ie, ii, ye, yi, theta = np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N)
    refr = np.zeros(N, np.int64)
    v = tab["v_rest"].copy()
    if v_init == "uniform":
        u = uniform_numpy(seed, STREAM_INIT, 0, np.arange(N))
        v = tab["v_reset"] + u * (tab["v_threshold"] - tab["v_reset"])
    spikes_t, spikes_i = [], []
    for t in range(len(x) * frame_steps):
        frame = t // frame_steps
        slot = t % (D + 1)
        on = tab["has_drive"] != 0
        if on.any():
            xi = normals(seed, t, N)
            G = tab["drive_gain"]
            g = (tab["drive_offset"] + G[:, :, 0] * xi[:, 0:1]) + G[:, :, 1] * xi[:, 1:2]
            g = g + G[:, :, 2] * xi[:, 2:3]
            v = np.where(on, v + g[:, 0], v)
            ie = np.where(on, ie + g[:, 1], ie)
            ye = np.where(on, ye + g[:, 2], ye)
        drive = tab["bias"].copy()
        if mode == "events":
            for c in ev_chan[ev_steps == t]:
                for j in np.flatnonzero(Win[c]):
                    fw = fixed(np.float32(Win[c, j]))
                    (ring_e if fw >= 0 else ring_i)[slot, j] += fw
        elif mode == "current":
            for c in range(Win.shape[0]):  # channel order, as documented
                drive = drive + x[frame, c] * Win[c]
        else:
            fired_in = uniform_numpy(seed, STREAM_INPUT, t, np.arange(Win.shape[0])) < x[frame]
            for c in np.flatnonzero(fired_in):
                for j in np.flatnonzero(Win[c]):
                    fw = fixed(np.float32(Win[c, j]))
                    (ring_e if fw >= 0 else ring_i)[slot, j] += fw
        ie, ye = enter_current(ie, ye + ring_e[slot] * 2.0**-32, tab["p_yye"])
        ii, yi = enter_current(ii, yi + ring_i[slot] * 2.0**-32, tab["p_yyi"])
        ring_e[slot] = 0
        ring_i[slot] = 0
        v_inf = tab["v_rest"] + drive
        v_new = (v_inf + (v - v_inf) * tab["p_mm"] + ie * tab["p_me"] + ye * tab["p_mye"]
                 + ii * tab["p_mi"] + yi * tab["p_myi"])
        cond = tab["conductance"] != 0
        if cond.any():  # conductance-based excitation: step-averaged conductance, exact decay of g
            g = ie + ye
            gbar = g * tab["g_avg"]
            target = (v_inf + gbar * tab["e_rev_exc"]) / (1.0 + gbar)
            decay = np.array([math.exp(x) for x in -(1.0 + gbar) * tab["dt_over_tau_m"]])
            v_cond = target + (v - target) * decay + ii * tab["p_mi"] + yi * tab["p_myi"]
            v_new = np.where(cond, v_cond, v_new)
            ie, ye = np.where(cond, g, ie), np.where(cond, 0.0, ye)
        held = refr > 0
        v = np.where(held, tab["v_reset"], v_new)
        ie, ye = ie * tab["p_ee"] + ye * tab["p_eye"], ye * tab["p_yye"]
        ii, yi = ii * tab["p_ii"] + yi * tab["p_iyi"], yi * tab["p_yyi"]
        theta = theta * tab["p_aa"]
        f = v >= tab["v_threshold"] + theta
        v = np.where(f, tab["v_reset"], v)
        refr = np.where(f, tab["ref_steps"], np.where(held, refr - 1, 0))
        theta = np.where(f, theta + tab["dtheta"], theta)
        for j in np.flatnonzero(f):
            spikes_t.append(t)
            spikes_i.append(j)
            sel = pre == j
            for tgt, wt, d in zip(post[sel], w[sel], delay[sel]):
                fw = fixed(wt)
                (ring_e if fw >= 0 else ring_i)[(t + d) % (D + 1), tgt] += fw
    return np.array(spikes_t, np.int64), np.array(spikes_i, np.int64)


def reference_plastic(net, probs, seed, rules, frame_steps=1):
    """Brute-force plastic run of one sequence with Poisson input ``probs`` (n_frames, d).

    Implements the documented rules directly: a plastic synapse's spike is
    delivered and learns when it arrives (PSP with the weight before the
    update), post spikes potentiate at the end of their step, after the
    arrivals stamped with the same time; traces decay exactly from their last
    update; events stamped with the end time count.  Returns (spike steps,
    spike ids, weights).
    """
    import math

    from reservoirspike.learning import LearningState

    kind = LearningState(net, rules).syn_kind  # which synapses are plastic (setup, not dynamics)
    from reservoirspike.backends.plastic import table_length

    def dec(lag, tau):  # documented: exp(-(m dt)/tau) for a lag of m steps, zero beyond 40 tau
        m = int(lag)
        return math.exp(-(m * dt) / tau) if m < table_length(tau, dt) else 0.0
    N, dt = net.n_neurons, net.dt
    tab = net.neuron_table()
    pre = np.repeat(np.arange(N), np.diff(net.indptr))
    post, delay = net.indices.astype(np.int64), net.delays.astype(np.int64)
    w = net.data.copy()
    Win = net.input_weights.toarray().astype(np.float64)
    stdp, istdp = rules.stdp, rules.istdp
    tp_, tm_, tx_, ty_, a2p, a3p, a2m, a3m = stdp.kernel_terms() if stdp else (1, 1, 1, 1, 0, 0, 0, 0)
    nearest = stdp is not None and stdp.pairing in ("nearest", "restricted")
    restricted = stdp is not None and stdp.pairing == "restricted"  # each spike pairs once in each direction
    bump = (lambda x: 1.0) if nearest else (lambda x: x + 1.0)
    D = int(delay.max())
    ring_e = np.zeros((D + 1, N), np.int64)
    ring_i = np.zeros((D + 1, N), np.int64)
    queue = {}
    r1, r2, last_pre = np.zeros(len(w)), np.zeros(len(w)), np.zeros(len(w))
    o1, o2, xpost, last_post = np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N)
    ie, ii, ye, yi = np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N)
    refr = np.zeros(N, np.int64)
    v = tab["v_rest"].copy()
    out_t, out_i = [], []

    def arrivals(t, slot):  # plastic spikes arriving at stamp t: PSP with the old weight, then depression
        for s in queue.pop(t, []):
            i = post[s]
            fw = fixed(w[s])
            (ring_e if fw >= 0 else ring_i)[slot, i] += fw
            since_pre, since_post = t - last_pre[s], t - last_post[i]
            if kind[s] == 1:
                a = r1[s] * dec(since_pre, tp_)
                b = r2[s] * dec(since_pre, tx_)
                if not restricted or last_post[i] >= last_pre[s]:  # a post at the same stamp came after
                    dep = o1[i] * dec(since_post, tm_) * (a2m + a3m * b)
                    if stdp.mu > 0:
                        dep *= (max(float(w[s]), 0.0) / stdp.w_max) ** stdp.mu
                    w[s] = min(max(float(w[s]) + dep, stdp.w_min), stdp.w_max)
                r1[s], r2[s] = bump(a), bump(b)
            else:
                x = xpost[i] * dec(since_post, istdp.tau)
                w[s] = -min(max(-float(w[s]) + istdp.eta * (x - istdp.alpha), 0.0), istdp.w_max)
                r1[s] = r1[s] * dec(since_pre, istdp.tau) + 1.0
            last_pre[s] = t

    def post_spikes(tp, neurons):  # neurons fired in the step that ends at stamp tp: potentiation
        for j in neurons:
            since_post = tp - last_post[j]
            p1 = o1[j] * dec(since_post, tm_)
            p2 = o2[j] * dec(since_post, ty_)
            px = xpost[j] * dec(since_post, istdp.tau) if istdp else 0.0
            for s in np.flatnonzero((post == j) & (kind != 0)):
                since_pre = tp - last_pre[s]
                if kind[s] == 1:
                    if restricted and last_pre[s] <= last_post[j]:
                        continue
                    pot = r1[s] * dec(since_pre, tp_) * (a2p + a3p * p2)
                    if stdp.mu > 0:
                        pot *= max(1.0 - float(w[s]) / stdp.w_max, 0.0) ** stdp.mu
                    w[s] = min(max(float(w[s]) + pot, stdp.w_min), stdp.w_max)
                else:
                    xp = r1[s] * dec(since_pre, istdp.tau)
                    w[s] = -min(max(-float(w[s]) + istdp.eta * xp, 0.0), istdp.w_max)
            if stdp:
                o1[j], o2[j] = bump(p1), bump(p2)
            if istdp:
                xpost[j] = px + 1.0
            last_post[j] = tp

    n_steps = len(probs) * frame_steps
    fired_before = []
    for t in range(n_steps):
        slot = t % (D + 1)
        fired_in = uniform_numpy(seed, STREAM_INPUT, t, np.arange(Win.shape[0])) < probs[t // frame_steps]
        for c in np.flatnonzero(fired_in):
            for j in np.flatnonzero(Win[c]):
                fw = fixed(np.float32(Win[c, j]))
                (ring_e if fw >= 0 else ring_i)[slot, j] += fw
        arrivals(t, slot)
        post_spikes(t, fired_before)
        ie, ye = enter_current(ie, ye + ring_e[slot] * 2.0**-32, tab["p_yye"])
        ii, yi = enter_current(ii, yi + ring_i[slot] * 2.0**-32, tab["p_yyi"])
        ring_e[slot] = 0
        ring_i[slot] = 0
        v_inf = tab["v_rest"] + tab["bias"]
        v_new = (v_inf + (v - v_inf) * tab["p_mm"] + ie * tab["p_me"] + ye * tab["p_mye"]
                 + ii * tab["p_mi"] + yi * tab["p_myi"])
        held = refr > 0
        v = np.where(held, tab["v_reset"], v_new)
        ie, ye = ie * tab["p_ee"] + ye * tab["p_eye"], ye * tab["p_yye"]
        ii, yi = ii * tab["p_ii"] + yi * tab["p_iyi"], yi * tab["p_yyi"]
        f = v >= tab["v_threshold"]
        v = np.where(f, tab["v_reset"], v)
        refr = np.where(f, tab["ref_steps"], np.where(held, refr - 1, 0))
        fired_before = np.flatnonzero(f)
        for j in fired_before:
            out_t.append(t)
            out_i.append(j)
            for s in np.flatnonzero(pre == j):
                if kind[s]:
                    queue.setdefault(t + delay[s], []).append(s)
                else:
                    fw = fixed(w[s])
                    (ring_e if fw >= 0 else ring_i)[(t + delay[s]) % (D + 1), post[s]] += fw
    arrivals(n_steps, n_steps % (D + 1))
    post_spikes(n_steps, fired_before)
    return np.array(out_t), np.array(out_i), w
