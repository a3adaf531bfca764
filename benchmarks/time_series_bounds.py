"""How well could any N-unit reservoir do? Noise-free random features of the lagged input, as a bound.

A reservoir's readout is linear in its states, and its states are at best a nonlinear function of the
recent input.  This script gives a ridge readout exactly that, without spikes or noise: ``n_units``
random projections of the last ``lags`` inputs through a rectifier (what a spiking neuron's rate does
with its drive) or tanh (an echo state network's unit), on the splits of ``examples/time_series.py``
(last 25 % for testing, ridge penalty picked on the last 20 % of the training part).  It prints NRMSE
for Mackey-Glass (84 steps ahead) and NARMA10 at each size.

    python benchmarks/time_series_bounds.py [--units 500,2000] [--lags 20,40] [--seeds 0,1,2] [--json]
"""

import argparse
import json

import numpy as np
from sklearn.linear_model import Ridge

from reservoirspike.datasets import mackey_glass, narma
from reservoirspike.metrics import nrmse


def lagged(u, lags):
    """Rows [u(t), u(t-1), ..., u(t-lags+1)] (zeros before the start)."""
    return np.column_stack([np.r_[np.zeros(k), u[:len(u) - k]] for k in range(lags)])


def task(name, steps, seed):
    if name == "mackey_glass":
        x = mackey_glass(steps + 84, random_state=seed)
        return x[:-84], x[84:]
    u, y = narma(steps, 10, random_state=seed)
    return u.ravel(), y.ravel()


def held_out_nrmse(F, y, train, washout=100, alphas=np.logspace(-4, 6, 21)):
    """Standardise F on training rows, pick the penalty on the last 20 % of them, score the rest."""
    val = int(0.8 * train)
    mu, sd = F[washout:train].mean(0), F[washout:train].std(0) + 1e-9
    G = (F - mu) / sd

    def fit(stop, alpha):
        return Ridge(alpha=alpha).fit(G[washout:stop], y[washout:stop])

    best = min(alphas, key=lambda a: nrmse(y[val:train], fit(val, a).predict(G[val:train])))
    return nrmse(y[train:], fit(train, best).predict(G[train:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", default="500,2000")
    parser.add_argument("--lags", default="20,40")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    units = [int(v) for v in args.units.split(",")]
    lag_list = [int(v) for v in args.lags.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    train = int(0.75 * args.steps)
    rows = []
    for name in ("mackey_glass", "narma10"):
        for lags in lag_list:
            for n in units:
                for unit in ("relu", "tanh"):
                    scores = []
                    for seed in seeds:
                        u, y = task(name, args.steps, seed)
                        L = lagged((u - u[:train].mean()) / u[:train].std(), lags)
                        rng = np.random.default_rng(seed)
                        drive = L @ (rng.normal(size=(lags, n)) / np.sqrt(lags)) + rng.normal(size=n)
                        F = np.maximum(drive, 0.0) if unit == "relu" else np.tanh(drive)
                        scores.append(held_out_nrmse(F, y, train))
                    rows.append(dict(task=name, lags=lags, units=n, unit=unit, nrmse=float(np.median(scores)),
                                     per_seed=[round(float(s), 4) for s in scores]))
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return rows
    print(f"{'task':<14}{'lags':>6}{'units':>7}{'unit':>6}{'NRMSE (median)':>16}  per seed")
    for r in rows:
        print(f"{r['task']:<14}{r['lags']:>6}{r['units']:>7}{r['unit']:>6}{r['nrmse']:>16.4f}  {r['per_seed']}")
    return rows


if __name__ == "__main__":
    main()
