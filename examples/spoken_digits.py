"""Spoken digits (FSDD, official split): spiking reservoir on MFCC sequences beside a static baseline.

Baseline (no reservoir): mean and standard deviation of 20 MFCCs per recording + logistic regression.
Reservoir: the per-frame MFCC sequence (normalised per utterance) drives a spiking reservoir whose
binned traces feed the default ridge readout, in one scikit-learn Pipeline.  Also reports
feature-extraction speed (sequences/s) and, with ``--loso``, leave-one-speaker-out accuracy.

With ReservoirPy installed it also prints an echo state network of 500 units on the same sequences.

Data: ``fetch_fsdd`` reads a local copy (``--data-home`` or ``RESERVOIRSPIKE_DATA``) or downloads it.

    python examples/spoken_digits.py [--data-home PATH] [--n-neurons 1000] [--seeds 3] [--loso]
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoirspike import SpikingReservoirClassifier
from reservoirspike.audio import MelFeatures
from reservoirspike.datasets import fetch_fsdd


def baseline(feats, y, train, test):
    stats = np.array([np.r_[f.mean(0), f.std(0)] for f in feats])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(stats[train], y[train])
    return clf.score(stats[test], y[test])


def reservoir(feats, y, train, test, n_neurons, seed):
    clf = SpikingReservoirClassifier(n_neurons=n_neurons, steps_per_frame=5, n_bins=8, random_state=seed)
    t0 = time.perf_counter()
    clf.fit([feats[i] for i in train], y[train])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    states = clf.reservoir_states([feats[i] for i in test])
    rate = len(test) / (time.perf_counter() - t0)
    return clf.readout_.score(states, y[test]), fit_s, rate


def echo_state_network(feats, y, train, test, n_units=500, seed=0):
    """Test accuracy of a ReservoirPy echo state network on the same sequences (None without ReservoirPy).

    Features: the mean and the last reservoir state of every utterance; standardised ridge classifier.
    Spectral radius, leak rate and input scaling are picked on every fifth training recording.
    ReservoirPy is a peer for comparison only, never a dependency.
    """
    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        return None
    from sklearn.linear_model import RidgeClassifierCV

    def features(sr, lr, isc):
        res = Reservoir(n_units, sr=sr, lr=lr, input_scaling=isc, seed=seed)
        out = []
        for f in feats:
            states = res.run(f)
            res.reset()
            out.append(np.r_[states.mean(0), states[-1]])
        return np.array(out)

    def accuracy(F, fit_on, score_on):
        clf = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 13)))
        return clf.fit(F[fit_on], y[fit_on]).score(F[score_on], y[score_on])

    val = train[::5]
    inner = np.setdiff1d(train, val)
    grid = [(sr, lr, isc) for sr in (0.9, 1.1) for lr in (0.1, 0.3) for isc in (0.5, 1.0)]
    runs = {p: features(*p) for p in grid}
    best = max(grid, key=lambda p: accuracy(runs[p], inner, val))
    return accuracy(runs[best], train, test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-neurons", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--loso", action="store_true", help="also leave-one-speaker-out")
    parser.add_argument("--limit", type=int, default=None, help="use every k-th recording (quick runs)")
    args = parser.parse_args(argv)
    data = fetch_fsdd(args.data_home)
    y = np.asarray(data.target)
    raw = MelFeatures(kind="mfcc", n_mfcc=20, sample_rate=data.sample_rate).fit_transform(data.waveforms)
    # the reservoir gets every utterance standardised per coefficient (its input is a current)
    feats = [(f - f.mean(0)) / (f.std(0) + 1e-8) for f in raw]
    train, test = data.train, data.test
    if args.limit:
        train, test = train[::args.limit], test[::args.limit]
    base = baseline(raw, y, train, test)
    runs = [reservoir(feats, y, train, test, args.n_neurons, s) for s in range(args.seeds)]
    accs = np.array([r[0] for r in runs])
    print(f"FSDD official split: {len(train)} train / {len(test)} test recordings")
    print(f"{'model':<48}{'accuracy':>12}")
    print(f"{'20 MFCC mean+std + logistic regression':<48}{base:>12.4f}")
    print(f"{f'spiking reservoir ({args.n_neurons} LIF) on MFCC sequences':<48}"
          f"{np.median(accs):>12.4f}  (median of {args.seeds} seeds: {np.round(accs, 4).tolist()})")
    esn = echo_state_network(feats, y, train, test)
    if esn is not None:
        print(f"{'echo state network (ReservoirPy, 500 units)':<48}{esn:>12.4f}")
    print(f"reservoir fit {np.median([r[1] for r in runs]):.1f} s; feature extraction "
          f"{np.median([r[2] for r in runs]):.0f} sequences/s")
    if args.loso:
        speakers = np.asarray(data.speaker)
        scores = []
        for sp in np.unique(speakers):
            tr, te = np.flatnonzero(speakers != sp), np.flatnonzero(speakers == sp)
            scores.append((sp, baseline(raw, y, tr, te), reservoir(feats, y, tr, te, args.n_neurons, 0)[0]))
        print("leave-one-speaker-out (baseline / reservoir):")
        for sp, b, r in scores:
            print(f"  {sp:<10}{b:>8.3f}{r:>8.3f}")
        print(f"  {'mean':<10}{np.mean([s[1] for s in scores]):>8.3f}{np.mean([s[2] for s in scores]):>8.3f}")
    return base, accs


if __name__ == "__main__":
    main()
