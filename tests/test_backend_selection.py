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
