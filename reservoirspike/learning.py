"""Running plasticity: the state a plastic simulation updates, epochs, and what happened.

:class:`LearningState` turns a :class:`~reservoirspike.plasticity.Plasticity`
and a network into the kernel's arrays (a private copy of the weights and
thresholds, synapse kinds, traces, the target-sorted index) and back into a
network.  :func:`learn` runs epochs over a batch, in order, on one thread.
"""

import numpy as np

from .backends import plastic as K
from .plasticity import as_plasticity


def _group_mask(network, group):
    """Synapses (CSR order) from populations of sign group[0] to sign group[1]."""
    exc = network.excitatory
    pre = np.repeat(np.arange(network.n_neurons), np.diff(network.indptr))
    want_pre, want_post = group[0] == "E", group[1] == "E"
    return (exc[pre] == want_pre) & (exc[network.indices] == want_post)


class LearningState:
    """Mutable arrays of a plastic run over ``network`` (which itself stays untouched).

    Parameters
    ----------
    network : Network
    plasticity : Plasticity or rule or list of rules
    """

    def __init__(self, network, plasticity):
        rules = as_plasticity(plasticity)
        self.rules = rules
        n, n_syn = network.n_neurons, network.n_synapses
        self.data = network.data.copy()
        self.th_off = network.threshold.copy()
        self.syn_kind = np.zeros(n_syn, np.uint8)
        pl = np.zeros(K.N_PL)
        pl[[K.TAU_P, K.TAU_M, K.TAU_X, K.TAU_Y, K.I_TAU]] = 1.0  # harmless defaults for unused traces
        pl[K.PL_DT] = network.dt
        mode = 0
        if rules.stdp is not None:
            r = rules.stdp
            mode |= K.PL_STDP
            self.syn_kind[_group_mask(network, r.synapses)] = K.SYN_STDP
            (pl[K.TAU_P], pl[K.TAU_M], pl[K.TAU_X], pl[K.TAU_Y],
             pl[K.A2P], pl[K.A3P], pl[K.A2M], pl[K.A3M]) = r.kernel_terms()
            pl[K.W_MIN], pl[K.W_MAX], pl[K.MU] = r.w_min, r.w_max, r.mu
            pl[K.NEAREST] = {"all": K.PAIR_ALL, "nearest": K.PAIR_NEAREST, "restricted": K.PAIR_RESTRICTED}[r.pairing]
        if rules.istdp is not None:
            r = rules.istdp
            mode |= K.PL_ISTDP
            mask = _group_mask(network, r.synapses)
            if np.any(self.syn_kind[mask] != K.SYN_STATIC):
                raise ValueError("stdp and istdp act on the same synapses; choose different groups")
            self.syn_kind[mask] = K.SYN_ISTDP
            pl[K.I_TAU], pl[K.I_ETA], pl[K.I_ALPHA], pl[K.I_WMAX] = r.tau, r.eta, r.alpha, r.w_max
        self.tgt_ptr, self.tgt_syn = network.incoming()
        self.scale_target = np.zeros(n)
        if rules.scaling is not None:
            mode |= K.PL_SCALE
            pl[K.SCALE_EVERY] = max(1, int(round(rules.scaling.interval / network.dt)))
            if rules.scaling.target is None:
                plastic = np.where(self.syn_kind == K.SYN_STDP, self.data.astype(np.float64), 0.0)
                self.scale_target = np.bincount(network.indices, weights=plastic, minlength=n)
            else:
                self.scale_target[:] = rules.scaling.target
        if rules.intrinsic is not None:
            mode |= K.PL_IP
            pl[K.IP_ETA] = rules.intrinsic.eta
            pl[K.IP_TARGET] = rules.intrinsic.target_rate * network.dt / 1000.0
            pl[K.IP_BOUND] = rules.intrinsic.max_shift
        self.pl_mode, self.pl = mode, pl
        self.decay = K.decay_tables(pl)
        self.syn_tr = np.zeros((n_syn, 3))
        self.post_tr = np.zeros((n, 4))

    def kernel_args(self):
        """(data, th_off, pl_mode, pl, decay, syn_kind, syn_tr, post_tr, tgt_ptr, tgt_syn, scale_target)."""
        return (self.data, self.th_off, self.pl_mode, self.pl, self.decay, self.syn_kind, self.syn_tr, self.post_tr,
                self.tgt_ptr, self.tgt_syn, self.scale_target)

    def network(self, base):
        """``base`` with the learned weights and thresholds."""
        return base.with_data(self.data, threshold=self.th_off.copy())  # with_data copies the weights

    def summary(self):
        """Mean plastic weight and the fractions at the bounds (STDP synapses), per kind."""
        out = {}
        if self.rules.stdp is not None:
            w = self.data[self.syn_kind == K.SYN_STDP].astype(np.float64)
            r = self.rules.stdp
            tol = 1e-6 * r.w_max
            out.update(mean_weight=float(w.mean()) if len(w) else np.nan,
                       frac_at_max=float(np.mean(w >= r.w_max - tol)) if len(w) else np.nan,
                       frac_at_min=float(np.mean(w <= r.w_min + tol)) if len(w) else np.nan)
        if self.rules.istdp is not None:
            w = -self.data[self.syn_kind == K.SYN_ISTDP].astype(np.float64)
            out["mean_inhibitory_weight"] = float(w.mean()) if len(w) else np.nan
        if self.rules.intrinsic is not None:
            out["mean_threshold_offset"] = float(self.th_off.mean())
        return out


def learn(network, chunks, plasticity, *, seed, n_epochs=1, tau_trace=20.0, backend="cpu", on_chunk=None,
          state=None):
    """Run ``n_epochs`` plastic passes over encoded chunks of sequences, in order.

    Parameters
    ----------
    network : Network
    chunks : KernelInput or list of KernelInput
        The batch, possibly split into chunks; every epoch runs them all in order.
    plasticity : Plasticity or rule(s)
    seed : int
        Frozen-noise seed (the same seed gives the same learned weights).
    n_epochs : int
    tau_trace : float
    backend : str
    on_chunk : callable, optional
        Called with the number of sequences after each chunk (progress).
    state : LearningState, optional
        Continue from this state instead of starting from ``network``.

    Returns
    -------
    state : LearningState
    history : list of dict
        Per epoch: ``epoch``, ``mean_rate`` and ``mean_rate_exc`` (Hz) and the
        :meth:`LearningState.summary` entries after the epoch.
    """
    from .simulate import run_encoded

    chunks = [chunks] if not isinstance(chunks, (list, tuple)) else list(chunks)
    state = LearningState(network, plasticity) if state is None else state
    history = []
    exc = network.excitatory
    for epoch in range(n_epochs):
        spikes = np.zeros(network.n_neurons)
        seconds = 0.0
        for kin in chunks:
            res = run_encoded(network, kin, seed=seed, record=("counts",), tau_trace=tau_trace, n_jobs=1,
                              backend=backend, learning=state)
            spikes += res.counts.sum(axis=(0, 1))
            seconds += res.lengths.sum() * res.dt / 1000.0
            if on_chunk is not None:
                on_chunk(kin.n_sequences)
        per_neuron = spikes / seconds
        history.append({"epoch": epoch, "mean_rate": float(per_neuron.mean()),
                        "mean_rate_exc": float(per_neuron[exc].mean()) if exc.any() else np.nan,
                        **state.summary()})
    return state, history
