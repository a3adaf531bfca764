"""Limits and faults: memory guard, saturation, interrupted fits, progress output."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import reservoirspike.estimators as est_module
from reservoirspike import (LIF, SpikingReservoirClassifier, SpikingReservoirRegressor, config_context,
                            connect_inputs, get_config, random_reservoir, set_config, simulate)


def test_memory_guard_refuses_before_allocating():
    reg = SpikingReservoirRegressor(n_neurons=200, steps_per_frame=2)
    u = np.zeros((50_000, 1))
    with config_context(max_memory="10M"):
        with pytest.raises(MemoryError, match="per-frame traces"):
            reg.fit(u, u[:, 0])
        net = connect_inputs(random_reservoir(100, random_state=0), 1, random_state=0)
        with pytest.raises(MemoryError, match="set_config"):
            simulate(net, np.zeros((1, 100_000, 1)), record=("state",), state_neurons=np.arange(100))
    assert get_config()["max_memory"] > 10 * 2**20  # restored
    with pytest.raises(ValueError, match="max_memory"):
        set_config(max_memory=0)


def test_saturated_network_counts_every_spike_and_warns():
    net = random_reservoir(30, connectivity=0.5, neuron=LIF(t_ref=0.0, bias=1000.0), random_state=0)
    net = connect_inputs(net, 1, random_state=0)
    with pytest.warns(RuntimeWarning, match="saturated"):
        res = simulate(net, np.zeros((2, 50, 1)), record=("spikes", "counts"))
    assert res.total_spikes.tolist() == [30 * 50, 30 * 50]
    assert res.counts.sum() == 2 * 30 * 50 and len(res.spikes(1)[0]) == 1500


def test_interrupted_fit_leaves_the_estimator_as_it_was(monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 5, 2)), np.arange(20) % 2
    clf = SpikingReservoirClassifier(n_neurons=30, steps_per_frame=4, n_bins=2, random_state=0)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(est_module, "run_encoded", interrupted)
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)  # never half-fitted
    clf.fit(X, y)
    before = clf.decision_function(X)
    network = clf.network_
    with monkeypatch.context() as m:
        m.setattr(est_module, "run_encoded", interrupted)
        with pytest.raises(KeyboardInterrupt):
            clf.set_params(n_neurons=40).fit(X, y)
    assert clf.network_ is network  # the previous fit stays usable
    np.testing.assert_array_equal(clf.decision_function(X), before)


def test_verbose_shows_progress_and_default_is_silent(capfd):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 5, 2)), np.arange(12) % 2
    SpikingReservoirClassifier(n_neurons=20, steps_per_frame=4, n_bins=2, random_state=0).fit(X, y)
    quiet = capfd.readouterr()
    assert quiet.out == "" and quiet.err == ""
    SpikingReservoirClassifier(n_neurons=20, steps_per_frame=4, n_bins=2, random_state=0, verbose=1).fit(X, y)
    assert "12" in capfd.readouterr().err  # the bar counts sequences


def test_cpu_kernel_refuses_sequences_longer_than_its_step_stamps():
    """The CPU loops hold refractory neurons until an int32 step stamp (the step plus the refractory steps)."""
    from reservoirspike.backends.cpu import MAX_STEPS, POP_COLUMNS, REF, check_step_range

    params = np.zeros((2, len(POP_COLUMNS)))
    params[:, REF] = (50, 20)
    check_step_range(MAX_STEPS - 50, params)  # the longest that fits
    with pytest.raises(ValueError, match=r"2147483597 that the CPU kernel's 32-bit step stamps count"):
        check_step_range(MAX_STEPS - 49, params)
