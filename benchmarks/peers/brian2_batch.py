"""The batch reservoir workload in Brian2 runtime (run by benchmarks/batch_reservoir.py inside a Python
that has Brian2).

    python brian2_batch.py SEQUENCES STEPS

The network of ``reservoirspike.workloads.batch_network``: N=1000 LIF (800 E / 200 I, p=0.1,
w_E=0.5 mV, w_I=-2 mV, 1 ms delays), 100 Poisson inputs at 20 Hz (p=0.2, w_in=5 mV),
tau_m/tau_e/tau_i = 20/5/10 ms, Vt=-50 mV, Vr=El=-60 mV, 2 ms refractory, exact integration at
dt=1 ms.  Every sequence starts from rest (``restore()``) with new input spikes (the random state is
not restored), runs STEPS steps, and its snapshot is the spike counts in 10 bins.  Brian2's Cython
code is generated and compiled by a first short run, timed apart.

Prints one JSON object: run_s (the SEQUENCES sequences, snapshots included), compile_s, spikes,
rate_hz, sequences_per_s.
"""

import json
import sys
import time

import numpy as np
from brian2 import (Network, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, Hz, defaultclock, mV, ms, prefs,
                    seed)

from brian2_lif import EQUATIONS  # beside this script

n_sequences, steps = int(sys.argv[1]), int(sys.argv[2])
prefs.codegen.target = "cython"
defaultclock.dt = 1 * ms
seed(0)
N, N_E, N_IN, BINS = 1000, 800, 100, 10
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -60 * mV
P = NeuronGroup(N, EQUATIONS, threshold="v > Vt", reset="v = Vr", refractory=2 * ms, method="exact")
P.v = El
Ce = Synapses(P, P, on_pre="ge += 0.5*mV", delay=1 * ms)
Ci = Synapses(P, P, on_pre="gi += -2*mV", delay=1 * ms)
Ce.connect("i < N_E and i != j", p=0.1)
Ci.connect("i >= N_E and i != j", p=0.1)
inputs = PoissonGroup(N_IN, rates=20 * Hz)
Cin = Synapses(inputs, P, on_pre="ge += 5*mV")
Cin.connect(p=0.2)
mon = SpikeMonitor(P)
net = Network(P, Ce, Ci, inputs, Cin, mon)
duration = steps * defaultclock.dt
net.store()

t0 = time.perf_counter()
net.run(2 * ms)  # code generation and Cython compilation
compile_s = time.perf_counter() - t0

spikes = 0
t0 = time.perf_counter()
for _ in range(n_sequences):
    net.restore()  # rest, empty queues, time 0; the random state runs on: new input spikes
    net.run(duration)
    t = np.asarray(mon.t / ms)
    i = np.asarray(mon.i)
    counts = np.zeros((BINS, N), np.int32)  # the snapshot
    np.add.at(counts, (np.minimum((t * BINS / steps).astype(np.int64), BINS - 1), i), 1)
    spikes += int(counts.sum())
run_s = time.perf_counter() - t0
print(json.dumps({"run_s": run_s, "compile_s": compile_s, "spikes": spikes,
                  "rate_hz": spikes / N / n_sequences / (steps * 1e-3), "sequences_per_s": n_sequences / run_s}))
