"""Spike-for-spike equality with the brute-force NumPy reference, and frozen noise."""

import numba
import numpy as np
import pytest

from reservoirspike import (AdaptiveLIF, EventStream, LIF, PoissonEncoder, SpikeEncoder, connect_inputs,
                            random_reservoir, simulate)
from reservoirspike._rng import derive_seed

from reference import reference_simulate


def _net(n=120, delay=(1.0, 5.0), neuron=None, sign="excitatory", seed=3, n_inputs=6):
    net = random_reservoir(n, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=delay,
                           weight_distribution="lognormal", weight_cv=0.5,
                           neuron=neuron or LIF(), dt=0.5, random_state=seed)
    return connect_inputs(net, n_inputs, connectivity=0.4, weight=9.0, sign=sign, random_state=seed + 1)


def _assert_same_spikes(res, ref):
    steps, ids = res.spike_steps(0)
    assert len(steps) > 50, "the test network should be active"
    np.testing.assert_array_equal(steps, ref[0])
    np.testing.assert_array_equal(ids, ref[1])


#: X holds Poisson rates in Hz (a step's spike probability is rate x dt)
RATES_HZ = PoissonEncoder(max_rate=1000.0, gain=1 / 1000.0, transform="linear")


def _assert_poisson_run_equals_reference(net, rates, seed, steps_per_frame):
    """One sequence of Poisson input at ``rates`` (frames x channels, Hz): the same spikes as the NumPy reference."""
    res = simulate(net, rates[None], encoder=RATES_HZ, steps_per_frame=steps_per_frame, record=("spikes",),
                   random_state=seed)
    ref = reference_simulate(net, rates * net.dt / 1000.0, derive_seed(seed), "poisson", frame_steps=steps_per_frame)
    _assert_same_spikes(res, ref)


def test_poisson_input_with_delays_equals_reference():
    net = _net()
    rates = np.random.default_rng(0).uniform(100, 400, size=(8, 6))  # Hz, 8 frames
    _assert_poisson_run_equals_reference(net, rates, seed=7, steps_per_frame=50)


def test_lean_neuron_step_keeps_spikes_and_traces():
    """LIF with exponential synapses takes the lean neuron loop; it skips the spike trace unless one is recorded.

    Recording the trace must not change the spikes, and the trace must be the filtered spike train.
    """
    net = _net()
    rates = np.random.default_rng(1).uniform(100, 400, size=(8, 6))
    kw = dict(encoder=RATES_HZ, steps_per_frame=50, random_state=7, tau_trace=20.0)
    bare = simulate(net, rates[None], record=("spikes",), **kw)
    traced = simulate(net, rates[None], record=("spikes", "final"), **kw)
    steps, ids = traced.spike_steps(0)
    np.testing.assert_array_equal(steps, bare.spike_steps(0)[0])
    np.testing.assert_array_equal(ids, bare.spike_steps(0)[1])
    decay = np.exp(-net.dt / 20.0)
    expected = np.zeros(net.n_neurons)
    np.add.at(expected, ids, decay ** (8 * 50 - 1 - steps))
    assert expected.max() > 0.5
    np.testing.assert_allclose(traced.final[0], expected, rtol=1e-6, atol=1e-9)


def test_lean_kinds_take_the_shared_drive_loop_only_where_drive_and_threshold_are_shared():
    from reservoirspike.backends.cpu import FULL, LEAN, LEAN_SHARED, lean_kinds

    net = _net()
    bounds, params, _ = net.population_tables()
    v_inf = net.neuron_table(("v_rest",))["v_rest"]
    zeros = np.zeros(net.n_neurons)
    fixed = np.array([True, True])
    assert list(lean_kinds(bounds, params, v_inf, zeros, fixed)) == [LEAN_SHARED, LEAN_SHARED]
    assert list(lean_kinds(bounds, params, v_inf, zeros, ~fixed)) == [LEAN, LEAN]  # analog input or learning
    lo, hi = bounds[1], bounds[2]
    one_bias = v_inf.copy()
    one_bias[hi - 1] += 1e-12  # one neuron of the second population differs
    assert list(lean_kinds(bounds, params, one_bias, zeros, fixed)) == [LEAN_SHARED, LEAN]
    one_threshold = zeros.copy()
    one_threshold[lo] = 0.5
    assert list(lean_kinds(bounds, params, v_inf, one_threshold, fixed)) == [LEAN_SHARED, LEAN]
    adaptive = _net(neuron=AdaptiveLIF(tau_adapt=80.0, delta_threshold=2.0))
    bounds_a, params_a, _ = adaptive.population_tables()
    assert lean_kinds(bounds_a, params_a, v_inf, zeros, fixed)[0] == FULL


def test_shared_drive_loop_equals_per_neuron_loop_and_reference(monkeypatch):
    """A population with one drive and threshold takes the loop that reads them as numbers (the excitatory one
    here); the inhibitory one, with a threshold offset per neuron, keeps the arrays.  Forcing every population
    onto the array loop gives the same spikes bit for bit, and both equal the NumPy reference."""
    from reservoirspike.backends import cpu
    from reservoirspike.network import Network

    base = _net()
    threshold = np.zeros(base.n_neurons)
    inhibitory = list(base.population_slices().values())[1]
    threshold[inhibitory] = np.linspace(-1.0, 1.0, inhibitory.stop - inhibitory.start)
    net = Network(populations=base.populations, dt=base.dt, indptr=base.indptr, indices=base.indices,
                  data=base.data, delays=base.delays, n_inputs=base.n_inputs, input_indptr=base.input_indptr,
                  input_indices=base.input_indices, input_data=base.input_data, threshold=threshold)
    rates = np.random.default_rng(4).uniform(100, 400, size=(6, 6))
    kw = dict(encoder=RATES_HZ, steps_per_frame=50, record=("spikes", "final"), random_state=9)
    seen = []
    kinds = cpu.lean_kinds

    def recorded(*args):
        seen.append(kinds(*args))
        return seen[-1]

    monkeypatch.setattr(cpu, "lean_kinds", recorded)
    shared = simulate(net, rates[None], **kw)
    assert list(seen[-1]) == [cpu.LEAN_SHARED, cpu.LEAN]
    monkeypatch.setattr(cpu, "lean_kinds", lambda *args: np.minimum(kinds(*args), cpu.LEAN))
    arrays = simulate(net, rates[None], **kw)
    for a, b in zip(shared.spike_steps(0), arrays.spike_steps(0)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(shared.final, arrays.final)
    ref = reference_simulate(net, rates * net.dt / 1000.0, derive_seed(9), "poisson", frame_steps=50)
    _assert_same_spikes(shared, ref)


@pytest.mark.parametrize("bias", [None, (0.0, 3.0)])
def test_full_and_lean_populations_in_one_network_equal_reference(bias):
    """Adaptive excitatory neurons (the full step) beside plain LIF inhibitory ones (a lean step, with a shared
    drive or, with a bias per neuron, arrays): each kind's loop is compiled only when a population takes it."""
    from reservoirspike.backends import cpu

    net = random_reservoir(120, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=(1.0, 5.0), dt=0.5,
                           neuron=AdaptiveLIF(tau_adapt=80.0, delta_threshold=2.0), inhibitory_neuron=LIF(),
                           random_state=3, **({} if bias is None else {"bias": bias}))
    net = connect_inputs(net, 6, connectivity=0.4, weight=9.0, random_state=4)
    table = net.neuron_table(("v_rest", "bias"))
    bounds, params, _ = net.population_tables()
    kinds = cpu.lean_kinds(bounds, params, table["v_rest"] + table["bias"], np.zeros(net.n_neurons),
                           np.array([True, True]))
    assert list(kinds) == [cpu.FULL, cpu.LEAN_SHARED if bias is None else cpu.LEAN]
    rates = np.random.default_rng(5).uniform(100, 400, size=(6, 6))
    _assert_poisson_run_equals_reference(net, rates, seed=6, steps_per_frame=50)


def test_merged_populations_join_only_neighbours_stepped_alike():
    from reservoirspike.backends.cpu import FULL, LEAN, LEAN_SHARED, merged_populations

    bounds = np.array([0, 3, 5, 9, 12])
    params = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.5], [1.0, 2.5]])
    v_inf = np.array([0.0] * 9 + [1.0] * 3)
    th_off = np.zeros(12)
    lean = np.array([LEAN_SHARED, LEAN_SHARED, LEAN_SHARED, LEAN_SHARED], np.int8)
    b, p, d, k = merged_populations(bounds, params, None, lean, v_inf, th_off)
    # 0+1 join; 2 and 3 share parameters but not their drive (0 vs 1)
    np.testing.assert_array_equal(b, [0, 5, 9, 12])
    np.testing.assert_array_equal(p, params[[0, 2, 3]])
    assert d is None and list(k) == [LEAN_SHARED] * 3
    lean_mixed = np.array([FULL, LEAN, LEAN, LEAN], np.int8)
    b, _, _, k = merged_populations(bounds, params, None, lean_mixed, v_inf, th_off)
    np.testing.assert_array_equal(b, [0, 3, 5, 12])  # drives differ, but a LEAN loop reads them per neuron
    assert list(k) == [FULL, LEAN, LEAN]
    drive = np.zeros((4, 3, 4))
    drive[3, 0, 0] = 1.0  # a background drive of its own keeps population 3 apart
    b, _, d, _ = merged_populations(bounds, params, drive, lean_mixed, v_inf, th_off)
    np.testing.assert_array_equal(b, bounds)
    np.testing.assert_array_equal(d, drive)


@pytest.mark.parametrize("encoder", ["poisson", "current"])
def test_merged_populations_give_the_spikes_of_separate_ones(encoder, monkeypatch):
    """E and I of one model are stepped as one population; keeping them apart gives the same spikes and traces."""
    from reservoirspike.backends import cpu

    net = _net(sign="mixed")
    x = np.random.default_rng(3).uniform(0.0, 3.0, size=(20, 6))
    kw = dict(encoder=encoder, steps_per_frame=10, record=("spikes", "final"), v_init="uniform", random_state=4)
    if encoder == "poisson":
        kw["encoder"] = PoissonEncoder(max_rate=400.0)
    seen = []
    merge = cpu.merged_populations
    monkeypatch.setattr(cpu, "merged_populations", lambda *a: seen.append(merge(*a)) or seen[-1])
    joined = simulate(net, x[None], **kw)
    assert len(seen[-1][0]) == 2  # one population
    monkeypatch.setattr(cpu, "merged_populations", lambda bounds, params, drive, lean, *rest: (bounds, params,
                                                                                               drive, lean))
    apart = simulate(net, x[None], **kw)
    assert joined.total_spikes[0] > 50
    for a, b in zip(joined.spike_steps(0), apart.spike_steps(0)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(joined.final, apart.final)


@pytest.mark.parametrize("input_connectivity", [0.0, 0.4])
def test_analog_input_keeps_shared_drive_only_where_no_input_reaches(input_connectivity, monkeypatch):
    """Analog input moves the drive of the neurons it reaches: CUBA-like runs (no input synapses) keep the
    shared-drive loop, a reservoir with analog input takes the array loop; both equal the reference."""
    from reservoirspike.backends import cpu

    net = random_reservoir(120, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=(1.0, 5.0), dt=0.5,
                           neuron=LIF(bias=14.0), random_state=3)
    net = connect_inputs(net, 6, connectivity=input_connectivity, weight=9.0, random_state=4)
    seen = []
    kinds = cpu.lean_kinds
    monkeypatch.setattr(cpu, "lean_kinds", lambda *args: seen.append(kinds(*args)) or seen[-1])
    x = np.random.default_rng(1).normal(size=(30, 6))
    res = simulate(net, x[None], encoder="current", steps_per_frame=10, record=("spikes",), v_init="uniform",
                   random_state=5)
    expected = cpu.LEAN_SHARED if input_connectivity == 0.0 else cpu.LEAN
    assert list(seen[-1]) == [expected, expected]
    ref = reference_simulate(net, x, derive_seed(5), "current", frame_steps=10, v_init="uniform")
    _assert_same_spikes(res, ref)


def test_current_input_adaptive_uniform_init_equals_reference():
    net = _net(neuron=AdaptiveLIF(tau_adapt=80.0, delta_threshold=2.0, bias=5.0), sign="mixed", seed=11)
    x = np.random.default_rng(1).normal(size=(30, 6))
    res = simulate(net, x[None], encoder="current", steps_per_frame=10, record=("spikes",),
                   v_init="uniform", random_state=5)
    ref = reference_simulate(net, x, derive_seed(5), "current", frame_steps=10, v_init="uniform")
    _assert_same_spikes(res, ref)


def test_alpha_synapses_and_noisy_background_equal_reference():
    noisy = LIF(tau_m=10.0, tau_e=0.5, tau_i=1.0, synapse="alpha", noise_mean=28.0, noise_std=40.0,
                v_rest=-70.0, v_reset=-70.0, v_threshold=-55.0, t_ref=1.0)
    net = random_reservoir(100, connectivity=0.2, weights={"E": 20.0, "I": -30.0}, delay=(0.5, 2.0),
                           neuron=noisy, inhibitory_neuron=LIF(tau_m=10.0, tau_e=0.5, tau_i=1.0, synapse="alpha"),
                           dt=0.1, random_state=4)
    net = connect_inputs(net, 3, connectivity=0.5, weight=60.0, random_state=5)
    rates = np.full((1, 3), 100.0)
    _assert_poisson_run_equals_reference(net, rates, seed=8, steps_per_frame=3000)


def _batch():
    rng = np.random.default_rng(2)
    return [rng.normal(size=(int(n), 6)) for n in rng.integers(5, 25, size=9)]


@pytest.mark.parametrize("encoder", ["current", "poisson", "delta", "latency"])
def test_frozen_noise_row_purity_threads_and_order(encoder):
    net = _net(sign="mixed", n_inputs=12 if encoder == "delta" else 6)
    X = _batch()
    kw = dict(encoder=encoder, steps_per_frame=8, record=("counts", "final", "spikes"), n_bins=3,
              random_state=99)
    full = simulate(net, X, n_jobs=2, **kw)
    assert full.total_spikes.sum() > 0
    one = simulate(net, X[4:5], n_jobs=1, **kw)
    np.testing.assert_array_equal(full.counts[4], one.counts[0])
    np.testing.assert_array_equal(full.final[4], one.final[0])
    serial = simulate(net, X, n_jobs=1, **kw)
    np.testing.assert_array_equal(full.counts, serial.counts)
    rev = simulate(net, X[::-1], n_jobs=2, **kw)
    np.testing.assert_array_equal(full.counts, rev.counts[::-1])
    for i in range(len(X)):
        for a, b in zip(full.spikes(i), rev.spikes(len(X) - 1 - i)):
            np.testing.assert_array_equal(a, b)


def test_spike_buffer_overflow_is_rerun_not_truncated():
    net = _net()
    X = _batch()
    big = simulate(net, X, encoder="current", steps_per_frame=8, record=("spikes",), max_spikes=100000)
    small = simulate(net, X, encoder="current", steps_per_frame=8, record=("spikes",), max_spikes=3)
    assert big.total_spikes.max() > 3
    for i in range(len(X)):
        np.testing.assert_array_equal(big.spikes(i)[1], small.spikes(i)[1])
        assert len(small.spikes(i)[0]) == small.total_spikes[i]


def test_thread_count_is_restored():
    before = numba.get_num_threads()
    simulate(_net(), _batch(), n_jobs=1, record=("counts",))
    assert numba.get_num_threads() == before


def test_conductance_based_excitation_equals_reference():
    cond = LIF(tau_m=10.0, tau_e=5.0, v_rest=-74.0, v_reset=-60.0, v_threshold=-54.0, t_ref=1.0, e_rev_exc=0.0)
    net = random_reservoir(80, connectivity=0.2, weights={"E": 0.05, "I": -2.0}, delay=(1.0, 3.0), neuron=cond,
                           inhibitory_neuron=LIF(), dt=0.5, random_state=2)
    net = connect_inputs(net, 5, connectivity=0.5, weight=0.3, random_state=3)
    rates = np.full((4, 5), 80.0)
    _assert_poisson_run_equals_reference(net, rates, seed=4, steps_per_frame=200)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
def test_one_large_network_split_over_threads_gives_the_serial_spikes(monkeypatch):
    from reservoirspike.backends import cpu

    monkeypatch.setattr(cpu, "MIN_CHUNK_NEURONS", 40_000)  # a network of a size the test can afford
    seen = _spy_kernel_args(monkeypatch)
    n = 2 * 40_000 + 10  # one population large enough to be split in two
    net = random_reservoir(n, excitatory_fraction=1.0, in_degree=5, weights={"E": 4.0, "I": -4.0}, delay=(1.0, 3.0),
                           bias=(10.0, 16.0), dt=0.5, random_state=0)
    net = connect_inputs(net, 1, connectivity=0.0, random_state=0)
    kw = dict(steps_per_frame=60, record=("spikes", "counts", "final"), v_init="uniform", random_state=3)
    one, two = (simulate(net, np.zeros((1, 1, 1)), n_jobs=k, **kw) for k in (1, 2))
    assert seen[0][-7] is None and len(seen[-1][-7]) == 2  # serial, then split in two
    assert one.total_spikes[0] > 1000
    for a, b in zip(one.spike_steps(0), two.spike_steps(0)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one.final, two.final)


def _rows_reversed(net):
    """The same network with every CSR row listing its targets in decreasing order."""
    from reservoirspike.network import Network

    order = np.concatenate([np.arange(net.indptr[j + 1] - 1, net.indptr[j] - 1, -1) for j in range(net.n_neurons)])
    return Network(populations=net.populations, dt=net.dt, indptr=net.indptr, indices=net.indices[order],
                   data=net.data[order], delays=net.delays[order], n_inputs=net.n_inputs,
                   input_indptr=net.input_indptr, input_indices=net.input_indices, input_data=net.input_data,
                   bias=net.bias)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
@pytest.mark.parametrize("rows", ["in target order", "reversed"])
def test_split_step_and_delivery_over_threads_give_the_serial_spikes_and_the_reference(rows, monkeypatch):
    """E and I populations, several delays and Poisson input: the threads' neuron ranges cut through
    populations, and (rows in target order) each thread delivers the PSPs onto its own range."""
    from reservoirspike.backends import cpu

    monkeypatch.setattr(cpu, "MIN_CHUNK_NEURONS", 100)  # split a small network, so the reference can check it
    net = random_reservoir(450, connectivity=0.05, weights={"E": 1.5, "I": -3.0}, delay=(0.5, 2.0),
                           bias=(10.0, 16.0), dt=0.5, random_state=5)
    net = connect_inputs(net, 3, connectivity=0.3, weight=2.0, random_state=6)
    if rows == "reversed":
        net = _rows_reversed(net)
    assert cpu.rows_in_target_order(net.indptr, net.indices) == (rows == "in target order")
    rates = np.full((1, 400, 3), 40.0)  # one sequence: two would run one a thread instead
    one, two = (simulate(net, rates, encoder=RATES_HZ, record=("spikes", "final"), n_jobs=k, random_state=7)
                for k in (1, 2))
    assert one.total_spikes[0] > 500
    np.testing.assert_array_equal(one.final, two.final)
    for a, b in zip(one.spike_steps(0), two.spike_steps(0)):
        np.testing.assert_array_equal(a, b)
    ref = reference_simulate(net, rates[0] * net.dt / 1000.0, derive_seed(7), "poisson", frame_steps=1)
    _assert_same_spikes(two, ref)


def _one_delay_a_row(net, n_delays=4):
    """The same network with each row's synapses sharing one delay (1 to ``n_delays`` steps, by row)."""
    from dataclasses import replace

    row = np.repeat(np.arange(net.n_neurons), np.diff(net.indptr))
    return replace(net, delays=(1 + row % n_delays).astype(net.delays.dtype))


def _spy_kernel_args(monkeypatch):
    """Record the kernel arguments of each run (the last, ``clear_after``, is None where the neuron loops
    clear the ring entries they read)."""
    from reservoirspike.backends import cpu

    seen, kernel_args = [], cpu._kernel_args
    monkeypatch.setattr(cpu, "_kernel_args", lambda args: seen.append(kernel_args(args)) or seen[-1])
    return seen


# always entry by entry, the default, always whole
CLEAR_RATIOS = [1e-12, 8.0, 1e12]


@pytest.mark.parametrize("ratio", CLEAR_RATIOS)
@pytest.mark.parametrize("inputs, sign", [("poisson", "excitatory"), ("poisson", "inhibitory"),
                                          ("events", "excitatory")])
def test_read_slots_cleared_entry_by_entry_or_whole_give_the_reference(ratio, inputs, sign, monkeypatch):
    """Rows that write to different slots (one delay a row), inputs to either ring, and for events a step
    with more events than channels (which that step clears whole)."""
    from reservoirspike.backends import cpu

    monkeypatch.setattr(cpu, "SPARSE_CLEAR_RATIO", ratio)
    monkeypatch.setattr(cpu, "SPARSE_CLEAR_NEURONS", 100)
    seen = _spy_kernel_args(monkeypatch)
    net = random_reservoir(150, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=0.5, dt=0.5,
                           bias=(12.0, 22.0), random_state=8)
    net = connect_inputs(_one_delay_a_row(net), 6, connectivity=0.4, weight=9.0, sign=sign, random_state=9,
                         weight_distribution="lognormal", weight_cv=0.3)  # one sign, not one weight
    if inputs == "poisson":
        rates = np.random.default_rng(2).uniform(100, 400, size=(8, 6))
        _assert_poisson_run_equals_reference(net, rates, seed=3, steps_per_frame=50)
    else:
        rng = np.random.default_rng(4)
        steps = np.concatenate([rng.integers(0, 400, 300), np.full(10, 200)])  # step 200: 10 events, 6 channels
        channels = np.concatenate([rng.integers(0, 6, 300), np.arange(10) % 6])
        times = (steps + 0.5) * net.dt
        res = simulate(net, [EventStream(times, channels, 400 * net.dt)], encoder=SpikeEncoder(6),
                       record=("spikes",), random_state=3)
        _assert_same_spikes(res, reference_simulate(net, (400, steps, channels), derive_seed(3), "events"))
    assert seen and seen[0][-1] is not None  # the slots were cleared after the loop


def test_neuron_loops_clear_what_they_read_in_small_networks_and_rows_of_several_delays(monkeypatch):
    from reservoirspike.backends import cpu

    seen = _spy_kernel_args(monkeypatch)
    one_delay = _one_delay_a_row(_net())
    simulate(one_delay, np.zeros((1, 10, 6)), record=("counts",))
    assert seen[-1][-1] is None  # 120 neurons: the rings stay in the caches
    monkeypatch.setattr(cpu, "SPARSE_CLEAR_NEURONS", 100)
    simulate(one_delay, np.zeros((1, 10, 6)), record=("counts",))
    assert seen[-1][-1] is not None
    simulate(_net(delay=(1.0, 5.0)), np.zeros((1, 10, 6)), record=("counts",))
    assert seen[-1][-1] is None  # a row writes to several slots
    simulate(_one_delay_a_row(_net(sign="mixed")), np.zeros((1, 10, 6)), record=("counts",))
    assert seen[-1][-1] is None  # an input channel writes to both rings


@pytest.mark.parametrize("distribution", ["constant", "lognormal"])  # rows of one weight, rows of many
@pytest.mark.parametrize("clear_neurons", [100, 10**9])  # slots cleared after the loop, or in it
def test_prefetched_rows_give_the_reference(distribution, clear_neurons, monkeypatch):
    """Rows (and, where they have no one weight, their weights) prefetched before delivery and clearing."""
    from reservoirspike.backends import cpu

    monkeypatch.setattr(cpu, "PREFETCH_SYNAPSES", 0)
    monkeypatch.setattr(cpu, "SPARSE_CLEAR_NEURONS", clear_neurons)
    seen = _spy_kernel_args(monkeypatch)
    net = random_reservoir(150, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=0.5, dt=0.5,
                           bias=(12.0, 22.0), weight_distribution=distribution, weight_cv=0.4, random_state=8)
    net = connect_inputs(net, 6, connectivity=0.4, weight=9.0, sign="excitatory", random_state=9)
    _assert_poisson_run_equals_reference(net, np.random.default_rng(2).uniform(100, 400, size=(8, 6)), seed=3,
                                         steps_per_frame=50)
    rows, clear_after = seen[0][-4], seen[0][-1]
    assert rows[-1] and (clear_after is None) == (clear_neurons > 150)


def test_only_large_networks_prefetch_their_rows(monkeypatch):
    from reservoirspike.backends import cpu

    seen = _spy_kernel_args(monkeypatch)
    simulate(_net(), np.zeros((1, 10, 6)), record=("counts",))
    assert not seen[-1][-4][-1]  # a few thousand synapses stay in the caches
    monkeypatch.setattr(cpu, "PREFETCH_SYNAPSES", 100)
    simulate(_net(), np.zeros((1, 10, 6)), record=("counts",))
    assert seen[-1][-4][-1]


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
@pytest.mark.parametrize("sign, ratio", [("mixed", 8.0), ("excitatory", 8.0), ("excitatory", 1e12)])
def test_split_step_of_rows_of_one_delay_equals_reference(sign, ratio, monkeypatch):
    """Rows of one delay, split over two threads: each range takes its arrivals in before its loop (entry
    by entry, or its whole share of the slot), or, where an input channel writes to both rings, in its
    loop."""
    from reservoirspike.backends import cpu

    monkeypatch.setattr(cpu, "MIN_CHUNK_NEURONS", 100)
    monkeypatch.setattr(cpu, "SPARSE_CLEAR_NEURONS", 100)
    monkeypatch.setattr(cpu, "SPARSE_CLEAR_RATIO", ratio)
    seen = _spy_kernel_args(monkeypatch)
    net = random_reservoir(450, connectivity=0.05, weights={"E": 1.5, "I": -3.0}, delay=0.5, bias=(10.0, 16.0),
                           dt=0.5, random_state=5)
    net = connect_inputs(_one_delay_a_row(net), 3, connectivity=0.3, weight=2.0, sign=sign, random_state=6)
    rates = np.full((1, 400, 3), 40.0)
    two = simulate(net, rates, encoder=RATES_HZ, record=("spikes",), n_jobs=2, random_state=7)
    assert len(seen[-1][-7]) == 2  # split in two
    assert (seen[-1][-1] is None) == (sign == "mixed")  # taken in before the loops, or in them
    ref = reference_simulate(net, rates[0] * net.dt / 1000.0, derive_seed(7), "poisson", frame_steps=1)
    _assert_same_spikes(two, ref)


@pytest.mark.parametrize("sign", ["excitatory", "inhibitory"])
def test_rows_of_one_weight_and_delay_equal_reference(sign):
    """Constant weights and one delay: recurrent rows and input channels are delivered as one number a row."""
    from reservoirspike.backends.cpu import static_row_layout, uniform_row_weights

    net = random_reservoir(150, connectivity=0.15, weights={"E": 1.5, "I": -4.0}, delay=0.5, dt=0.5,
                           bias=(12.0, 22.0), random_state=8)  # active with inhibitory input alone too
    net = connect_inputs(net, 6, connectivity=0.4, weight=9.0, sign=sign, random_state=9)
    row_delay, row_ring, row_weight = static_row_layout(net.indptr, net.delays, net.data, np.zeros(0, np.uint8),
                                                         False)
    has_rows = np.diff(net.indptr) > 0
    assert np.all(row_weight[has_rows] != 0) and np.all(row_delay[has_rows] == 1)
    assert np.all(np.sign(row_weight[has_rows]) == row_ring[has_rows])
    in_weight = uniform_row_weights(net.input_indptr, net.input_data, np.zeros(0, np.uint8), False)
    assert np.all(in_weight != 0) and np.all(np.sign(in_weight) == (1 if sign == "excitatory" else -1))
    rates = np.random.default_rng(2).uniform(100, 400, size=(8, 6))
    _assert_poisson_run_equals_reference(net, rates, seed=3, steps_per_frame=50)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fixed_weights_round_as_to_fixed(dtype):
    """The NumPy conversion of whole weight arrays gives the compiled scalar conversion's numbers, ties included."""
    from reservoirspike.backends._math import fixed_weights, to_fixed

    unit = 2.0 ** -32
    ties = np.array([0.5, 1.5, -0.5, -1.5, 2.5, -2.5]) * unit  # exactly half a fixed-point unit away
    weights = np.concatenate([ties, [0.0, -0.0, 1e-12, -1e-12, 0.5, -2.0, 1e3, -1e3],
                              np.random.default_rng(0).normal(scale=5.0, size=200)]).astype(dtype)
    got = fixed_weights(weights)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [to_fixed(w) for w in weights])


def test_uniform_row_weights_only_where_every_weight_is_equal():
    from reservoirspike.backends.cpu import uniform_row_weights
    from reservoirspike.backends._math import to_fixed

    indptr = np.array([0, 3, 3, 5, 7, 9])
    data = np.array([0.5, 0.5, 0.5, 0.5, 0.25, -1.0, -1.0, 0.0, 0.0], np.float32)
    kind = np.array([0, 0, 0, 0, 1, 0, 0, 0, 0], np.uint8)  # one plastic synapse in row 2
    np.testing.assert_array_equal(uniform_row_weights(indptr, data, kind, False),
                                  [to_fixed(0.5), 0, 0, to_fixed(-1.0), 0])
    np.testing.assert_array_equal(uniform_row_weights(indptr, data, kind, True),
                                  [to_fixed(0.5), 0, to_fixed(0.5), to_fixed(-1.0), 0])


@pytest.mark.parametrize("chunk", [5, 2**15])
def test_static_row_layout_equals_a_row_by_row_definition(chunk, monkeypatch):
    """The NumPy row layout (segment reductions; a plastic run's over chunks of rows) against a plain loop over
    each row's synapses: empty rows, rows of plastic synapses only, mixed signs, delays and weights, float32
    and float64 weights."""
    from reservoirspike import _wiring
    from reservoirspike.backends._math import to_fixed
    from reservoirspike.backends.cpu import static_row_layout, uniform_row_weights

    monkeypatch.setattr(_wiring, "CHUNK", chunk)
    rng = np.random.default_rng(12)
    for trial in range(40):
        n = int(rng.integers(1, 60))
        degree = rng.integers(0, 6, n) * (rng.random(n) > 0.3)
        indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
        m = int(indptr[-1])
        pool = np.array([0.5, -0.5, 1.0, 0.0, -2.0, 1e-12, -1e-12])
        data = [np.full(m, 0.5), pool[rng.integers(0, len(pool), m)], rng.normal(size=m)][trial % 3]
        data = data.astype(np.float32 if trial % 4 == 0 else np.float64)
        delays = rng.integers(1, 3 if trial % 2 else 2, m).astype(np.uint8)
        kind = (rng.random(m) < 0.3).astype(np.uint8)
        for plastic in (False, True):
            want = np.zeros((3, n), np.int64)
            for j in range(n):
                static = [s for s in range(indptr[j], indptr[j + 1]) if not (plastic and kind[s])]
                if not static:
                    continue
                fixed = [to_fixed(data[s]) for s in static]
                ring = 1 if min(fixed) >= 0 else -1 if max(fixed) < 0 else 0
                same_delay = len({int(delays[s]) for s in static}) == 1
                want[:, j] = (delays[static[0]] if ring and same_delay else 0, ring,
                              fixed[0] if len(set(fixed)) == 1 else 0)
            got = static_row_layout(indptr, delays, data, kind, plastic)
            for row, expected in zip(got, want):
                np.testing.assert_array_equal(row, expected)
            np.testing.assert_array_equal(uniform_row_weights(indptr, data, kind, plastic), want[2])


@pytest.mark.parametrize("n", [1, 100, 128, 450, 80_010, 256_000])
@pytest.mark.parametrize("n_chunks", [1, 2, 3, 8])
def test_split_ranges_cover_the_neurons_in_aligned_near_equal_parts(n, n_chunks):
    """A split step's ranges: contiguous, covering 0..n, each starting on a multiple of RANGE_ALIGN (their
    spike flags are whole words, their state whole cache lines), each within RANGE_ALIGN of n / n_chunks."""
    from reservoirspike.backends.cpu import RANGE_ALIGN, range_start

    start = numba.njit(lambda c, n, k: range_start(c, n, k))
    bounds = np.array([start(c, n, n_chunks) for c in range(n_chunks + 1)])
    assert bounds[0] == 0 and bounds[-1] == n and np.all(np.diff(bounds) >= 0)
    assert np.all(bounds[:-1] % RANGE_ALIGN == 0)
    assert np.all(np.abs(np.diff(bounds) - n / n_chunks) <= RANGE_ALIGN)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 64, 65, 127, 128, 129, 1003, 4099])
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
def test_fired_ids_lists_the_set_flags_in_order(n, p):
    """The spike scan reads the flags as words and finds each set flag by the word's lowest set bit."""
    from reservoirspike.backends.cpu import _fired_ids

    fired_ids = numba.njit(lambda words, flags, out, n_set: _fired_ids(words, flags, out, n_set))  # no wrapper
    words = np.zeros((n + 7) // 8, np.uint64)
    flags = words.view(np.bool_)[:n]
    flags[:] = np.random.default_rng(n).random(n) < p
    out = np.full(n, -1, np.int64)
    k = fired_ids(words, flags, out, int(flags.sum()))
    np.testing.assert_array_equal(out[:k], np.flatnonzero(flags))


def test_portable_trailing_zeros_matches_numbas_intrinsic():
    """The spike scan's fallback, for a Numba without its internal ``trailing_zeros``, counts the same."""
    from numba import njit
    from numba.cpython.unsafe.numbers import trailing_zeros

    from reservoirspike.backends.cpu import trailing_zeros_portable

    intrinsic = njit(lambda w: trailing_zeros(w))
    portable = njit(lambda w: trailing_zeros_portable(w))  # no Python wrapper of its own
    words = np.concatenate([np.uint64(1) << np.arange(64, dtype=np.uint64),
                            np.random.default_rng(0).integers(1, 2**63, 200, dtype=np.uint64)])
    for w in words:
        assert portable(w) == intrinsic(w), w


@pytest.mark.parametrize("shape, dtype", [(5, np.float64), ((3, 7), np.int64), (13, np.int32), (0, np.uint64)])
def test_aligned_zeros_start_on_a_cache_line(shape, dtype):
    from reservoirspike.backends.cpu import ALIGNMENT, aligned_zeros, sequence_workspace

    a = aligned_zeros(shape, dtype)
    assert a.shape == np.zeros(shape).shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
    assert not np.any(a) and (a.size == 0 or a.ctypes.data % ALIGNMENT == 0)
    ring_e, ring_i, v, *_ = sequence_workspace(40, 3, 2)
    assert all(x.ctypes.data % ALIGNMENT == 0 for x in (ring_e, ring_i, v, ring_e[1], ring_i[3]))


@pytest.mark.parametrize("split", [False, True])
def test_only_a_split_workspace_holds_a_second_spike_list(split):
    """The ranges of a split step list their spikes beside the pending list; a serial run needs one list."""
    from reservoirspike.backends.cpu import sequence_workspace

    fired_ids = sequence_workspace(40, 3, 2, split=split)[13]
    assert fired_ids.shape == ((80,) if split else (40,)) and fired_ids.dtype == np.int64
