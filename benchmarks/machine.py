"""What this machine's cores give: a STREAM-like triad at three working-set sizes, and arithmetic, on 1 and 2 threads.

The limits that the engine's figures are read against (issue 3): the triad ``a = b + s c`` (float64, 24
bytes a element moved) over arrays that fit in a core's L2 cache, in the L3 cache, or only in memory; a
vectorised multiply-add over a small array that stays in L1 (bound by the vector units); and a chain of
dependent multiply-adds (bound by their latency, no memory traffic).  Each kind runs on one thread, then split over
two threads (two halves of the arrays), in the same process.  A kernel whose time goes on memory traffic
can gain from a second thread only what the triad gains, and vectorised arithmetic what the L1 loop
gains; two cores that share their vector units (hyperthreads) show it there, where the chain still gains
2x.
Compilation is excluded (the kernels are not cached on disk: the tests load this file under another
module name, and a cache written there broke the script's next start); times are the best of ``--repeats``.

    python benchmarks/machine.py [--repeats 5] [--json]
"""

import argparse
import json
import time

import numba
import numpy as np
from numba import njit, prange

#: (name, bytes of the three arrays together)
SIZES = (("triad, L2 (192 KiB)", 192 * 1024), ("triad, L3 (12 MiB)", 12 * 2**20),
         ("triad, memory (768 MiB)", 768 * 2**20))
CHAIN_STEPS = 20_000_000


@njit
def _triad_part(a, b, c, s, sweeps):
    for _ in range(sweeps):
        for i in range(a.shape[0]):  # vectorised (AVX-512 where the core has it)
            a[i] = b[i] + s * c[i]


@njit(parallel=True)
def _triad(a, b, c, s, n_parts, sweeps):
    n = a.shape[0]
    for part in prange(n_parts):
        lo, hi = part * n // n_parts, (part + 1) * n // n_parts
        _triad_part(a[lo:hi], b[lo:hi], c[lo:hi], s, sweeps)


@njit
def _scale_part(x, sweeps):
    for _ in range(sweeps):
        for i in range(x.shape[0]):  # vectorised, independent lanes
            x[i] = x[i] * 0.999999 + 1e-7


@njit(parallel=True)
def _scale(xs, n_parts, sweeps):
    for part in prange(n_parts):
        _scale_part(xs[part], sweeps)


@njit(parallel=True)
def _chain(x, n_parts, steps):
    for part in prange(n_parts):
        v = x[part]
        for _ in range(steps):
            v = v * 1.0000001 + 1e-9
        x[part] = v


def _best(run, repeats):
    run()  # compile (cached) and warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _row(kind, nbytes, key, run, amount, repeats, threads):
    """A row of the table: ``amount(k) / 1e9`` over the best time of ``run(k)``, as ``{key}_{k}``, on k threads."""
    row = {"kind": kind, "bytes": nbytes}
    for k in range(1, threads + 1):
        numba.set_num_threads(k)
        row[f"{key}_{k}"] = amount(k) / _best(lambda: run(k), repeats) / 1e9
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    row["speedup_2_threads"] = row.get(f"{key}_2", float("nan")) / row[f"{key}_1"]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object a line after the table")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be a positive number, got {args.repeats}")
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    rows = []
    for name, total in SIZES:
        n = total // 24
        a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
        sweeps = max(1, (2 * 2**30) // total)  # about 2 GiB moved a run
        rows.append(_row(name, total, "gb_per_s", lambda k: _triad(a, b, c, 0.5, k, sweeps),
                         lambda k: 24.0 * n * sweeps, args.repeats, threads))
    xs = np.ones((2, 512))  # 4 KiB a thread
    sweeps = CHAIN_STEPS // 512
    rows.append(_row("vector multiply-add, L1", 0, "gflop_per_s", lambda k: _scale(xs, k, sweeps),
                     lambda k: 2.0 * k * 512 * sweeps, args.repeats, threads))
    x = np.ones(2)
    rows.append(_row("multiply-add chain", 0, "gflop_per_s", lambda k: _chain(x, k, CHAIN_STEPS // k),
                     lambda k: 2.0 * CHAIN_STEPS, args.repeats, threads))
    print(f"{'kind':<26}{'1 thread':>14}{'2 threads':>14}{'gain':>8}")
    for r in rows:
        key, unit = ("gb_per_s", "GB/s") if r["bytes"] else ("gflop_per_s", "GFLOP/s")
        two = r.get(f"{key}_2", float("nan"))
        print(f"{r['kind']:<26}{r[f'{key}_1']:>9.1f} {unit:<4}{two:>9.1f} {unit:<4}{r['speedup_2_threads']:>7.2f}x")
    if args.json:
        for r in rows:
            print(json.dumps(r))
    return rows


if __name__ == "__main__":
    main()
