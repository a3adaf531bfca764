"""Network files: exact round trip, no pickle, clear errors for foreign or newer files."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from reservoirspike import LIF, AdaptiveLIF, Network, Population, connect_inputs, random_reservoir, simulate
from reservoirspike.io import FORMAT_VERSION, load_network, save_network

ARRAYS = ("indptr", "indices", "data", "delays", "input_indptr", "input_indices", "input_data", "bias")


@pytest.fixture(scope="module")
def net():
    network = random_reservoir(
        80,
        neuron=LIF(synapse="alpha", tau_e=3.0, noise_mean=0.1, noise_std=1.5),
        inhibitory_neuron=AdaptiveLIF(synapse="alpha", tau_i=8.0, tau_adapt=60.0, delta_threshold=2.5),
        weights={"E": 1.0, "I": -3.0},
        weight_distribution="gamma",
        weight_cv=0.5,
        delay=(1.0, 3.0),
        bias=(5.0, 9.0),
        dt=0.5,
        random_state=3,
    )
    return connect_inputs(network, 3, weight=8.0, sign="mixed", random_state=4)


def _rewrite(src, dst, **changes):
    """Copy the entries of ``src`` to ``dst`` with ``changes`` (None drops an entry)."""
    with np.load(src, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    for key, value in changes.items():
        if value is None:
            entries.pop(key)
        else:
            entries[key] = value
    np.savez(dst, **entries)
    return dst


def assert_same_network(a, b):
    for key in ARRAYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype, key
        np.testing.assert_array_equal(x, y, err_msg=key)
    assert a.dt == b.dt and a.n_inputs == b.n_inputs
    assert a.populations == b.populations
    assert [type(p.model) for p in a.populations] == [type(p.model) for p in b.populations]


def test_round_trip_is_exact_and_simulates_identically(tmp_path, net):
    assert isinstance(net.populations[1].model, AdaptiveLIF) and net.populations[0].model.synapse == "alpha"
    path = save_network(tmp_path / "net.npz", net)
    assert path == tmp_path / "net.npz" and path.exists()
    loaded = load_network(path)
    assert isinstance(loaded, Network)
    assert_same_network(net, loaded)
    assert type(loaded.populations[1].model) is AdaptiveLIF
    assert loaded.populations[1].model.delta_threshold == 2.5

    X = np.random.default_rng(0).normal(size=(2, 30, 3))
    kw = dict(steps_per_frame=4, record=("spikes", "counts"), random_state=7)
    r1, r2 = simulate(net, X, **kw), simulate(loaded, X, **kw)
    assert r1.total_spikes.sum() > 0
    for i in range(2):
        for x, y in zip(r1.spike_steps(i), r2.spike_steps(i)):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(r1.counts, r2.counts)


def test_file_is_plain_arrays_readable_without_pickle(tmp_path, net):
    path = save_network(str(tmp_path / "net.npz"), net)
    with np.load(path, allow_pickle=False) as f:
        entries = {k: f[k] for k in f.files}
    assert set(entries) == set(ARRAYS) | {"n_inputs", "dt", "populations", "format_version", "library"}
    assert all(v.dtype != object for v in entries.values())
    assert int(entries["format_version"]) == FORMAT_VERSION == 1
    assert str(entries["library"]) == "reservoirspike"
    assert entries["populations"].shape == () and entries["populations"].dtype.kind == "U"
    pops = json.loads(str(entries["populations"]))
    assert [(p["name"], p["size"], p["excitatory"], p["model"]["type"]) for p in pops] == [
        ("E", 64, True, "LIF"), ("I", 16, False, "AdaptiveLIF")]
    assert pops[1]["model"]["parameters"]["tau_adapt"] == 60.0
    assert int(entries["n_inputs"]) == 3 and float(entries["dt"]) == 0.5


def test_npz_suffix_is_added_and_optional_on_load(tmp_path, net):
    path = save_network(str(tmp_path / "deep" / "net"), net)
    assert path == tmp_path / "deep" / "net.npz" and path.exists()
    assert not (tmp_path / "deep" / "net").exists()
    assert_same_network(net, load_network(tmp_path / "deep" / "net"))
    assert_same_network(net, load_network(str(path)))
    assert save_network(tmp_path / "net.v1", net) == tmp_path / "net.v1.npz"


def test_network_without_inputs_or_synapses_round_trips(tmp_path):
    pop = Population("only", 3, True, LIF(tau_m=np.float32(10.0), t_ref=0, bias=np.float64(1.5)))
    net = Network(populations=(pop,), dt=0.1, indptr=np.zeros(4, np.int64), indices=np.zeros(0, np.int32),
                  data=np.zeros(0, np.float32), delays=np.zeros(0, np.int16))
    loaded = load_network(save_network(tmp_path / "tiny", net))
    assert_same_network(net, loaded)
    assert loaded.n_inputs == 0 and loaded.n_synapses == 0


def test_newer_format_version_asks_to_upgrade(tmp_path, net):
    path = save_network(tmp_path / "net.npz", net)
    newer = _rewrite(path, tmp_path / "newer.npz", format_version=np.array(2))
    msg = r"written by a newer reservoirspike \(format 2\); this version reads format <= 1; upgrade reservoirspike"
    with pytest.raises(ValueError, match=msg):
        load_network(newer)
    # a newer format is reported even when its layout differs
    with pytest.raises(ValueError, match="newer reservoirspike"):
        load_network(_rewrite(newer, tmp_path / "newer2.npz", delays=None))


def test_foreign_files_are_rejected(tmp_path, net):
    foreign = tmp_path / "random.npz"
    np.savez(foreign, a=np.arange(3), b=np.ones((2, 2)))
    with pytest.raises(ValueError, match="not a reservoirspike network file"):
        load_network(foreign)
    path = save_network(tmp_path / "net.npz", net)
    with pytest.raises(ValueError, match="not a reservoirspike network file"):
        load_network(_rewrite(path, tmp_path / "other.npz", library=np.array("otherlib")))
    text = tmp_path / "notes.txt"
    text.write_text("not an archive")
    with pytest.raises(ValueError, match="not a reservoirspike network file"):
        load_network(text)
    single = tmp_path / "array.npy"
    np.save(single, np.arange(4))
    with pytest.raises(ValueError, match="not a reservoirspike network file"):
        load_network(single)
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "missing.npz")


def test_damaged_files_name_the_problem(tmp_path, net):
    path = save_network(tmp_path / "net.npz", net)
    with pytest.raises(ValueError, match=r"missing the entries \['delays', 'dt'\]"):
        load_network(_rewrite(path, tmp_path / "a.npz", delays=None, dt=None))
    with pytest.raises(ValueError, match="format_version"):
        load_network(_rewrite(path, tmp_path / "b.npz", format_version=np.array("one")))
    with pytest.raises(ValueError, match="not valid JSON"):
        load_network(_rewrite(path, tmp_path / "c.npz", populations=np.array("{oops")))
    with np.load(path, allow_pickle=False) as f:
        pops = json.loads(str(f["populations"]))
    pops[1]["model"]["type"] = "HodgkinHuxley"
    with pytest.raises(ValueError, match="unknown neuron model 'HodgkinHuxley'"):
        load_network(_rewrite(path, tmp_path / "d.npz", populations=np.array(json.dumps(pops))))
    pops[1]["model"] = {"type": "LIF", "parameters": {"tau_membrane": 3.0}}
    with pytest.raises(ValueError, match="malformed population record"):
        load_network(_rewrite(path, tmp_path / "e.npz", populations=np.array(json.dumps(pops))))


def test_save_checks_its_arguments(tmp_path, net):
    with pytest.raises(TypeError, match="network must be a Network"):
        save_network(tmp_path / "x.npz", {"indptr": net.indptr})
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        save_network(42, net)
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        load_network(None)

    @dataclass(frozen=True)
    class CustomLIF(LIF):
        pass

    custom = Network(populations=(Population("C", 2, True, CustomLIF()),), dt=1.0, indptr=np.zeros(3, np.int64),
                     indices=np.zeros(0, np.int32), data=np.zeros(0, np.float32), delays=np.zeros(0, np.int16))
    with pytest.raises(ValueError, match="neuron model CustomLIF is not one that load_network can rebuild"):
        save_network(tmp_path / "custom.npz", custom)
    assert not Path(tmp_path / "custom.npz").exists()
