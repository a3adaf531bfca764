"""CUBA (Brette et al. 2007, benchmark 2) against peer simulators, same machine, same run.

reservoirspike at each thread count, and — when ``--brian-python`` names a
Python with Brian2 installed (its own virtual environment: Brian2 2.9 needs
numpy < 2.4) — Brian2 runtime (Cython) and cpp_standalone (1 thread, and
OpenMP with 2 threads); when ``--nest-python`` names a Python with NEST
(``pip install nest-simulator``), NEST at ``--nest-threads``.  Activity is compared first: a system whose mean
rate is not within 10 % of reservoirspike's is reported, not ranked.
Compilation is excluded from run times and printed apart.

    python benchmarks/cuba.py --n 4000,16000 --duration 1,10 --threads 1,2 \\
        [--systems reservoirspike,brian2-runtime,brian2-standalone,nest] [--brian-python PATH]
        [--nest-python PATH] [--json]
"""

import argparse
import json
import pathlib
import subprocess
import time

import numpy as np

from reservoirspike import simulate
from reservoirspike.workloads import cuba_network

PEERS = pathlib.Path(__file__).with_name("peers")


def run_reservoirspike(n, duration, threads, repeats):
    t0 = time.perf_counter()
    net = cuba_network(n)
    build_s = time.perf_counter() - t0
    steps = int(round(duration * 1000 / net.dt))
    X = np.zeros((1, 1, 1))  # no input: one (zero) frame held for the whole run
    t0 = time.perf_counter()
    simulate(net, X, steps_per_frame=10, record=("counts",), v_init="uniform", n_jobs=threads)
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = simulate(net, X, steps_per_frame=steps, record=("counts",), v_init="uniform", n_jobs=threads)
        times.append(time.perf_counter() - t0)
    run_s = float(np.median(times))
    spikes = int(res.total_spikes.sum())
    return {"system": "reservoirspike", "n": n, "duration_s": duration, "threads": threads, "run_s": run_s,
            "compile_s": compile_s, "build_s": build_s, "spikes": spikes, "rate_hz": spikes / n / duration,
            "events_per_s": spikes * net.n_synapses / n / run_s}


def run_brian2(python, mode, n, duration, threads):
    out = subprocess.run([python, str(PEERS / "brian2_cuba.py"), str(n), str(duration), mode, str(threads)],
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(system=f"brian2-{mode}", n=n, duration_s=duration, threads=threads)
    row["events_per_s"] = row["spikes"] * 80 / row["run_s"]
    return row


def run_nest(python, n, duration, threads):
    out = subprocess.run([python, str(PEERS / "nest_cuba.py"), str(n), str(duration), str(threads)],
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(system="nest", n=n, duration_s=duration, threads=threads)
    row["events_per_s"] = row["spikes"] * 80 / row["run_s"]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", default="4000", help="comma-separated network sizes")
    parser.add_argument("--duration", default="1", help="comma-separated biological times (s)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--systems", default="reservoirspike,brian2-runtime,brian2-standalone,nest")
    parser.add_argument("--brian-python", default=None, help="a Python interpreter with Brian2 installed")
    parser.add_argument("--brian-threads", default="1,2", help="OpenMP threads for Brian2 cpp_standalone")
    parser.add_argument("--nest-python", default=None, help="a Python interpreter with NEST installed")
    parser.add_argument("--nest-threads", default="1,2", help="NEST threads")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    systems = args.systems.split(",")
    rows = []
    for n in map(int, args.n.split(",")):
        for duration in map(float, args.duration.split(",")):
            ours = [run_reservoirspike(n, duration, int(th), args.repeats) for th in args.threads.split(",")]
            rows.extend(ours)
            if args.brian_python:
                standalone_threads = [int(t) for t in args.brian_threads.split(",")]
                for mode, ths in (("runtime", [1]), ("standalone", standalone_threads)):
                    if f"brian2-{mode}" in systems:
                        rows.extend(run_brian2(args.brian_python, mode, n, duration, th) for th in ths)
            if args.nest_python and "nest" in systems:
                rows.extend(run_nest(args.nest_python, n, duration, int(th)) for th in args.nest_threads.split(","))
            ref = ours[0]
            for r in rows:
                if r["n"] == n and r["duration_s"] == duration:
                    r["same_activity"] = abs(r["rate_hz"] / ref["rate_hz"] - 1) <= 0.10
                    r["time_vs_reservoirspike_1thread"] = r["run_s"] / ref["run_s"]
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return rows
    print(f"{'system':<22}{'N':>8}{'T s':>6}{'thr':>4}{'run s':>9}{'s per bio s':>12}{'rate Hz':>9}"
          f"{'events/s':>11}{'compile s':>10}{'x rs(1t)':>9}  same activity")
    for r in rows:
        print(f"{r['system']:<22}{r['n']:>8}{r['duration_s']:>6g}{r['threads']:>4}{r['run_s']:>9.3f}"
              f"{r['run_s'] / r['duration_s']:>12.4f}{r['rate_hz']:>9.2f}{r['events_per_s']:>11.3g}"
              f"{r['compile_s']:>10.2f}{r['time_vs_reservoirspike_1thread']:>9.2f}  {r['same_activity']}")
    return rows


if __name__ == "__main__":
    main()
