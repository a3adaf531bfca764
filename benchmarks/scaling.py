"""Scaling: run time against synaptic events as the network and its rate grow, and memory per synapse.

CUBA networks (80 synapses a neuron) at ``--n`` sizes, each at several resting potentials ``--rest``
(El; -49 mV is the benchmark, higher values fire more).  Every point runs in its own process, so its
peak resident memory (ru_maxrss) is its own; the script prints run time, synaptic events, events/s, the
fitted exponent b of ``run_s ~ events^b`` (least squares in log-log over all points; 1 is linear),
and bytes per synapse: the network's arrays (CSR indices, weights, delays, row pointers), the memory
resident once the network is built, and the process's peak above a process that imported reservoirspike
and compiled the kernel, once the network is built ("build") and once it has run ("run": the run adds
each neuron's state and delay rings, about 140 bytes a neuron, 1.8 a synapse at 80 synapses a neuron).

    python benchmarks/scaling.py [--n 4000,16000,64000,256000] [--rest=-49,-46] [--duration 0.5] [--json]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _current_rss_bytes():
    with open("/proc/self/statm") as f:  # Linux: pages resident now
        return int(f.read().split()[1]) * resource.getpagesize()


def child(n, rest, duration, threads):
    """One point, in this process: build, compile on a tiny run, simulate, report."""
    from reservoirspike import simulate
    from reservoirspike.workloads import cuba_network

    tiny = cuba_network(100)
    simulate(tiny, np.zeros((1, 10, 1)), record=("counts",), v_init="uniform", n_jobs=threads)
    base_rss, base_now = _peak_rss_bytes(), _current_rss_bytes()
    t0 = time.perf_counter()
    net = cuba_network(n, rest_potential=rest)
    build_s = time.perf_counter() - t0
    resident_after_build = _current_rss_bytes() - base_now
    build_peak = _peak_rss_bytes() - base_rss
    steps = int(round(duration * 1000 / net.dt))
    t0 = time.perf_counter()
    res = simulate(net, np.zeros((1, 1, 1)), steps_per_frame=steps, record=("counts",), v_init="uniform",
                   n_jobs=threads)
    run_s = time.perf_counter() - t0
    spikes = int(res.total_spikes.sum())
    events = spikes * net.n_synapses / n
    arrays = net.indices.nbytes + net.data.nbytes + net.delays.nbytes + net.indptr.nbytes
    return {"system": "reservoirspike", "n": n, "rest_mv": rest, "threads": threads, "duration_s": duration,
            "run_s": run_s, "build_s": build_s, "spikes": spikes, "rate_hz": spikes / n / duration,
            "synapses": net.n_synapses, "events": events, "events_per_s": events / run_s,
            "network_bytes_per_synapse": arrays / net.n_synapses,
            "resident_bytes_per_synapse": resident_after_build / net.n_synapses,
            "build_peak_bytes_per_synapse": build_peak / net.n_synapses,
            "peak_bytes_per_synapse": (_peak_rss_bytes() - base_rss) / net.n_synapses}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", default="4000,16000,64000")
    parser.add_argument("--rest", default="-49,-46", help="resting potentials El (mV); higher fires more")
    parser.add_argument("--duration", type=float, default=0.5, help="biological seconds a point")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON object a line after the table")
    parser.add_argument("--child", nargs=2, metavar=("N", "REST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), float(args.child[1]), args.duration, args.threads)))
        return None
    rows = []
    for n in (int(v) for v in args.n.split(",")):
        for rest in (float(v) for v in args.rest.split(",")):
            out = subprocess.run([sys.executable, __file__, "--child", str(n), str(rest), "--duration",
                                  str(args.duration), "--threads", str(args.threads)],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    events = np.array([r["events"] for r in rows])
    run_s = np.array([r["run_s"] for r in rows])
    slope, intercept = np.polyfit(np.log(events), np.log(run_s), 1)
    print(f"{'n':>8}{'El mV':>7}{'rate Hz':>9}{'events':>11}{'run s':>9}{'events/s':>11}{'B/syn net':>10}"
          f"{'B/syn held':>11}{'B/syn build':>12}{'B/syn run':>10}")
    for r in rows:
        print(f"{r['n']:>8}{r['rest_mv']:>7.1f}{r['rate_hz']:>9.2f}{r['events']:>11.3g}{r['run_s']:>9.3f}"
              f"{r['events_per_s']:>11.3g}{r['network_bytes_per_synapse']:>10.2f}"
              f"{r['resident_bytes_per_synapse']:>11.2f}{r['build_peak_bytes_per_synapse']:>12.2f}"
              f"{r['peak_bytes_per_synapse']:>10.2f}")
    print(f"fit: run_s ~ events^{slope:.3f} over {len(rows)} points (1.0 = linear)")
    if args.json:
        for r in rows:
            print(json.dumps(r))
    return rows, slope


if __name__ == "__main__":
    main()
