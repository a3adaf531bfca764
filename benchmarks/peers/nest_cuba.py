"""CUBA in NEST (run by benchmarks/cuba.py inside a Python that has NEST, e.g. nest-simulator from PyPI).

    python nest_cuba.py N DURATION_S THREADS

iaf_psc_exp neurons with the CUBA parameters; reservoirspike's and Brian2's synaptic variables are R*I in
mV, so NEST's current weights are w / R with R = tau_m / C_m (C_m = 250 pF: R = 0.08 GOhm, 1 mV = 12.5 pA).
Prints one JSON object: run_s (Simulate only), compile_s (network construction), spikes, rate_hz.
"""

import json
import sys
import time

import nest

N, duration, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
try:
    nest.verbosity = nest.VerbosityLevel.ERROR
except AttributeError:  # NEST before 3.10
    nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": 1})
c_m, tau_m = 250.0, 20.0
mv_to_pa = c_m / tau_m  # 1 / R in pA per mV
t0 = time.perf_counter()
pop = nest.Create("iaf_psc_exp", N, params={"C_m": c_m, "tau_m": tau_m, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
                                            "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
                                            "I_e": 0.0})
pop.V_m = nest.random.uniform(-60.0, -50.0)
n_e = int(0.8 * N)
conn = {"rule": "pairwise_bernoulli", "p": 80.0 / N, "allow_autapses": False}
nest.Connect(pop[:n_e], pop, conn, {"weight": 60 * 0.27 / 10 * mv_to_pa, "delay": 0.1})
nest.Connect(pop[n_e:], pop, conn, {"weight": -20 * 4.5 / 10 * mv_to_pa, "delay": 0.1})
rec = nest.Create("spike_recorder")
nest.Connect(pop, rec)
nest.Prepare()  # builds the connection infrastructure outside the timed run
compile_s = time.perf_counter() - t0
t0 = time.perf_counter()
nest.Run(duration * 1000.0)
run_s = time.perf_counter() - t0
nest.Cleanup()
spikes = int(rec.n_events)
print(json.dumps({"run_s": run_s, "compile_s": compile_s, "spikes": spikes, "rate_hz": spikes / N / duration}))
