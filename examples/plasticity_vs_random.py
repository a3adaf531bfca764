"""Does unsupervised pre-shaping help?  STDP + homeostasis against the same random reservoir.

For each seed: the estimators' default random reservoir (500 LIF) is measured
on the sequential-digits training set; then the same network is shaped by
pair STDP on E->E with synaptic scaling (sum of inputs held) and intrinsic
plasticity whose target is the random network's mean rate (so both run at a
matched rate), for ``--epochs`` passes over unlabelled training sequences.
Both are read out by the same ridge classifier; memory capacity is measured
before and after shaping the same way.  Prints mean ± std over seeds.

    python examples/plasticity_vs_random.py [--seeds 5] [--epochs 1] [--quick]
"""

import argparse

import numpy as np

from reservoirspike import SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor
from reservoirspike.datasets import load_sequential_digits, memory_capacity_task
from reservoirspike.metrics import memory_capacity
from reservoirspike.plasticity import STDP, IntrinsicPlasticity, Plasticity, SynapticScaling


def shaped_rules(rate_hz):
    return Plasticity(stdp=STDP(a_plus=0.01, a_minus=-0.0105, w_max=2.0),
                      scaling=SynapticScaling(interval=50.0),
                      intrinsic=IntrinsicPlasticity(target_rate=rate_hz, eta=0.5))


def run_seed(seed, epochs, limit, mc_steps):
    data = load_sequential_digits()
    X = (data.data - data.data[data.train].mean()) / data.data[data.train].std()
    train, test = data.train[:limit], data.test[:limit]
    probe = SpikingReservoir(snapshot="rates", random_state=seed).fit(X[train])
    rate = float(probe.transform(X[train]).mean())
    out = {}
    for name, plasticity in (("random", None), ("STDP + homeostasis", shaped_rules(rate))):
        clf = SpikingReservoirClassifier(plasticity=plasticity, n_epochs=epochs, random_state=seed)
        clf.fit(X[train], data.target[train])
        acc = clf.score(X[test], data.target[test])
        shaped_rate = float(SpikingReservoir(network=clf.network_, snapshot="rates", random_state=seed)
                            .fit(X[train]).transform(X[train]).mean())
        u, Y = memory_capacity_task(mc_steps, 40, random_state=100 + seed)
        cut = int(mc_steps * 0.7)
        no_inputs = clf.network_.with_inputs(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        reg = SpikingReservoirRegressor(network=no_inputs,  # gets a fresh 1-channel input projection
                                        washout=100, random_state=seed).fit(u[:cut], Y[:cut])
        mc = memory_capacity(Y[cut + 100:], reg.predict(u)[cut + 100:])[0]
        out[name] = (acc, shaped_rate, mc)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    limit, mc_steps = (200, 1200) if args.quick else (None, 3000)
    runs = [run_seed(s, args.epochs, limit, mc_steps) for s in range(args.seeds)]
    print(f"{'reservoir':<22}{'digits accuracy':>20}{'mean rate Hz':>16}{'memory capacity':>20}")
    for name in runs[0]:
        acc, rate, mc = (np.array([r[name][k] for r in runs]) for k in range(3))
        print(f"{name:<22}{acc.mean():>13.4f} ± {acc.std():.4f}{rate.mean():>12.2f} ± {rate.std():.2f}"
              f"{mc.mean():>13.2f} ± {mc.std():.2f}")
    return runs


if __name__ == "__main__":
    main()
