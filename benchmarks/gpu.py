"""GPU benchmark: the CUDA backend against the CPU backend of the same machine, in one run.

* batch reservoir workload (DESIGN.md) at ``--sequences`` (GPU) and
  ``--cpu-sequences`` (CPU, all cores): sequences/s, synaptic events/s, and
  whether the GPU's spike counts equal the CPU's at the sizes both ran;
* CUBA at ``--n`` neurons (80 synapses each) for ``--duration`` s of
  biological time; the CPU backend runs one network on one core (it
  parallelises over sequences, not within one), sizes in ``--cpu-n``;
* the spike-delivery code alone, replayed on the largest CUBA network's
  recorded spikes: bytes it must move per second against the card's
  device-to-device copy rate (bytes read + written).

Compilation is timed apart (a first small call); run times are medians over
``--repeats``.  Rows the CPU did not run are printed as "not measured".

    python benchmarks/gpu.py [--sequences 1000,10000,100000] [--cpu-sequences 1000,10000]
                             [--variants 'general:kernel=general;r512:resident_threads=512'] [--variant-sequences 10000]
                             [--n 65536,262144,1048576] [--cpu-n 65536,262144,1048576] [--duration 0.2] [--json]
"""

import argparse
import json
import os
import platform
import time

import numba
import numpy as np

from reservoirspike import simulate
from reservoirspike.workloads import RATE_ENCODER, batch_input, batch_network, cuba_network


def _ints(text):
    return [int(v) for v in text.split(",") if v]


def _timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def parse_variants(text):
    """``"name:field=value,field=value;name2:..."`` -> {name: {LAUNCH field: value}} (ints and True/False where
    they parse)."""
    variants = {}
    for spec in filter(None, (v.strip() for v in text.split(";"))):
        name, _, fields = spec.partition(":")
        overrides = {}
        for item in filter(None, fields.split(",")):
            key, _, value = item.partition("=")
            if value in ("True", "False"):
                overrides[key] = value == "True"
            else:
                overrides[key] = int(value) if value.lstrip("-").isdigit() else value
        variants[name] = overrides
    return variants


def _with_launch(overrides, fn):
    """Run ``fn()`` with the CUDA launch configuration patched by ``overrides``."""
    import dataclasses

    from reservoirspike.backends import cuda as gpu

    known = {field.name for field in dataclasses.fields(gpu.LAUNCH)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"launch variant: {', '.join(unknown)} is not a field of LaunchConfig "
                         f"(one of {', '.join(sorted(known))})")
    saved = {key: getattr(gpu.LAUNCH, key) for key in overrides}
    for key, value in overrides.items():
        setattr(gpu.LAUNCH, key, value)
    try:
        return fn()
    finally:
        for key, value in saved.items():
            setattr(gpu.LAUNCH, key, value)


def batch_rows(systems, repeats, steps=1000):
    """``systems``: (label, backend, LAUNCH overrides, sizes) in order; the CPU first, so GPU rows compare."""
    net = batch_network()
    kw = dict(encoder=RATE_ENCODER, steps_per_frame=steps, record=("counts",), n_bins=10, random_state=0)
    rows, counts = [], {}
    for label, backend, overrides, sizes in systems:
        if not sizes:  # e.g. --cpu-sequences "": GPU rows only
            continue

        def run(X):
            return _with_launch(overrides, lambda: simulate(net, X, backend=backend, **kw))

        t0 = time.perf_counter()
        run(batch_input(2))
        compile_s = time.perf_counter() - t0
        for n_seq in sizes:
            X = batch_input(n_seq)
            reps = repeats if n_seq <= 10000 else 1
            run_s, res = _timed(lambda: run(X), reps)
            if backend == "cpu":  # the reference the GPU rows are compared with
                counts[label, n_seq] = res.counts
            spikes = int(res.total_spikes.sum())
            row = {
                "workload": "batch", "system": label, "n": net.n_neurons, "sequences": n_seq,
                "threads": numba.config.NUMBA_NUM_THREADS if backend == "cpu" else 0, "run_s": run_s,
                "compile_s": compile_s, "spikes": spikes, "rate_hz": res.mean_rate,
                "events_per_s": spikes * net.n_synapses / net.n_neurons / run_s,
                "sequences_per_s": n_seq / run_s, "launch": res.launch,
            }
            if backend == "cuda" and ("cpu", n_seq) in counts:
                row["same_as_cpu"] = bool(np.array_equal(counts["cpu", n_seq], res.counts))
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def cuba_rows(systems, duration_s, repeats):
    """``systems`` as for :func:`batch_rows`; returns the rows and (largest network, its GPU spike train)."""
    rows, spikes_of, last = [], {}, (None, None)
    for n in sorted(set().union(*(sizes for *_, sizes in systems))):
        t0 = time.perf_counter()
        net = cuba_network(n)
        build_s = time.perf_counter() - t0
        steps = int(round(duration_s * 1000.0 / net.dt))
        X = np.zeros((1, 1, 1))
        for label, backend, overrides, sizes in systems:
            if n not in sizes:
                continue
            kw = dict(encoder="current", steps_per_frame=steps, record=("counts", "spikes"), v_init="uniform",
                      random_state=1, backend=backend, max_spikes=int(n * steps * net.dt * 0.06) + 64)

            def run(**more):
                return _with_launch(overrides, lambda: simulate(net, X, **{**kw, **more}))

            t0 = time.perf_counter()
            run(steps_per_frame=10)
            compile_s = time.perf_counter() - t0
            reps = repeats if n <= 65536 or backend == "cuda" else 1  # a large CPU run is long: once
            run_s, res = _timed(run, reps)
            spikes_of[label, n] = res.spike_steps(0)
            spikes = int(res.total_spikes.sum())
            row = {
                "workload": "cuba", "system": label, "n": n, "duration_s": duration_s,
                "threads": numba.config.NUMBA_NUM_THREADS if backend == "cpu" else 0, "run_s": run_s,
                "compile_s": compile_s, "build_s": build_s, "spikes": spikes, "rate_hz": res.mean_rate,
                "events_per_s": spikes * net.n_synapses / n / run_s, "per_bio_second_s": run_s / duration_s,
                "launch": res.launch,
            }
            if backend == "cuda" and ("cpu", n) in spikes_of:
                row["same_as_cpu"] = all(np.array_equal(a, b) for a, b in zip(spikes_of["cpu", n], res.spike_steps(0)))
            rows.append(row)
            print(json.dumps(row), flush=True)
        if ("cuda", n) in spikes_of:
            last = (net, spikes_of["cuda", n])
    return rows, last


def delivery_row(net, spikes):
    from reservoirspike.backends import cuda as gpu

    steps, ids = spikes
    seconds, n_bytes, delivered = gpu.replay_delivery(net, steps, ids)
    copy = gpu.copy_bandwidth()
    return {"workload": "delivery", "system": "reservoirspike-cuda", "n": net.n_neurons, "spikes": len(ids),
            "synapses": delivered, "run_s": seconds, "bytes": n_bytes, "bytes_per_s": n_bytes / seconds,
            "events_per_s": delivered / seconds, "copy_bytes_per_s": copy, "fraction_of_copy": n_bytes / seconds / copy}


def _ratio(rows, workload, key, size_key):
    """GPU/CPU ratio of ``key`` per size, where both ran."""
    cpu = {r[size_key]: r[key] for r in rows if r["workload"] == workload and r["system"] == "cpu"}
    for r in rows:
        if r["workload"] == workload and r["system"] != "cpu":
            size = r[size_key]
            r["gpu_over_cpu"] = (r[key] / cpu[size] if key != "run_s" else cpu[size] / r[key]) if size in cpu \
                else None


def _ratio_text(row):
    """GPU/CPU ratio for a GPU row ("not measured" where the CPU did not run that size), blank for CPU rows."""
    if "gpu_over_cpu" not in row:
        return ""
    return "not measured" if row["gpu_over_cpu"] is None else f"{row['gpu_over_cpu']:.1f}"


def _launch_text(launch):
    """The launch facts worth a column: kernel, teams x threads, neurons a thread, registers, local memory."""
    if not launch or launch.get("backend") != "cuda":
        return ""
    text = f"{launch.get('kernel', '')} {launch.get('team')} {launch.get('teams')} teams, {launch.get('blocks')}x" \
           f"{launch.get('threads')} threads"
    if "per_thread" in launch:
        text += f" {launch['per_thread']}/thread ring {'shared' if launch['ring_in_shared'] else 'global'}"
    if "registers" in launch:
        text += f" {launch['registers']} reg {launch['local_bytes']} B local"
    return text


def print_tables(rows, device, batch_steps):
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{numba.config.NUMBA_NUM_THREADS} Numba threads; GPU: {device}")
    print(f"\nbatch workload (N=1000, {batch_steps} steps, counts in 10 bins)")
    print(f"{'system':>20}{'sequences':>11}{'run s':>9}{'seq/s':>11}{'events/s':>11}{'rate Hz':>9}"
          f"{'GPU/CPU':>9}{'same':>6}{'compile s':>11}  launch")
    for r in (r for r in rows if r["workload"] == "batch"):
        ratio = _ratio_text(r)
        print(f"{r['system']:>20}{r['sequences']:>11}{r['run_s']:>9.3f}{r['sequences_per_s']:>11.1f}"
              f"{r['events_per_s']:>11.3g}{r['rate_hz']:>9.2f}{ratio:>9}{str(r.get('same_as_cpu', '')):>6}"
              f"{r['compile_s']:>11.2f}  {_launch_text(r['launch'])}")
    print("\nCUBA (80 synapses a neuron, dt=0.1 ms)")
    print(f"{'system':>20}{'n':>9}{'run s':>9}{'s/bio-s':>9}{'events/s':>11}{'rate Hz':>9}{'GPU/CPU':>9}"
          f"{'same':>6}{'compile s':>11}  launch")
    for r in (r for r in rows if r["workload"] == "cuba"):
        ratio = _ratio_text(r)
        print(f"{r['system']:>20}{r['n']:>9}{r['run_s']:>9.3f}{r['per_bio_second_s']:>9.3f}{r['events_per_s']:>11.3g}"
              f"{r['rate_hz']:>9.2f}{ratio:>9}{str(r.get('same_as_cpu', '')):>6}{r['compile_s']:>11.2f}"
              f"  {_launch_text(r['launch'])}")
    for r in (r for r in rows if r["workload"] == "delivery"):
        print(f"\nspike delivery alone (N={r['n']}, {r['spikes']} spikes, {r['synapses']} synapses): "
              f"{r['run_s'] * 1e3:.2f} ms, {r['events_per_s']:.3g} events/s, {r['bytes_per_s'] / 1e9:.0f} GB/s "
              f"= {100 * r['fraction_of_copy']:.0f} % of the device-to-device copy rate "
              f"({r['copy_bytes_per_s'] / 1e9:.0f} GB/s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", default="1000,10000,100000")
    parser.add_argument("--cpu-sequences", default="1000,10000")
    parser.add_argument("--variants", default="", help="other CUDA launch configurations for the batch workload, "
                        "'name:field=value,...;name2:...' (fields of reservoirspike.backends.cuda.LAUNCH)")
    parser.add_argument("--variant-sequences", default="10000", help="batch sizes the variants run")
    parser.add_argument("--skip-cuba", action="store_true", help="batch workload only")
    parser.add_argument("--n", default="65536,262144,1048576", help="CUBA sizes on the GPU")
    parser.add_argument("--cpu-n", default="65536,262144,1048576", help="CUBA sizes on the CPU")
    parser.add_argument("--cuba-variants", default="", help="other CUDA launch configurations for CUBA (as --variants)")
    parser.add_argument("--variant-n", default="1048576", help="CUBA sizes the CUBA variants run")
    parser.add_argument("--duration", type=float, default=0.2, help="CUBA biological seconds")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-steps", type=int, default=1000, help="steps a sequence (DESIGN.md: 1000)")
    parser.add_argument("--json", action="store_true", help="one JSON object a line after the tables")
    args = parser.parse_args(argv)

    from reservoirspike.backends import cuda as gpu

    gpu.check_available()
    gpu_name, n_sm, _ = gpu.device_properties()
    device = f"{gpu_name} ({n_sm} multiprocessors)"
    systems = [("cpu", "cpu", {}, _ints(args.cpu_sequences)), ("cuda", "cuda", {}, _ints(args.sequences))]
    systems += [(f"cuda[{name}]", "cuda", overrides, _ints(args.variant_sequences))
                for name, overrides in parse_variants(args.variants).items()]
    rows = batch_rows(systems, args.repeats, args.batch_steps)
    _ratio(rows, "batch", "sequences_per_s", "sequences")
    if not args.skip_cuba:
        systems = [("cpu", "cpu", {}, _ints(args.cpu_n)), ("cuda", "cuda", {}, _ints(args.n))]
        systems += [(f"cuda[{name}]", "cuda", overrides, _ints(args.variant_n))
                    for name, overrides in parse_variants(args.cuba_variants).items()]
        more, (net, spikes) = cuba_rows(systems, args.duration, args.repeats)
        _ratio(more, "cuba", "run_s", "n")
        rows += more
        if spikes is not None and not gpu.simulator_enabled():
            rows.append(delivery_row(net, spikes))
    print_tables(rows, device, args.batch_steps)
    if args.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
