"""Synfire chains: builders, composition, pulse packets, Diesmann et al. (1999)."""

import numpy as np
import pytest

from reservoirspike import (EventStream, Network, Population, SpikeEncoder, SpikingReservoirClassifier,
                            connect_inputs, random_reservoir, simulate)
from reservoirspike._rng import derive_seed
from reservoirspike.architectures import (DIESMANN_NEURON, Projection, compose, layered_network,
                                          synfire_chain)
from reservoirspike.pulse_packets import launch_packet, packet_volleys

from reference import reference_simulate


def test_chain_builder_wiring():
    chain = synfire_chain(4, 20, delay=5.0, random_state=0)
    assert [p.name for p in chain.populations] == ["g0", "g1", "g2", "g3"]
    W = chain.weights.toarray()
    for k in range(4):
        for m in range(4):
            block = W[20 * k:20 * k + 20, 20 * m:20 * m + 20]
            assert np.all(block == np.float32(4.86)) if m == k + 1 else not block.any()
    assert np.all(chain.delays == 50)
    sparse = synfire_chain(3, 100, connectivity=0.3, recurrent_connectivity=0.1, recurrent_weight=1.0,
                           background=False, random_state=0)
    W = sparse.weights.toarray()
    assert abs((W[:100, 100:200] > 0).mean() - 0.3) < 0.03
    assert abs((W[:100, :100] > 0).sum() / 9900 - 0.1) < 0.02 and np.all(np.diag(W) == 0)
    assert sparse.populations[0].model.noise_std == 0.0
    ff = layered_network([30, 20, 10], connectivity=1.0, names=["in", "hid", "out"], random_state=0)
    assert ff.n_synapses == 30 * 20 + 20 * 10


def test_compose_hybrids_keep_blocks_signs_and_inputs():
    res = connect_inputs(random_reservoir(200, dt=0.1, random_state=0), 3, random_state=0)
    chain = synfire_chain(3, 40, random_state=1)
    net = compose({"chain": chain, "res": res},
                  [Projection("chain.g2", "res", connectivity=0.2, weight=2.0, delay=1.0),
                   Projection("res", "chain.g0", connectivity=0.1, weight=1.5, delay=(1.0, 2.0))],
                  random_state=2)
    assert net.n_neurons == 320 and net.n_inputs == 3
    names = [p.name for p in net.populations]
    assert names == ["chain.g0", "chain.g1", "chain.g2", "res.E", "res.I"]
    W = net.weights.toarray()
    np.testing.assert_array_equal(W[:120, :120], chain.weights.toarray())
    np.testing.assert_array_equal(W[120:, 120:], res.weights.toarray())
    assert W[80:120, 120:].any() and not W[:80, 120:].any()  # only g2 projects into the reservoir
    back = W[120:, :40]
    assert np.all(back[:160][back[:160] != 0] == np.float32(1.5))  # from E: positive
    assert np.all(back[160:][back[160:] != 0] == np.float32(-1.5))  # from I: Dale's law
    np.testing.assert_array_equal(net.input_weights.toarray()[:, 120:], res.input_weights.toarray())
    with pytest.raises(ValueError, match="names no layer"):
        compose({"a": chain}, [Projection("a.g7", "a", 0.1)])


def test_isolated_diesmann_neuron_matches_brian2_statistics():
    pop = Population("E", 200, True, DIESMANN_NEURON)
    net = Network((pop,), 0.1, indptr=np.zeros(201, np.int64), indices=[], data=[], delays=[], n_inputs=1,
                  input_indptr=[0, 0], input_indices=[], input_data=[])
    res = simulate(net, np.zeros((1, 50000, 1)), record=("counts", "state"), state_neurons=np.arange(20),
                   v_init="uniform", random_state=1)
    v = res.state[0][5000:, :, 0]
    # Brian2 (Euler-Maruyama): 2.4 Hz, -62 mV, 2.8 mV; exact integration fires a little less (about 2.2 Hz)
    assert 1.8 < res.mean_rate < 2.8
    assert abs(v.mean() + 62.0) < 0.5
    assert abs(v.std() - 2.8) < 0.25


def test_strong_packet_propagates_to_a_stable_volley():
    chain = synfire_chain(random_state=0)
    traj = launch_packet(chain, 100, 0.0, trials=10, random_state=10)
    assert traj.reached(min_spikes=90) == 1.0
    assert np.all(np.abs(traj.a[:, -3:].mean(axis=1) - 100) <= 5)
    assert np.all(traj.sigma[:, -3:].mean(axis=1) < 0.5)
    gaps = np.diff(traj.t, axis=1)
    assert 5.2 < gaps.mean() < 5.8


@pytest.mark.parametrize("sigma", [0.0, 1.0, 2.0, 3.0])
def test_weak_packet_dies_out(sigma):
    chain = synfire_chain(random_state=0)
    traj = launch_packet(chain, 30, sigma, trials=10, random_state=20)
    assert np.all(traj.a[:, 5:] < 10)  # background level from group 6 on, in every trial
    assert traj.reached(min_spikes=10) == 0.0


def test_packet_volleys_reads_a_synthetic_volley():
    rng = np.random.default_rng(0)
    groups = [slice(0, 10), slice(10, 20), slice(20, 30)]
    times = np.concatenate([10 + 5.5 * (k + 1) + 0.3 * rng.standard_normal(8) for k in range(3)])
    ids = np.concatenate([np.arange(10 * k, 10 * k + 8) for k in range(3)])
    a, sigma, t = packet_volleys(np.append(times, 3.0), np.append(ids, 5), groups, t_launch=10.0, delay=5.0,
                                 min_spikes=3)
    np.testing.assert_array_equal(a, [8, 8, 8])
    np.testing.assert_allclose(t, [times[ids // 10 == k].mean() for k in range(3)])
    assert np.all(sigma < 0.6)


def test_small_chain_equals_numpy_reference():
    chain = synfire_chain(3, 15, weight=40.0, delay=2.0, random_state=3)
    net = connect_inputs(chain, 15, connectivity=1.0, weight=40.0, targets="g0", random_state=4)
    rng = np.random.default_rng(5)
    times = 5.0 + 0.5 * rng.standard_normal(15)
    n_steps = 300
    res = simulate(net, [EventStream(times, np.arange(15), n_steps * 0.1)], encoder=SpikeEncoder(15),
                   record=("spikes",), v_init="uniform", random_state=6)
    steps = np.floor(times / 0.1 + 1e-9).astype(int)
    ref = reference_simulate(net, (n_steps, steps, np.arange(15)), derive_seed(6), "events", v_init="uniform")
    got_steps, got_ids = res.spike_steps(0)
    assert len(got_steps) > 20
    np.testing.assert_array_equal(got_steps, ref[0])
    np.testing.assert_array_equal(got_ids, ref[1])


def test_estimators_accept_a_composed_network():
    res = random_reservoir(150, bias=(4.0, 9.0), dt=1.0, random_state=0)
    ff = layered_network([40, 40], weight=3.0, delay=2.0, neuron=res.populations[0].model, dt=1.0, random_state=1)
    net = compose({"chain": ff, "res": res}, [Projection("chain.g1", "res", connectivity=0.3, weight=4.0)],
                  random_state=0)
    net = connect_inputs(net, 2, connectivity=0.8, weight=12.0, sign="mixed", targets=["chain.g0", "res.E"],
                         random_state=0)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    X = np.where(y[:, None, None] == 1, 1.0, -1.0) * np.ones((40, 6, 2)) + 0.3 * rng.normal(size=(40, 6, 2))
    clf = SpikingReservoirClassifier(network=net, steps_per_frame=10, n_bins=3, random_state=0).fit(X, y)
    assert clf.network_ is net and clf.score(X, y) > 0.9
    assert clf.get_params()["network"] is net
    with pytest.raises(ValueError, match="input channels"):
        SpikingReservoirClassifier(network=net).fit(np.zeros((4, 6, 3)), [0, 1, 0, 1])
