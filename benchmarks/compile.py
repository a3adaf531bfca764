"""Compilation: the first call of each kind of run in a fresh on-disk cache, and a second process's start.

Each kind of run (``--paths``) runs in its own process with an empty ``NUMBA_CACHE_DIR``: the time of its
first simulation call is the compilation plus a tiny run (a few steps).  A second process then makes the
same call with that cache, which it loads.  The kinds:

- ``static``: CUBA, 4000 neurons, one thread (the serial kernel: a static network on one thread, or one
  below ``2 * MIN_CHUNK_NEURONS`` neurons, with the arrivals taken in before the loop);
- ``batch``: the batch reservoir workload (DESIGN.md), 4 sequences, one thread (Poisson input);
- ``plastic``: the batch network learning with pair STDP (per-neuron traces);
- ``split``: CUBA, 256 000 neurons, two threads, split over the threads (the kernel that populations of
  ``2 * MIN_CHUNK_NEURONS`` neurons take).

The network is built before the clock starts.  Medians over ``--rounds``, which alternate the kinds.

    python benchmarks/compile.py [--paths static,batch,plastic,split] [--rounds 2] [--json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

PATHS = ("static", "batch", "plastic", "split")


def child(path):
    """The first simulation call of kind ``path`` in this process, in seconds."""
    from reservoirspike import simulate
    from reservoirspike.workloads import batch_input, batch_network, cuba_network

    if path == "plastic":
        from reservoirspike.learning import LearningState
        from reservoirspike.plasticity import STDP
        from reservoirspike.simulate import run_encoded
        from reservoirspike.workloads import RATE_ENCODER

        net = batch_network()
        kin = RATE_ENCODER.encode(RATE_ENCODER.validate(np.full((1, 1, 100), 20.0))[0], net.dt, 100)
        state = LearningState(net, STDP(a_plus=0.01, a_minus=-0.0105, w_max=1.0))
        start = time.perf_counter()
        run_encoded(net, kin, seed=1, record=("counts",), n_jobs=1, learning=state)
        return time.perf_counter() - start
    if path == "batch":
        net, x, options = batch_network(), batch_input(4), dict(steps_per_frame=10, n_jobs=1)
    else:
        net = cuba_network(256_000 if path == "split" else 4000)
        x = np.zeros((1, 1, 1))
        options = dict(steps_per_frame=10, v_init="uniform", n_jobs=2 if path == "split" else 1)
    start = time.perf_counter()
    simulate(net, x, record=("counts",), **options)
    return time.perf_counter() - start


def _first_call(path, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, __file__, "--child", path], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", default=",".join(PATHS), help="kinds of run: " + ",".join(PATHS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="one JSON object a line after the table")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(child(args.child))
        return None
    paths = args.paths.split(",")
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        parser.error(f"--paths: unknown {unknown}; choose from {','.join(PATHS)}")
    if args.rounds < 1:
        parser.error(f"--rounds must be a positive number, got {args.rounds}")
    first = {p: [] for p in paths}
    cached = {p: [] for p in paths}
    for _ in range(args.rounds):
        for path in paths:
            with tempfile.TemporaryDirectory(prefix="reservoirspike-cache-") as cache:
                first[path].append(_first_call(path, cache))
                cached[path].append(_first_call(path, cache))
    rows = [{"system": "reservoirspike", "path": p, "rounds": args.rounds,
             "compile_s": float(np.median(first[p])), "cached_s": float(np.median(cached[p])),
             "compile_all_s": first[p], "cached_all_s": cached[p]} for p in paths]
    print(f"{'kind of run':<12}{'first call s':>14}{'from cache s':>14}  first calls")
    for r in rows:
        print(f"{r['path']:<12}{r['compile_s']:>14.2f}{r['cached_s']:>14.2f}  "
              + ", ".join(f"{t:.2f}" for t in r["compile_all_s"]))
    if args.json:
        for r in rows:
            print(json.dumps(r))
    return rows


if __name__ == "__main__":
    main()
