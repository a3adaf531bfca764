"""Figures of spiking activity, weights, pulse packets and classification results.

Matplotlib is an optional dependency (``pip install reservoirspike[plot]``):
it is imported by these functions when they are called, so importing
:mod:`reservoirspike` never pulls it in.

Every plotting function takes an optional ``ax`` (a new figure is created
when it is None), draws into it, labels its axes, gives it a title and
returns it.
"""

import numbers
from pathlib import Path

import numpy as np

from ._validation import check_int, check_positive
from .network import Network
from .simulate import SimulationResult

__all__ = [
    "confusion_matrix", "isi_cv_histogram", "packet_portrait", "population_rate", "raster",
    "rate_histogram", "save", "weight_histogram", "weight_matrix",
]

SAVE_DPI = 120


# --- plumbing ----------------------------------------------------------------
def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reservoirspike.plotting needs matplotlib; install it with `pip install matplotlib` "
            "or `pip install reservoirspike[plot]`"
        ) from exc
    return plt


def _axes(ax):
    """``ax`` itself, or the Axes of a new figure when it is None."""
    plt = _pyplot()
    if ax is None:
        return plt.subplots()[1]
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _check_result(result):
    if not isinstance(result, SimulationResult):
        raise TypeError(f"result must be a SimulationResult from simulate(), got {type(result).__name__}")
    return result


def _check_sequence(result, i):
    return check_int("i (sequence index)", i, low=0, high=result.n_sequences - 1)


def _check_network(network, result, name="network"):
    if network is None:
        return None
    if not isinstance(network, Network):
        raise TypeError(f"{name} must be a Network or None, got {type(network).__name__}")
    if result is not None and network.n_neurons != result.n_neurons:
        raise ValueError(
            f"{name} has {network.n_neurons} neurons but the result has {result.n_neurons}; "
            "pass the network that was simulated"
        )
    return network


def _groups(network, n_neurons):
    """(label, start, stop) for every population, or one group of all neurons."""
    if network is None:
        return [("all neurons", 0, n_neurons)]
    return [(name, s.start, s.stop) for name, s in network.population_slices().items()]


def _spike_steps(result, i):
    """Step indices and neuron ids of sequence ``i`` (requires recorded spikes)."""
    try:
        return result.spike_steps(i)
    except ValueError:
        raise ValueError("this plot needs spike times; simulate with record=('spikes', ...)") from None


def _spike_counts_per_neuron(result):
    """Spikes of every neuron summed over all sequences."""
    if result._spike_ids is not None:
        ids = [result.spike_steps(k)[1] for k in range(result.n_sequences)]
        return np.bincount(np.concatenate(ids).astype(np.int64), minlength=result.n_neurons)
    if result.counts is not None:
        return result.counts.sum(axis=(0, 1)).astype(np.int64)
    raise ValueError("this plot needs spikes or counts; simulate with record=('spikes', ...) or ('counts', ...)")


def _neuron_rates(result):
    """Mean firing rate of every neuron over all sequences (Hz)."""
    duration_ms = float(result.lengths.sum()) * result.dt
    return _spike_counts_per_neuron(result) / duration_ms * 1000.0


def _isi_cv(result, min_intervals=2):
    """Coefficient of variation of each neuron's inter-spike intervals.

    Intervals are taken within each sequence and pooled over sequences.
    Returns (cv, n_intervals) arrays of length ``n_neurons``; ``cv`` is NaN
    for neurons with fewer than ``min_intervals`` intervals.
    """
    owners, intervals = [np.zeros(0, np.int64)], [np.zeros(0)]
    for k in range(result.n_sequences):
        steps, ids = _spike_steps(result, k)
        order = np.lexsort((steps, ids))
        steps, ids = steps[order].astype(np.int64), ids[order].astype(np.int64)
        same = ids[1:] == ids[:-1]
        owners.append(ids[1:][same])
        intervals.append((steps[1:] - steps[:-1])[same] * result.dt)
    owner, isi = np.concatenate(owners), np.concatenate(intervals)
    N = result.n_neurons
    n = np.bincount(owner, minlength=N)
    mean = np.bincount(owner, weights=isi, minlength=N) / np.maximum(n, 1)
    var = np.bincount(owner, weights=(isi - mean[owner]) ** 2, minlength=N) / np.maximum(n, 1)
    cv = np.full(N, np.nan)
    ok = n >= min_intervals
    cv[ok] = np.sqrt(var[ok]) / mean[ok]
    return cv, n.astype(np.int64)


def _check_bins(bins):
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        return check_int("bins", bins, low=1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bins must be a positive integer or an increasing sequence of at least 2 edges")
    return edges


# --- activity ----------------------------------------------------------------
def _input_events(input_events):
    """(times, channels) arrays from a pair or an EventStream-like object."""
    if hasattr(input_events, "times") and hasattr(input_events, "channels"):
        times, channels = input_events.times, input_events.channels
    else:
        try:
            times, channels = input_events
        except (TypeError, ValueError):
            raise ValueError("input_events must be a (times, channels) pair or an EventStream") from None
    times = np.asarray(times, dtype=np.float64)
    channels = np.asarray(channels)
    if times.ndim != 1 or channels.shape != times.shape:
        raise ValueError(
            f"input_events must hold 1-D times and channels of equal length, got shapes "
            f"{times.shape} and {channels.shape}"
        )
    if len(channels) and (not np.issubdtype(channels.dtype, np.integer) or channels.min() < 0):
        raise ValueError("input_events channels must be non-negative integers")
    if not np.all(np.isfinite(times)):
        raise ValueError("input_events times must be finite (ms)")
    return times, channels.astype(np.int64)


def raster(result, i=0, network=None, input_events=None, ax=None):
    """Spike raster of one sequence.

    Parameters
    ----------
    result : SimulationResult
        A simulation that recorded ``"spikes"``.
    i : int
        Index of the sequence to draw.
    network : Network, optional
        The simulated network; when given, spikes are coloured by population
        and the legend names the populations.
    input_events : (times, channels) or EventStream, optional
        Input events (times in ms, integer channels) drawn in a band below
        the neurons, channel ``c`` at ``y = -1 - c``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created when None.

    Returns
    -------
    matplotlib Axes
        One scatter collection per population (and one for the inputs), one
        point per spike.
    """
    _check_result(result)
    i = _check_sequence(result, i)
    network = _check_network(network, result)
    events = None if input_events is None else _input_events(input_events)
    ax = _axes(ax)
    _spike_steps(result, i)  # explains the error when spikes were not recorded
    times, ids = result.spikes(i)
    for k, (label, start, stop) in enumerate(_groups(network, result.n_neurons)):
        sel = (ids >= start) & (ids < stop)
        ax.scatter(times[sel], ids[sel], s=4, marker="|", linewidths=0.8, color=f"C{k}", label=label)
    bottom = -0.5
    if events is not None:
        n_channels = int(events[1].max()) + 1 if len(events[1]) else 1
        bottom = -n_channels - 0.5
        ax.scatter(events[0], -1 - events[1], s=4, marker="|", linewidths=0.8, color="0.3",
                   label="input channels")
        ax.axhline(-0.5, color="0.6", linewidth=0.6)
        ax.text(0.005, (bottom + 0.5) / 2 - 0.25, "input channels", transform=ax.get_yaxis_transform(),
                va="center", ha="left", fontsize="small", color="0.3")
    ax.set_xlim(0.0, float(result.lengths[i]) * result.dt)
    ax.set_ylim(bottom, result.n_neurons - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron id")
    ax.set_title(f"Spike raster (sequence {i})")
    if network is not None or events is not None:
        ax.legend(loc="upper right", fontsize="small", markerscale=3)
    return ax


def population_rate(result, i=0, bin_ms=5.0, network=None, ax=None):
    """Population firing rate over time for one sequence.

    Parameters
    ----------
    result : SimulationResult
        A simulation that recorded ``"spikes"``.
    i : int
        Index of the sequence.
    bin_ms : float
        Width of the time bins (ms, at least the time step); a final
        shorter bin is normalised by its own width.
    network : Network, optional
        When given, one line per population; otherwise one for all neurons.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line per group, at the bin centres, in Hz per neuron.
    """
    _check_result(result)
    i = _check_sequence(result, i)
    bin_ms = check_positive("bin_ms", bin_ms)
    if bin_ms < result.dt:
        raise ValueError(f"bin_ms must be at least the time step dt={result.dt} ms, got {bin_ms}")
    network = _check_network(network, result)
    steps, ids = _spike_steps(result, i)
    ax = _axes(ax)
    duration = float(result.lengths[i]) * result.dt
    edges = np.append(np.arange(0.0, duration, bin_ms), duration)
    centres, widths = (edges[1:] + edges[:-1]) / 2, np.diff(edges)
    onset = steps * result.dt  # a spike in step s belongs to [s dt, (s + 1) dt)
    for k, (label, start, stop) in enumerate(_groups(network, result.n_neurons)):
        sel = (ids >= start) & (ids < stop)
        count, _ = np.histogram(onset[sel], bins=edges)
        ax.plot(centres, count / ((stop - start) * widths) * 1000.0, color=f"C{k}", label=label)
    ax.set_xlim(0.0, duration)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("population rate (Hz)")
    ax.set_title(f"Population rate (sequence {i}, {bin_ms:g} ms bins)")
    if network is not None:
        ax.legend(fontsize="small")
    return ax


def rate_histogram(result, ax=None, bins=30):
    """Histogram of the per-neuron mean firing rate over all sequences.

    Parameters
    ----------
    result : SimulationResult
        A simulation that recorded ``"spikes"`` (or ``"counts"``).
    ax : matplotlib Axes, optional
    bins : int or sequence of float
        As in :func:`numpy.histogram`.

    Returns
    -------
    matplotlib Axes
        Bar heights count neurons and sum to ``result.n_neurons``.
    """
    _check_result(result)
    bins = _check_bins(bins)
    rates = _neuron_rates(result)
    ax = _axes(ax)
    ax.hist(rates, bins=bins, color="C0")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("neurons")
    ax.set_title(f"Firing rates ({result.n_neurons} neurons, mean {rates.mean():.2f} Hz)")
    return ax


def isi_cv_histogram(result, ax=None, bins=30):
    """Histogram of the coefficient of variation (CV) of inter-spike intervals.

    Intervals are measured within each sequence and pooled over sequences
    per neuron; neurons with at least two intervals (three spikes in a
    sequence, or more spread over several) enter the histogram.  A Poisson
    train has CV 1, a regular one CV 0.

    Parameters
    ----------
    result : SimulationResult
        A simulation that recorded ``"spikes"``.
    ax : matplotlib Axes, optional
    bins : int or sequence of float
        As in :func:`numpy.histogram`.

    Returns
    -------
    matplotlib Axes
    """
    _check_result(result)
    bins = _check_bins(bins)
    cv, _ = _isi_cv(result)
    cv = cv[np.isfinite(cv)]
    ax = _axes(ax)
    ax.hist(cv, bins=bins, color="C1")
    if len(cv) == 0:
        ax.text(0.5, 0.5, "no neuron with >= 3 spikes", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlabel("ISI coefficient of variation (CV)")
    ax.set_ylabel("neurons")
    ax.set_title(f"ISI CV ({len(cv)} of {result.n_neurons} neurons)")
    return ax


# --- weights -----------------------------------------------------------------
def weight_matrix(network, ax=None, max_neurons=500):
    """Recurrent weights as an image (rows presynaptic, columns postsynaptic).

    Parameters
    ----------
    network : Network
    ax : matplotlib Axes, optional
    max_neurons : int
        Larger networks are shown through ``max_neurons`` evenly spaced
        neurons (the axes still read in neuron ids).

    Returns
    -------
    matplotlib Axes
        The image uses a diverging colormap centred at 0 mV, with a
        colorbar; population boundaries are marked by thin lines.
    """
    _check_network(network, None)
    if network is None:
        raise TypeError("network must be a Network, got None")
    max_neurons = check_int("max_neurons", max_neurons, low=1)
    N = network.n_neurons
    W = network.weights
    if N > max_neurons:
        keep = np.unique(np.round(np.linspace(0, N - 1, max_neurons)).astype(np.int64))
        W = W[keep][:, keep]
    dense = W.toarray()
    vmax = float(np.abs(dense).max()) or 1.0
    ax = _axes(ax)
    image = ax.imshow(dense, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest", aspect="auto",
                      extent=(-0.5, N - 0.5, N - 0.5, -0.5))
    ax.figure.colorbar(image, ax=ax, label="weight (mV)")
    for s in list(network.population_slices().values())[:-1]:
        ax.axhline(s.stop - 0.5, color="0.4", linewidth=0.5)
        ax.axvline(s.stop - 0.5, color="0.4", linewidth=0.5)
    ax.set_xlabel("postsynaptic neuron")
    ax.set_ylabel("presynaptic neuron")
    shown = "" if N <= max_neurons else f", {dense.shape[0]} of {N} neurons shown"
    ax.set_title(f"Recurrent weights ({network.n_synapses} synapses{shown})")
    return ax


def _nonzero_weights(network, name):
    import scipy.sparse as sp

    if sp.issparse(network):  # e.g. an estimator's weights_before_ / weights_after_
        data = network.tocsr().data
    elif isinstance(network, Network):
        data = network.data
    else:
        raise TypeError(f"{name} must be a Network or a scipy.sparse matrix, got {type(network).__name__}")
    return data[data != 0].astype(np.float64)


def weight_histogram(before, after=None, ax=None, bins=50):
    """Histogram of the nonzero recurrent weights of one or two networks.

    Parameters
    ----------
    before : Network or scipy.sparse matrix
        E.g. the network before plasticity, or an estimator's ``weights_before_``.
    after : Network or scipy.sparse matrix, optional
        E.g. the network after plasticity (``weights_after_``); drawn over
        ``before`` with the same bin edges.
    ax : matplotlib Axes, optional
    bins : int or sequence of float
        Number of bins over the range of both networks' weights, or edges.

    Returns
    -------
    matplotlib Axes
    """
    w_before = _nonzero_weights(before, "before")
    w_after = None if after is None else _nonzero_weights(after, "after")
    bins = _check_bins(bins)
    pooled = w_before if w_after is None else np.concatenate([w_before, w_after])
    edges = np.histogram_bin_edges(pooled, bins=bins)
    ax = _axes(ax)
    ax.hist(w_before, bins=edges, alpha=0.6, color="C0",
            label=f"before ({len(w_before)})" if w_after is not None else f"weights ({len(w_before)})")
    if w_after is not None:
        ax.hist(w_after, bins=edges, alpha=0.6, color="C3", label=f"after ({len(w_after)})")
    ax.set_xlabel("weight (mV)")
    ax.set_ylabel("synapses")
    ax.set_title("Recurrent weights" + (" before and after" if w_after is not None else ""))
    ax.legend(fontsize="small")
    return ax


# --- pulse packets -------------------------------------------------------------
def _trajectory_array(name, value):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (n_trajectories, n_groups) (or (n_groups,) for one trajectory), "
            f"got shape {np.shape(value)}"
        )
    if np.any(np.isinf(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold non-negative finite values (NaN for a packet that died out)")
    return arr


def packet_portrait(a, sigma, ax=None, color=None, label=None):
    """State-space portrait of pulse packets travelling through a chain of groups.

    Parameters
    ----------
    a : array (n_trajectories, n_groups)
        Spike count of the packet in each group.
    sigma : array (n_trajectories, n_groups)
        Temporal spread (standard deviation of spike times, ms) of the packet
        in each group.  NaN entries (a packet that died out) are not drawn.
    ax : matplotlib Axes, optional
    color : str, optional
        One colour for all trajectories (default: a colour each).
    label : str, optional
        Legend label of these trajectories.

    Returns
    -------
    matplotlib Axes
        One line per trajectory through its ``(sigma, a)`` points, arrows
        from group to group, and the start points marked with circles.
    """
    a = _trajectory_array("a", a)
    sigma = _trajectory_array("sigma", sigma)
    if a.shape != sigma.shape:
        raise ValueError(f"a and sigma must have the same shape, got {a.shape} and {sigma.shape}")
    ax = _axes(ax)
    for k in range(len(a)):
        line_color = color or f"C{k % 10}"
        ax.plot(sigma[k], a[k], color=line_color, marker=".", markersize=4, linewidth=1.0,
                label=label if k == 0 else None)
        for g in range(a.shape[1] - 1):
            p, q = (sigma[k, g], a[k, g]), (sigma[k, g + 1], a[k, g + 1])
            if np.all(np.isfinite(p + q)) and p != q:
                ax.annotate("", xy=q, xytext=p,
                            arrowprops={"arrowstyle": "-|>", "color": line_color, "lw": 1.0, "shrinkA": 0,
                                        "shrinkB": 2})
    ax.scatter(sigma[:, 0], a[:, 0], s=30, facecolors="none", edgecolors="k", zorder=3, label="start")
    ax.set_xlabel("temporal spread σ (ms)")
    ax.set_ylabel("spike count a")
    ax.set_title(f"Pulse-packet portrait ({len(a)} trajectories, {a.shape[1]} groups)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))  # one entry per label across repeated calls
    ax.legend(unique.values(), unique.keys(), fontsize="small")
    return ax


# --- classification ------------------------------------------------------------
_NORMALIZE = {False: None, True: "true", None: None, "true": "true", "pred": "pred", "all": "all"}


def confusion_matrix(y_true, y_pred, labels=None, ax=None, normalize=False):
    """Confusion matrix image with the value of every cell written in it.

    Parameters
    ----------
    y_true, y_pred : array-like (n_samples,)
        True and predicted labels.
    labels : array-like, optional
        Label order (default: the sorted labels present in either array).
    ax : matplotlib Axes, optional
    normalize : bool or {"true", "pred", "all"}
        False: counts; True or "true": fractions of each true class (rows);
        "pred": of each predicted class (columns); "all": of all samples.

    Returns
    -------
    matplotlib Axes
        Rows are true labels, columns predicted labels, as in
        :func:`sklearn.metrics.confusion_matrix`.
    """
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    if not isinstance(normalize, (bool, str)) or normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be True, False, 'true', 'pred' or 'all', got {normalize!r}")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-D of equal length, got shapes {y_true.shape} and {y_pred.shape}"
        )
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    cm = sk_confusion_matrix(y_true, y_pred, labels=labels, normalize=_NORMALIZE[normalize])
    ax = _axes(ax)
    image = ax.imshow(cm, cmap="Blues", interpolation="nearest",
                      vmin=0.0, vmax=1.0 if _NORMALIZE[normalize] else max(1, cm.max()))
    ax.figure.colorbar(image, ax=ax, label="fraction" if _NORMALIZE[normalize] else "samples")
    threshold = image.norm.vmax / 2
    fmt = "{:.2f}" if _NORMALIZE[normalize] else "{:d}"
    for r in range(cm.shape[0]):
        for c in range(cm.shape[1]):
            value = cm[r, c] if _NORMALIZE[normalize] else int(cm[r, c])
            ax.text(c, r, fmt.format(value), ha="center", va="center",
                    color="white" if cm[r, c] > threshold else "black")
    ax.set_xticks(np.arange(len(labels)), [str(v) for v in labels])
    ax.set_yticks(np.arange(len(labels)), [str(v) for v in labels])
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title("Confusion matrix" + (" (normalised)" if _NORMALIZE[normalize] else ""))
    return ax


# --- output --------------------------------------------------------------------
def _figure_of(fig_or_ax):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    obj = fig_or_ax
    if isinstance(obj, np.ndarray) and obj.size:
        obj = obj.flat[0]
    if isinstance(obj, Axes):
        obj = obj.figure
    if isinstance(obj, Figure):
        return obj
    raise TypeError(f"fig_or_ax must be a Figure, an Axes or an array of Axes, got {type(fig_or_ax).__name__}")


def save(fig_or_ax, path):
    """Write the figure of ``fig_or_ax`` as a PNG (120 dpi).

    Parameters
    ----------
    fig_or_ax : Figure, Axes or array of Axes
    path : str or path-like
        Target file; ``.png`` is appended when it has no suffix, and missing
        parent directories are created.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    fig = _figure_of(fig_or_ax)
    if not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    if path.suffix == "":
        path = path.with_name(path.name + ".png")
    elif path.suffix.lower() != ".png":
        raise ValueError(f"path must name a .png file (save writes PNG), got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=SAVE_DPI, format="png", bbox_inches="tight")
    return path
