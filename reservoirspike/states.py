"""State snapshots: how a simulation becomes a feature vector.

Kinds (combine several by passing a list):

``"counts"``  spike counts in ``n_bins`` equal time bins of each sequence
``"traces"``  exponentially filtered spike trains (time constant
              ``tau_trace``) sampled at the end of each bin
``"rates"``   mean firing rate of each neuron over the sequence (Hz)
``"final"``   the filtered trace at the last step

Per-step traces (``"steps"`` in :func:`~reservoirspike.simulate`) feed
sequence-to-sequence regression instead.
"""

import numpy as np

from ._validation import check_choice

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


def records_for(kinds):
    """What the kernel must record to build ``kinds``."""
    need = {"counts": "counts", "rates": "counts", "traces": "traces", "final": "final"}
    return tuple(sorted({need[k] for k in kinds}))


def n_snapshot_features(kinds, n_neurons, n_bins):
    """Feature count of one sequence."""
    per = {"counts": n_bins, "traces": n_bins, "rates": 1, "final": 1}
    return n_neurons * sum(per[k] for k in kinds)


def snapshot_features(result, kinds):
    """Stack the requested snapshot kinds of a :class:`SimulationResult` into (n, features)."""
    n = result.n_sequences
    parts = []
    for kind in kinds:
        if kind == "counts":
            parts.append(result.counts.reshape(n, -1).astype(np.float64))
        elif kind == "traces":
            parts.append(result.traces.reshape(n, -1).astype(np.float64))
        elif kind == "rates":
            seconds = (result.lengths * result.dt / 1000.0)[:, None]
            parts.append(result.counts.sum(axis=1) / seconds)
        else:
            parts.append(result.final.astype(np.float64))
    return np.hstack(parts)
