"""Address-event (event camera) input: channel mapping, times, validation, and motion direction."""

import numpy as np
import pytest
from sklearn.base import clone

from reservoirspike import AddressEventEncoder, EventStream, SpikeEncoder, SpikingReservoirClassifier

# events: (x, y, polarity, t in us) on a 10 x 6 sensor
X_ = np.array([0, 3, 4, 9, 9, 5])
Y_ = np.array([0, 3, 0, 5, 5, 4])
P_ = np.array([1, 0, 1, 1, 0, 0])
T_ = np.array([5000.0, 5400.0, 7999.0, 8000.0, 12500.0, 6100.0])  # not in order


def one(enc, rec=(X_, Y_, P_, T_)):
    (s,) = enc.transform([rec])
    return s


def test_grid_and_channel_counts():
    enc = AddressEventEncoder((10, 6), pool=(4, 4))
    assert enc.grid_shape == (3, 2) and enc.n_channels == 12  # ceil(10/4) x ceil(6/4) blocks, ON and OFF
    assert AddressEventEncoder((10, 6), pool=4, polarity="merge").n_channels == 6
    assert AddressEventEncoder((10, 6), polarity="on").n_channels == 60
    assert AddressEventEncoder((34, 34), pool=(2, 2)).n_channels == 2 * 17 * 17


def test_channel_mapping_with_pooling_and_polarity():
    block = (Y_ // 4) * 3 + X_ // 4  # 3 blocks per row
    by_time = np.argsort(T_, kind="stable")
    split = one(AddressEventEncoder((10, 6), pool=(4, 4)))
    # events come out in time order; ON -> 2 * block, OFF -> 2 * block + 1
    np.testing.assert_array_equal(split.channels, (2 * block + (P_ == 0))[by_time])
    merge = one(AddressEventEncoder((10, 6), pool=(4, 4), polarity="merge"))
    np.testing.assert_array_equal(merge.channels, block[by_time])
    on = one(AddressEventEncoder((10, 6), pool=(4, 4), polarity="on"))
    off = one(AddressEventEncoder((10, 6), pool=(4, 4), polarity="off"))
    np.testing.assert_array_equal(on.channels, block[by_time][P_[by_time] == 1])
    np.testing.assert_array_equal(off.channels, block[by_time][P_[by_time] == 0])
    assert on.duration == off.duration == split.duration  # the recording's span, whatever is kept
    pixels = one(AddressEventEncoder((10, 6), polarity="merge"))
    np.testing.assert_array_equal(pixels.channels, (Y_ * 10 + X_)[by_time])
    # polarity as {-1, +1} or booleans means the same
    for p in (np.where(P_ == 1, 1, -1), P_.astype(bool)):
        np.testing.assert_array_equal(one(AddressEventEncoder((10, 6), pool=4), (X_, Y_, p, T_)).channels,
                                      split.channels)


def test_times_are_relative_ms_on_the_step_grid():
    s = one(AddressEventEncoder((10, 6)))
    # relative to the earliest event (5000 us), in ms, floored to whole 1 ms steps
    np.testing.assert_array_equal(s.times, [0.0, 0.0, 1.0, 2.0, 3.0, 7.0])
    assert s.duration == 8.0
    fine = one(AddressEventEncoder((10, 6), dt_ms=0.5))
    np.testing.assert_array_equal(fine.times, [0.0, 0.0, 1.0, 2.5, 3.0, 7.5])
    assert fine.duration == 8.0
    fixed = one(AddressEventEncoder((10, 6), duration_ms=3.0))
    assert fixed.duration == 3.0 and list(fixed.times) == [0.0, 0.0, 1.0, 2.0]  # later events are dropped
    assert list(one(AddressEventEncoder((10, 6), duration_ms=50.0)).times) == list(s.times)
    # shifting every timestamp changes nothing
    shifted = one(AddressEventEncoder((10, 6)), (X_, Y_, P_, T_ + 1e6))
    np.testing.assert_array_equal(shifted.times, s.times)


def test_recording_formats():
    enc = AddressEventEncoder((10, 6), pool=2)
    ref = one(enc)
    structured = np.zeros(len(X_), dtype=[("x", "<i2"), ("y", "<i2"), ("p", "<i1"), ("t", "<i8")])
    structured["x"], structured["y"], structured["p"], structured["t"] = X_, Y_, P_, T_
    mapping = {"x": X_, "y": Y_, "polarity": P_, "timestamp": T_}
    for rec in (structured, mapping, [X_, Y_, P_, T_], (X_.astype(float), Y_, P_, T_.astype(np.int64))):
        s = one(enc, rec)
        np.testing.assert_array_equal(s.channels, ref.channels)
        np.testing.assert_array_equal(s.times, ref.times)
    assert len(enc.transform(structured)) == 1  # one structured array is one recording
    assert len(enc.fit_transform([structured, mapping])) == 2


def test_empty_recordings_and_event_caps():
    enc = AddressEventEncoder((4, 4), pool=4, polarity="merge")
    empty = one(enc, (np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0)))
    assert len(empty.times) == 0 and empty.duration == 1.0
    SpikeEncoder(n_inputs=1).validate([empty])  # valid spike input
    # 10 events of one pooled channel in step 0 and 3 in step 2
    rec = (np.arange(13) % 4, np.arange(13) // 4, np.ones(13), np.r_[np.linspace(0, 900, 10), [2000, 2100, 2200]])
    assert list(one(enc, rec).times) == [0.0] * 10 + [2.0] * 3
    capped = one(clone(enc).set_params(max_events_per_step=2), rec)
    assert list(capped.times) == [0.0, 0.0, 2.0, 2.0]
    on = one(AddressEventEncoder((4, 4), polarity="off"), rec)  # nothing kept, the span remains
    assert len(on.times) == 0 and on.duration == 3.0


@pytest.mark.parametrize("rec, match", [
    ((np.array([10]), np.array([0]), np.array([1]), np.array([0.0])), r"x=10, outside the sensor"),
    ((np.array([0]), np.array([-1]), np.array([1]), np.array([0.0])), r"y=-1, outside the sensor"),
    ((np.array([0, 1]), np.array([0, 0]), np.array([1, 1]), np.array([0.0, -5.0])), r"timestamps must be >= 0"),
    ((np.array([0]), np.array([0]), np.array([1]), np.array([np.nan])), "finite"),
    ((np.array([0, 1]), np.array([0]), np.array([1]), np.array([0.0])), "one length"),
    ((np.array([0.5]), np.array([0]), np.array([1]), np.array([0.0])), "whole numbers"),
    ((np.array([0]), np.array([0]), np.array([1])), r"\(x, y, polarity, t\)"),
    ({"x": [0], "y": [0], "t": [0.0]}, "no 'p'"),
])
def test_invalid_recordings(rec, match):
    with pytest.raises(ValueError, match=match):
        AddressEventEncoder((10, 6)).transform([rec])


def test_non_monotonic_timestamps_are_fine():
    s = one(AddressEventEncoder((10, 6)), (X_[::-1], Y_[::-1], P_[::-1], T_[::-1]))
    assert np.all(np.diff(s.times) >= 0)


def test_invalid_parameters():
    rec = [(X_, Y_, P_, T_)]
    for enc, match in ((AddressEventEncoder((10, 6), polarity="both"), "polarity"),
                       (AddressEventEncoder(10), "sensor_size"), (AddressEventEncoder((10, 0)), "sensor_size"),
                       (AddressEventEncoder((10, 6), pool=(0, 2)), "pool"),
                       (AddressEventEncoder((10, 6), dt_ms=0), "dt_ms"),
                       (AddressEventEncoder((10, 6), max_events_per_step=0), "max_events_per_step")):
        with pytest.raises(ValueError, match=match):
            enc.fit(rec)
    with pytest.raises(ValueError, match="non-empty list"):
        AddressEventEncoder((10, 6)).transform([])
    with pytest.raises(TypeError, match="structured array or a mapping"):
        AddressEventEncoder((10, 6)).transform(["events.npy"])


W = H = 16


def moving_bar(direction, rng, sweep_us=100_000.0):
    """A 2-pixel vertical bar sweeping across the sensor: ON events at its leading edge, OFF at its trailing
    edge, 80 % of the pixels firing, 0.5 ms timing jitter and 100 background events."""
    speed = W / sweep_us * rng.uniform(0.8, 1.2)  # px / us
    xs, ys, ps, ts = [], [], [], []
    for step in range(W):
        col = step if direction > 0 else W - 1 - step
        for row in range(H):
            for pol, lag in ((1, 0.0), (0, 2 / speed)):
                if rng.random() < 0.8:
                    xs.append(col)
                    ys.append(row)
                    ps.append(pol)
                    ts.append(step / speed + lag + rng.normal(0, 500.0))
    n = 100
    xs += list(rng.integers(0, W, n))
    ys += list(rng.integers(0, H, n))
    ps += list(rng.integers(0, 2, n))
    ts += list(rng.uniform(0, sweep_us, n))
    return np.array(xs), np.array(ys), np.array(ps), np.clip(np.array(ts) + 2000.0, 0.0, None)


def test_spiking_classifier_tells_motion_directions_apart():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    recordings = [moving_bar(1 if label == 0 else -1, rng) for label in y]
    enc = AddressEventEncoder((W, H), pool=(4, 4))
    streams = enc.fit_transform(recordings)
    assert all(isinstance(s, EventStream) for s in streams) and enc.n_channels == 32
    clf = SpikingReservoirClassifier(n_neurons=100, encoder=SpikeEncoder(n_inputs=enc.n_channels), random_state=0)
    clf.fit(streams[:24], y[:24])
    assert clf.score(streams[24:], y[24:]) > 0.8
