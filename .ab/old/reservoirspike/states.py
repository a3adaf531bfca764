"""State snapshots: how a simulation becomes a feature vector.

Kinds (combine several by passing a list):

``"counts"``  spike counts in ``n_bins`` equal time bins of each sequence
``"traces"``  exponentially filtered spike trains (time constant
              ``tau_trace``) sampled at the end of each bin
``"rates"``   mean firing rate of each neuron over the sequence (Hz)
``"final"``   the filtered trace at the last step

Per-step traces (``"steps"`` in :func:`~reservoirspike.simulate`) feed
sequence-to-sequence regression instead.

With several trace time constants (``tau_trace=(20.0, 100.0, 400.0)`` in
the estimators) every trace kind holds one block of neurons per time
constant: a readout then sees the recent spikes and a longer memory of
them at once.  The kernel keeps one trace; the others are filtered from
the recorded spikes by :func:`filtered_traces`, exactly as the kernel
filters (a spike adds 1, every step multiplies by ``exp(-dt / tau)``).
"""

import numbers

import numpy as np

from ._validation import check_choice, check_positive

SNAPSHOT_KINDS = ("counts", "traces", "rates", "final")


def check_snapshot(snapshot):
    """Normalise ``snapshot`` to a tuple of kinds."""
    kinds = (snapshot,) if isinstance(snapshot, str) else tuple(snapshot)
    if not kinds:
        raise ValueError(f"snapshot must name at least one of {SNAPSHOT_KINDS}")
    for kind in kinds:
        check_choice("snapshot", kind, SNAPSHOT_KINDS)
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"snapshot names a kind twice: {kinds}")
    return kinds


def check_tau_trace(tau_trace):
    """Normalise ``tau_trace`` (one time constant in ms, or a sequence of them) to a tuple of floats."""
    if isinstance(tau_trace, numbers.Real) and not isinstance(tau_trace, bool):
        return (check_positive("tau_trace", tau_trace),)
    try:
        taus = tuple(tau_trace)
    except TypeError:
        raise TypeError(f"tau_trace must be a time constant in ms or a sequence of them, got {tau_trace!r}") from None
    if not taus:
        raise ValueError("tau_trace is an empty sequence; give at least one time constant (ms)")
    taus = tuple(check_positive(f"tau_trace[{i}]", t) for i, t in enumerate(taus))
    if len(set(taus)) != len(taus):
        raise ValueError(f"tau_trace names a time constant twice: {taus}")
    return taus


def records_for(kinds, n_taus=1):
    """What the kernel must record to build ``kinds`` (spikes for traces of several time constants)."""
    need = {"counts": "counts", "rates": "counts", "traces": "traces", "final": "final"}
    if n_taus > 1:
        need.update(traces="spikes", final="spikes")
    return tuple(sorted({need[k] for k in kinds}))


def n_snapshot_features(kinds, n_neurons, n_bins, n_taus=1):
    """Feature count of one sequence."""
    per = {"counts": n_bins, "traces": n_bins * n_taus, "rates": 1, "final": n_taus}
    return n_neurons * sum(per[k] for k in kinds)


def bin_ends(n_steps, n_bins):
    """Last step of each of ``n_bins`` equal bins of ``n_steps`` steps (the kernel's binning)."""
    return (np.arange(1, n_bins + 1) * n_steps + n_bins - 1) // n_bins - 1


def filtered_traces(spike_steps, spike_ids, ends, n_neurons, taus, dt):
    """Exponentially filtered spike trains of one sequence, sampled after the steps ``ends``.

    The trace of time constant tau after step t is the sum over the
    neuron's spikes at steps s <= t of ``exp(-(t - s) dt / tau)``: the
    kernel's trace, computed from the recorded spikes.

    Parameters
    ----------
    spike_steps, spike_ids : ndarray
        Step index and neuron of every spike.
    ends : ndarray of int
        Increasing steps to sample after.
    n_neurons : int
    taus : sequence of float
        Time constants (ms).
    dt : float
        Time step (ms).

    Returns
    -------
    ndarray of shape (len(ends), len(taus) * n_neurons)
        One block of neurons per time constant, in the order of ``taus``.
    """
    ends = np.asarray(ends, np.int64)
    sample = np.searchsorted(ends, spike_steps, side="left")  # the first sample a spike reaches
    keep = sample < len(ends)
    sample, steps, ids = sample[keep], np.asarray(spike_steps)[keep], np.asarray(spike_ids)[keep]
    gaps = np.diff(ends, prepend=ends[0])
    out = np.empty((len(ends), len(taus) * n_neurons))
    for k, tau in enumerate(taus):
        rate = dt / tau
        # each spike's contribution at its first sample, then carried from sample to sample by decay
        fresh = np.bincount(sample * n_neurons + ids, weights=np.exp(-(ends[sample] - steps) * rate),
                            minlength=len(ends) * n_neurons).reshape(len(ends), n_neurons)
        carry = np.exp(-gaps * rate)
        block = out[:, k * n_neurons:(k + 1) * n_neurons]
        block[0] = fresh[0]
        for i in range(1, len(ends)):
            block[i] = block[i - 1] * carry[i] + fresh[i]
    return out


def snapshot_features(result, kinds, taus=None, n_bins=None):
    """Stack the requested snapshot kinds of a :class:`SimulationResult` into (n, features).

    With several time constants ``taus`` the traces (``n_bins`` bins) are
    filtered from the recorded spikes (see :func:`records_for`).
    """
    n = result.n_sequences
    multi = taus is not None and len(taus) > 1
    parts = []
    for kind in kinds:
        if kind == "counts":
            parts.append(result.counts.reshape(n, -1).astype(np.float64))
        elif kind == "rates":
            seconds = (result.lengths * result.dt / 1000.0)[:, None]
            parts.append(result.counts.sum(axis=1) / seconds)
        elif multi:
            rows = []
            for i, length in enumerate(result.lengths):
                ends = bin_ends(length, n_bins) if kind == "traces" else np.array([length - 1])
                tr = filtered_traces(*result.spike_steps(i), ends, result.n_neurons, taus, result.dt)
                # bins-major within each time constant: (tau, bin, neuron)
                rows.append(tr.reshape(len(ends), len(taus), -1).transpose(1, 0, 2).ravel())
            parts.append(np.array(rows))
        elif kind == "traces":
            parts.append(result.traces.reshape(n, -1).astype(np.float64))
        else:
            parts.append(result.final.astype(np.float64))
    return np.hstack(parts)
