"""Linear memory capacity of a spiking reservoir, swept over the range of its conduction delays.

The memory-capacity task (Jaeger 2002): i.i.d. input u(t) in [-1, 1], one value per frame; a ridge
readout reconstructs u(t - k) for k = 1..40 from the reservoir state at the end of frame t; the
capacity is the sum over k of the squared correlations on held-out frames.

A spiking reservoir with millisecond delays forgets within a frame or two: spikes are a noisy,
rectified code and the membranes leak in ~20 ms.  What gives it memory here is *heterogeneous axonal
conduction delays* spanning the horizon (uniform from 1 ms to ``max_delay``): a spike emitted now
arrives anywhere up to 40 frames later, so the network keeps recirculating delayed copies of its past
input (a delay-line reservoir; cf. polychronous groups, Izhikevich 2006), plus an input strong enough
to drive neurons in their graded range.  The sweep shows capacity against ``max_delay``.

With ``--plasticity`` it also shapes the largest-delay reservoir without labels before the readout is
fitted (additive STDP on E->E with synaptic scaling, then also intrinsic plasticity; one epoch over the
training input) and prints its capacity beside the random reservoir's.

    python examples/memory_capacity.py [--n-neurons 500] [--seeds 0,1,2] [--plasticity] [--out memory_capacity.png]
"""

import argparse
import pathlib
import sys

import numpy as np
from sklearn.linear_model import RidgeCV

from reservoirspike import SpikingReservoirRegressor
from reservoirspike.datasets import memory_capacity_task
from reservoirspike.metrics import memory_capacity
from reservoirspike.plasticity import STDP, IntrinsicPlasticity, Plasticity, SynapticScaling

#: the delay-line reservoir of this example (frames of 50 ms at dt = 1 ms)
DELAY_LINE = dict(steps_per_frame=50, tau_trace=50.0, input_weight=50.0, bias=(10.0, 20.0), weight_exc=2.0)


def capacity(max_delay, n_neurons, seed, n_steps=2200, train=1500, washout=100, max_lag=40, **overrides):
    """(total capacity, per-lag r^2) of one reservoir on held-out frames."""
    u, Y = memory_capacity_task(n_steps, max_lag, random_state=seed)
    params = {**DELAY_LINE, "delay": (1.0, float(max_delay)), **overrides}
    reg = SpikingReservoirRegressor(n_neurons=n_neurons, washout=washout, random_state=seed, n_jobs=1, **params)
    states = reg.fit(u[:train], Y[:train]).reservoir_states(u)
    readout = RidgeCV(alphas=np.logspace(-6, 3, 19)).fit(states[washout:train], Y[washout:train])
    return memory_capacity(Y[train:], readout.predict(states[train:]))


def echo_state_capacity(n_units, seed, n_steps, train, washout=100, max_lag=40):
    """Memory capacity of a ReservoirPy echo state network of the same size (None without ReservoirPy);
    its hyper-parameters are picked on the last 20 % of the training frames (see examples/time_series.py)."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from time_series import echo_state_network

    u, Y = memory_capacity_task(n_steps, max_lag, random_state=seed)
    minus_capacity = echo_state_network(u, Y, train, n_units, seed, washout,
                                        score=lambda t, p: -memory_capacity(t, p)[0])
    return None if minus_capacity is None else -minus_capacity


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-neurons", type=int, default=500)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--delays", default="3,250,500,1000,2000", help="max conduction delays (ms) to sweep")
    parser.add_argument("--steps", type=int, default=2200, help="frames (the first 1500 minus washout train)")
    parser.add_argument("--plasticity", action="store_true", help="also STDP-shaped reservoirs at the largest delay")
    parser.add_argument("--out", default="memory_capacity.png")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    delays = [float(d) for d in args.delays.split(",")]
    train = int(0.68 * args.steps)
    rows, curves = [], {}
    print(f"N={args.n_neurons}, frames of {DELAY_LINE['steps_per_frame']} ms, seeds {seeds}")
    default = [capacity(3.0, args.n_neurons, s, n_steps=args.steps, train=train, steps_per_frame=20,
                        tau_trace=20.0, input_weight=10.0, bias=(4.0, 9.0), weight_exc=1.0)[0] for s in seeds]
    print(f"{'estimator defaults (delays 1-3 ms)':<36}MC = {np.mean(default):6.2f} +- {np.std(default):.2f}")
    esn = [echo_state_capacity(args.n_neurons, s, args.steps, train) for s in seeds]
    if esn[0] is not None:
        print(f"{'echo state network (ReservoirPy)':<36}MC = {np.mean(esn):6.2f} +- {np.std(esn):.2f}")
    for d in delays:
        results = [capacity(d, args.n_neurons, s, n_steps=args.steps, train=train) for s in seeds]
        totals = [r[0] for r in results]
        curves[d] = np.mean([r[1] for r in results], axis=0)
        rows.append((d, float(np.mean(totals)), float(np.std(totals))))
        print(f"{'delay-line, max delay ' + f'{d:.0f} ms':<36}MC = {rows[-1][1]:6.2f} +- {rows[-1][2]:.2f}")
    if args.plasticity:
        w_max = 2.0 * DELAY_LINE["weight_exc"]
        stdp = STDP(a_plus=0.01 * w_max, a_minus=-0.0105 * w_max, w_max=w_max)
        for name, rules in (("+ STDP and scaling", Plasticity(stdp=stdp, scaling=SynapticScaling())),
                            ("+ STDP, scaling, intrinsic",
                             Plasticity(stdp=stdp, scaling=SynapticScaling(),
                                        intrinsic=IntrinsicPlasticity(target_rate=20.0)))):
            totals = [capacity(max(delays), args.n_neurons, s, n_steps=args.steps, train=train, plasticity=rules)[0]
                      for s in seeds]
            print(f"{name:<36}MC = {np.mean(totals):6.2f} +- {np.std(totals):.2f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from reservoirspike.plotting import save
    except ImportError:
        return rows, default
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.errorbar([r[0] for r in rows], [r[1] for r in rows], yerr=[r[2] for r in rows], marker="o")
    a.set_xlabel("largest conduction delay (ms)")
    a.set_ylabel("memory capacity")
    for d, curve in curves.items():
        b.plot(np.arange(1, len(curve) + 1), curve, label=f"{d:.0f} ms")
    b.set_xlabel("lag k (frames)")
    b.set_ylabel("r^2 of u(t-k)")
    b.legend(fontsize=7)
    save(fig, args.out)
    print(f"figure: {args.out}")
    return rows, default


if __name__ == "__main__":
    main()
