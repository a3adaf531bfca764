"""The reservoir-shaped plasticity case in Brian2 cpp_standalone (run by benchmarks/plasticity.py).

    python brian2_reservoir_stdp.py DURATION_S CASE   (CASE: static | zero | stdp)

Prints one JSON object: run_s, compile_s, E rates (first and last 10 % of the
run), mean E->E weight and fractions at the bounds.

The synapses have no delay: Brian2 delivers a spike of step k after that
step's integration, so its PSP starts in step k + 1 -- the timing of a
reservoirspike synapse with a delay of one step (the network's 1 ms).
"""

import json
import sys
import tempfile
import time

import numpy as np
from brian2 import (NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, device, Hz, mV, ms, prefs, run, second,
                    set_device)

duration, case = float(sys.argv[1]), sys.argv[2]
BUILD_DIR = tempfile.mkdtemp(prefix="plastic_")
set_device("cpp_standalone", build_on_run=False, directory=BUILD_DIR)
prefs.devices.cpp_standalone.openmp_threads = 0
defaultclock_dt = 1 * ms
from brian2 import defaultclock  # noqa: E402

defaultclock.dt = defaultclock_dt
N, Ne = 1000, 800
eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
dge/dt = -ge / taue : volt
dgi/dt = -gi / taui : volt"""
taum, taue, taui, El, Vt, Vr = 20 * ms, 5 * ms, 10 * ms, -60 * mV, -50 * mV, -60 * mV
P = NeuronGroup(N, eqs, threshold="v >= Vt", reset="v = Vr", refractory=2 * ms, method="exact")
P.v = El
inp = PoissonGroup(100, rates=20 * Hz)
Sin = Synapses(inp, P, on_pre="ge += 5*mV")
Sin.connect(p=0.2)
wmax = 1.0 * mV
Apre = 0.01 * wmax if case == "stdp" else 0 * mV
Apost = -1.05 * Apre
EE = Synapses(P[:Ne], P[:Ne], """w : volt
                 dxpre/dt = -xpre / (20*ms) : volt (event-driven)
                 dxpost/dt = -xpost / (20*ms) : volt (event-driven)""",
              on_pre="""ge += w
                        xpre += Apre
                        w = clip(w + xpost, 0*mV, wmax)""",
              on_post="""xpost += Apost
                         w = clip(w + xpre, 0*mV, wmax)""") if case != "static" else \
    Synapses(P[:Ne], P[:Ne], "w : volt", on_pre="ge += w")
EE.connect(condition="i != j", p=0.1)
EE.w = 0.5 * mV
EI = Synapses(P[:Ne], P[Ne:], on_pre="ge += 0.5*mV")
EI.connect(p=0.1)
IX = Synapses(P[Ne:], P, on_pre="gi -= 2*mV")
IX.connect(condition="i + 800 != j", p=0.1)
mon = SpikeMonitor(P[:Ne])
t0 = time.perf_counter()
run(duration * second)
device.build(directory=BUILD_DIR, run=True, compile=True)
total = time.perf_counter() - t0
run_s = float(device._last_run_time)
t = np.asarray(mon.t / second)
w = np.asarray(EE.w / mV)
tenth = duration / 10
print(json.dumps({"run_s": run_s, "compile_s": total - run_s,
                  "rate_exc_start": float(np.sum(t < tenth) / Ne / tenth),
                  "rate_exc_end": float(np.sum(t >= duration - tenth) / Ne / tenth),
                  "rate_exc_hz": float(len(t) / Ne / duration),
                  "mean_ee_after": float(w.mean()), "frac_at_max": float(np.mean(w >= 0.999999)),
                  "frac_at_zero": float(np.mean(w <= 1e-6))}))
