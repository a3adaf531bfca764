"""Reservoir metrics: regression error, memory capacity, computational power and firing statistics.

* :func:`nrmse`, :func:`memory_capacity`: readout performance.
* :func:`kernel_quality`, :func:`generalization_rank`, :func:`separation`:
  the computational power of the circuit (Maass, Natschläger & Markram 2002;
  Legenstein & Maass 2007), from state vectors such as
  :meth:`SpikingReservoir.transform <reservoirspike.SpikingReservoir.transform>`
  returns.
* :func:`firing_statistics`: rates, irregularity (ISI CV, Fano factor) and
  synchrony of a :class:`~reservoirspike.SimulationResult` with recorded
  spikes.
"""

import math

import numpy as np


def nrmse(y_true, y_pred, *, normalization="std"):
    """Root mean squared error normalised by the target's standard deviation (or range).

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
    normalization : {"std", "range"}

    Returns
    -------
    float (averaged over columns for 2-D targets)
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    rmse = np.sqrt(np.mean((y_true - y_pred) ** 2, axis=0))
    if normalization == "std":
        scale = y_true.std(axis=0)
    elif normalization == "range":
        scale = y_true.max(axis=0) - y_true.min(axis=0)
    else:
        raise ValueError(f"normalization must be 'std' or 'range', got {normalization!r}")
    return float(np.mean(rmse / scale))


def memory_capacity(y_true, y_pred):
    """Linear memory capacity: the sum over delays of squared correlations.

    Parameters
    ----------
    y_true : array (n_steps, n_delays)
        Delayed copies of the input (see ``datasets.memory_capacity_task``).
    y_pred : array (n_steps, n_delays)
        The readout's reconstructions.

    Returns
    -------
    total : float
    per_delay : ndarray (n_delays,)
    """
    y_true, y_pred = np.atleast_2d(np.asarray(y_true, float)), np.atleast_2d(np.asarray(y_pred, float))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    yt = y_true - y_true.mean(0)
    yp = y_pred - y_pred.mean(0)
    denom = np.sqrt((yt**2).sum(0) * (yp**2).sum(0))
    r = np.divide((yt * yp).sum(0), denom, out=np.zeros(yt.shape[1]), where=denom > 0)
    per = r**2
    return float(per.sum()), per


# ---- computational power -----------------------------------------------------------------------------

def _state_matrix(states, name="states"):
    """States as a 2-D float array (n_inputs, n_features); trailing dimensions are flattened."""
    m = np.asarray(states, dtype=np.float64)
    if m.ndim < 2:
        raise ValueError(f"{name} must hold one state vector per input: shape (n_inputs, n_features), got {m.shape}")
    m = m.reshape(m.shape[0], -1)
    if m.size == 0:
        raise ValueError(f"{name} is empty (shape {m.shape})")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} holds NaN or infinity")
    return m


def _rank(states, tol, rtol, name):
    m = _state_matrix(states, name)
    s = np.linalg.svd(m, compute_uv=False)
    if tol is not None and rtol is not None:
        raise ValueError("give tol or rtol, not both")
    if tol is not None:
        if not tol >= 0:
            raise ValueError(f"tol must be >= 0, got {tol!r}")
        limit = float(tol)
    elif rtol is not None:
        if not 0 <= rtol < 1:
            raise ValueError(f"rtol must lie in [0, 1), got {rtol!r}")
        limit = float(rtol) * s.max()
    else:  # numpy.linalg.matrix_rank's default
        limit = s.max() * max(m.shape) * np.finfo(np.float64).eps
    return int(np.count_nonzero(s > limit))


def kernel_quality(states, *, tol=None, rtol=None):
    """Kernel quality: the rank of the states reached from many different inputs.

    Legenstein & Maass (2007) measure how well a circuit separates inputs --
    the richness of its kernel -- by the rank of the matrix whose rows are
    the states after ``m`` different input streams; the higher the better (at
    most ``min(m, n_features)``).  Compare it with :func:`generalization_rank`
    at the same threshold: a good circuit has a high kernel quality and a low
    generalization rank.

    Parameters
    ----------
    states : array-like of shape (n_inputs, n_features)
        One state vector per row, e.g. the snapshots of
        ``SpikingReservoir.transform``; further dimensions (such as
        ``(n_inputs, n_bins, n_neurons)`` counts) are flattened.
    tol : float, optional
        Absolute threshold: singular values above it count.
    rtol : float, optional
        Relative threshold: singular values above ``rtol`` times the largest
        count.  This effective rank is what recorded spiking states need: in
        exact arithmetic their rank is almost always full, and e.g.
        ``rtol=0.01`` ignores directions carrying less than 1 % of the
        largest singular value.  Without ``tol`` or ``rtol`` the threshold is
        that of ``numpy.linalg.matrix_rank``, ``S.max() * max(M, N) * eps``.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike.metrics import kernel_quality
    >>> kernel_quality(np.eye(5)), kernel_quality(np.ones((5, 3)))
    (5, 1)
    """
    return _rank(states, tol, rtol, "states")


def generalization_rank(states, *, tol=None, rtol=None):
    """Generalization rank: the rank of the states reached from noisy variants of one input.

    Legenstein & Maass (2007) estimate a circuit's VC dimension, and with it
    how well its readout generalises, by the rank of the matrix whose rows
    are the states after ``m`` jittered or noisy versions of the same input;
    the lower the better (the circuit ignores the noise).  Computed as
    :func:`kernel_quality`.

    Parameters
    ----------
    states : array-like of shape (n_variants, n_features)
        One state vector per row (further dimensions are flattened).
    tol : float, optional
        Absolute threshold on the singular values.
    rtol : float, optional
        Threshold relative to the largest singular value (an effective rank;
        see :func:`kernel_quality`).

    Returns
    -------
    int
    """
    return _rank(states, tol, rtol, "states")


def separation(states_a, states_b, *, paired=False):
    """Mean Euclidean distance between the states of two inputs or input classes.

    The separation property of a liquid state machine (Maass, Natschläger &
    Markram 2002): how far apart the circuit drives different inputs.

    Parameters
    ----------
    states_a, states_b : array-like of shape (n_a, n_features), (n_b, n_features)
        State vectors, one per row (further dimensions are flattened).
    paired : bool, default=False
        False: the mean distance over all ``n_a * n_b`` pairs, one state from
        each set (states of two input classes).  True: the mean distance
        between matching rows, ``mean_i ||a_i - b_i||`` (two trajectories
        sampled at the same times, or the responses to input pairs); the
        sets must then have the same shape.

    Returns
    -------
    float
        Zero when every state of one set equals every state of the other
        (unpaired) or each row equals its partner (paired).

    Examples
    --------
    >>> from reservoirspike.metrics import separation
    >>> separation([[0.0, 0.0]], [[3.0, 4.0], [0.0, 0.0]])
    2.5
    """
    a = _state_matrix(states_a, "states_a")
    b = _state_matrix(states_b, "states_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"states_a and states_b must have the same number of features, got {a.shape[1]} and "
                         f"{b.shape[1]}")
    if paired:
        if a.shape != b.shape:
            raise ValueError(f"paired states must have the same shape, got {a.shape} and {b.shape}")
        return float(np.linalg.norm(a - b, axis=1).mean())
    from scipy.spatial.distance import cdist

    return float(cdist(a, b).mean())


# ---- firing statistics ---------------------------------------------------------------------------------

def _binned(steps, ids, n_steps, per_bin, neurons, index):
    """Spike counts (n_bins, n_active) of one sequence in whole bins of ``per_bin`` steps."""
    n_bins = n_steps // per_bin
    counts = np.zeros((n_bins, len(neurons)))
    keep = steps < n_bins * per_bin
    np.add.at(counts, (steps[keep] // per_bin, index[ids[keep]]), 1.0)
    return counts


def firing_statistics(result, *, bin_ms=5.0, fano_window_ms=None, min_spikes=3, sequences=None):
    """Firing rates, irregularity and synchrony of a simulation with recorded spikes.

    Parameters
    ----------
    result : SimulationResult
        From :func:`~reservoirspike.simulate` with ``record`` including
        ``"spikes"``.
    bin_ms : float, default=5.0
        Bin width (ms, rounded to whole steps, at least one) of the spike
        counts behind the synchrony measure.
    fano_window_ms : float, optional
        Window (ms, whole steps) of the spike counts behind the Fano factor;
        default no Fano factor.
    min_spikes : int, default=3
        Spikes a neuron needs within one sequence for its intervals there to
        count; the ISI CV of a neuron needs at least two intervals in all.
    sequences : array-like of int, optional
        Sequences to include; default all.

    Returns
    -------
    dict
        ``"mean_rate"`` (float, Hz): spikes per neuron per second over all
        neurons and the included sequences.
        ``"rates"`` (ndarray (n_neurons,), Hz): per neuron.
        ``"isi_cv"`` (float): mean over neurons of the coefficient of
        variation (std / mean) of their inter-spike intervals, pooled over
        sequences (intervals never span two sequences); about 1 for Poisson
        firing, 0 for clock-like firing; NaN when no neuron qualifies.
        ``"isi_cvs"`` (ndarray (n_neurons,)): per neuron, NaN where it does
        not qualify.
        ``"n_isi_neurons"`` (int): neurons behind ``"isi_cv"``.
        ``"fano_factor"`` (float, only with ``fano_window_ms``): mean over
        neurons that fired of variance / mean of their spike counts in
        consecutive windows; about 1 for Poisson firing.
        ``"synchrony"`` (float): Golomb's chi (Golomb & Rinzel 1993) of the
        binned spike counts of the neurons that fired,
        ``sqrt(var_t(mean_i n_i(t)) / mean_i var_t(n_i(t)))``: 1 when they all
        fire together, about ``1 / sqrt(n_active)`` when independent; NaN
        with fewer than two bins or no variance.
        ``"n_active"`` (int): neurons that fired.

    Raises
    ------
    ValueError
        When the spikes were not recorded, or for invalid options.
    """
    from ._validation import check_int, check_positive

    dt = float(result.dt)
    n_neurons = int(result.n_neurons)
    lengths = np.asarray(result.lengths, dtype=np.int64)
    seq = np.arange(len(lengths)) if sequences is None else np.asarray(sequences, dtype=np.int64).ravel()
    if len(seq) == 0:
        raise ValueError("sequences is empty")
    if seq.min() < 0 or seq.max() >= len(lengths):
        raise ValueError(f"sequences must lie in [0, {len(lengths)})")
    per_bin = max(1, int(round(check_positive("bin_ms", bin_ms) / dt)))
    per_window = None if fano_window_ms is None else max(1, int(round(check_positive("fano_window_ms",
                                                                                      fano_window_ms) / dt)))
    min_spikes = check_int("min_spikes", min_spikes, low=2)

    try:
        trains = [tuple(np.asarray(a, dtype=np.int64) for a in result.spike_steps(int(i))) for i in seq]
    except ValueError as err:
        raise ValueError(f"firing_statistics needs spike times: simulate with record=('spikes', ...) ({err})") \
            from None
    total = np.zeros(n_neurons)
    for _, ids in trains:
        total += np.bincount(ids, minlength=n_neurons)
    seconds = lengths[seq].sum() * dt / 1000.0
    rates = total / seconds

    # inter-spike intervals per neuron, within sequences
    isi_sum, isi_sq, isi_n = np.zeros(n_neurons), np.zeros(n_neurons), np.zeros(n_neurons)
    for steps, ids in trains:
        order = np.lexsort((steps, ids))
        s, n = steps[order], ids[order]
        counts = np.bincount(n, minlength=n_neurons)
        same = n[1:] == n[:-1]
        isi = (s[1:] - s[:-1])[same] * dt
        owner = n[1:][same]
        ok = counts[owner] >= min_spikes
        isi, owner = isi[ok], owner[ok]
        isi_sum += np.bincount(owner, weights=isi, minlength=n_neurons)
        isi_sq += np.bincount(owner, weights=isi * isi, minlength=n_neurons)
        isi_n += np.bincount(owner, minlength=n_neurons)
    cvs = np.full(n_neurons, np.nan)
    q = isi_n >= 2
    mean = isi_sum[q] / isi_n[q]
    var = np.maximum(isi_sq[q] / isi_n[q] - mean**2, 0.0)
    cvs[q] = np.sqrt(var) / mean

    active = np.flatnonzero(total > 0)
    index = np.full(n_neurons, -1, np.int64)
    index[active] = np.arange(len(active))

    def counts_in(per):
        parts = [_binned(s, n, int(lengths[i]), per, active, index) for (s, n), i in zip(trains, seq)]
        return np.vstack(parts) if parts else np.zeros((0, len(active)))

    out = {"mean_rate": float(total.sum() / (n_neurons * seconds)), "rates": rates,
           "isi_cv": float(np.mean(cvs[q])) if q.any() else math.nan, "isi_cvs": cvs,
           "n_isi_neurons": int(q.sum()), "n_active": int(len(active))}
    if per_window is not None:
        c = counts_in(per_window)
        m = c.mean(axis=0) if len(c) else np.zeros(len(active))
        ok = m > 0
        out["fano_factor"] = float(np.mean(c.var(axis=0)[ok] / m[ok])) if len(c) > 1 and ok.any() else math.nan
    c = counts_in(per_bin)
    if len(c) > 1 and len(active):
        denom = c.var(axis=0).mean()
        out["synchrony"] = float(math.sqrt(c.mean(axis=1).var() / denom)) if denom > 0 else math.nan
    else:
        out["synchrony"] = math.nan
    return out
