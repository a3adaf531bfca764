"""Sequence-to-sequence regression: Mackey–Glass prediction and NARMA10, beside linear baselines.

Mackey–Glass (tau = 17): predict x(t + 84) from x up to t; baseline: ridge on the last 10 values.
NARMA10: produce y(t) from the input u up to t; baseline: ridge on the last 30 inputs.
The spiking reservoir reads every step through ``SpikingReservoirRegressor`` (ridge readout), set up as
a delay-line reservoir: conduction delays from 1 ms to the task's memory horizon (40 frames for
Mackey-Glass, 10 for NARMA10), 50-ms frames.
Prints NRMSE on held-out data and saves a figure of the Mackey–Glass prediction.

    python examples/time_series.py [--n-neurons 500] [--seed 0] [--out time_series.png]
"""

import argparse

import numpy as np
from sklearn.linear_model import RidgeCV

from reservoirspike import SpikingReservoirRegressor
from reservoirspike.datasets import mackey_glass, narma
from reservoirspike.metrics import nrmse


def lagged(u, lags):
    """Rows [u(t), u(t-1), ..., u(t-lags+1)] (zeros before the start)."""
    u = np.asarray(u, float).ravel()
    return np.column_stack([np.r_[np.zeros(k), u[:len(u) - k]] for k in range(lags)])


#: a delay-line reservoir: 50-ms frames, conduction delays from 1 ms up to the task's memory horizon,
#: input strong enough to drive neurons in their graded range (see examples/memory_capacity.py)
DELAY_LINE = dict(steps_per_frame=50, tau_trace=50.0, input_weight=50.0, bias=(10.0, 20.0), weight_exc=2.0)


def evaluate(u, y, lags, n_neurons, seed, train, max_delay, washout=100):
    base = RidgeCV(alphas=np.logspace(-6, 3, 10)).fit(lagged(u, lags)[washout:train], y[washout:train])
    base_err = nrmse(y[train:], base.predict(lagged(u, lags)[train:]))
    u_std = (u - u[:train].mean()) / u[:train].std()
    reg = SpikingReservoirRegressor(n_neurons=n_neurons, washout=washout, random_state=seed,
                                    delay=(1.0, max_delay), **DELAY_LINE)
    reg.fit(u_std[:train], y[:train])
    pred = reg.predict(u_std)
    return base_err, nrmse(y[train:], pred[train:]), pred


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-neurons", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--out", default="time_series.png")
    args = parser.parse_args(argv)
    train = int(0.75 * args.steps)
    horizon = 84
    x = mackey_glass(args.steps + horizon, random_state=args.seed)
    u_mg, y_mg = x[:-horizon, None], x[horizon:]
    mg = evaluate(u_mg, y_mg, 10, args.n_neurons, args.seed, train, max_delay=2000.0)  # 40 frames
    u_n, y_n = narma(args.steps, 10, random_state=args.seed)
    na = evaluate(u_n, y_n, 30, args.n_neurons, args.seed, train, max_delay=500.0)  # NARMA10: 10 frames
    print(f"{'task':<28}{'linear baseline':>18}{'spiking reservoir':>20}")
    print(f"{'Mackey-Glass, 84 steps ahead':<28}{mg[0]:>18.3f}{mg[1]:>20.3f}")
    print(f"{'NARMA10':<28}{na[0]:>18.3f}{na[1]:>20.3f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from reservoirspike.plotting import save
    except ImportError:
        return mg[:2], na[:2]
    fig, ax = plt.subplots(figsize=(8, 3))
    t = np.arange(train, min(train + 500, args.steps))
    ax.plot(t, y_mg[t], label="target x(t+84)")
    ax.plot(t, mg[2][t], label="spiking reservoir")
    ax.set_xlabel("step")
    ax.set_ylabel("x")
    ax.set_title(f"Mackey-Glass 84-step prediction (NRMSE {mg[1]:.3f})")
    ax.legend()
    save(fig, args.out)
    print(f"figure: {args.out}")
    return mg[:2], na[:2]


if __name__ == "__main__":
    main()
