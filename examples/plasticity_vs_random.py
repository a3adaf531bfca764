"""Does unsupervised pre-shaping help?  STDP + homeostasis against the same random reservoir, at a matched rate.

For each seed and task the estimators' random reservoir is built and read
out; then the *same* network is shaped, without labels, for ``--epochs``
passes over the training sequences by

* additive pair STDP on E->E (w_max = 2 w_E, A- = -1.05 A+),
* synaptic scaling (each neuron's total excitatory input held), and
* inhibitory STDP (Vogels et al. 2011) whose target is the random network's
  mean rate.

The shaped network is frozen and its rate is matched to the random
network's: one threshold offset shared by all neurons, found by bisection,
brings the mean rate on the training inputs within 2 % of the random one.
Both are read out by the same classifier; the linear memory capacity of
both networks is measured the same way.  Tasks: sequential digits (always)
and the spoken digits of FSDD (official split, MFCC sequences as in
``spoken_digits.py``) when a copy is found (``--data-home`` or
``RESERVOIRSPIKE_DATA``).  Prints mean ± std over seeds.

    python examples/plasticity_vs_random.py [--seeds 5] [--epochs 1] [--tasks digits,fsdd] [--quick]
"""

import argparse

import numpy as np

from reservoirspike import SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor
from reservoirspike.datasets import load_sequential_digits, memory_capacity_task
from reservoirspike.metrics import memory_capacity
from reservoirspike.plasticity import STDP, InhibitorySTDP, Plasticity, SynapticScaling

RATE_TOLERANCE = 0.02


def shaping_rules(rate_hz, w_exc=1.0):
    """STDP on E->E, synaptic scaling and iSTDP aimed at ``rate_hz``."""
    w_max = 2.0 * w_exc
    return Plasticity(stdp=STDP(a_plus=0.01 * w_max, a_minus=-1.05 * 0.01 * w_max, w_max=w_max),
                      scaling=SynapticScaling(interval=50.0),
                      istdp=InhibitorySTDP(target_rate=rate_hz, eta=0.05, w_max=20.0))


def mean_rate(network, X, params, seed):
    """Mean firing rate (Hz) of ``network`` over the sequences ``X``."""
    probe = SpikingReservoir(network=network, snapshot="rates", random_state=seed, **params)
    return float(probe.fit(X).transform(X).mean())


def match_rate(network, X, target_hz, params, seed, max_iter=16):
    """Shift every threshold by one offset so that the mean rate on ``X`` is within 2 % of ``target_hz``.

    Returns the shifted network, its rate and the offset (mV).
    """
    def shifted(offset):
        return network.with_data(network.data, threshold=network.threshold + offset)

    lo, hi, offset = -10.0, 10.0, 0.0  # the rate falls as the thresholds rise
    rate = mean_rate(network, X, params, seed)
    for _ in range(max_iter):
        if abs(rate / target_hz - 1.0) <= RATE_TOLERANCE:
            break
        if rate > target_hz:
            lo = offset
        else:
            hi = offset
        offset = 0.5 * (lo + hi)
        rate = mean_rate(shifted(offset), X, params, seed)
    return shifted(offset), rate, offset


def memory_of(network, seed, steps):
    """Linear memory capacity (delays 1-40) of ``network`` driven by one fresh input channel."""
    u, Y = memory_capacity_task(steps, 40, random_state=100 + seed)
    cut = int(steps * 0.7)
    no_inputs = network.with_inputs(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    reg = SpikingReservoirRegressor(network=no_inputs, washout=100, random_state=seed).fit(u[:cut], Y[:cut])
    return memory_capacity(Y[cut + 100:], reg.predict(u)[cut + 100:])[0]


def compare(X, y, train, test, params, seed, epochs, mc_steps):
    """Random vs shaped (rate-matched) reservoir on one task: {name: (accuracy, rate, memory, offset)}."""
    Xtr, Xte = [X[i] for i in train], [X[i] for i in test]
    probe_set = Xtr[:300]
    random_clf = SpikingReservoirClassifier(random_state=seed, **params).fit(Xtr, y[train])
    network = random_clf.network_
    rate = mean_rate(network, probe_set, params, seed)
    out = {"random": (random_clf.score(Xte, y[test]), rate, memory_of(network, seed, mc_steps), 0.0)}
    shaper = SpikingReservoir(network=network, plasticity=shaping_rules(rate), n_epochs=epochs,
                              random_state=seed, **params).fit(Xtr)
    shaped_rate = mean_rate(shaper.network_, probe_set, params, seed)
    matched, matched_rate, offset = match_rate(shaper.network_, probe_set, rate, params, seed)
    for name, net, r, off in (("STDP + homeostasis", shaper.network_, shaped_rate, 0.0),
                              ("... rate-matched", matched, matched_rate, offset)):
        clf = SpikingReservoirClassifier(network=net, random_state=seed, **params).fit(Xtr, y[train])
        out[name] = (clf.score(Xte, y[test]), r, memory_of(net, seed, mc_steps), off)
    return out


def digits_task(limit):
    data = load_sequential_digits()
    X = (data.data - data.data[data.train].mean()) / data.data[data.train].std()
    return X, np.asarray(data.target), data.train[:limit], data.test[:limit], {}


def fsdd_task(data_home, limit):
    from reservoirspike.audio import MelFeatures
    from reservoirspike.datasets import fetch_fsdd

    data = fetch_fsdd(data_home, download_if_missing=False)
    raw = MelFeatures(kind="mfcc", n_mfcc=20, sample_rate=data.sample_rate).fit_transform(data.waveforms)
    feats = [(f - f.mean(0)) / (f.std(0) + 1e-8) for f in raw]  # standardised per utterance
    step = limit or 1
    return feats, np.asarray(data.target), data.train[::step], data.test[::step], dict(steps_per_frame=5)


def summarise(task, runs):
    print(f"\n{task}: mean ± std over {len(runs)} seeds")
    print(f"{'reservoir':<22}{'accuracy':>18}{'mean rate Hz':>18}{'memory capacity':>19}{'threshold shift mV':>21}")
    for name in runs[0]:
        acc, rate, mc, off = (np.array([r[name][k] for r in runs]) for k in range(4))
        print(f"{name:<22}{acc.mean():>11.4f} ± {acc.std():.4f}{rate.mean():>11.2f} ± {rate.std():.2f}"
              f"{mc.mean():>12.2f} ± {mc.std():.2f}{off.mean():>14.2f} ± {off.std():.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--tasks", default="digits,fsdd", help="comma-separated: digits, fsdd")
    parser.add_argument("--data-home", default=None, help="FSDD copy (else RESERVOIRSPIKE_DATA)")
    parser.add_argument("--quick", action="store_true", help="a small subset, for tests")
    args = parser.parse_args(argv)
    mc_steps = 1200 if args.quick else 3000
    results = {}
    for task in args.tasks.split(","):
        if task == "digits":
            X, y, train, test, params = digits_task(200 if args.quick else None)
        elif task == "fsdd":
            try:
                X, y, train, test, params = fsdd_task(args.data_home, 20 if args.quick else None)
            except OSError as err:  # no local copy: say so and go on
                print(f"fsdd skipped: {err}")
                continue
        else:
            raise ValueError(f"--tasks: unknown task {task!r}; expected digits or fsdd")
        runs = [compare(X, y, train, test, params, s, args.epochs, mc_steps) for s in range(args.seeds)]
        summarise(task, runs)
        results[task] = runs
    return results


if __name__ == "__main__":
    main()
