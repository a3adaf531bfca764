"""Metrics on constructed inputs: errors, ranks, separation and firing statistics."""

import numpy as np
import pytest

from reservoirspike import SimulationResult, connect_inputs, random_reservoir, simulate
from reservoirspike.metrics import (firing_statistics, generalization_rank, kernel_quality, memory_capacity, nrmse,
                                    separation)


def test_nrmse_and_memory_capacity():
    y = np.sin(np.linspace(0, 10, 200))
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0)
    U = np.random.default_rng(0).uniform(-1, 1, size=(500, 3))
    total, per = memory_capacity(U, U * [1.0, 2.0, -1.0])
    assert total == pytest.approx(3.0) and np.allclose(per, 1.0)


def test_kernel_quality_is_the_rank_of_the_states():
    rng = np.random.default_rng(0)
    assert kernel_quality(np.eye(6)) == 6
    assert kernel_quality(rng.normal(size=(10, 200))) == 10
    assert kernel_quality(rng.normal(size=(10, 3)) @ rng.normal(size=(3, 200))) == 3
    assert kernel_quality(np.zeros((4, 5))) == 0
    assert kernel_quality(rng.normal(size=(8, 4, 5))) == 8  # (inputs, bins, neurons) is flattened
    # thresholds: singular values 10, 1 and 1e-3
    m = np.diag([10.0, 1.0, 1e-3])
    assert kernel_quality(m) == 3
    assert kernel_quality(m, rtol=0.01) == 2 and kernel_quality(m, tol=5.0) == 1
    with pytest.raises(ValueError, match="not both"):
        kernel_quality(m, tol=1.0, rtol=0.1)
    with pytest.raises(ValueError, match="rtol"):
        kernel_quality(m, rtol=1.5)
    with pytest.raises(ValueError, match="one state vector per input"):
        kernel_quality(np.ones(5))


def test_generalization_rank_of_noisy_variants():
    rng = np.random.default_rng(1)
    base = rng.normal(size=300)
    noisy = base + 1e-4 * rng.normal(size=(20, 300))
    assert generalization_rank(noisy) == 20  # exact arithmetic sees every bit of noise
    assert generalization_rank(noisy, rtol=0.01) == 1  # an effective rank does not
    different = rng.normal(size=(20, 300))
    assert generalization_rank(different, rtol=0.01) == kernel_quality(different, rtol=0.01) == 20


def test_separation():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(6, 10))
    assert separation(a, a, paired=True) == 0.0
    assert separation(np.tile(a[0], (3, 1)), np.tile(a[0], (5, 1))) == pytest.approx(0.0, abs=1e-12)
    shift = np.zeros(10)
    shift[:2] = [3.0, 4.0]
    assert separation(a, a + shift, paired=True) == pytest.approx(5.0)
    assert separation([[0.0, 0.0]], [[3.0, 4.0], [0.0, 0.0]]) == pytest.approx(2.5)
    # between two classes: the mean over all pairs
    b = rng.normal(size=(4, 10)) + 2.0
    d = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)
    assert separation(a, b) == pytest.approx(d.mean())
    assert separation(a, b) > separation(a[:3], a[3:])
    with pytest.raises(ValueError, match="same shape"):
        separation(a, b, paired=True)
    with pytest.raises(ValueError, match="number of features"):
        separation(a, b[:, :5])


def make_result(trains, n_steps, dt=1.0):
    """A SimulationResult holding given spike steps: trains[sequence][neuron] = array of steps."""
    steps, ids = [], []
    for seq in trains:
        s = np.concatenate([np.asarray(t, np.int64) for t in seq])
        n = np.concatenate([np.full(len(t), j) for j, t in enumerate(seq)])
        order = np.argsort(s, kind="stable")
        steps.append(s[order].astype(np.int32))
        ids.append(n[order].astype(np.int32))
    return SimulationResult(dt, np.full(len(trains), n_steps), len(trains[0]), np.array([len(s) for s in steps]),
                            _spike_steps=steps, _spike_ids=ids)


def test_firing_statistics_of_poisson_trains():
    rng = np.random.default_rng(3)
    n, T = 60, 8000
    trains = [[np.flatnonzero(rng.random(T) < 0.02) for _ in range(n)] for _ in range(2)]  # 20 Hz, 2 sequences
    st = firing_statistics(make_result(trains, T), fano_window_ms=100.0)
    assert st["mean_rate"] == pytest.approx(20.0, rel=0.05)
    expected = np.array([len(trains[0][j]) + len(trains[1][j]) for j in range(n)]) / 16.0
    np.testing.assert_allclose(st["rates"], expected)
    assert st["isi_cv"] == pytest.approx(1.0, abs=0.08)  # Bernoulli steps: sqrt(1 - p) = 0.99
    assert st["n_isi_neurons"] == n and st["n_active"] == n
    assert st["fano_factor"] == pytest.approx(1.0, abs=0.15)
    assert st["synchrony"] < 0.3  # independent trains: about 1 / sqrt(60) = 0.13


def test_firing_statistics_of_regular_and_synchronous_trains():
    T, n = 4000, 30
    regular = [[np.arange(3 + j, T, 50) for j in range(n)]]  # 20 Hz clocks at different phases
    st = firing_statistics(make_result(regular, T, dt=0.5), fano_window_ms=100.0)
    assert st["isi_cv"] == pytest.approx(0.0, abs=1e-9)
    assert st["mean_rate"] == pytest.approx(1000.0 / 25.0, rel=0.02)  # 50 steps of 0.5 ms
    assert st["fano_factor"] < 0.1
    rng = np.random.default_rng(4)
    shared = np.flatnonzero(rng.random(T) < 0.02)
    same = firing_statistics(make_result([[shared] * n], T))
    assert same["synchrony"] == pytest.approx(1.0)
    # silent neurons do not dilute it; a neuron with two spikes has no ISI CV
    mixed = make_result([[shared] * n + [np.array([], int), np.array([10, 20])]], T)
    st = firing_statistics(mixed)
    assert st["n_active"] == n + 1 and st["n_isi_neurons"] == n
    assert np.isnan(st["isi_cvs"][-1]) and np.isnan(st["isi_cvs"][-2]) and st["rates"][-2] == 0.0
    assert st["synchrony"] > 0.9


def test_firing_statistics_intervals_stay_within_sequences():
    # one spike late in sequence 0 and early in sequence 1 would make a short interval if joined
    trains = [[np.array([10, 110, 210, 990])], [np.array([0, 100, 200, 300])]]
    st = firing_statistics(make_result(trains, 1000))
    isis = np.array([100, 100, 780, 100, 100, 100], float)
    assert st["isi_cvs"][0] == pytest.approx(isis.std() / isis.mean())
    only_second = firing_statistics(make_result(trains, 1000), sequences=[1])
    assert only_second["isi_cv"] == 0.0 and only_second["mean_rate"] == pytest.approx(4.0)
    with pytest.raises(ValueError, match="sequences"):
        firing_statistics(make_result(trains, 1000), sequences=[2])


def test_firing_statistics_of_a_simulation():
    net = random_reservoir(80, connectivity=0.1, random_state=0)
    net = connect_inputs(net, 4, connectivity=0.5, weight=5.0, random_state=1)
    X = np.random.default_rng(5).normal(1.5, 0.5, size=(3, 40, 4))
    res = simulate(net, X, steps_per_frame=10, record=("spikes", "counts"))
    st = firing_statistics(res)
    assert st["mean_rate"] == pytest.approx(res.mean_rate) and st["n_active"] > 0
    assert 0 < st["isi_cv"] < 2 and 0 < st["synchrony"] <= 1
    assert st["rates"].shape == (80,) and np.all(st["rates"] >= 0)
    without = simulate(net, X, steps_per_frame=10, record=("counts",))
    with pytest.raises(ValueError, match="record=\\('spikes'"):
        firing_statistics(without)
