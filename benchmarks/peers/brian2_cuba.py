"""CUBA in Brian2 (run by benchmarks/cuba.py inside a Python that has Brian2).

    python brian2_cuba.py N DURATION_S MODE THREADS   (MODE: runtime | standalone)

Prints one JSON object: run_s (simulation only), compile_s, spikes, rate_hz.
"""

import json
import sys
import tempfile
import time

from brian2 import (NeuronGroup, SpikeMonitor, Synapses, device, mV, ms, prefs, run, second, set_device)

from brian2_lif import EQUATIONS  # beside this script

N, duration, mode, threads = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if mode == "standalone":
    BUILD_DIR = tempfile.mkdtemp(prefix="cuba_")
    set_device("cpp_standalone", build_on_run=False, directory=BUILD_DIR)
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
else:
    prefs.codegen.target = "cython"
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
P = NeuronGroup(N, EQUATIONS, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
Ne = int(0.8 * N)
we, wi = (60 * 0.27 / 10) * mV, (-20 * 4.5 / 10) * mV
Ce = Synapses(P, P, on_pre="ge += we")
Ci = Synapses(P, P, on_pre="gi += wi")
Ce.connect("i < Ne", p=80.0 / N)
Ci.connect("i >= Ne", p=80.0 / N)
mon = SpikeMonitor(P, record=False)
t0 = time.perf_counter()
if mode == "standalone":
    run(duration * second)
    device.build(directory=BUILD_DIR, run=True, compile=True)
    total = time.perf_counter() - t0
    run_s = float(device._last_run_time)
    compile_s = total - run_s
else:
    run(1 * ms)  # code generation and Cython compilation
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(duration * second)
    run_s = time.perf_counter() - t0
spikes = int(mon.num_spikes)
print(json.dumps({"run_s": run_s, "compile_s": compile_s, "spikes": spikes,
                  "rate_hz": spikes / N / (duration + (0 if mode == "standalone" else 0.001))}))
