"""Batch reservoir workload of DESIGN.md: sequences per second.

N=1000 LIF (80/20 E/I, p=0.1, w_E=0.5 mV, w_I=-2 mV), 100 Poisson inputs at
20 Hz (p=0.2, w_in=5 mV), tau_m/tau_e/tau_i = 20/5/10 ms, Vt=-50 mV,
Vr=El=-60 mV, 2 ms refractory, every sequence from rest, 1000 steps at
dt=1 ms, snapshot = spike counts in 10 bins.  Compilation is timed apart
(first call); run times are medians over ``--repeats``.

    python benchmarks/batch_reservoir.py --sequences 100,1000 --threads 1,2 [--json]
"""

import argparse
import json
import time

import numpy as np

from reservoirspike import simulate
from reservoirspike.workloads import RATE_ENCODER as ENCODER
from reservoirspike.workloads import batch_input, batch_network


def run(net, n_sequences, threads, repeats):
    X = batch_input(n_sequences)
    kw = dict(encoder=ENCODER, steps_per_frame=1000, record=("counts",), n_bins=10, n_jobs=threads)
    t0 = time.perf_counter()
    simulate(net, X[:2], **kw)
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = simulate(net, X, **kw)
        times.append(time.perf_counter() - t0)
    run_s = float(np.median(times))
    spikes = int(res.total_spikes.sum())
    events = spikes * net.n_synapses / net.n_neurons
    return {
        "system": "reservoirspike", "n": net.n_neurons, "sequences": n_sequences, "threads": threads,
        "run_s": run_s, "compile_s": compile_s, "spikes": spikes, "rate_hz": res.mean_rate,
        "events_per_s": events / run_s, "sequences_per_s": n_sequences / run_s,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", default="100,1000", help="comma-separated batch sizes")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args(argv)
    net = batch_network()
    rows = [run(net, int(n), int(th), args.repeats)
            for n in args.sequences.split(",") for th in args.threads.split(",")]
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{'sequences':>10}{'threads':>8}{'run s':>9}{'seq/s':>9}{'rate Hz':>9}{'events/s':>11}{'compile s':>11}")
    for r in rows:
        print(f"{r['sequences']:>10}{r['threads']:>8}{r['run_s']:>9.3f}{r['sequences_per_s']:>9.1f}"
              f"{r['rate_hz']:>9.2f}{r['events_per_s']:>11.3g}{r['compile_s']:>11.2f}")


if __name__ == "__main__":
    main()
