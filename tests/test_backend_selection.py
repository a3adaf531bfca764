"""Choosing a backend: "cpu", "cuda", "auto", and what a missing GPU piece says."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from reservoirspike import SpikingReservoir, connect_inputs, random_reservoir, simulate
from reservoirspike.backends import cuda as gpu
from reservoirspike.simulate import AUTO_GPU_WORK, resolve_backend


def _net():
    return connect_inputs(random_reservoir(20, random_state=0), 2, random_state=0)


def test_importing_and_running_on_the_cpu_never_imports_numba_cuda():
    code = ("import sys, numpy as np, reservoirspike as rs\n"
            "net = rs.connect_inputs(rs.random_reservoir(20, random_state=0), 2, random_state=0)\n"
            "rs.simulate(net, np.ones((1, 5, 2)), backend='auto')\n"
            "rs.SpikingReservoir(n_neurons=20).fit(np.ones((2, 5, 2)))\n"
            "loaded = [m for m in sys.modules if m == 'numba.cuda' or m.startswith(('numba.cuda.', 'numba_cuda.'))]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_numba_cuda_is_named(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba_cuda" else real(name, *a))
    with pytest.raises(RuntimeError, match=r"numba-cuda .*not installed.*reservoirspike\[cuda\]"):
        simulate(_net(), np.ones((1, 5, 2)), backend="cuda")
    with pytest.raises(RuntimeError, match="numba-cuda"):
        SpikingReservoir(n_neurons=10, backend="cuda").fit(np.ones((2, 5, 2)))
    assert resolve_backend("auto", work=10 * AUTO_GPU_WORK) == "cpu"


@pytest.mark.skipif(gpu.is_available(), reason="a GPU (or the CUDA simulator) is usable here")
@pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None, reason="numba-cuda is not installed")
def test_missing_driver_or_device_is_named():
    with pytest.raises(RuntimeError, match=r"backend='cuda' found (no usable CUDA driver|a CUDA driver but no GPU)"):
        simulate(_net(), np.ones((1, 5, 2)), backend="cuda")
    assert resolve_backend("auto", work=10 * AUTO_GPU_WORK) == "cpu"


def test_auto_keeps_small_work_on_the_cpu():
    res = simulate(_net(), np.ones((1, 5, 2)), backend="auto")
    assert res.backend == "cpu" and res.launch is None
    assert resolve_backend("auto", work=AUTO_GPU_WORK - 1) == "cpu"
    assert resolve_backend("cpu") == "cpu"
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("gpu")


@pytest.fixture
def launch():
    """The CUDA launch configuration, restored after the test."""
    import dataclasses

    saved = dataclasses.replace(gpu.LAUNCH)
    yield gpu.LAUNCH
    for field in dataclasses.fields(saved):
        setattr(gpu.LAUNCH, field.name, getattr(saved, field.name))


def _csr(n_rows, row_length):
    return np.arange(n_rows + 1, dtype=np.int64) * row_length


def test_resident_kernel_plan_for_the_batch_network(launch):
    """No GPU needed: how a 1000-neuron network with one-step delays would be laid out."""
    plan = gpu._resident_plan(1000, 1, _csr(1000, 100), _csr(100, 200))
    assert (plan["threads"], plan["per_thread"]) == (512, 2)
    # two rings of 2 slots x 1000 int64, then (id, row start, row end) for 1000 neurons and 100 channels
    assert plan["shared_bytes"] == 2 * 2 * 1000 * 8 + 3 * 1100 * 4 <= launch.shared_bytes
    assert plan["ring_in_shared"] and plan["max_registers"] == 128
    assert [int(c) for c in plan["chunks"]] == [4, 7]  # rows of 100 and 200 synapses in 32-synapse items


def test_resident_kernel_plan_limits(launch):
    assert gpu._resident_plan(40, 3, _csr(40, 5), _csr(5, 10))["threads"] == 64  # whole warps, no more
    big = gpu._resident_plan(2000, 3, _csr(2000, 10), _csr(5, 10))
    assert big["per_thread"] == 4 and not big["ring_in_shared"]  # 128 KB of rings: in device memory
    assert gpu._resident_plan(2049, 1, _csr(2049, 10), _csr(5, 10)) is None  # 5 neurons a thread: general kernel
    launch.kernel = "general"
    assert gpu._resident_plan(1000, 1, _csr(1000, 10), _csr(5, 10)) is None
    launch.kernel = "auto"
    launch.resident_threads = 48
    with pytest.raises(ValueError, match="resident_threads must be a multiple of 32"):
        gpu._resident_plan(1000, 1, _csr(1000, 10), _csr(5, 10))
