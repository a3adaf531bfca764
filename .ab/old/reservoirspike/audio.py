"""Audio front ends: log-mel spectrograms, MFCCs and a cochlea-like spike encoder.

Everything here uses NumPy and SciPy only (``scipy.signal``, ``scipy.fft``),
on purpose: the few transforms a spiking front end needs -- framing, a mel
filter bank, a DCT, Butterworth band-pass filters -- are a few lines each, so
they do not justify an extra dependency such as librosa, and the package
stays importable with its core requirements alone.

Two routes lead from waveforms to a reservoir:

* :class:`MelFeatures` turns each waveform into a ``(T_i, n)`` sequence of
  log-mel or MFCC frames, read by any encoder of
  :class:`~reservoirspike.SpikingReservoirClassifier` (one frame every
  ``hop_ms``; ``steps_per_frame = hop_ms / dt`` keeps real time).
* :class:`CochleaEncoder` produces spikes directly, as a silicon cochlea
  does: band-pass filter bank, half-wave rectification and envelope,
  log compression, send-on-delta events per channel, returned as
  :class:`~reservoirspike.EventStream` objects for
  :class:`~reservoirspike.SpikeEncoder`.

Conventions: waveforms are 1-D float arrays (any scale; the data sets give
[-1, 1]); the mel scale is the HTK one, ``mel = 2595 log10(1 + f / 700)``.
"""

import math

import numpy as np
from numba import njit
from sklearn.base import BaseEstimator, TransformerMixin

from ._validation import check_choice, check_int, check_positive, check_real
from .encoding import EventStream

__all__ = ["CochleaEncoder", "MelFeatures", "hz_to_mel", "log_mel_spectrogram", "mel_filterbank", "mel_to_hz",
           "mfcc"]

LOG_FLOOR = 1e-10  # power floor of the log-mel spectrogram (natural log: -23.03)


# ---- mel scale and filter bank -------------------------------------------------------------------------

def hz_to_mel(f):
    """Frequency (Hz) to mel, HTK formula ``2595 log10(1 + f / 700)``.

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz (>= 0).

    Returns
    -------
    float or ndarray
    """
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    """Mel to frequency (Hz), the inverse of :func:`hz_to_mel`.

    Parameters
    ----------
    m : float or array-like

    Returns
    -------
    float or ndarray
    """
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def _check_band(sample_rate, fmin, fmax, *, fmin_open=False):
    sample_rate = check_positive("sample_rate", sample_rate)
    nyquist = sample_rate / 2.0
    fmin = check_real("fmin", fmin, low=0.0, low_open=fmin_open)
    fmax = nyquist if fmax is None else check_real("fmax", fmax, high=nyquist)
    if not fmin < fmax:
        raise ValueError(f"fmin={fmin} Hz must be below fmax={fmax} Hz (at most the Nyquist frequency "
                         f"{nyquist} Hz)")
    return sample_rate, fmin, fmax


def mel_filterbank(sample_rate, n_fft, n_mels=40, fmin=0.0, fmax=None):
    """Triangular mel filter bank on the bins of a real FFT.

    ``n_mels + 2`` points equally spaced on the mel scale from ``fmin`` to
    ``fmax``; filter ``k`` rises linearly (in Hz) from point ``k`` to a peak
    of 1 at point ``k + 1`` (its centre) and falls to zero at point ``k + 2``.

    Parameters
    ----------
    sample_rate : float
        Sampling rate (Hz).
    n_fft : int
        FFT length; the bank has ``n_fft // 2 + 1`` columns.
    n_mels : int, default=40
        Number of filters.
    fmin, fmax : float, default=0 and the Nyquist frequency
        Frequency range (Hz).

    Returns
    -------
    weights : ndarray of shape (n_mels, n_fft // 2 + 1)
    centers : ndarray of shape (n_mels,)
        Centre frequency (Hz) of every filter.

    Raises
    ------
    ValueError
        When a filter falls between two FFT bins and would stay empty (use
        fewer mels, a higher ``fmin`` or a longer FFT).
    """
    sample_rate, fmin, fmax = _check_band(sample_rate, fmin, fmax)
    n_fft = check_int("n_fft", n_fft, low=2)
    n_mels = check_int("n_mels", n_mels, low=1)
    points = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lo, mid, hi = points[:-2, None], points[1:-1, None], points[2:, None]
    rising = (freqs - lo) / (mid - lo)
    falling = (hi - freqs) / (hi - mid)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    empty = np.flatnonzero(weights.sum(axis=1) == 0)
    if len(empty):
        raise ValueError(
            f"mel filters {empty.tolist()} fall between the FFT bins ({sample_rate / n_fft:.3g} Hz apart): "
            f"use fewer than n_mels={n_mels} filters, a higher fmin or a longer n_fft"
        )
    return weights, points[1:-1]


# ---- spectrograms --------------------------------------------------------------------------------------

def _check_waveform(waveform, name="waveform"):
    x = np.asarray(waveform)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of samples, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinity")
    return x


def _frame_params(sample_rate, frame_ms, hop_ms, n_fft):
    frame_ms = check_positive("frame_ms", frame_ms)
    hop_ms = check_positive("hop_ms", hop_ms)
    n_win = int(round(frame_ms * sample_rate / 1000.0))
    hop = int(round(hop_ms * sample_rate / 1000.0))
    if n_win < 2 or hop < 1:
        raise ValueError(f"frame_ms={frame_ms} and hop_ms={hop_ms} give {n_win} and {hop} samples at "
                         f"{sample_rate} Hz; a frame needs >= 2 samples and a hop >= 1")
    if n_fft is None:
        n_fft = 1 << (n_win - 1).bit_length()
    elif check_int("n_fft", n_fft, low=2) < n_win:
        raise ValueError(f"n_fft={n_fft} is shorter than the frame ({n_win} samples)")
    return n_win, hop, int(n_fft)


def _power_frames(x, n_win, hop, n_fft):
    """Power spectra (T, n_fft // 2 + 1) of Hann-windowed frames; the end is zero-padded to a whole frame."""
    from scipy.signal import get_window

    n_frames = 1 + max(0, math.ceil((len(x) - n_win) / hop))
    padded = np.zeros((n_frames - 1) * hop + n_win)
    padded[:len(x)] = x
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_win)[::hop]
    spectrum = np.fft.rfft(frames * get_window("hann", n_win), n=n_fft, axis=1)
    return spectrum.real ** 2 + spectrum.imag ** 2


def log_mel_spectrogram(waveform, sample_rate, n_mels=40, frame_ms=25.0, hop_ms=10.0, fmin=0.0, fmax=None, *,
                        n_fft=None):
    """Log-mel spectrogram: natural log of the mel-band power of Hann-windowed frames.

    A frame of ``frame_ms`` starts every ``hop_ms`` (the first at sample 0;
    the signal's end is zero-padded to a whole frame); its power spectrum
    ``|rfft|**2`` is summed through the triangular filters of
    :func:`mel_filterbank` and the log taken after flooring at ``1e-10``.

    Parameters
    ----------
    waveform : array-like of shape (n_samples,)
        The signal.
    sample_rate : float
        Sampling rate (Hz).
    n_mels : int, default=40
        Number of mel bands.
    frame_ms, hop_ms : float, default=25 and 10
        Frame length and frame step (ms).
    fmin, fmax : float, default=0 and the Nyquist frequency
        Frequency range of the filter bank (Hz).
    n_fft : int, optional
        FFT length; default the smallest power of two holding a frame.

    Returns
    -------
    ndarray of shape (n_frames, n_mels)
        ``n_frames = 1 + ceil((n_samples - frame) / hop)`` (at least 1).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike.audio import log_mel_spectrogram
    >>> t = np.arange(8000) / 8000
    >>> log_mel_spectrogram(np.sin(2 * np.pi * 440 * t), 8000).shape
    (99, 40)
    """
    x = _check_waveform(waveform)
    sample_rate, fmin, fmax = _check_band(sample_rate, fmin, fmax)
    n_win, hop, n_fft = _frame_params(sample_rate, frame_ms, hop_ms, n_fft)
    weights, _ = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax)
    return np.log(np.maximum(_power_frames(x, n_win, hop, n_fft) @ weights.T, LOG_FLOOR))


def mfcc(waveform, sample_rate, n_mfcc=13, n_mels=40, frame_ms=25.0, hop_ms=10.0, fmin=0.0, fmax=None, *,
         n_fft=None):
    """Mel-frequency cepstral coefficients: orthonormal DCT-II of the log-mel spectrogram.

    Coefficient 0 is ``sum_k logmel[:, k] / sqrt(n_mels)``: it follows the
    frame's loudness (scaling the waveform by ``a`` adds
    ``2 ln(a) sqrt(n_mels)``); the others describe the spectral shape.

    Parameters
    ----------
    waveform : array-like of shape (n_samples,)
    sample_rate : float
        Sampling rate (Hz).
    n_mfcc : int, default=13
        Coefficients kept (at most ``n_mels``).
    n_mels, frame_ms, hop_ms, fmin, fmax, n_fft
        As in :func:`log_mel_spectrogram`.

    Returns
    -------
    ndarray of shape (n_frames, n_mfcc)
    """
    from scipy.fft import dct

    n_mfcc = check_int("n_mfcc", n_mfcc, low=1)
    if n_mfcc > check_int("n_mels", n_mels, low=1):
        raise ValueError(f"n_mfcc={n_mfcc} must not exceed n_mels={n_mels}")
    logmel = log_mel_spectrogram(waveform, sample_rate, n_mels, frame_ms, hop_ms, fmin, fmax, n_fft=n_fft)
    return dct(logmel, type=2, norm="ortho", axis=1)[:, :n_mfcc]


def _waveform_list(X, name="X"):
    """Validate a list of waveforms (or a 2-D array of equal-length ones)."""
    if isinstance(X, np.ndarray) and X.ndim == 2:
        X = list(X)
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype != object:
        raise ValueError(f"{name} must be a list of 1-D waveforms; wrap a single waveform in a list")
    if not isinstance(X, (list, tuple, np.ndarray)) or len(X) == 0:
        raise ValueError(f"{name} must be a non-empty list of 1-D waveforms")
    return [_check_waveform(x, f"{name}[{i}]") for i, x in enumerate(X)]


class _WaveformTransformer(TransformerMixin, BaseEstimator):
    """Stateless transformer of waveforms: ``fit`` only validates."""

    def fit(self, X, y=None):
        """Check the parameters and X; nothing is learned.

        Parameters
        ----------
        X : list of 1-D arrays
            Waveforms.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        _waveform_list(X)
        return self


class MelFeatures(_WaveformTransformer):
    """Waveforms to sequences of log-mel or MFCC frames (a stateless transformer).

    Maps a list of 1-D waveforms to a list of ``(T_i, n)`` arrays (one row
    every ``hop_ms``), the sequence input of the reservoir estimators.

    Parameters
    ----------
    kind : {"logmel", "mfcc"}, default="logmel"
        :func:`log_mel_spectrogram` (``n = n_mels``) or :func:`mfcc`
        (``n = n_mfcc``).
    sample_rate : float, default=8000
        Sampling rate of the waveforms (Hz).
    n_mels : int, default=40
        Mel bands.
    n_mfcc : int, default=13
        Cepstral coefficients (``kind="mfcc"``).
    frame_ms, hop_ms : float, default=25 and 10
        Frame length and step (ms).
    fmin, fmax : float, default=0 and the Nyquist frequency
        Frequency range (Hz).
    normalize : {None, "utterance"}, default=None
        ``"utterance"``: subtract every sequence's own mean and divide by its
        own standard deviation, per feature (cepstral mean and variance
        normalisation; removes the channel and the overall level, and with
        them any stationary spectrum).  Otherwise the features are left as
        they are; scale them for the reservoir's encoder (e.g.
        ``CurrentEncoder(gain=...)``).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike.audio import MelFeatures
    >>> waves = [np.random.default_rng(0).normal(size=4000), np.zeros(2000)]
    >>> [f.shape for f in MelFeatures(kind="mfcc").fit_transform(waves)]
    [(49, 13), (24, 13)]
    """

    def __init__(self, kind="logmel", *, sample_rate=8000, n_mels=40, n_mfcc=13, frame_ms=25.0, hop_ms=10.0,
                 fmin=0.0, fmax=None, normalize=None):
        self.kind = kind
        self.sample_rate = sample_rate
        self.n_mels = n_mels
        self.n_mfcc = n_mfcc
        self.frame_ms = frame_ms
        self.hop_ms = hop_ms
        self.fmin = fmin
        self.fmax = fmax
        self.normalize = normalize

    def _check_params(self):
        check_choice("kind", self.kind, ("logmel", "mfcc"))
        if self.normalize is not None:
            check_choice("normalize", self.normalize, ("utterance",))
        sample_rate, fmin, fmax = _check_band(self.sample_rate, self.fmin, self.fmax)
        n_win, hop, n_fft = _frame_params(sample_rate, self.frame_ms, self.hop_ms, None)
        mel_filterbank(sample_rate, n_fft, self.n_mels, fmin, fmax)
        if self.kind == "mfcc" and check_int("n_mfcc", self.n_mfcc, low=1) > self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc} must not exceed n_mels={self.n_mels}")

    def transform(self, X):
        """Features of every waveform.

        Parameters
        ----------
        X : list of 1-D arrays, or a 2-D array of equal-length waveforms

        Returns
        -------
        list of ndarray of shape (T_i, n)
        """
        self._check_params()
        out = []
        for x in _waveform_list(X):
            if self.kind == "mfcc":
                f = mfcc(x, self.sample_rate, self.n_mfcc, self.n_mels, self.frame_ms, self.hop_ms, self.fmin,
                         self.fmax)
            else:
                f = log_mel_spectrogram(x, self.sample_rate, self.n_mels, self.frame_ms, self.hop_ms, self.fmin,
                                        self.fmax)
            if self.normalize == "utterance":
                sd = f.std(axis=0)
                f = (f - f.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
            out.append(f)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


# ---- cochlea-like spike encoder ------------------------------------------------------------------------

@njit(cache=True)
def _send_on_delta(c, threshold, on_off):
    """Events (step, channel) of send-on-delta coding of c (T, d), reference starting at 0.

    When the value lies ``k`` thresholds above (below) the reference, ``k``
    ON (OFF) events are sent and the reference moves by ``k`` thresholds.
    ON/OFF: channel 2j (ON) and 2j + 1 (OFF); ON only: channel j, and the
    reference still follows decreases (without events).
    """
    T, d = c.shape
    ref = np.zeros(d)
    steps = np.empty(0, np.int64)
    chans = np.empty(0, np.int64)
    for sweep in range(2):  # count, then fill
        n = 0
        ref[:] = 0.0
        for t in range(T):
            for j in range(d):
                diff = c[t, j] - ref[j]
                k = int(abs(diff) // threshold)
                if k == 0:
                    continue
                up = diff > 0
                if up or on_off:
                    if sweep == 1:
                        ch = (2 * j if up else 2 * j + 1) if on_off else j
                        for _ in range(k):
                            steps[n] = t
                            chans[n] = ch
                            n += 1
                    else:
                        n += k
                ref[j] += threshold * k if up else -threshold * k
        if sweep == 0:
            steps = np.empty(n, np.int64)
            chans = np.empty(n, np.int64)
    return steps, chans


class CochleaEncoder(_WaveformTransformer):
    """Cochlea-like spike encoding of waveforms: filter bank, envelope, log, send-on-delta.

    For every waveform:

    1. a bank of ``n_bands`` Butterworth band-pass filters (order
       ``2 * filter_order``, second-order sections, causal) whose edges are
       equally spaced on the mel scale from ``fmin`` to ``fmax`` (adjacent
       bands meet at their -3 dB points);
    2. half-wave rectification and a Butterworth low-pass envelope
       (``envelope_cutoff``, order 2), scaled by pi so that a tone of
       amplitude ``A`` gives an envelope of about ``A``;
    3. log compression ``log(1 + envelope / reference)``: 0 in silence,
       logarithmic above ``reference``;
    4. the compressed envelope sampled every ``dt_ms`` and coded
       send-on-delta: whenever it moves ``k`` thresholds above (below) a
       reference level that starts at 0, ``k`` ON (OFF) events are sent at
       that time and the reference follows.

    Parameters
    ----------
    n_bands : int, default=16
        Frequency channels.
    sample_rate : float, default=8000
        Sampling rate of the waveforms (Hz).
    fmin : float, default=100
        Lower edge of the lowest band (Hz, > 0).
    fmax : float, optional
        Upper edge of the highest band (Hz); default 0.45 times the sampling
        rate (below the Nyquist frequency).
    filter_order : int, default=2
        Butterworth order of each band-pass prototype.
    envelope_cutoff : float, default=50
        Cut-off of the envelope low-pass (Hz).
    reference : float, default=1e-3
        Envelope level at which the log compression sets in (signal units).
    threshold : float, default=0.3
        Send-on-delta step in log units (0.3: about a 35 % change of the
        envelope above ``reference``).
    polarity : {"on_off", "on"}, default="on_off"
        ``"on_off"``: band ``j`` sends ON events on channel ``2j`` and OFF
        events on ``2j + 1``; ``"on"``: ON events only, on channel ``j``.
    dt_ms : float, default=1.0
        Time resolution of the events (ms); use the estimator's ``dt`` or a
        multiple of it.

    Attributes
    ----------
    n_channels : int
        Input channels of the output (``SpikeEncoder(n_inputs=n_channels)``).
    band_edges : ndarray of shape (n_bands, 2)
        Lower and upper edge (Hz) of every band.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from reservoirspike import SpikeEncoder, SpikingReservoirClassifier
    >>> from reservoirspike.audio import CochleaEncoder
    >>> cochlea = CochleaEncoder(n_bands=16)
    >>> model = make_pipeline(cochlea, SpikingReservoirClassifier(
    ...     n_neurons=200, encoder=SpikeEncoder(n_inputs=cochlea.n_channels), random_state=0))
    """

    def __init__(self, n_bands=16, *, sample_rate=8000, fmin=100.0, fmax=None, filter_order=2, envelope_cutoff=50.0,
                 reference=1e-3, threshold=0.3, polarity="on_off", dt_ms=1.0):
        self.n_bands = n_bands
        self.sample_rate = sample_rate
        self.fmin = fmin
        self.fmax = fmax
        self.filter_order = filter_order
        self.envelope_cutoff = envelope_cutoff
        self.reference = reference
        self.threshold = threshold
        self.polarity = polarity
        self.dt_ms = dt_ms

    def _check_params(self):
        check_int("n_bands", self.n_bands, low=1)
        sample_rate = check_positive("sample_rate", self.sample_rate)
        fmax = 0.45 * sample_rate if self.fmax is None else self.fmax
        _, fmin, fmax = _check_band(sample_rate, self.fmin, fmax, fmin_open=True)
        if fmax >= sample_rate / 2.0:
            raise ValueError(f"fmax={fmax} Hz must lie below the Nyquist frequency {sample_rate / 2.0} Hz")
        check_int("filter_order", self.filter_order, low=1, high=8)
        cutoff = check_positive("envelope_cutoff", self.envelope_cutoff)
        if cutoff >= sample_rate / 2.0:
            raise ValueError(f"envelope_cutoff={cutoff} Hz must lie below the Nyquist frequency {sample_rate / 2.0} Hz")
        check_positive("reference", self.reference)
        check_positive("threshold", self.threshold)
        check_choice("polarity", self.polarity, ("on_off", "on"))
        dt = check_positive("dt_ms", self.dt_ms)
        if dt * sample_rate / 1000.0 < 1.0:
            raise ValueError(f"dt_ms={dt} is shorter than one sample at {sample_rate} Hz")
        return sample_rate, fmin, fmax

    @property
    def n_channels(self):
        """Number of event channels: ``n_bands``, twice that with ON/OFF polarity."""
        return self.n_bands * (2 if self.polarity == "on_off" else 1)

    @property
    def band_edges(self):
        """Lower and upper edge (Hz) of every band, shape (n_bands, 2)."""
        _, fmin, fmax = self._check_params()
        edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), self.n_bands + 1))
        return np.column_stack([edges[:-1], edges[1:]])

    def _filters(self):
        from scipy.signal import butter

        sample_rate, _, _ = self._check_params()
        bands = [butter(self.filter_order, [lo, hi], btype="bandpass", fs=sample_rate, output="sos")
                 for lo, hi in self.band_edges]
        envelope = butter(2, self.envelope_cutoff, btype="lowpass", fs=sample_rate, output="sos")
        return bands, envelope

    def compressed_envelopes(self, waveform):
        """The log-compressed envelope of every band, sampled every ``dt_ms``.

        Parameters
        ----------
        waveform : array-like of shape (n_samples,)

        Returns
        -------
        ndarray of shape (n_steps, n_bands)
            ``n_steps = ceil(n_samples / samples per dt_ms)``; row ``k`` is
            the value at the first sample of step ``k`` (time ``k * dt_ms``),
            so events never precede the sound that causes them.
        """
        x = _check_waveform(waveform)
        return self._envelopes(x, *self._filters())

    def _envelopes(self, x, bands, envelope):
        from scipy.signal import sosfilt

        per_step = self.dt_ms * self.sample_rate / 1000.0
        n_steps = max(1, math.ceil(len(x) / per_step - 1e-9))
        at = np.floor(np.arange(n_steps) * per_step + 1e-9).astype(np.int64)  # first sample of every step
        out = np.empty((n_steps, len(bands)))
        for j, sos in enumerate(bands):
            env = np.pi * sosfilt(envelope, np.maximum(sosfilt(sos, x), 0.0))
            out[:, j] = np.log1p(np.maximum(env[at], 0.0) / self.reference)
        return out

    def transform(self, X):
        """Spike events of every waveform.

        Parameters
        ----------
        X : list of 1-D arrays, or a 2-D array of equal-length waveforms

        Returns
        -------
        list of EventStream
            Event times (ms, multiples of ``dt_ms``, in order), channels and
            duration ``n_steps * dt_ms`` of every waveform.
        """
        filters = self._filters()
        out = []
        for x in _waveform_list(X):
            c = self._envelopes(x, *filters)
            steps, chans = _send_on_delta(c, float(self.threshold), self.polarity == "on_off")
            out.append(EventStream(steps * float(self.dt_ms), chans, len(c) * float(self.dt_ms)))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
