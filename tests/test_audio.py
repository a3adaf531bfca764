"""Audio front ends on synthetic tones: mel features, MFCCs, the cochlea encoder and both pipelines."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from reservoirspike import CurrentEncoder, EventStream, SpikeEncoder, SpikingReservoirClassifier
from reservoirspike.audio import (CochleaEncoder, MelFeatures, hz_to_mel, log_mel_spectrogram, mel_filterbank,
                                  mel_to_hz, mfcc)

SR = 8000


def tone(freq, seconds=0.3, amplitude=0.5, sr=SR, phase=0.0):
    t = np.arange(int(round(seconds * sr))) / sr
    return amplitude * np.sin(2 * np.pi * freq * t + phase)


def test_mel_scale_round_trip():
    f = np.array([0.0, 100.0, 1000.0, 3999.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(f)), f, atol=1e-9)
    assert abs(hz_to_mel(1000.0) - 1000.0) < 0.1  # the HTK scale puts 1000 mel at 1 kHz
    assert np.all(np.diff(hz_to_mel(np.linspace(0, 4000, 50))) > 0)


def test_mel_filterbank_triangles():
    w, centers = mel_filterbank(SR, 512, n_mels=20)
    assert w.shape == (20, 257) and centers.shape == (20,)
    assert np.all(w >= 0) and np.all(w <= 1) and np.all(np.diff(centers) > 0)
    freqs = np.arange(257) * SR / 512
    # every filter peaks at its centre and the centres are equally spaced in mel
    assert np.all(np.abs(freqs[np.argmax(w, axis=1)] - centers) <= SR / 512)
    np.testing.assert_allclose(np.diff(hz_to_mel(centers)), np.diff(hz_to_mel(centers)).mean())
    with pytest.raises(ValueError, match="fall between the FFT bins"):
        mel_filterbank(SR, 64, n_mels=80)
    with pytest.raises(ValueError, match="fmin"):
        mel_filterbank(SR, 256, fmin=3000.0, fmax=2000.0)
    with pytest.raises(ValueError, match="fmax"):
        mel_filterbank(SR, 256, fmax=5000.0)


@pytest.mark.parametrize("freq", [300.0, 1000.0, 2500.0])
def test_log_mel_peaks_in_the_band_of_the_tone(freq):
    spec = log_mel_spectrogram(tone(freq), SR, n_mels=24)
    _, centers = mel_filterbank(SR, 256, n_mels=24)
    # filter k spans centres k-1 .. k+1 (the range edges at the ends): the loudest band brackets the tone
    edges = np.r_[0.0, centers, SR / 2]
    k = int(np.argmax(spec.mean(axis=0)))
    assert edges[k] <= freq <= edges[k + 2]
    assert abs(centers[k] - freq) == min(abs(centers - freq))


def test_log_mel_frames_and_validation():
    x = tone(440.0, seconds=1.0)
    assert log_mel_spectrogram(x, SR).shape == (99, 40)  # 1 + ceil((8000 - 200) / 80)
    assert log_mel_spectrogram(x[:50], SR).shape == (1, 40)  # shorter than a frame: one padded frame
    assert log_mel_spectrogram(x, SR, frame_ms=32, hop_ms=16, n_fft=512).shape == (62, 40)
    silent = log_mel_spectrogram(np.zeros(800), SR)
    np.testing.assert_allclose(silent, np.log(1e-10))
    with pytest.raises(ValueError, match="1-D"):
        log_mel_spectrogram(np.zeros((2, 100)), SR)
    with pytest.raises(ValueError, match="NaN"):
        log_mel_spectrogram(np.array([0.0, np.nan] * 200), SR)
    with pytest.raises(ValueError, match="empty"):
        log_mel_spectrogram(np.zeros(0), SR)
    with pytest.raises(ValueError, match="n_fft"):
        log_mel_spectrogram(x, SR, n_fft=128)


def test_mfcc_shape_and_loudness():
    x = tone(700.0) + 0.01 * np.random.default_rng(0).standard_normal(int(0.3 * SR))
    c = mfcc(x, SR, n_mfcc=13, n_mels=40)
    assert c.shape == (29, 13)
    logmel = log_mel_spectrogram(x, SR, n_mels=40)
    np.testing.assert_allclose(c[:, 0], logmel.sum(axis=1) / np.sqrt(40))  # orthonormal DCT-II
    # coefficient 0 tracks loudness: scaling by a adds 2 ln(a) sqrt(n_mels); the shape stays
    for a in (0.1, 3.0):
        ca = mfcc(a * x, SR)
        np.testing.assert_allclose(ca[:, 0] - c[:, 0], 2 * np.log(a) * np.sqrt(40), rtol=1e-9)
        np.testing.assert_allclose(ca[:, 1:], c[:, 1:], atol=1e-8)
    with pytest.raises(ValueError, match="n_mfcc"):
        mfcc(x, SR, n_mfcc=20, n_mels=16)


def test_mel_features_transformer():
    waves = [tone(500.0, 0.2), tone(900.0, 0.35)]
    feats = MelFeatures(n_mels=32).fit(waves).transform(waves)
    assert [f.shape for f in feats] == [(19, 32), (34, 32)]
    np.testing.assert_allclose(feats[1], log_mel_spectrogram(waves[1], SR, n_mels=32))
    mf = MelFeatures(kind="mfcc", n_mfcc=10).fit_transform(waves)
    assert [f.shape for f in mf] == [(19, 10), (34, 10)]
    norm = MelFeatures(kind="mfcc", normalize="utterance").transform(waves)  # stateless: no fit needed
    np.testing.assert_allclose(norm[1].mean(axis=0), 0.0, atol=1e-9)
    # a 2-D array holds equal-length waveforms
    assert len(MelFeatures().transform(np.vstack([waves[0], waves[0]]))) == 2
    est = clone(MelFeatures(kind="mfcc", hop_ms=5.0))
    assert est.get_params()["hop_ms"] == 5.0
    for bad, match in ((MelFeatures(kind="spectrum"), "kind"), (MelFeatures(normalize="global"), "normalize"),
                       (MelFeatures(kind="mfcc", n_mels=8), "n_mfcc"), (MelFeatures(fmax=6000.0), "fmax")):
        with pytest.raises(ValueError, match=match):
            bad.fit(waves)
    with pytest.raises(ValueError, match="list of 1-D waveforms"):
        MelFeatures().transform(waves[0])


def test_cochlea_bands():
    enc = CochleaEncoder(n_bands=12, fmin=100.0, fmax=3600.0)
    edges = enc.band_edges
    assert edges.shape == (12, 2) and enc.n_channels == 24
    assert edges[0, 0] == pytest.approx(100.0) and edges[-1, 1] == pytest.approx(3600.0)
    np.testing.assert_allclose(edges[1:, 0], edges[:-1, 1])
    widths = np.diff(hz_to_mel(edges), axis=1).ravel()
    np.testing.assert_allclose(widths, widths[0])  # equal widths in mel
    assert CochleaEncoder(n_bands=12, polarity="on").n_channels == 12


@pytest.mark.parametrize("freq", [250.0, 1000.0, 2000.0])
def test_cochlea_spikes_most_in_the_band_of_the_tone(freq):
    enc = CochleaEncoder(n_bands=16)
    band = int(np.flatnonzero((enc.band_edges[:, 0] <= freq) & (freq < enc.band_edges[:, 1]))[0])
    (ev,) = enc.transform([tone(freq)])
    on = np.bincount(ev.channels[ev.channels % 2 == 0] // 2, minlength=16)
    assert np.argmax(on) == band
    env = enc.compressed_envelopes(tone(freq))
    assert np.argmax(env[-1]) == band  # the steady state, too


def test_cochlea_events_timing_and_polarity():
    dt = 2.0
    sound = np.r_[np.zeros(800), tone(1000.0, 0.2), np.zeros(1600)]  # 100 ms silence, 200 ms tone, 200 ms silence
    enc = CochleaEncoder(n_bands=8, dt_ms=dt)
    (ev,) = enc.transform([sound])
    assert isinstance(ev, EventStream)
    assert ev.duration == pytest.approx(500.0)
    assert np.all(np.diff(ev.times) >= 0) and np.all(ev.times < ev.duration)
    np.testing.assert_allclose(ev.times % dt, 0.0)
    assert ev.times.min() >= 100.0  # nothing before the sound starts
    on, off = ev.channels % 2 == 0, ev.channels % 2 == 1
    assert ev.times[on].mean() < ev.times[off].mean()
    assert np.any(ev.times[off] > 300.0)  # the envelope decays after the tone ends: OFF events
    only_on = CochleaEncoder(n_bands=8, dt_ms=dt, polarity="on").transform([sound])[0]
    assert only_on.channels.max() < 8
    np.testing.assert_array_equal(np.sort(only_on.channels), np.sort(ev.channels[on] // 2))
    # the number of events follows the threshold
    fine = CochleaEncoder(n_bands=8, dt_ms=dt, threshold=0.1).transform([sound])[0]
    assert len(fine.times) > 2.5 * len(ev.times)
    silence = enc.transform([np.zeros(400)])[0]
    assert len(silence.times) == 0 and silence.duration == pytest.approx(50.0)
    SpikeEncoder(n_inputs=enc.n_channels).validate([ev, silence])  # valid spike input


def test_cochlea_validation():
    for bad, match in ((CochleaEncoder(fmin=0.0), "fmin"), (CochleaEncoder(fmax=4000.0), "fmax"),
                       (CochleaEncoder(polarity="off"), "polarity"), (CochleaEncoder(threshold=0.0), "threshold"),
                       (CochleaEncoder(dt_ms=0.01), "dt_ms"), (CochleaEncoder(n_bands=0), "n_bands")):
        with pytest.raises(ValueError, match=match):
            bad.fit([np.zeros(100)])


def tone_dataset(n, seed):
    """Two classes: 300 Hz and 1500 Hz tones of random length, level and phase, in noise."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        f = (300.0, 1500.0)[i % 2] * rng.uniform(0.95, 1.05)
        x = tone(f, rng.uniform(0.2, 0.3), rng.uniform(0.1, 0.5), phase=rng.uniform(0, 2 * np.pi))
        X.append((x * np.hanning(len(x)) + 0.03 * rng.standard_normal(len(x))).astype(np.float32))
        y.append(i % 2)
    return X, np.array(y)


def test_pipeline_cochlea_encoder_and_spiking_classifier():
    X_train, y_train = tone_dataset(40, 0)
    X_test, y_test = tone_dataset(20, 1)
    cochlea = CochleaEncoder(n_bands=16)
    model = make_pipeline(cochlea, SpikingReservoirClassifier(
        n_neurons=100, encoder=SpikeEncoder(n_inputs=cochlea.n_channels), random_state=0))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.8


@pytest.mark.parametrize("kind", ["logmel", "mfcc"])
def test_pipeline_mel_features_and_spiking_classifier(kind):
    X_train, y_train = tone_dataset(40, 0)
    X_test, y_test = tone_dataset(20, 1)
    model = make_pipeline(MelFeatures(kind=kind, n_mels=16, n_mfcc=8), SpikingReservoirClassifier(
        n_neurons=100, encoder=CurrentEncoder(gain=0.1), steps_per_frame=10, random_state=0))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.8
