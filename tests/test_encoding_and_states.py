"""Encoders, snapshots and input validation."""

import numpy as np
import pytest

from reservoirspike import (DeltaEncoder, EventStream, LatencyEncoder, PoissonEncoder, SpikeEncoder,
                            SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor,
                            connect_inputs, random_reservoir, simulate)
from reservoirspike._rng import uniform_numpy


def test_counter_based_uniforms_are_uniform_and_keyed():
    u = uniform_numpy(1, 1, np.arange(200)[:, None], np.arange(500)[None, :])
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1] < 0.01
    assert not np.array_equal(uniform_numpy(1, 1, 3, np.arange(10)), uniform_numpy(2, 1, 3, np.arange(10)))
    assert not np.array_equal(uniform_numpy(1, 1, 3, np.arange(10)), uniform_numpy(1, 2, 3, np.arange(10)))


def test_poisson_encoder_probabilities():
    enc = PoissonEncoder(max_rate=200.0, gain=1 / 200.0, transform="linear")
    kin = enc.encode([np.full((2, 3), 50.0)], dt=0.5, frame_steps=4)
    np.testing.assert_allclose(kin.dense, 50.0 * 0.5 / 1000.0)
    # the kernel's draws: fraction of steps with a spike matches rate * dt
    x = uniform_numpy(123, 1, np.arange(20000)[:, None], np.arange(3)[None, :]) < 0.025
    assert abs(x.mean() - 0.025) < 0.002
    with pytest.raises(ValueError, match="max_rate"):
        PoissonEncoder(max_rate=5000.0).encode([np.zeros((2, 1))], dt=1.0, frame_steps=1)


def test_delta_encoder_tracks_the_signal():
    t = np.linspace(0, 4 * np.pi, 200)
    x = np.column_stack([np.sin(t), 0.5 * np.cos(t)])
    thr = 0.1
    kin = DeltaEncoder(threshold=thr).encode([x], dt=1.0, frame_steps=3)
    assert kin.n_channels == 4
    rows = np.repeat(np.arange(len(kin.ev_ptr) - 1), np.diff(kin.ev_ptr))
    assert np.all(rows % 3 == 0)  # events at the first step of a frame
    for c in range(2):
        on = np.bincount(rows[kin.ev_channel == 2 * c] // 3, minlength=200)
        off = np.bincount(rows[kin.ev_channel == 2 * c + 1] // 3, minlength=200)
        recon = np.cumsum(on - off) * thr
        assert np.max(np.abs(recon - x[:, c])) < thr + 1e-12


def test_latency_encoder_earlier_for_larger_values():
    x = np.array([[0.9, 0.5, 0.1, 0.0]])
    kin = LatencyEncoder(transform="linear").encode([x], dt=1.0, frame_steps=11)
    rows = np.repeat(np.arange(11), np.diff(kin.ev_ptr))
    order = dict(zip(kin.ev_channel.tolist(), rows.tolist()))
    assert order == {0: 1, 1: 5, 2: 9}  # (1 - u) * 10 rounded; u=0 sends nothing


def test_spike_encoder_places_events_and_validates():
    enc = SpikeEncoder(n_inputs=3)
    seqs, _ = enc.validate([EventStream([0.0, 2.5, 2.9, 7.0], [0, 2, 2, 1], duration=10.0), ([1.0], [1])])
    kin = enc.encode(seqs, dt=1.0, frame_steps=1)
    assert list(kin.lengths) == [10, 2]
    rows = np.repeat(np.arange(12), np.diff(kin.ev_ptr))
    assert list(zip(rows, kin.ev_channel)) == [(0, 0), (2, 2), (2, 2), (7, 1), (11, 1)]
    with pytest.raises(ValueError, match="channels"):
        enc.validate([([1.0], [3])])
    with pytest.raises(ValueError, match="beyond duration"):
        enc.validate([EventStream([5.0], [0], duration=5.0)])
    with pytest.raises(ValueError, match="times"):
        enc.validate([([np.nan], [0])])


def test_spike_input_drives_an_estimator():
    rng = np.random.default_rng(0)
    X = [EventStream(np.sort(rng.uniform(0, 50, 40)), rng.integers(0, 5, 40), duration=50.0) for _ in range(6)]
    res = SpikingReservoir(n_neurons=50, encoder=SpikeEncoder(5), input_weight=20.0, n_bins=5,
                           random_state=0).fit(X)
    F = res.transform(X)
    assert F.shape == (6, 250) and F.sum() > 0


def test_snapshots_agree_with_each_other():
    rng = np.random.default_rng(1)
    net = connect_inputs(random_reservoir(80, bias=(5.0, 9.0), random_state=0), 2, weight=10.0,
                         sign="mixed", random_state=0)
    X = [rng.normal(size=(n, 2)) for n in (7, 12)]
    res = simulate(net, X, steps_per_frame=10, record=("spikes", "counts", "traces", "final", "steps"),
                   n_bins=4, tau_trace=15.0)
    assert res.total_spikes.min() > 0
    for i in range(2):
        np.testing.assert_array_equal(res.counts[i].sum(0), np.bincount(res.spikes(i)[1], minlength=80))
        np.testing.assert_allclose(res.traces[i, -1], res.final[i])
        np.testing.assert_allclose(res.steps[i][-1], res.final[i])
        assert res.steps[i].shape == (len(X[i]), 80)
        # a trace is the sum of exp(-(t_end - t_spike)/tau) over spikes
        steps, ids = res.spike_steps(i)
        T = len(X[i]) * 10
        expected = np.zeros(80)
        np.add.at(expected, ids, np.exp(-(T - 1 - steps) * 1.0 / 15.0))
        np.testing.assert_allclose(res.final[i], expected, rtol=1e-5)
    assert res.mean_rate > 0


BAD_X = [
    (np.array([[[np.nan]]]), "NaN"),
    (np.array([[[np.inf, 1.0]]]), "infinity"),
    (np.zeros((2, 0, 3)), "empty"),
    ([np.zeros((3, 2)), np.zeros((0, 2))], "empty"),
    ([np.zeros((3, 2)), np.zeros((4, 3))], "same number of channels"),
    (np.zeros(5), "2-D"),
    ([], "empty list"),
    (np.zeros((1, 2, 3, 4)), "dim 4"),
]


@pytest.mark.parametrize("X,match", BAD_X)
def test_bad_sequences_are_rejected_with_a_clear_message(X, match):
    with pytest.raises(ValueError, match=match):
        SpikingReservoir(n_neurons=10).fit(X)


def test_feature_count_and_parameters_checked():
    X = np.zeros((3, 5, 2))
    res = SpikingReservoir(n_neurons=10, n_bins=2).fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but SpikingReservoir is expecting 2"):
        res.transform(np.zeros((3, 5, 3)))
    for params, match in [(dict(n_neurons=0), "n_neurons"), (dict(backend="tpu"), "backend"),
                          (dict(encoder="morse"), "encoder"),
                          (dict(dt=-1.0), "dt"), (dict(n_bins=500), "n_bins"),
                          (dict(input_connectivity=2.0), "input_connectivity"), (dict(n_jobs=0), "n_jobs"),
                          (dict(tau_trace=0.0), "tau_trace"), (dict(steps_per_frame=0), "steps_per_frame"),
                          (dict(neuron="hodgkin"), "neuron"), (dict(weight_inh=1.0), "weight_inh")]:
        with pytest.raises((ValueError, TypeError), match=match):
            SpikingReservoir(**{"n_neurons": 10, **params}).fit(X)
    with pytest.raises(ValueError, match="labels"):
        SpikingReservoirClassifier(n_neurons=10).fit(X, [0, 1])
    with pytest.raises(ValueError, match="target row per time step"):
        SpikingReservoirRegressor(n_neurons=10).fit(np.zeros((5, 2)), np.zeros(4))


def test_filtered_traces_equal_the_kernel_traces_and_a_brute_force_sum():
    from reservoirspike.states import bin_ends, filtered_traces

    rng = np.random.default_rng(2)
    net = connect_inputs(random_reservoir(60, bias=(5.0, 9.0), random_state=1), 2, weight=10.0,
                         sign="mixed", random_state=1)
    X = [rng.normal(size=(n, 2)) for n in (9, 13)]
    for tau in (7.0, 40.0):
        res = simulate(net, X, steps_per_frame=10, record=("spikes", "traces", "final", "steps"), n_bins=3,
                       tau_trace=tau)
        for i in range(2):
            T = len(X[i]) * 10
            spikes = res.spike_steps(i)
            frame_ends = np.arange(9, T, 10)
            np.testing.assert_allclose(filtered_traces(*spikes, frame_ends, 60, (tau,), 1.0), res.steps[i], rtol=1e-5,
                                       atol=1e-6)
            np.testing.assert_allclose(filtered_traces(*spikes, bin_ends(T, 3), 60, (tau,), 1.0), res.traces[i],
                                       rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(filtered_traces(*spikes, [T - 1], 60, (tau,), 1.0)[0], res.final[i], rtol=1e-5)
    # independent of the kernel: sum exp(-(t_end - t_spike) dt / tau) over the spikes at or before t_end
    steps = rng.integers(0, 50, 40)
    ids = rng.integers(0, 5, 40)
    ends = np.array([3, 10, 11, 30, 49])
    got = filtered_traces(steps, ids, ends, 5, (2.0, 25.0), 0.5)
    for k, tau in enumerate((2.0, 25.0)):
        for r, t_end in enumerate(ends):
            want = [np.exp(-(t_end - steps[(ids == j) & (steps <= t_end)]) * 0.5 / tau).sum() for j in range(5)]
            np.testing.assert_allclose(got[r, k * 5:(k + 1) * 5], want, rtol=1e-12)
    # bins as the kernel draws them: bin b holds the steps t with t * n_bins // n_steps == b
    for n_steps, n_bins in ((10, 3), (7, 7), (100, 8)):
        b = np.arange(n_steps) * n_bins // n_steps
        np.testing.assert_array_equal(bin_ends(n_steps, n_bins), [np.flatnonzero(b == k).max() for k in range(n_bins)])


def test_several_trace_time_constants_in_every_estimator():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 12, 2))
    y = np.arange(6) % 2
    one = SpikingReservoir(n_neurons=30, snapshot=["traces", "final", "counts"], n_bins=3, tau_trace=20.0,
                           random_state=0).fit(X)
    two = SpikingReservoir(n_neurons=30, snapshot=["traces", "final", "counts"], n_bins=3, tau_trace=(20.0, 150.0),
                           random_state=0).fit(X)
    f1, f2 = one.transform(X), two.transform(X)
    assert f2.shape == (6, two._n_features_out) == (6, 30 * (3 * 2 + 2 + 3))
    names = two.get_feature_names_out()
    assert len(names) == f2.shape[1] and names[0] == "traces_tau20_b0_n0" and names[90] == "traces_tau150_b0_n0"
    # the block of the first time constant is the single-constant snapshot
    np.testing.assert_allclose(f2[:, :90], f1[:, :90], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f2[:, 180:210], f1[:, 90:120], rtol=1e-5, atol=1e-6)  # "final"
    np.testing.assert_array_equal(f2[:, 240:], f1[:, 120:])  # counts do not depend on the trace
    assert np.all(f2[:, 90:180] >= f2[:, :90] - 1e-9)  # a slower trace forgets less
    clf = SpikingReservoirClassifier(n_neurons=30, tau_trace=[10.0, 50.0], random_state=0).fit(X, y)
    assert clf.predict(X).shape == (6,)
    series = rng.normal(size=(40, 1))
    reg1 = SpikingReservoirRegressor(n_neurons=30, steps_per_frame=5, tau_trace=20.0, random_state=0)
    reg2 = SpikingReservoirRegressor(n_neurons=30, steps_per_frame=5, tau_trace=(20.0, 80.0, 300.0), random_state=0)
    target = np.roll(series[:, 0], 2)
    s1 = reg1.fit(series, target).reservoir_states(series)
    s2 = reg2.fit(series, target).reservoir_states(series)
    assert s2.shape == (40, 90)
    np.testing.assert_allclose(s2[:, :30], s1, rtol=1e-5, atol=1e-6)
    assert reg2.predict(series).shape == (40,)


@pytest.mark.parametrize("tau, error, match", [
    ((), ValueError, "empty sequence"), ((20.0, 20.0), ValueError, "twice"),
    ((20.0, -1.0), ValueError, r"tau_trace\[1\]"), ("slow", TypeError, "tau_trace"),
    ((20.0, np.nan), ValueError, r"tau_trace\[1\]"), (True, TypeError, "tau_trace")])
def test_bad_trace_time_constants_are_named(tau, error, match):
    with pytest.raises(error, match=match):
        SpikingReservoir(n_neurons=10, tau_trace=tau).fit(np.zeros((2, 5, 1)))
