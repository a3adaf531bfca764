"""Does a synfire-chain layer help a reservoir?  Memory capacity and sequential digits.

Compares, at the same total size (500 neurons) and the same readout:
- a plain random reservoir (the estimators' default network), and
- a hybrid: 300-neuron reservoir + an 8 x 25 feed-forward chain whose delay is
  one input frame, the input driving both the chain's first group and the
  reservoir, and every chain group projecting into the reservoir (a delay
  line feeding the recurrent pool).
Prints mean ± std over seeds.

    python examples/chain_vs_reservoir.py [--seeds 3] [--quick]
"""

import argparse

import numpy as np

from reservoirspike import LIF, SpikingReservoirClassifier, SpikingReservoirRegressor, connect_inputs, random_reservoir
from reservoirspike.architectures import Projection, compose, layered_network
from reservoirspike.datasets import load_sequential_digits, memory_capacity_task
from reservoirspike.metrics import memory_capacity
from reservoirspike.network import Network

FRAME = 20  # steps per input frame (dt = 1 ms), the estimators' default


def hybrid(seed, n_res=300, n_groups=8, group_size=25, chain_weight=2.0, n_inputs=1):
    rng = np.random.default_rng(seed)
    res = random_reservoir(n_res, weights={"E": 1.0, "I": -4.0}, delay=(1.0, 3.0), bias=(4.0, 9.0),
                           random_state=rng)
    chain = layered_network([group_size] * n_groups, weight=chain_weight, delay=float(FRAME), neuron=LIF(),
                            dt=1.0, random_state=rng)
    chain = Network(**{**chain.__dict__, "bias": rng.uniform(4.0, 9.0, chain.n_neurons)})
    taps = [Projection(f"chain.g{k}", "res", connectivity=0.1, weight=2.0, delay=1.0) for k in range(n_groups)]
    net = compose({"chain": chain, "res": res}, taps, random_state=rng)
    return connect_inputs(net, n_inputs, connectivity=0.5, weight=10.0, sign="mixed", weight_distribution="uniform",
                          weight_cv=0.5, targets=["chain.g0", "res.E", "res.I"], random_state=rng)


def memory(seed, network=None, n_steps=3000):
    u, Y = memory_capacity_task(n_steps, 40, random_state=100 + seed)
    reg = SpikingReservoirRegressor(network=network, washout=100, random_state=seed).fit(u[:2000], Y[:2000])
    return memory_capacity(Y[2100:], reg.predict(u)[2100:])[0]


def digits(seed, network=None, limit=None):
    data = load_sequential_digits()
    X = (data.data - data.data[data.train].mean()) / data.data[data.train].std()
    train, test = data.train[:limit], data.test[:limit]
    clf = SpikingReservoirClassifier(network=network, random_state=seed).fit(X[train], data.target[train])
    return clf.score(X[test], data.target[test])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes (for tests)")
    args = parser.parse_args(argv)
    limit = 300 if args.quick else None
    n_steps = 2200 if args.quick else 3000
    rows = {}
    builders = (("plain reservoir (500)", lambda seed, d: None),
                ("reservoir 300 + chain 8x25", lambda seed, d: hybrid(seed, n_inputs=d)))
    for name, build in builders:
        mc = [memory(s, build(s, 1), n_steps) for s in range(args.seeds)]
        acc = [digits(s, build(s, 8), limit) for s in range(args.seeds)]
        rows[name] = (mc, acc)
    print(f"{'network':<30}{'memory capacity':>20}{'sequential digits acc':>24}")
    for name, (mc, acc) in rows.items():
        print(f"{name:<30}{np.mean(mc):>13.2f} ± {np.std(mc):<5.2f}{np.mean(acc):>17.4f} ± {np.std(acc):.4f}")
    return rows


if __name__ == "__main__":
    main()
