"""The CUDA backend against the CPU backend, spike for spike.

Runs on a real GPU when one is usable, otherwise under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1`` must be set before Numba is imported, so CI runs
this file in its own pytest invocation).  The simulator runs every GPU thread
as a Python thread: the networks here are small on purpose.  Tests marked
``gpu`` need a real device (larger networks, the cooperative grid).
"""

import dataclasses
import os

import numpy as np
import pytest

from reservoirspike import (LIF, AdaptiveLIF, EventStream, PoissonEncoder, SpikeEncoder, SpikingReservoir,
                            SpikingReservoirClassifier,
                            connect_inputs, random_reservoir, simulate)
from reservoirspike._rng import derive_seed
from reservoirspike.architectures import synfire_chain
from reservoirspike.backends import cuda as gpu
from reservoirspike.learning import LearningState
from reservoirspike.plasticity import (STDP, InhibitorySTDP, IntrinsicPlasticity, Plasticity, SynapticScaling,
                                       TripletSTDP)
from reservoirspike.simulate import run_encoded
from reservoirspike.workloads import RATE_ENCODER

SIMULATOR = gpu.simulator_enabled()
pytestmark = [
    pytest.mark.skipif(not gpu.is_available(),
                       reason="no usable GPU and the CUDA simulator is off: run "
                              "'NUMBA_ENABLE_CUDASIM=1 pytest tests/test_cuda.py' (CI does)"),
    # the simulator runs the counter-based generator's wrapping uint64 products in NumPy scalars
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]
needs_gpu = pytest.mark.skipif(SIMULATOR, reason="needs a real GPU (too large for the CUDA simulator)")


@pytest.fixture(autouse=True)
def small_launch():
    """Two warps a block under the simulator (each thread is a Python thread there)."""
    saved = dataclasses.replace(gpu.LAUNCH)
    if SIMULATOR:
        gpu.LAUNCH.threads = 64
    yield
    for field in dataclasses.fields(saved):
        setattr(gpu.LAUNCH, field.name, getattr(saved, field.name))


def _net(n=40, delay=(1.0, 3.0), neuron=None, sign="excitatory", seed=3, n_inputs=5, dt=1.0):
    net = random_reservoir(n, connectivity=0.2, weights={"E": 2.0, "I": -4.0}, delay=delay,
                           weight_distribution="lognormal", weight_cv=0.5, neuron=neuron or LIF(), dt=dt,
                           random_state=seed)
    return connect_inputs(net, n_inputs, connectivity=0.5, weight=15.0, sign=sign, random_state=seed + 1)


def _both(net, X, **kw):
    cpu = simulate(net, X, backend="cpu", **kw)
    cuda = simulate(net, X, backend="cuda", **kw)
    assert cpu.backend == "cpu" and cuda.backend == "cuda"
    return cpu, cuda


def _assert_close_state(cpu_values, cuda_values):
    """Continuous state: bit for bit under the simulator; on a GPU within a few ulps.

    The kernels are compiled without FMA contraction, but libdevice's exp/log/
    sin/cos/pow may differ from the CPU's libm in the last bit.
    """
    for a, b in zip(cpu_values, cuda_values):
        if SIMULATOR:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def _assert_same(cpu, cuda, min_spikes=20):
    assert cpu.total_spikes.sum() >= min_spikes, "the test network should be active"
    np.testing.assert_array_equal(cpu.total_spikes, cuda.total_spikes)
    for name in ("counts", "traces", "final"):
        a, b = getattr(cpu, name), getattr(cuda, name)
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=name)
    if cpu._spike_steps is not None:
        for i in range(cpu.n_sequences):
            for a, b in zip(cpu.spike_steps(i), cuda.spike_steps(i)):
                np.testing.assert_array_equal(a, b)


def test_poisson_input_with_delays_ragged_batch_two_blocks():
    rng = np.random.default_rng(0)
    X = [rng.uniform(0, 1, size=(T, 5)) for T in (20, 31, 12)]
    cpu, cuda = _both(_net(), X, encoder="poisson", steps_per_frame=2, record=("spikes", "counts", "traces", "final"),
                      n_bins=3, random_state=3)
    _assert_same(cpu, cuda)
    assert cuda.launch["team"] == "block" and cuda.launch["teams"] >= 2


@pytest.mark.parametrize("launch", [
    dict(kernel="general"),
    dict(kernel="resident", resident_threads=32),  # two neurons a thread
    dict(kernel="resident", shared_bytes=0),  # delay rings in device memory
], ids=["general", "resident-two-a-thread", "resident-rings-in-device-memory"])
def test_block_kernels_and_their_layouts_agree_with_the_cpu(launch):
    for name, value in launch.items():
        setattr(gpu.LAUNCH, name, value)
    rng = np.random.default_rng(0)
    X = [rng.uniform(0, 1, size=(T, 5)) for T in (20, 31)]
    cpu, cuda = _both(_net(), X, encoder="poisson", steps_per_frame=2, record=("spikes", "counts", "traces", "final"),
                      n_bins=3, random_state=3)
    _assert_same(cpu, cuda)
    assert cuda.launch["kernel"] == launch["kernel"]
    if launch["kernel"] == "resident":
        assert cuda.launch["per_thread"] == (2 if launch.get("resident_threads") == 32 else 1)
        assert cuda.launch["ring_in_shared"] == ("shared_bytes" not in launch)


@pytest.mark.parametrize("kernel", ["general", "resident"])
@pytest.mark.parametrize("encoder", ["poisson", "current"])
def test_lean_neuron_step_equals_the_full_step_and_the_cpu(kernel, encoder):
    """Exponential current synapses without adaptation or noise take the lean step; analog input onto a
    population moves its drive, so it keeps per-neuron drives (LEAN) instead of a shared one."""
    from reservoirspike.backends.cpu import FULL, LEAN, LEAN_SHARED

    gpu.LAUNCH.kernel = kernel
    rng = np.random.default_rng(2)
    if encoder == "poisson":
        net, X = _net(), [rng.uniform(0, 1, size=(T, 5)) for T in (20, 26)]
    else:
        net, X = _net(sign="mixed", seed=11), list(rng.normal(1.0, 1.0, size=(2, 12, 5)))
    kw = dict(encoder=encoder, steps_per_frame=2, n_bins=3, random_state=3)
    with_traces, without = ("spikes", "counts", "traces", "final"), ("spikes", "counts")
    for record, lean in ((with_traces, True), (without, True), (with_traces, False)):
        gpu.LAUNCH.lean = lean
        cpu, cuda = _both(net, X, record=record, **kw)
        _assert_same(cpu, cuda)
        assert cuda.launch["kernel"] == kernel
        assert cuda.launch["features"]["lean"] == (FULL if not lean else LEAN_SHARED if encoder == "poisson"
                                                   else LEAN)


def test_lean_step_kind_takes_the_least_lean_population():
    from reservoirspike.backends.cpu import FULL, LEAN, LEAN_SHARED, POP_COLUMNS, P_YYE

    params = np.zeros((2, len(POP_COLUMNS)))
    bounds = np.array([0, 3, 5])
    v_inf, th_off = np.full(5, -60.0), np.zeros(5)
    fixed = np.array([True, True])
    assert gpu.lean_step_kind(bounds, params, v_inf, th_off, fixed) == LEAN_SHARED
    table = gpu.device_pop_params(bounds, params, v_inf + np.array([0, 0, 0, 1, 1]), th_off + 2.0, LEAN_SHARED)
    np.testing.assert_array_equal(table[:, gpu.SHARED_V_INF], [-60.0, -59.0])
    np.testing.assert_array_equal(table[:, gpu.SHARED_TH_OFF], [2.0, 2.0])
    assert not gpu.device_pop_params(bounds, params, v_inf, th_off + 2.0, LEAN)[:, -2:].any()
    assert gpu.lean_step_kind(bounds, params, v_inf, th_off, np.array([True, False])) == LEAN
    v_inf[4] = -59.0  # the second population's neurons no longer share a drive
    assert gpu.lean_step_kind(bounds, params, v_inf, th_off, fixed) == LEAN
    params[1, P_YYE] = 0.5  # alpha synapses: its entry variable y_e does not stay zero
    assert gpu.lean_step_kind(bounds, params, v_inf, th_off, fixed) == FULL
    assert gpu.lean_step_kind(np.array([0]), params[:0], v_inf[:0], th_off[:0], fixed[:0]) == FULL


def _noisy_alpha_net():
    noisy = LIF(tau_m=10.0, tau_e=0.5, tau_i=1.0, synapse="alpha", noise_mean=28.0, noise_std=40.0,
                v_rest=-70.0, v_reset=-70.0, v_threshold=-55.0, t_ref=1.0)
    net = random_reservoir(30, connectivity=0.2, weights={"E": 20.0, "I": -30.0}, delay=(0.5, 2.0),
                           neuron=noisy, inhibitory_neuron=LIF(tau_m=10.0, tau_e=0.5, tau_i=1.0, synapse="alpha"),
                           dt=0.1, random_state=4)
    return connect_inputs(net, 3, connectivity=0.5, weight=60.0, random_state=5)


def _conductance_net():
    cond = LIF(tau_m=10.0, tau_e=5.0, v_rest=-74.0, v_reset=-60.0, v_threshold=-54.0, t_ref=1.0, e_rev_exc=0.0)
    net = random_reservoir(30, connectivity=0.2, weights={"E": 0.05, "I": -2.0}, delay=(1.0, 3.0), neuron=cond,
                           inhibitory_neuron=LIF(), dt=0.5, random_state=2)
    return connect_inputs(net, 5, connectivity=0.5, weight=0.3, random_state=3)


_RATES = PoissonEncoder(max_rate=1000.0, gain=1 / 1000.0, transform="linear")


@pytest.mark.parametrize("case", ["current-adaptive-uniform-start", "alpha-noise", "conductance"])
def test_resident_kernel_neuron_models_and_records(case):
    """The resident kernel (state in registers) on what the state-recording tests run on the general one."""
    gpu.LAUNCH.kernel = "resident"
    if case == "current-adaptive-uniform-start":
        net = _net(neuron=AdaptiveLIF(tau_adapt=80.0, delta_threshold=2.0, bias=5.0), sign="mixed", seed=11)
        X = list(np.random.default_rng(1).normal(size=(2, 12, 5)))
        kw = dict(encoder="current", steps_per_frame=3, v_init="uniform", random_state=5)
    elif case == "alpha-noise":
        net, X = _noisy_alpha_net(), np.full((1, 1, 3), 100.0)
        kw = dict(encoder=_RATES, steps_per_frame=150, random_state=8)
    else:
        net, X = _conductance_net(), np.full((1, 2, 5), 150.0)
        kw = dict(encoder=_RATES, steps_per_frame=40, random_state=4)
    cpu, cuda = _both(net, X, record=("spikes", "counts", "steps", "final"), n_bins=2, **kw)
    assert cuda.launch["kernel"] == "resident"
    _assert_same(cpu, cuda, min_spikes=5)
    _assert_close_state(cpu.steps, cuda.steps)


def test_resident_kernel_is_refused_where_it_does_not_apply():
    gpu.LAUNCH.kernel = "resident"
    with pytest.raises(ValueError, match="LAUNCH.kernel='resident' needs"):
        simulate(_net(), np.full((1, 4, 5), 0.5), backend="cuda", encoder="poisson", record=("state",),
                 state_neurons=[0], random_state=0)
    gpu.LAUNCH.kernel = "fast"
    with pytest.raises(ValueError, match="LAUNCH.kernel must be 'auto', 'general' or 'resident', got 'fast'"):
        simulate(_net(), np.full((1, 4, 5), 0.5), backend="cuda", encoder="poisson", random_state=0)
    gpu.LAUNCH.kernel = "auto"
    gpu.LAUNCH.lean = "False"
    with pytest.raises(ValueError, match="LAUNCH.lean must be True or False, got 'False'"):
        simulate(_net(), np.full((1, 4, 5), 0.5), backend="cuda", encoder="poisson", random_state=0)


def test_current_input_adaptive_neurons_uniform_start_steps_and_state():
    net = _net(neuron=AdaptiveLIF(tau_adapt=80.0, delta_threshold=2.0, bias=5.0), sign="mixed", seed=11)
    X = list(np.random.default_rng(1).normal(size=(2, 12, 5)))
    kw = dict(encoder="current", steps_per_frame=3, record=("spikes", "steps", "state", "final"), v_init="uniform",
              state_neurons=[0, 7, 39], random_state=5)
    cpu, cuda = _both(net, X, **kw)
    _assert_same(cpu, cuda)
    _assert_close_state(cpu.steps + cpu.state, cuda.steps + cuda.state)


def test_delta_and_latency_encoders():
    X = list(np.random.default_rng(2).normal(size=(2, 6, 5)))
    for encoder, n_inputs in (("delta", 10), ("latency", 5)):
        net = _net(n_inputs=n_inputs, seed=4)
        cpu, cuda = _both(net, X, encoder=encoder, steps_per_frame=4, record=("spikes", "counts"), n_bins=2,
                          random_state=1)
        _assert_same(cpu, cuda, min_spikes=5)


def test_alpha_synapses_and_noisy_background():
    """Background noise uses log/sin/cos: spikes must agree; V may differ in the last bits on a GPU."""
    cpu, cuda = _both(_noisy_alpha_net(), np.full((1, 1, 3), 100.0), encoder=_RATES, steps_per_frame=150,
                      record=("spikes", "state"), state_neurons=[0, 1, 2], random_state=8)
    _assert_same(cpu, cuda, min_spikes=5)
    _assert_close_state(cpu.state, cuda.state)


def test_conductance_based_excitation():
    cpu, cuda = _both(_conductance_net(), np.full((1, 2, 5), 150.0), encoder=_RATES, steps_per_frame=40,
                      record=("spikes", "state"), state_neurons=[0, 5], random_state=4)
    _assert_same(cpu, cuda, min_spikes=5)
    _assert_close_state(cpu.state, cuda.state)


def test_synfire_chain_with_input_events():
    chain = synfire_chain(3, 10, weight=40.0, delay=2.0, random_state=3)
    net = connect_inputs(chain, 10, connectivity=1.0, weight=40.0, targets="g0", random_state=4)
    times = 2.0 + 0.3 * np.random.default_rng(5).standard_normal(10)
    stream = EventStream(times, np.arange(10), 90 * 0.1)
    cpu, cuda = _both(net, [stream], encoder=SpikeEncoder(10), record=("spikes", "counts"),
                      v_init="uniform", random_state=6)
    _assert_same(cpu, cuda)


def test_grid_mode_equals_block_mode_and_cpu():
    gpu.LAUNCH.team = "grid"
    X = list(np.random.default_rng(3).uniform(0, 1, size=(2, 15, 5)))
    cpu, cuda = _both(_net(), X, encoder="poisson", steps_per_frame=2, record=("spikes", "counts"), n_bins=2,
                      random_state=2)
    assert cuda.launch["team"] == "grid"
    _assert_same(cpu, cuda)


def test_chunked_streaming_and_spike_buffer_rerun():
    gpu.LAUNCH.max_chunk_bytes = 1  # one sequence a chunk
    X = list(np.random.default_rng(4).uniform(0.5, 1, size=(3, 12, 5)))
    cpu, cuda = _both(_net(), X, encoder="poisson", steps_per_frame=3, record=("spikes", "counts"),
                      max_spikes=2, random_state=9)
    assert cuda.launch["n_chunks"] == 3 and cuda.launch["chunk_size"] == 1
    assert cpu.total_spikes.max() > 2
    _assert_same(cpu, cuda)


@pytest.mark.parametrize("rules", [
    Plasticity(stdp=STDP(a_plus=0.05, a_minus=-0.05, w_max=4.0, mu=0.5)),
    Plasticity(stdp=TripletSTDP.published("visual_cortex_all_to_all", w_max=4.0, scale=5.0),
               istdp=InhibitorySTDP(eta=0.2, target_rate=5.0, w_max=8.0)),
    Plasticity(stdp=STDP(a_plus=0.05, a_minus=-0.06, w_max=4.0), scaling=SynapticScaling(interval=20.0),
               intrinsic=IntrinsicPlasticity(target_rate=20.0, eta=0.05)),
    Plasticity(stdp=STDP(a_plus=0.05, a_minus=-0.06, w_max=4.0, pairing="restricted")),
], ids=["multiplicative", "triplet-istdp", "scaling-intrinsic", "restricted"])
def test_plasticity_learns_the_same_weights(rules):
    net = _net(n=30, seed=5)
    enc = RATE_ENCODER
    kin = enc.encode(enc.validate(np.full((2, 1, 5), 80.0))[0], 1.0, 60)
    states, results = [], []
    for backend in ("cpu", "cuda"):
        state = LearningState(net, rules)
        results.append(run_encoded(net, kin, seed=derive_seed(9), record=("spikes", "counts"), n_jobs=1,
                                   learning=state, backend=backend))
        states.append(state)
    _assert_same(*results)
    assert not np.array_equal(states[0].data, net.data), "the rule should have changed weights"
    if SIMULATOR:
        np.testing.assert_array_equal(states[1].data, states[0].data)
    else:  # pow() of multiplicative STDP may differ in its last bit on the GPU (weights are float32)
        np.testing.assert_allclose(states[1].data, states[0].data, rtol=1e-6, atol=0)
    _assert_close_state([states[0].th_off], [states[1].th_off])


def test_estimator_transform_on_cuda_equals_cpu():
    X = np.random.default_rng(6).normal(size=(4, 6, 3))
    kw = dict(n_neurons=30, steps_per_frame=3, n_bins=2, random_state=0)
    states = [SpikingReservoir(backend=b, **kw).fit(X).transform(X) for b in ("cpu", "cuda")]
    assert states[0].any()
    np.testing.assert_array_equal(states[0], states[1])
    y = [0, 1, 0, 1]
    scores = [SpikingReservoirClassifier(backend=b, **kw).fit(X, y).decision_function(X) for b in ("cpu", "cuda")]
    np.testing.assert_array_equal(scores[0], scores[1])
    # several trace time constants: filtered from the spikes each backend recorded
    multi = [SpikingReservoir(backend=b, tau_trace=(20.0, 60.0), **kw).fit(X).transform(X) for b in ("cpu", "cuda")]
    np.testing.assert_array_equal(multi[0], multi[1])
    np.testing.assert_allclose(multi[0][:, :60], states[0], rtol=1e-5, atol=1e-6)  # the default 20 ms first


@needs_gpu
@pytest.mark.parametrize("kernel", ["resident", "general"])
def test_batch_workload_sample_on_gpu(kernel):
    from reservoirspike.workloads import batch_input, batch_network

    gpu.LAUNCH.kernel = kernel
    net = batch_network()
    X = batch_input(64)
    kw = dict(encoder=RATE_ENCODER, steps_per_frame=1000, record=("counts", "spikes"), n_bins=10, random_state=0)
    cpu, cuda = _both(net, X, **kw)
    assert cuda.launch["kernel"] == kernel
    _assert_same(cpu, cuda)


@needs_gpu
def test_cuba_grid_mode_on_gpu():
    from reservoirspike.workloads import cuba_network

    net = cuba_network(16000)
    kw = dict(encoder="current", steps_per_frame=2000, record=("spikes",), v_init="uniform", random_state=1)
    X = np.zeros((1, 1, 1))
    cpu, cuda = _both(net, X, **kw)
    assert cuda.launch["team"] == "grid"
    _assert_same(cpu, cuda)


def test_simulator_flag_matches_environment():
    assert SIMULATOR == (os.environ.get("NUMBA_ENABLE_CUDASIM") == "1")


def test_gpu_ab_benchmark_runs_each_version_from_its_own_folder(tmp_path):
    """benchmarks/gpu_ab.py: each version imports the package of its folder, ahead of the installed one."""
    import shutil
    import subprocess
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = os.path.join(repo, "benchmarks", "gpu_ab.py")
    other = tmp_path / "other"
    shutil.copytree(os.path.join(repo, "reservoirspike"), other / "reservoirspike",
                    ignore=shutil.ignore_patterns("__pycache__"))
    small = ["--rounds", "1", "--sequences", "2", "--n", "300", "--duration", "0.002", "--batch-steps", "10",
             "--repeats", "1"]
    done = subprocess.run([sys.executable, script, repo, str(other), *small], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.splitlines()[-3:]
    assert "batch 2" in table[0] and "cuba 300" in table[0]
    assert table[1].split()[0] == repo and table[2].split()[0] == str(other)
    assert all("seq/s" in line and line.rstrip().endswith(" s") for line in table[1:])
    empty = subprocess.run([sys.executable, script, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "holds no reservoirspike package" in empty.stderr
    no_rounds = subprocess.run([sys.executable, script, repo, "--rounds", "0"], capture_output=True, text=True,
                               timeout=60)
    assert no_rounds.returncode == 2 and "--rounds must be at least 1, got 0" in no_rounds.stderr
    twice = subprocess.run([sys.executable, script, repo, repo], capture_output=True, text=True, timeout=60)
    assert twice.returncode == 2 and "a folder is named twice" in twice.stderr


def test_gpu_benchmark_launch_variants_parse_numbers_and_flags():
    import importlib.util

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location("gpu_benchmark", os.path.join(repo, "benchmarks", "gpu.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    variants = bench.parse_variants("full:lean=False,threads=128; general:kernel=general,lean=True")
    assert variants == {"full": {"lean": False, "threads": 128}, "general": {"kernel": "general", "lean": True}}


@pytest.mark.parametrize("few", [64, 0], ids=["recorded-part", "whole-buffers"])
def test_spike_buffers_come_back_in_the_cpu_order(few, monkeypatch):
    """Spikes listed step by step in the order threads appended them come back sorted by (step, neuron),
    whether a chunk copies back only the recorded part of its buffers or all of them."""
    monkeypatch.setattr(gpu, "FEW_SEQUENCES", few)
    cuda = gpu.numba_cuda()
    steps = np.zeros((2, 12), np.int32)
    ids = np.zeros((2, 12), np.int32)
    steps[0, :5], ids[0, :5] = [0, 0, 0, 3, 3], [7, 2, 5, 1, 0]
    steps[1, :3], ids[1, :3] = [4, 2, 2], [3, 9, 3]  # not step after step: the steps are sorted too
    totals = np.array([5, 3])
    host_steps, host_ids = gpu._recorded_spikes(cuda.to_device(steps), cuda.to_device(ids), totals)
    assert host_steps.shape == ((2, 5) if few else (2, 12))
    spike_step, spike_id = np.full((3, 12), -1, np.int32), np.full((3, 12), -1, np.int32)
    gpu._sorted_spikes(host_steps, host_ids, totals, 10, np.array([2, 0]), spike_step, spike_id)
    np.testing.assert_array_equal(spike_step[2, :5], [0, 0, 0, 3, 3])
    np.testing.assert_array_equal(spike_id[2, :5], [2, 5, 7, 0, 1])
    np.testing.assert_array_equal(spike_step[0, :3], [2, 2, 4])
    np.testing.assert_array_equal(spike_id[0, :3], [3, 9, 3])
    assert (spike_step[1] == -1).all() and (spike_step[2, 5:] == -1).all()


def test_device_copies_of_network_arrays_are_kept_by_identity():
    memory = gpu._DeviceMemory()
    weights, other = np.arange(6, dtype=np.float32), np.arange(6, dtype=np.float32)
    first = memory.constant(weights, slot="weights")
    assert memory.constant(weights, slot="weights") is first
    second = memory.constant(other, slot="weights")  # the slot keeps only the last array
    assert second is not first and memory.constant(weights, slot="weights") is not first
    np.testing.assert_array_equal(second.copy_to_host(), other)
    assert memory.constant(other) is memory.constant(other) and memory.constant(other) is not second
    net = _net()
    mine = net.data * 2
    doubled = net.with_data(mine)
    mine[:] = 0.0  # the caller's array changes; the network it made does not
    np.testing.assert_array_equal(doubled.data, net.data * 2)
