"""Network builders: statistics of the wiring, Dale's law, delays, inputs."""

import numpy as np
import pytest
import scipy.sparse as sp

from reservoirspike import LIF, column_3d, connect_inputs, input_projection, random_reservoir
from reservoirspike.topology import grid_positions, as_generator


def _block_density(net, a, b):
    W = net.weights
    s = net.population_slices()
    block = W[s[a]][:, s[b]]
    n_pairs = block.shape[0] * block.shape[1] - (block.shape[0] if a == b else 0)
    return block.nnz / n_pairs


def test_random_reservoir_pair_probabilities_dale_and_no_self():
    p = {"EE": 0.1, "EI": 0.3, "IE": 0.05, "II": 0.2}
    net = random_reservoir(1000, connectivity=p, weights={"EE": 0.5, "EI": 1.0, "I": -2.0}, random_state=0)
    assert net.n_neurons == 1000 and net.population_slices()["E"] == slice(0, 800)
    for pair, prob in p.items():
        dens = _block_density(net, pair[0], pair[1])
        assert abs(dens - prob) < 4 * np.sqrt(prob * (1 - prob) / 40000) + 0.005, (pair, dens)
    W = net.weights
    assert isinstance(W, sp.csr_matrix) and W.diagonal().sum() == 0
    exc = net.excitatory
    pre = np.repeat(np.arange(1000), np.diff(net.indptr))
    assert np.all(net.data[exc[pre]] > 0) and np.all(net.data[~exc[pre]] < 0)
    ee = W[:800][:, :800]
    assert np.allclose(ee.data, 0.5) and np.allclose(W[:800][:, 800:].data, 1.0)
    assert net.indices.dtype == np.int32 and net.data.dtype == np.float32


def test_fixed_in_degree_and_weight_distributions():
    net = random_reservoir(500, in_degree=50, weights={"E": 1.0, "I": -3.0}, weight_distribution="lognormal",
                           weight_cv=0.5, random_state=1)
    W = net.weights.tocsc()
    indeg = np.diff(W.indptr)
    assert np.all(indeg == 50)
    e_in = np.asarray((W[:400] != 0).sum(axis=0)).ravel()
    assert np.all(e_in == 40)
    w = net.weights[:400].data
    assert abs(w.mean() - 1.0) < 0.05 and abs(w.std() / w.mean() - 0.5) < 0.05


def test_delays_in_range_and_self_connections_on_request():
    net = random_reservoir(300, connectivity=0.2, delay=(1.0, 4.0), dt=0.5, allow_self=True, random_state=2)
    assert net.delays.min() == 2 and net.delays.max() == 8
    assert set(np.unique(net.delays)) == set(range(2, 9))
    np.testing.assert_allclose(net.delays_ms.max(), 4.0)
    assert net.weights.diagonal().any()


def test_full_connectivity_uses_every_pair():
    net = random_reservoir(50, connectivity=1.0, random_state=0)
    assert net.n_synapses == 50 * 49


def test_column_3d_distance_dependence():
    shape, lam = (10, 6, 6), 2.0
    net = column_3d(shape, lam=lam, random_state=5)
    pos = grid_positions(shape, as_generator(5))
    W = net.weights.tocoo()
    d = np.linalg.norm(pos[W.row] - pos[W.col], axis=1)
    assert np.mean(d > 3 * lam) < 0.01  # exp(-9): practically never
    ee = net.weights[:288][:, :288].toarray().astype(bool)
    dist = np.linalg.norm(pos[:288, None] - pos[None, :288], axis=-1)
    for D in (1.0, 2.0, 3.0):
        observed = ee[np.isclose(dist, D)].mean()
        assert abs(observed - 0.3 * np.exp(-(D / lam) ** 2)) < 0.04, (D, observed)


def test_input_projection_sign_rules_and_targets():
    ip, ix, w = input_projection(20, 400, connectivity=0.25, weight=3.0, sign="mixed", random_state=0)
    assert ip.shape == (21,) and abs(len(ix) / (20 * 400) - 0.25) < 0.02
    assert np.all(np.abs(w) == 3.0) and 0.4 < (w > 0).mean() < 0.6
    _, _, w_inh = input_projection(5, 100, weight=2.0, sign="inhibitory", random_state=0)
    assert np.all(w_inh <= 0)
    _, ix_t, _ = input_projection(5, 100, connectivity=1.0, targets=np.arange(10), random_state=0)
    assert set(ix_t) == set(range(10))
    net = connect_inputs(random_reservoir(100, random_state=0), 5, random_state=0)
    assert net.input_weights.shape == (5, 100) and net.n_inputs == 5


def test_network_is_picklable_and_bias_is_per_neuron():
    import pickle

    net = random_reservoir(100, bias=(1.0, 3.0), neuron=LIF(bias=2.0), random_state=0)
    clone = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(clone.data, net.data)
    b = net.neuron_table()["bias"]
    assert 3.0 <= b.min() and b.max() <= 5.0 and b.std() > 0.3


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_neurons=0), "n_neurons"),
    (dict(connectivity=1.5), "connectivity"),
    (dict(connectivity={"EE": 0.1}), "EI"),
    (dict(excitatory_fraction=-0.1), "excitatory_fraction"),
    (dict(weights={"E": -1.0, "I": -1.0}), "Dale"),
    (dict(delay=(3.0, 1.0)), "delay"),
    (dict(dt=0.0), "dt"),
    (dict(weight_distribution="cauchy"), "weight_distribution"),
    (dict(in_degree=5000), "in_degree"),
])
def test_builder_errors_name_the_parameter(kwargs, match):
    args = dict(n_neurons=100, random_state=0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        random_reservoir(**args)


@pytest.mark.parametrize("row, weight", [(0, -0.5), (3, -0.5), (4, 0.5), (5, 0.5)])
def test_network_refuses_weights_against_dales_law(row, weight):
    """The per-row check (smallest and largest weight of each row) sees every row, empty rows between."""
    from reservoirspike.network import Network, Population

    pops = (Population("E", 4, True, LIF()), Population("I", 2, False, LIF()))
    indptr = np.array([0, 2, 2, 3, 4, 5, 6])  # row 1 is empty
    data = np.array([0.5, 0.5, 0.5, 0.5, -1.0, -1.0])
    kw = dict(populations=pops, dt=1.0, indptr=indptr, indices=np.array([1, 2, 0, 4, 1, 0]),
              delays=np.ones(6, np.int16))
    Network(data=data, **kw)  # as given: Dale's law holds
    bad = data.copy()
    bad[indptr[row]] = weight  # the first synapse of that row
    with pytest.raises(ValueError, match="Dale"):
        Network(data=bad, **kw)


@pytest.mark.parametrize("delays, match", [
    (np.array([1, 2, 0]), r"at least 1 step and at most 32767, got \[0, 2\]"),
    (np.array([1, 40000, 2]), r"at most 32767, got \[1, 40000\]"),
    (np.array([1.0, 2.5, 3.0]), "whole numbers of steps"),
    (np.array([1.0, np.nan, 3.0]), "whole numbers of steps"),
    (np.ones((3, 1), int), "1-d array"),
])
def test_network_refuses_delays_it_cannot_store(delays, match):
    """Delays are checked before they are stored in 8 or 16 bits (a cast would wrap them silently)."""
    from reservoirspike.network import Network, Population

    kw = dict(populations=(Population("E", 3, True, LIF()),), dt=1.0, indptr=np.array([0, 1, 2, 3]),
              indices=np.array([1, 2, 0]), data=np.ones(3))
    with pytest.raises(ValueError, match=match):
        Network(delays=delays, **kw)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_network_refuses_weights_that_are_not_finite(bad, where):
    from reservoirspike.network import Network, Population

    data = np.array([0.5, 1.0, 2.0])
    data[where] = bad
    with pytest.raises(ValueError, match="weights must be finite"):
        Network(populations=(Population("E", 3, True, LIF()),), dt=1.0, indptr=np.array([0, 1, 2, 3]),
                indices=np.array([1, 2, 0]), data=data, delays=np.ones(3))


@pytest.mark.parametrize("longest, dtype", [(255, np.uint8), (256, np.int16), (32767, np.int16)])
def test_delays_take_one_byte_when_they_fit(longest, dtype):
    from reservoirspike.network import Network, Population

    net = Network(populations=(Population("E", 3, True, LIF()),), dt=1.0, indptr=np.array([0, 1, 2, 3]),
                  indices=np.array([1, 2, 0]), data=np.ones(3), delays=np.array([1.0, 7.0, longest]))
    assert net.delays.dtype == dtype and net.max_delay == longest
    np.testing.assert_array_equal(net.delays, [1, 7, longest])


@pytest.mark.parametrize("chunk", [7, 1 << 20], ids=["many-chunks", "one-chunk"])
def test_assemble_orders_synapses_as_a_stable_sort_by_pre_then_post(chunk, monkeypatch):
    """CSR rows by (pre, post); equal pairs (allowed in a synapse list) keep their list order, whatever the
    chunks the sorts work on."""
    from reservoirspike import _wiring
    from reservoirspike.network import Population
    from reservoirspike.topology import assemble

    monkeypatch.setattr(_wiring, "CHUNK", chunk)

    rng = np.random.default_rng(3)
    n, n_syn = 40, 2000
    pre, post = rng.integers(0, n, n_syn), rng.integers(0, n, n_syn)  # many repeated pairs
    w = rng.uniform(0.1, 1.0, n_syn)
    d = rng.integers(1, 6, n_syn).astype(np.int16)
    net = assemble((Population("E", n, True, LIF()),), 1.0, pre, post, w, d)
    order = np.argsort(pre * n + post, kind="stable")
    np.testing.assert_array_equal(net.indptr, np.r_[0, np.cumsum(np.bincount(pre, minlength=n))])
    np.testing.assert_array_equal(net.indices, post[order])
    np.testing.assert_array_equal(net.data, w[order].astype(np.float32))
    np.testing.assert_array_equal(net.delays, d[order])


@pytest.mark.parametrize("change, message", [
    (dict(post=np.array([1, 2])), "post must have one entry per synapse"),
    (dict(weights=np.ones(4)), "weights must have one entry per synapse"),
    (dict(delays=np.ones(2, np.int16)), "delays must have one entry per synapse"),
    (dict(pre=np.array([0, 1, 5])), r"pre must hold neuron ids in \[0, 5\)"),
    (dict(post=np.array([0, -1, 2])), r"post must hold neuron ids in \[0, 5\)"),
])
def test_assemble_refuses_ragged_or_out_of_range_synapse_lists(change, message):
    from reservoirspike.network import Population
    from reservoirspike.topology import assemble

    lists = dict(pre=np.array([0, 1, 2]), post=np.array([1, 2, 3]), weights=np.ones(3),
                 delays=np.ones(3, np.int16))
    with pytest.raises(ValueError, match=message):
        assemble((Population("E", 5, True, LIF()),), 1.0, **{**lists, **change})


def _assembled_streams(n, streams, delay_dtype):
    """Brute force for ``csr_from_streams``: every chunk in one list, then one stable sort by (pre, post)."""
    chunks = [c for stream in streams for c in stream.synapses()]
    pre, post, w, d = (np.concatenate([c[i] for c in chunks]) for i in range(4))
    order = np.lexsort((post, pre))
    indptr = np.r_[0, np.cumsum(np.bincount(pre, minlength=n))]
    return indptr, post[order], w[order], d[order].astype(delay_dtype)


@pytest.mark.parametrize("kw", [
    dict(connectivity=0.05, delay=(1.0, 4.0), weight_distribution="uniform", weight_cv=0.3),
    dict(connectivity={"EE": 0.5, "EI": 0.02, "IE": 0.3, "II": 0.0}, allow_self=True),
    dict(in_degree=15, delay=(1.0, 300.0), weight_distribution="gamma", weight_cv=0.5),
])
def test_streamed_build_equals_sorting_its_synapse_lists(kw, monkeypatch):
    """Built chunk by chunk in two passes, a network is its synapse lists sorted by (pre, post)."""
    from reservoirspike import _wiring, topology

    monkeypatch.setattr(_wiring, "CHUNK", 37)  # rows and targets spread over many chunks
    streamed = random_reservoir(300, random_state=2, **kw)
    again = random_reservoir(300, random_state=2, **kw)
    monkeypatch.setattr(topology, "csr_from_streams", _assembled_streams)
    brute = random_reservoir(300, random_state=2, **kw)
    assert streamed.n_synapses > 1000
    for name in ("indptr", "indices", "data", "delays", "bias"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(brute, name))
        np.testing.assert_array_equal(getattr(streamed, name), getattr(again, name))
    assert streamed.delays.dtype == (np.int16 if streamed.max_delay > 255 else np.uint8)
    rows = np.repeat(np.arange(300), np.diff(streamed.indptr))
    assert np.all(np.diff(rows * 300 + streamed.indices) > 0)  # distinct targets, increasing in a row


def test_building_holds_the_network_and_one_chunk_not_the_synapse_lists():
    """Peak allocation while building a sparse reservoir: its CSR arrays plus bounded temporaries."""
    import tracemalloc

    from reservoirspike import _wiring

    n = 20_000
    tracemalloc.start()
    try:
        net = random_reservoir(n, connectivity=80 / n, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = net.indptr.nbytes + net.indices.nbytes + net.data.nbytes + net.delays.nbytes
    assert net.delays.dtype == np.uint8 and held / net.n_synapses < 9.2
    chunk_temporaries = 64 * _wiring.CHUNK  # a chunk's keys, orders and copies
    per_neuron = 64 * n  # row counts, pointers, bias
    # the synapse lists alone (pre, post, weight, delay) would add 13 bytes a synapse (20 MB)
    assert peak <= held + chunk_temporaries + per_neuron, (peak, held)


def test_neuron_table_gives_the_keys_asked_for_and_names_unknown_ones():
    net = random_reservoir(20, bias=(1.0, 2.0), random_state=0)
    full = net.neuron_table()
    part = net.neuron_table(("v_rest", "bias"))
    assert set(part) == {"v_rest", "bias"}
    for key in part:
        np.testing.assert_array_equal(part[key], full[key])
    with pytest.raises(ValueError, match=r"keys \['v_reset_typo'\] are not in the neuron table; choose from"):
        net.neuron_table(("v_rest", "v_reset_typo"))
