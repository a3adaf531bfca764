"""Input encoders: from sequences to what a kernel reads.

Each row of a sequence is an input *frame* held for ``frame_steps``
simulation steps.  Encoders produce either a dense per-frame matrix (analog
current drive, or Poisson spike probabilities drawn inside the kernel from
the counter-based generator keyed by (seed, step, channel)) or a list of
input spike events per step.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numba import njit

from ._sequences import check_sequences, ragged
from ._validation import check_choice, check_int, check_positive, check_real
from .backends.cpu import INPUT_CURRENT, INPUT_EVENTS, INPUT_POISSON


@dataclass(frozen=True)
class KernelInput:
    """Encoded batch, ready for a backend.

    Attributes
    ----------
    mode : int
        ``INPUT_CURRENT``, ``INPUT_POISSON`` or ``INPUT_EVENTS``.
    dense : ndarray (n_frames_total, n_channels)
        Drive (mV) or spike probability per step, per frame; empty for events.
    frame_offsets, step_offsets : ndarray (n_sequences + 1,)
        Where each sequence starts among frames and among steps (a frame is
        ``frame_steps`` steps; dense input has one row per frame).
    frame_steps : int
        Steps per frame.
    ev_ptr : ndarray (n_steps_total + 1,)
        Events of step row ``r`` are ``ev_channel[ev_ptr[r]:ev_ptr[r+1]]``.
    ev_channel : ndarray of int32
    n_channels : int
    """

    mode: int
    dense: np.ndarray
    frame_offsets: np.ndarray
    step_offsets: np.ndarray
    frame_steps: int
    ev_ptr: np.ndarray
    ev_channel: np.ndarray
    n_channels: int

    @property
    def n_sequences(self):
        return len(self.step_offsets) - 1

    @property
    def lengths(self):
        """Steps per sequence."""
        return np.diff(self.step_offsets)


def _dense_input(mode, frames, frame_steps, n_channels):
    """A KernelInput of per-frame values (no input events)."""
    dense, frame_offsets = ragged(frames)
    return KernelInput(mode, np.ascontiguousarray(dense, dtype=np.float64), frame_offsets,
                       frame_offsets * frame_steps, frame_steps, np.zeros(1, np.int64), np.zeros(0, np.int32),
                       n_channels)


def _events_input(step_lists, lengths, n_channels, frame_steps=1):
    """Build a KernelInput from per-sequence (step, channel) arrays."""
    step_offsets = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=step_offsets[1:])
    rows = np.concatenate([s + off for (s, _), off in zip(step_lists, step_offsets[:-1])])
    chans = np.concatenate([c for _, c in step_lists]).astype(np.int32)
    order = np.argsort(rows, kind="stable")
    ev_ptr = np.zeros(step_offsets[-1] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=step_offsets[-1]), out=ev_ptr[1:])
    return KernelInput(INPUT_EVENTS, np.zeros((0, n_channels)), step_offsets // frame_steps,
                       step_offsets, frame_steps, ev_ptr, chans[order], n_channels)


def _squash(x, transform, gain, offset):
    """Map input to [0, 1]: logistic, or clipped linear."""
    z = gain * x + offset
    if transform == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return np.clip(z, 0.0, 1.0)


class Encoder:
    """Base class: turns validated sequences into a :class:`KernelInput`."""

    name = "encoder"

    def n_channels(self, n_features):
        """Number of kernel input channels for ``n_features`` input features."""
        return n_features

    def validate(self, X, single_series=False):
        """Check user input; returns (list of (T_i, d) arrays, form)."""
        return check_sequences(X, single_series=single_series)

    def encode(self, seqs, dt, frame_steps):  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class CurrentEncoder(Encoder):
    """Analog current injection: frame value ``gain * x + offset`` times the input weight.

    The drive a neuron receives is ``sum_c w[c, n] * (gain * x_c + offset)``
    (mV, as R·I), held constant over the frame and integrated exactly.
    """

    gain: float = 1.0
    offset: float = 0.0
    name = "current"

    def __post_init__(self):
        check_real("gain", self.gain)
        check_real("offset", self.offset)

    def encode(self, seqs, dt, frame_steps):
        frames = [self.gain * s + self.offset for s in seqs]
        return _dense_input(INPUT_CURRENT, frames, frame_steps, seqs[0].shape[1])


@dataclass(frozen=True)
class PoissonEncoder(Encoder):
    """Poisson rate coding: channel fires with probability ``rate * dt`` each step.

    ``rate = max_rate * f(gain * x + offset)`` Hz with ``f`` the logistic
    function (``transform="sigmoid"``, suited to standardised input) or
    clipping to [0, 1] (``"linear"``; with ``gain=1/max_rate`` X holds rates
    in Hz).  Draws come from the counter-based generator keyed by
    (seed, step, channel).
    """

    max_rate: float = 100.0
    gain: float = 1.0
    offset: float = 0.0
    transform: str = "sigmoid"
    name = "poisson"

    def __post_init__(self):
        check_positive("max_rate", self.max_rate)
        check_real("gain", self.gain)
        check_real("offset", self.offset)
        check_choice("transform", self.transform, ("sigmoid", "linear"))

    def encode(self, seqs, dt, frame_steps):
        p_max = self.max_rate * dt / 1000.0
        if p_max > 1.0:
            raise ValueError(
                f"max_rate={self.max_rate} Hz is too high for dt={dt} ms: at most one spike a step "
                f"allows max_rate <= {1000.0 / dt} Hz"
            )
        frames = [p_max * _squash(s, self.transform, self.gain, self.offset) for s in seqs]
        return _dense_input(INPUT_POISSON, frames, frame_steps, seqs[0].shape[1])


@njit(cache=True)
def _delta_counts(x, threshold, initial):
    """Send-on-delta: ON and OFF spike counts (T, d) of every frame and channel."""
    T, d = x.shape
    ref = np.full(d, initial)
    on = np.zeros((T, d), np.int64)
    off = np.zeros((T, d), np.int64)
    for t in range(T):
        for c in range(d):
            m = int(abs(x[t, c] - ref[c]) // threshold)
            if x[t, c] > ref[c]:
                on[t, c] = m
                ref[c] += threshold * m
            else:
                off[t, c] = m
                ref[c] -= threshold * m
    return on, off


def _delta_events(x, threshold, initial):
    """(frame, channel) of ON (2c) and OFF (2c+1) events, in frame order."""
    on, off = _delta_counts(x, threshold, initial)
    counts = np.stack([on, off], axis=2).reshape(len(x), -1)  # channel 2c = ON, 2c + 1 = OFF
    frames, chans = np.nonzero(counts)
    reps = counts[frames, chans]
    return np.repeat(frames, reps), np.repeat(chans, reps)


@dataclass(frozen=True)
class DeltaEncoder(Encoder):
    """Send-on-delta (ON/OFF) coding of each channel's changes.

    A reference level starts at ``initial``; whenever a frame moves the
    value ``k`` thresholds above (below) the reference, ``k`` ON (OFF) spikes
    are sent at the frame's first step and the reference follows.  Channel
    ``c`` becomes kernel channels ``2c`` (ON) and ``2c + 1`` (OFF).
    """

    threshold: float = 0.5
    initial: float = 0.0
    name = "delta"

    def __post_init__(self):
        check_positive("threshold", self.threshold)
        check_real("initial", self.initial)

    def n_channels(self, n_features):
        return 2 * n_features

    #: most spikes one frame of one channel may send; beyond it the threshold is far too small
    max_events_per_frame = 100_000

    def encode(self, seqs, dt, frame_steps):
        for i, s in enumerate(seqs):
            # the reference moves by at most |x - previous reference|, so this bounds the events per frame
            jump = np.abs(np.diff(np.vstack([np.full((1, s.shape[1]), self.initial), s]), axis=0)).max()
            if not jump / self.threshold <= self.max_events_per_frame:
                raise ValueError(
                    f"X[{i}]: a change of {jump:.3g} with threshold={self.threshold} would send more than "
                    f"{self.max_events_per_frame} spikes in one frame; raise the DeltaEncoder threshold or scale X"
                )
        lists = []
        for s in seqs:
            frames, chans = _delta_events(s, self.threshold, self.initial)
            lists.append((frames * frame_steps, chans))
        return _events_input(lists, [len(s) * frame_steps for s in seqs], 2 * seqs[0].shape[1], frame_steps)


@dataclass(frozen=True)
class LatencyEncoder(Encoder):
    """Latency coding: one spike per channel per frame, earlier for larger values.

    With ``u = f(gain * x + offset)`` in [0, 1] (``f`` logistic or clipped
    linear), a channel fires at step ``round((1 - u) * (frame_steps - 1))``
    of the frame, and not at all when ``u <= threshold``.
    """

    gain: float = 1.0
    offset: float = 0.0
    transform: str = "sigmoid"
    threshold: float = 0.0
    name = "latency"

    def __post_init__(self):
        check_real("gain", self.gain)
        check_real("offset", self.offset)
        check_choice("transform", self.transform, ("sigmoid", "linear"))
        check_real("threshold", self.threshold, low=0.0, high=1.0)

    def encode(self, seqs, dt, frame_steps):
        lists = []
        for s in seqs:
            u = _squash(s, self.transform, self.gain, self.offset)
            t, c = np.nonzero(u > self.threshold)
            lat = np.rint((1.0 - u[t, c]) * (frame_steps - 1)).astype(np.int64)
            lists.append((t * frame_steps + lat, c))
        return _events_input(lists, [len(s) * frame_steps for s in seqs], seqs[0].shape[1], frame_steps)


@dataclass(frozen=True)
class EventStream:
    """Spike input of one sequence: event times (ms) and channels.

    Parameters
    ----------
    times : array of float
        Event times in ms, >= 0 (any order).
    channels : array of int
        Input channel of each event.
    duration : float, optional
        Length of the sequence (ms); default the last event time plus one step.
    """

    times: np.ndarray
    channels: np.ndarray
    duration: float = None


@dataclass(frozen=True)
class SpikeEncoder(Encoder):
    """Direct spike input: each sequence is an :class:`EventStream` (or a
    ``(times, channels[, duration])`` tuple), e.g. from an event camera.

    An event at time t (ms) arrives in step ``floor(t / dt)``.  Events carry
    their own timing, so ``frame_steps`` does not apply.
    """

    n_inputs: int = 1
    name = "events"

    def __post_init__(self):
        check_int("n_inputs", self.n_inputs, low=1)

    def validate(self, X, single_series=False):
        if isinstance(X, (EventStream, tuple)) and single_series:
            X = [X]
        if not isinstance(X, (list, tuple)) or len(X) == 0:
            raise ValueError("X must be a non-empty list of EventStream or (times, channels[, duration]) tuples")
        out = []
        for i, ev in enumerate(X):
            if not isinstance(ev, EventStream):
                if not isinstance(ev, tuple) or len(ev) not in (2, 3):
                    raise ValueError(f"X[{i}] must be an EventStream or a (times, channels[, duration]) tuple")
                ev = EventStream(*ev)
            times = np.asarray(ev.times, dtype=np.float64).ravel()
            chans = np.asarray(ev.channels).ravel()
            if times.shape != chans.shape:
                raise ValueError(f"X[{i}]: times and channels must have the same length")
            if not np.all(np.isfinite(times)) or (len(times) and times.min() < 0):
                raise ValueError(f"X[{i}]: event times must be finite and >= 0 ms")
            if len(chans) and (not np.issubdtype(chans.dtype, np.integer) or chans.min() < 0
                               or chans.max() >= self.n_inputs):
                raise ValueError(f"X[{i}]: channels must be integers in [0, n_inputs={self.n_inputs})")
            if ev.duration is not None:
                check_positive(f"X[{i}].duration", ev.duration)
                if len(times) and times.max() >= ev.duration:
                    raise ValueError(f"X[{i}]: an event at {times.max()} ms lies beyond duration={ev.duration} ms")
            elif len(times) == 0:
                raise ValueError(f"X[{i}] has no events and no duration; give a duration")
            out.append(EventStream(times, chans.astype(np.int64), ev.duration))
        return out, "list"

    def n_channels(self, n_features):
        return self.n_inputs

    def encode(self, seqs, dt, frame_steps):
        lists, lengths = [], []
        for ev in seqs:
            duration = ev.duration if ev.duration is not None else ev.times.max() + dt
            lengths.append(max(1, math.ceil(duration / dt - 1e-9)))
            lists.append((np.floor(ev.times / dt + 1e-9).astype(np.int64), ev.channels))
        return _events_input(lists, lengths, self.n_inputs)


ENCODERS = {
    "current": CurrentEncoder,
    "poisson": PoissonEncoder,
    "delta": DeltaEncoder,
    "latency": LatencyEncoder,
}


def get_encoder(encoder):
    """An :class:`Encoder` from a name in ``ENCODERS`` or an instance."""
    if isinstance(encoder, Encoder):
        return encoder
    if isinstance(encoder, str) and encoder in ENCODERS:
        return ENCODERS[encoder]()
    if encoder == "events":
        raise ValueError("encoder='events' needs the number of channels: pass SpikeEncoder(n_inputs=...)")
    raise ValueError(
        f"encoder must be one of {sorted(ENCODERS)} or an Encoder instance such as SpikeEncoder(n_inputs), "
        f"got {encoder!r}"
    )


def frame_count(value):
    """Validate ``steps_per_frame``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_int("steps_per_frame", value, low=1)
    raise TypeError(f"steps_per_frame must be an integer >= 1, got {value!r}")
