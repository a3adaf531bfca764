"""Batch reservoir workload of DESIGN.md: sequences per second.

N=1000 LIF (80/20 E/I, p=0.1, w_E=0.5 mV, w_I=-2 mV), 100 Poisson inputs at
20 Hz (p=0.2, w_in=5 mV), tau_m/tau_e/tau_i = 20/5/10 ms, Vt=-50 mV,
Vr=El=-60 mV, 2 ms refractory, every sequence from rest, 1000 steps at
dt=1 ms, snapshot = spike counts in 10 bins.  Compilation is timed apart
(first call); run times are medians over ``--repeats``.

With ``--brian-python`` naming a Python that has Brian2 (its own virtual
environment: Brian2 2.9 needs numpy < 2.4), Brian2 runtime (Cython) runs the
same workload on a subsample of ``--brian-sequences`` sequences, each from
rest by ``restore()`` with new input spikes (``peers/brian2_batch.py``); its
sequences/s set the ratios, and a system whose mean rate is not within 10 %
of reservoirspike's is flagged.

    python benchmarks/batch_reservoir.py --sequences 100,1000,10000 --threads 1,2 \\
        [--systems reservoirspike,brian2-runtime] [--brian-python PATH] [--brian-sequences 20] [--json]
"""

import argparse
import json
import pathlib
import subprocess
import time

import numpy as np

from reservoirspike import simulate
from reservoirspike.workloads import RATE_ENCODER as ENCODER
from reservoirspike.workloads import batch_input, batch_network

PEERS = pathlib.Path(__file__).with_name("peers")


def run(net, n_sequences, threads, repeats, steps=1000):
    X = batch_input(n_sequences)
    kw = dict(encoder=ENCODER, steps_per_frame=steps, record=("counts",), n_bins=10, n_jobs=threads)
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


def run_brian2(python, net, n_sequences, steps):
    """The workload in Brian2 runtime on ``n_sequences`` sequences, in ``python`` (see peers/brian2_batch.py).

    Synaptic events are counted with ``net``'s synapses a neuron, as for reservoirspike (Brian2 draws
    its own wiring of the same connection probabilities).
    """
    out = subprocess.run([python, str(PEERS / "brian2_batch.py"), str(n_sequences), str(steps)],
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(system="brian2-runtime", n=net.n_neurons, sequences=n_sequences, threads=1,
               events_per_s=row["spikes"] * net.n_synapses / net.n_neurons / row["run_s"])
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", default="100,1000", help="comma-separated batch sizes")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--duration", type=float, default=1.0, help="biological seconds a sequence")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--systems", default="reservoirspike,brian2-runtime")
    parser.add_argument("--brian-python", default=None, help="a Python interpreter with Brian2 installed")
    parser.add_argument("--brian-sequences", type=int, default=20, help="sequences Brian2 runs (a subsample)")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args(argv)
    systems = args.systems.split(",")
    unknown = set(systems) - {"reservoirspike", "brian2-runtime"}
    if unknown:
        parser.error(f"--systems: unknown {sorted(unknown)}; choose from reservoirspike, brian2-runtime")
    net = batch_network()
    steps = int(round(args.duration * 1000.0 / net.dt))
    if steps < 1:
        parser.error(f"--duration must be at least one step ({net.dt} ms), got {args.duration} s")
    if args.brian_sequences < 1:
        parser.error(f"--brian-sequences must be a positive number of sequences, got {args.brian_sequences}")
    rows = []
    if "reservoirspike" in systems:
        rows = [run(net, int(n), int(th), args.repeats, steps)
                for n in args.sequences.split(",") for th in args.threads.split(",")]
    if args.brian_python and "brian2-runtime" in systems:
        rows.append(run_brian2(args.brian_python, net, args.brian_sequences, steps))
    brian = next((r for r in rows if r["system"] == "brian2-runtime"), None)
    ours = next((r for r in rows if r["system"] == "reservoirspike"), None)
    for r in rows:
        r["x_brian2_runtime"] = r["sequences_per_s"] / brian["sequences_per_s"] if brian else None
        r["same_activity"] = abs(r["rate_hz"] / ours["rate_hz"] - 1) <= 0.10 if ours else None
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return rows
    print(f"{'system':<16}{'sequences':>10}{'threads':>8}{'run s':>9}{'seq/s':>9}{'rate Hz':>9}{'events/s':>11}"
          f"{'compile s':>11}{'x brian2':>10}  same activity")
    for r in rows:
        ratio = "" if r["x_brian2_runtime"] is None else f"{r['x_brian2_runtime']:.1f}"
        print(f"{r['system']:<16}{r['sequences']:>10}{r['threads']:>8}{r['run_s']:>9.3f}{r['sequences_per_s']:>9.1f}"
              f"{r['rate_hz']:>9.2f}{r['events_per_s']:>11.3g}{r['compile_s']:>11.2f}{ratio:>10}  {r['same_activity']}")
    return rows


if __name__ == "__main__":
    main()
