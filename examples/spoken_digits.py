"""Spoken digits (FSDD, official split): spiking reservoir on MFCC sequences beside a static baseline.

Baseline (no reservoir): mean and standard deviation of 20 MFCCs per recording + logistic regression.
Reservoir: one scikit-learn Pipeline from waveform to digit -- MFCC frames (``MelFeatures``), each
coefficient standardised with the mean and spread of all training frames (``SequenceScaler``), a
spiking reservoir whose binned traces feed the default ridge readout.  With ``--per-utterance`` every
recording is instead standardised by its own statistics (cepstral mean and variance normalisation),
which throws away loudness and level and costs about two points of accuracy here.  Also reports
feature-extraction speed (sequences/s) and, with ``--loso``, leave-one-speaker-out accuracy.

With ReservoirPy installed it also prints an echo state network of 500 units on the same scaled sequences.

Data: ``fetch_fsdd`` reads a local copy (``--data-home`` or ``RESERVOIRSPIKE_DATA``) or downloads it.

    python examples/spoken_digits.py [--data-home PATH] [--n-neurons 1000] [--seeds 3] [--loso] [--out FIG]
                                     [--per-utterance]
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
from reservoirspike.preprocessing import SequenceScaler


def baseline(feats, y, train, test):
    stats = np.array([np.r_[f.mean(0), f.std(0)] for f in feats])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(stats[train], y[train])
    return clf.score(stats[test], y[test])


def front_end(sample_rate, per_utterance):
    """Waveforms to the reservoir's input: 20 MFCCs scaled by the training frames or by each recording."""
    return [MelFeatures(kind="mfcc", n_mfcc=20, sample_rate=sample_rate,
                        normalize="utterance" if per_utterance else None),
            "passthrough" if per_utterance else SequenceScaler()]


def reservoir(waves, y, train, test, n_neurons, seed, sample_rate, per_utterance=False):
    """Fit the waveform-to-digit Pipeline; test accuracy, fit seconds, feature extraction sequences/s."""
    pipe = make_pipeline(*front_end(sample_rate, per_utterance),
                         SpikingReservoirClassifier(n_neurons=n_neurons, steps_per_frame=5, n_bins=8,
                                                    random_state=seed))
    t0 = time.perf_counter()
    pipe.fit([waves[i] for i in train], y[train])
    fit_s = time.perf_counter() - t0
    inputs = pipe[:-1].transform([waves[i] for i in test])
    t0 = time.perf_counter()
    states = pipe[-1].reservoir_states(inputs)  # the reservoir's part: simulation and snapshots
    rate = len(test) / (time.perf_counter() - t0)
    predicted = pipe[-1].readout_.predict(states)
    return np.mean(predicted == y[test]), fit_s, rate, predicted


def echo_state_network(feats, y, train, test, n_units=500, seed=0):
    """Test accuracy of a ReservoirPy echo state network on the same sequences (None without ReservoirPy).

    Features: the mean and the last reservoir state of every utterance; standardised ridge classifier.
    Spectral radius, leak rate, input scaling and bias scale (a random bias uniform in [-b, b] per
    unit; ReservoirPy 0.4's units have none by default) are picked on every fifth training recording.
    ReservoirPy is a peer for comparison only, never a dependency.
    """
    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        return None
    from sklearn.linear_model import RidgeClassifierCV

    unit_bias = np.random.default_rng(seed).uniform(-1.0, 1.0, n_units)

    def features(sr, lr, isc, b):
        res = Reservoir(n_units, sr=sr, lr=lr, input_scaling=isc, bias=b * unit_bias, seed=seed)
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
    grid = [(sr, lr, isc, b) for sr in (0.9, 1.1) for lr in (0.1, 0.3) for isc in (0.5, 1.0) for b in (0.0, 0.2)]
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
    parser.add_argument("--out", default="spoken_digits.png", help="figure: test confusion matrix (first seed)")
    parser.add_argument("--per-utterance", action="store_true",
                        help="standardise every recording by its own statistics instead of the training frames'")
    args = parser.parse_args(argv)
    data = fetch_fsdd(args.data_home)
    y = np.asarray(data.target)
    waves, rate_hz = data.waveforms, data.sample_rate
    raw = MelFeatures(kind="mfcc", n_mfcc=20, sample_rate=rate_hz).fit_transform(waves)
    train, test = data.train, data.test
    if args.limit:
        train, test = train[::args.limit], test[::args.limit]
    base = baseline(raw, y, train, test)
    runs = [reservoir(waves, y, train, test, args.n_neurons, s, rate_hz, args.per_utterance)
            for s in range(args.seeds)]
    accs = np.array([r[0] for r in runs])
    scaling = "per recording" if args.per_utterance else "training frames"
    print(f"FSDD official split: {len(train)} train / {len(test)} test recordings; MFCCs scaled by {scaling}")
    print(f"{'model':<48}{'accuracy':>12}")
    print(f"{'20 MFCC mean+std + logistic regression':<48}{base:>12.4f}")
    print(f"{f'spiking reservoir ({args.n_neurons} LIF) on MFCC sequences':<48}"
          f"{np.median(accs):>12.4f}  (median of {args.seeds} seeds: {np.round(accs, 4).tolist()})")
    scaled = make_pipeline(*front_end(rate_hz, args.per_utterance)).fit([waves[i] for i in train])
    esn = echo_state_network(scaled.transform(waves), y, train, test)  # the reservoir's own input
    if esn is not None:
        print(f"{'echo state network (ReservoirPy, 500 units)':<48}{esn:>12.4f}")
    print(f"reservoir fit {np.median([r[1] for r in runs]):.1f} s; feature extraction "
          f"{np.median([r[2] for r in runs]):.0f} sequences/s")
    if args.loso:
        speakers = np.asarray(data.speaker)
        scores = []
        for sp in np.unique(speakers):
            tr, te = np.flatnonzero(speakers != sp), np.flatnonzero(speakers == sp)
            acc = reservoir(waves, y, tr, te, args.n_neurons, 0, rate_hz, args.per_utterance)[0]
            scores.append((sp, baseline(raw, y, tr, te), acc))
        print("leave-one-speaker-out (baseline / reservoir):")
        for sp, b, r in scores:
            print(f"  {sp:<10}{b:>8.3f}{r:>8.3f}")
        print(f"  {'mean':<10}{np.mean([s[1] for s in scores]):>8.3f}{np.mean([s[2] for s in scores]):>8.3f}")
    save_confusion(y[test], runs[0][3], accs[0], args.out)
    return base, accs


def save_confusion(y_true, y_pred, accuracy, path):
    """Save the test confusion matrix of the first seed (skipped without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from reservoirspike.plotting import confusion_matrix, save
    except ImportError:
        print("(install matplotlib for the figure)")
        return
    ax = confusion_matrix(y_true, y_pred)
    ax.set_title(f"FSDD test split, spiking reservoir: accuracy {accuracy:.3f}")
    save(ax, path)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
