"""Address-event input: event-camera recordings as spike input for a reservoir.

An event camera (dynamic vision sensor) reports, for every pixel whose log
brightness changed by a contrast step, an event ``(x, y, polarity, t)``:
pixel column and row, ON (brighter) or OFF (darker), and a timestamp in
microseconds.  :class:`AddressEventEncoder` pools pixels into blocks, maps
every event to an input channel and returns one
:class:`~reservoirspike.EventStream` (times in ms) per recording, for
:class:`~reservoirspike.SpikeEncoder`.
"""

import math
import numbers
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ._validation import check_choice, check_int, check_positive
from .encoding import EventStream

__all__ = ["AddressEventEncoder"]

POLARITIES = ("split", "merge", "on", "off")
_FIELDS = {
    "x": ("x",),
    "y": ("y",),
    "p": ("p", "polarity", "pol"),
    "t": ("t", "ts", "timestamp", "timestamps"),
}


def _pair(name, value):
    """A pair of positive integers."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        value = (value, value) if name == "pool" else value
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}") from None
    return check_int(f"{name}[0]", a, low=1), check_int(f"{name}[1]", b, low=1)


def _field(rec, key, i):
    names = _FIELDS[key]
    if isinstance(rec, np.ndarray) and rec.dtype.names:
        found = [n for n in names if n in rec.dtype.names]
        source = "fields"
        get = rec.__getitem__
    elif isinstance(rec, Mapping):
        found = [n for n in names if n in rec]
        source = "keys"
        get = rec.__getitem__
    else:
        raise TypeError(
            f"X[{i}] must be a structured array or a mapping with x, y, p (polarity) and t (timestamp, us) "
            f"fields, or an (x, y, polarity, t) tuple; got {type(rec).__name__}"
        )
    if not found:
        raise ValueError(f"X[{i}] has no {key!r} among its {source} (accepted names: {', '.join(names)})")
    return get(found[0])


def _integers(name, values, i):
    a = np.asarray(values)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ValueError(f"X[{i}]: {name} must be integers, got dtype {a.dtype}")
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"X[{i}]: {name} must be whole numbers")
    return a.astype(np.int64)


def _as_events(rec, i):
    """(x, y, on, t_us) arrays of one recording, validated for shape and type."""
    if isinstance(rec, (tuple, list)):
        if len(rec) != 4:
            raise ValueError(f"X[{i}] as a tuple must be (x, y, polarity, t), got {len(rec)} items")
        x, y, p, t = rec
    else:
        x, y, p, t = (_field(rec, k, i) for k in ("x", "y", "p", "t"))
    x, y, p, t = (np.asarray(a) for a in (x, y, p, t))
    if any(a.ndim != 1 for a in (x, y, p, t)) or not len(x) == len(y) == len(p) == len(t):
        raise ValueError(f"X[{i}]: x, y, polarity and t must be 1-D arrays of one length, got shapes "
                         f"{x.shape}, {y.shape}, {p.shape}, {t.shape}")
    if not (np.issubdtype(p.dtype, np.number) or p.dtype == bool):
        raise ValueError(f"X[{i}]: polarity must be boolean or numeric, got dtype {p.dtype}")
    if t.dtype == bool or not np.issubdtype(t.dtype, np.number):
        raise ValueError(f"X[{i}]: timestamps must be numbers (microseconds), got dtype {t.dtype}")
    t = t.astype(np.float64)
    if not np.all(np.isfinite(t)):
        raise ValueError(f"X[{i}]: timestamps must be finite")
    if len(t) and t.min() < 0:
        raise ValueError(f"X[{i}]: timestamps must be >= 0 us, got {t.min():g} (event {int(np.argmin(t))})")
    return _integers("x", x, i), _integers("y", y, i), p > 0, t


class AddressEventEncoder(TransformerMixin, BaseEstimator):
    """Event-camera recordings to spike input: pooled pixels and polarities as channels.

    Every recording holds events ``(x, y, polarity, t)``: integer pixel
    coordinates with ``0 <= x < W`` and ``0 <= y < H``, polarity ON when
    ``> 0`` (so {0, 1}, {-1, 1} and booleans all work) and timestamps in
    microseconds (``>= 0``, in any order).  A recording is a structured array
    or a mapping with fields ``x``, ``y``, ``p`` (or ``polarity``) and ``t``
    (or ``ts``, ``timestamp``) -- the layout of event-camera libraries -- or
    an ``(x, y, polarity, t)`` tuple of arrays.

    Pixels are pooled into blocks of ``pool = (px, py)``, giving a grid of
    ``ceil(W / px)`` by ``ceil(H / py)`` blocks numbered row by row:
    ``block = (y // py) * ceil(W / px) + x // px``.  The channel of an event
    is then

    * ``"split"``: ``2 * block`` for ON and ``2 * block + 1`` for OFF events;
    * ``"merge"``: ``block``, whatever the polarity;
    * ``"on"`` / ``"off"``: ``block``, keeping only ON / OFF events.

    Times are made relative to the recording's earliest event, converted to
    ms and floored to multiples of ``dt_ms``; the duration runs to the end of
    the last event's step (or is ``duration_ms``).

    Parameters
    ----------
    sensor_size : (int, int)
        Sensor width ``W`` (x range) and height ``H`` (y range) in pixels.
    pool : (int, int) or int, default=(1, 1)
        Block size in x and y (an int: square blocks).
    polarity : {"split", "merge", "on", "off"}, default="split"
        How polarities map to channels (above).
    dt_ms : float, default=1.0
        Time resolution (ms); use the estimator's ``dt`` or a multiple.
    duration_ms : float, optional
        Give every stream this duration, dropping events at or after it;
        default each recording's own span.
    max_events_per_step : int, optional
        Keep at most this many events per channel and ``dt_ms`` step (the
        earliest); pooling many pixels into one channel otherwise adds their
        events up.

    Attributes
    ----------
    n_channels : int
        Input channels of the output (``SpikeEncoder(n_inputs=n_channels)``).
    grid_shape : (int, int)
        Blocks along x and y.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike.events import AddressEventEncoder
    >>> enc = AddressEventEncoder(sensor_size=(34, 34), pool=(2, 2))
    >>> enc.n_channels
    578
    >>> rec = (np.array([0, 33]), np.array([0, 33]), np.array([1, 0]), np.array([100.0, 2600.0]))
    >>> s = enc.transform([rec])[0]
    >>> s.times, s.channels, s.duration
    (array([0., 2.]), array([  0, 577]), 3.0)
    """

    def __init__(self, sensor_size, *, pool=(1, 1), polarity="split", dt_ms=1.0, duration_ms=None,
                 max_events_per_step=None):
        self.sensor_size = sensor_size
        self.pool = pool
        self.polarity = polarity
        self.dt_ms = dt_ms
        self.duration_ms = duration_ms
        self.max_events_per_step = max_events_per_step

    def _check_params(self):
        size = _pair("sensor_size", self.sensor_size)
        pool = _pair("pool", self.pool)
        check_choice("polarity", self.polarity, POLARITIES)
        check_positive("dt_ms", self.dt_ms)
        if self.duration_ms is not None:
            check_positive("duration_ms", self.duration_ms)
        if self.max_events_per_step is not None:
            check_int("max_events_per_step", self.max_events_per_step, low=1)
        return size, pool

    @property
    def grid_shape(self):
        """Blocks along x and y: ``(ceil(W / px), ceil(H / py))``."""
        (w, h), (px, py) = self._check_params()
        return math.ceil(w / px), math.ceil(h / py)

    @property
    def n_channels(self):
        """Number of input channels: blocks, twice that with ``polarity="split"``."""
        nx, ny = self.grid_shape
        return nx * ny * (2 if self.polarity == "split" else 1)

    def fit(self, X, y=None):
        """Check the parameters; nothing is learned.

        Parameters
        ----------
        X : list of recordings
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        return self

    def transform(self, X):
        """One :class:`~reservoirspike.EventStream` per recording.

        Parameters
        ----------
        X : list of recordings
            Structured arrays, mappings or ``(x, y, polarity, t)`` tuples (see
            the class description).  A single structured array or mapping is
            read as one recording.

        Returns
        -------
        list of EventStream
            Times (ms from the earliest event, multiples of ``dt_ms``, in
            order), channels and duration of every recording.

        Raises
        ------
        ValueError
            For coordinates outside the sensor, negative or non-finite
            timestamps, or malformed recordings (the message names the
            recording and the event).
        """
        (w, h), (px, py) = self._check_params()
        nx = math.ceil(w / px)
        dt = float(self.dt_ms)
        if isinstance(X, Mapping) or (isinstance(X, np.ndarray) and X.dtype.names):
            X = [X]
        if not isinstance(X, (list, tuple)) or len(X) == 0:
            raise ValueError("X must be a non-empty list of event recordings")
        out = []
        for i, rec in enumerate(X):
            x, y, on, t = _as_events(rec, i)
            for name, a, size in (("x", x, w), ("y", y, h)):
                bad = np.flatnonzero((a < 0) | (a >= size))
                if len(bad):
                    raise ValueError(f"X[{i}]: event {bad[0]} has {name}={a[bad[0]]}, outside the sensor "
                                     f"(0 <= {name} < {size} for sensor_size={(w, h)})")
            t_ms = (t - t.min()) / 1000.0 if len(t) else t
            steps = np.floor(t_ms / dt + 1e-9).astype(np.int64)
            if self.duration_ms is not None:
                n_steps = max(1, math.ceil(self.duration_ms / dt - 1e-9))
            else:  # the recording's span, over both polarities
                n_steps = int(steps.max()) + 1 if len(steps) else 1
            block = (y // py) * nx + x // px
            if self.polarity == "split":
                chans = 2 * block + (~on)
                keep = np.ones(len(steps), bool)
            else:
                chans = block
                keep = np.ones(len(steps), bool) if self.polarity == "merge" else (on if self.polarity == "on" else ~on)
            keep &= steps < n_steps
            steps, chans, t_ms = steps[keep], chans[keep], t_ms[keep]
            order = np.lexsort((t_ms, chans, steps))  # by step, then channel, then time
            steps, chans = steps[order], chans[order]
            if self.max_events_per_step is not None and len(steps):
                new_run = np.r_[True, (steps[1:] != steps[:-1]) | (chans[1:] != chans[:-1])]
                idx = np.arange(len(steps))
                rank = idx - np.maximum.accumulate(np.where(new_run, idx, 0))  # place within its (step, channel)
                keep = rank < self.max_events_per_step
                steps, chans = steps[keep], chans[keep]
            out.append(EventStream(steps * dt, chans.astype(np.int64), n_steps * dt))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
