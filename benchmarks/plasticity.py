"""Cost of plasticity on the reservoir-shaped case of issue 4.

The batch workload's network (1000 LIF, 80/20, p=0.1, 100 Poisson inputs at
20 Hz, dt = 1 ms) simulated for ``--duration`` s of biological time as one
sequence: static; with additive pair STDP on E->E whose amplitudes are zero
(same activity, all the bookkeeping); and with real STDP (tau = 20 ms,
w_max = 2 w_E, A+ = 0.01 w_max, A- = -1.05 A+).  Prints run times (median of
``--repeats``, compilation excluded), ratios to static, rates and the weight
statistics after learning.

    python benchmarks/plasticity.py [--duration 100] [--repeats 3] [--brian-python PATH] [--json]

With ``--brian-python`` (a Python with Brian2, see benchmarks/cuba.py) the
same three cases also run in Brian2 cpp_standalone, in the same run.  Our
recurrent delay of one step (1 ms) has the timing of Brian2's synapses
without delay (a spike's PSP starts in the step after its neuron fired), so
the Brian2 script uses none.
"""

import argparse
import json
import pathlib
import subprocess
import time

import numpy as np

from reservoirspike.learning import LearningState
from reservoirspike.plasticity import STDP
from reservoirspike.simulate import run_encoded
from reservoirspike.workloads import RATE_ENCODER, batch_network


def _time_interleaved(fns, repeats):
    """Median run time of each function; the repeats take turns so that a drifting machine hits all alike."""
    outs = [fn() for fn in fns]  # compilation / cache load
    times = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times], outs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=100.0, help="biological time in s")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--brian-python", default=None, help="a Python interpreter with Brian2 installed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    net = batch_network()
    steps = int(round(args.duration * 1000 / net.dt))
    kin = RATE_ENCODER.encode(RATE_ENCODER.validate(np.full((1, 1, 100), 20.0))[0], net.dt, steps)
    w_max = 2 * 0.5
    rules = {"static": None,
             "stdp, zero amplitudes": STDP(a_plus=0.0, a_minus=0.0, w_max=w_max),
             "stdp": STDP(a_plus=0.01 * w_max, a_minus=-1.05 * 0.01 * w_max, w_max=w_max)}
    exc = net.excitatory
    rows = []

    def runner(rule):
        def run():
            state = None if rule is None else LearningState(net, rule)
            res = run_encoded(net, kin, seed=1, record=("counts",), n_bins=10, n_jobs=1, learning=state)
            return res, state
        return run

    run_times, outs = _time_interleaved([runner(rule) for rule in rules.values()], args.repeats)
    for (name, rule), run_s, (res, state) in zip(rules.items(), run_times, outs):
        per_bin = res.counts[0][:, exc].mean(1) / (args.duration / 10)  # E rate in each tenth of the run
        row = {"system": "reservoirspike", "case": name, "run_s": run_s,
               "rate_exc_hz": float(per_bin.mean()), "rate_exc_start": float(per_bin[0]),
               "rate_exc_end": float(per_bin[-1])}
        if state is not None and rule.a_plus > 0:
            ee = state.syn_kind == 1
            w = state.data[ee].astype(float)
            row.update(mean_ee_before=float(net.data[ee].mean()), mean_ee_after=float(w.mean()),
                       frac_at_max=float(np.mean(w >= w_max - 1e-6)), frac_at_zero=float(np.mean(w <= 1e-6)))
        rows.append(row)
    base = rows[0]["run_s"]
    for r in rows:
        r["ratio_to_static"] = r["run_s"] / base
    if args.brian_python:
        script = pathlib.Path(__file__).with_name("peers") / "brian2_reservoir_stdp.py"
        peer = []
        for name, case in (("static", "static"), ("stdp, zero amplitudes", "zero"), ("stdp", "stdp")):
            out = subprocess.run([args.brian_python, str(script), str(args.duration), case], capture_output=True,
                                 text=True, check=True)
            peer.append({"system": "brian2-standalone", "case": name, **json.loads(out.stdout.splitlines()[-1])})
        for r in peer:
            r["ratio_to_static"] = r["run_s"] / peer[0]["run_s"]
        rows.extend(peer)
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return rows
    print(f"reservoir-shaped case, {args.duration:g} s of biological time, 1 thread")
    print(f"{'system':<20}{'case':<24}{'run s':>9}{'x static':>10}{'E rate Hz':>11}{'first 10%':>11}"
          f"{'last 10%':>10}{'mean w_EE after':>17}{'% at max':>10}{'% at 0':>8}")
    for r in rows:
        extra = (f"{r['mean_ee_after']:>17.3f}{100 * r['frac_at_max']:>10.1f}{100 * r['frac_at_zero']:>8.1f}"
                 if "mean_ee_after" in r and r["case"] == "stdp" else "")
        print(f"{r['system']:<20}{r['case']:<24}{r['run_s']:>9.2f}{r['ratio_to_static']:>10.2f}"
              f"{r['rate_exc_hz']:>11.2f}{r['rate_exc_start']:>11.2f}{r['rate_exc_end']:>10.2f}{extra}")
    return rows


if __name__ == "__main__":
    main()
