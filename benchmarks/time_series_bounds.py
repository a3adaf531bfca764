"""What N noise-free nonlinear features of the recent input give a linear readout, by unit nonlinearity.

A delay-line reservoir's states are, at best, nonlinear functions of its recent input.  This script
gives a ridge readout exactly that, without spikes or noise: ``n_units`` random projections of the
last ``lags`` inputs through a unit nonlinearity, on the splits of ``examples/time_series.py`` (last
25 % for testing, ridge penalty picked on the last 20 % of the training part).  It is a reference for
what the unit's shape allows, not a bound on every reservoir: a recurrent network can carry more than
its last ``lags`` inputs (an echo state network of 500 units reaches NRMSE 0.10-0.19 on NARMA10,
below these features at 2000 units).  It prints NRMSE
for Mackey-Glass (84 steps ahead) and NARMA10 at each size and unit:

- ``relu``: a rectifier, what a rate neuron does with its drive;
- ``lif``: the rate of a noise-free LIF neuron (tau_m 20 ms, threshold 15 mV above rest, 2-ms
  refractory period, 15 mV of drive a unit), which rises at threshold even more steeply than a rectifier;
- ``softplus``: a rectifier with its corner rounded over a tenth of the drive's spread;
- ``tanh``: an echo state network's unit.

    python benchmarks/time_series_bounds.py [--units 500,2000] [--lags 20,40] [--seeds 0,1,2]
                                            [--unit-kinds relu,lif,softplus,tanh]
                                            [--tasks mackey_glass,narma10] [--json]
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


def lif_rate(drive, tau_m=20.0, threshold=15.0, t_ref=2.0, gain=15.0):
    """Firing rate (spikes/ms) of a noise-free LIF neuron driven by ``threshold + gain * drive`` mV."""
    current = threshold + gain * np.asarray(drive, float)
    rate = np.zeros_like(current)
    above = current > threshold * (1 + 1e-9)
    rate[above] = 1.0 / (t_ref + tau_m * np.log(current[above] / (current[above] - threshold)))
    return rate


UNITS = {"relu": lambda d: np.maximum(d, 0.0), "lif": lif_rate,
         "softplus": lambda d: np.logaddexp(0.0, 10.0 * d) / 10.0, "tanh": np.tanh}


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
    parser.add_argument("--tasks", default="mackey_glass,narma10")
    parser.add_argument("--unit-kinds", default="relu,lif,softplus,tanh", help=f"any of {', '.join(UNITS)}")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    units = [int(v) for v in args.units.split(",")]
    lag_list = [int(v) for v in args.lags.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    kinds = args.unit_kinds.split(",")
    tasks = args.tasks.split(",")
    if not set(tasks) <= {"mackey_glass", "narma10"}:
        parser.error(f"--tasks: expected mackey_glass and/or narma10, got {args.tasks!r}")
    unknown = sorted(set(kinds) - set(UNITS))
    if unknown:
        parser.error(f"--unit-kinds: unknown {unknown}; expected any of {sorted(UNITS)}")
    train = int(0.75 * args.steps)
    rows = []
    for name in tasks:
        series = {seed: task(name, args.steps, seed) for seed in seeds}  # generated once, not per unit
        for lags in lag_list:
            for n in units:
                drives = {}  # the same random projection serves every unit kind
                for seed, (u, y) in series.items():
                    L = lagged((u - u[:train].mean()) / u[:train].std(), lags)
                    rng = np.random.default_rng(seed)
                    drives[seed] = L @ (rng.normal(size=(lags, n)) / np.sqrt(lags)) + rng.normal(size=n)
                for unit in kinds:
                    scores = [held_out_nrmse(UNITS[unit](drives[seed]), series[seed][1], train) for seed in seeds]
                    rows.append(dict(task=name, lags=lags, units=n, unit=unit, nrmse=float(np.median(scores)),
                                     per_seed=[round(float(s), 4) for s in scores]))
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return rows
    print(f"{'task':<14}{'lags':>6}{'units':>7}{'unit':>10}{'NRMSE (median)':>16}  per seed")
    for r in rows:
        print(f"{r['task']:<14}{r['lags']:>6}{r['units']:>7}{r['unit']:>10}{r['nrmse']:>16.4f}  {r['per_seed']}")
    return rows


if __name__ == "__main__":
    main()
