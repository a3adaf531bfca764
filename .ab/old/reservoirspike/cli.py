"""Command line: ``python -m reservoirspike info | demo | bench``."""

import argparse
import platform
import sys
import time

import numpy as np


def cmd_info(args):
    """Print versions, threading and CUDA availability."""
    import numba
    import scipy
    import sklearn

    from . import __version__

    print(f"reservoirspike {__version__}")
    print(f"python {platform.python_version()} on {platform.platform()}")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, numba {numba.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    try:  # the layer is chosen at the first parallel launch: make one, tiny
        from .simulate import simulate
        from .topology import connect_inputs, random_reservoir

        net = connect_inputs(random_reservoir(4, random_state=0), 1, random_state=0)
        simulate(net, np.zeros((2, 2, 1)), record=("counts",), n_jobs=2)
        layer = numba.threading_layer()
    except Exception as exc:  # no usable threading layer
        layer = f"unavailable ({exc})"
    print(f"numba threads: {numba.config.NUMBA_NUM_THREADS} (threading layer: {layer}; "
          f"requested: {numba.config.THREADING_LAYER})")
    from .backends import cuda as gpu

    try:
        gpu.check_available()
        name, n_sm, _ = gpu.device_properties()
        print(f"CUDA: available ({name}, {n_sm} multiprocessors); backend='cuda' or 'auto' can use it")
    except RuntimeError as exc:  # says which piece is missing
        print(f"CUDA: not available: {exc}; the cpu backend is used")
    return 0


def cmd_demo(args):
    """Sequential digits: a spiking reservoir classifier beside logistic regression."""
    from sklearn.linear_model import LogisticRegression

    from .datasets import load_sequential_digits
    from .estimators import SpikingReservoirClassifier

    data = load_sequential_digits()
    X, y = data.data, data.target
    mean, std = X[data.train].mean(), X[data.train].std()
    Xs = (X - mean) / std
    Xtr, Xte, ytr, yte = Xs[data.train], Xs[data.test], y[data.train], y[data.test]
    print(f"sequential digits: {len(Xtr)} train / {len(Xte)} test sequences of 8 steps x 8 pixels")

    clf = SpikingReservoirClassifier(n_neurons=args.n_neurons, random_state=args.seed, n_jobs=args.n_jobs)
    t0 = time.perf_counter()
    clf.fit(Xtr[:2], ytr[:2] * 0 + np.arange(2))  # first call: JIT compilation or loading the on-disk cache
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    acc = clf.score(Xte, yte)
    predict_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    logreg = LogisticRegression(max_iter=5000).fit(X[data.train].reshape(len(Xtr), -1), ytr)
    base = logreg.score(X[data.test].reshape(len(Xte), -1), yte)
    base_s = time.perf_counter() - t0

    from .simulate import simulate

    res = simulate(clf.network_, Xte, steps_per_frame=clf.steps_per_frame, record=("counts",),
                   random_state=clf.seed_, n_jobs=args.n_jobs)
    per_neuron = res.counts.sum(axis=(0, 1)) / (res.lengths.sum() * res.dt / 1000.0)
    print()
    print(f"{'model':<42}{'test accuracy':>14}{'time (s)':>10}")
    print(f"{'spiking reservoir (' + str(args.n_neurons) + ' LIF) + ridge readout':<42}{acc:>14.4f}"
          f"{fit_s + predict_s:>10.2f}")
    print(f"{'logistic regression on raw pixels':<42}{base:>14.4f}{base_s:>10.2f}")
    print()
    print(f"firing: mean rate {res.mean_rate:.1f} Hz, median neuron {np.median(per_neuron):.1f} Hz, "
          f"silent neurons {np.mean(per_neuron == 0) * 100:.1f} %, max {per_neuron.max():.1f} Hz")
    seq_s = (len(Xtr) + len(Xte)) / (fit_s + predict_s)
    print(f"timing: JIT compile/cache load {compile_s:.2f} s (first call), fit {fit_s:.2f} s, "
          f"predict {predict_s:.2f} s, {seq_s:.0f} sequences/s (incl. readout)")
    verdict = "matches or beats" if acc >= base else "falls short of"
    print(f"the reservoir {verdict} the logistic baseline ({acc - base:+.4f})")
    if args.out:
        _save_demo_figure(args.out, clf, Xte, yte, args.n_jobs)
    return 0


def _save_demo_figure(path, clf, X, y, n_jobs):
    """Raster of one test digit and the confusion matrix, as PNG (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from . import plotting
    except ImportError:
        print("figure: skipped (matplotlib is not installed; pip install 'reservoirspike[plot]')")
        return
    from .simulate import simulate

    res = simulate(clf.network_, X[:1], steps_per_frame=clf.steps_per_frame, record=("spikes",),
                   random_state=clf.seed_, n_jobs=n_jobs)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    plotting.raster(res, 0, network=clf.network_, ax=axes[0])
    axes[0].set_title(f"reservoir spikes for one test digit (label {y[0]})")
    plotting.confusion_matrix(y, clf.predict(X), ax=axes[1])
    print(f"figure: {plotting.save(fig, path)}")


def _timed(fn, repeats):
    t0 = time.perf_counter()
    fn()  # first call: compilation or cache load
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return first, float(np.median(times)), out


def cmd_bench(args):
    """Quick runs of the reference workloads (CUBA and the batch reservoir)."""
    from .simulate import simulate
    from .workloads import RATE_ENCODER, batch_input, batch_network, cuba_network

    net = cuba_network(args.cuba_n)
    steps = int(round(args.cuba_ms / net.dt))
    first, run, res = _timed(lambda: simulate(net, np.zeros((1, steps, 1)), record=("counts",), v_init="uniform",
                                              n_jobs=args.n_jobs), args.repeats)
    events = res.total_spikes.sum() * net.n_synapses / net.n_neurons
    print(f"CUBA N={net.n_neurons}, {args.cuba_ms:.0f} ms at dt={net.dt} ms: mean rate {res.mean_rate:.1f} Hz, "
          f"median run {run:.3f} s (first call {first:.2f} s), {events / run:.3g} synaptic events/s, "
          f"{net.n_neurons * steps / run:.3g} neuron updates/s")
    net = batch_network()
    X = batch_input(args.sequences)
    first, run, res = _timed(lambda: simulate(net, X, encoder=RATE_ENCODER, steps_per_frame=1000,
                                              record=("counts",), n_bins=10, n_jobs=args.n_jobs), args.repeats)
    events = res.total_spikes.sum() * net.n_synapses / net.n_neurons
    print(f"batch reservoir: {args.sequences} sequences x 1000 steps, N=1000, 100 Poisson inputs at 20 Hz: "
          f"mean rate {res.mean_rate:.2f} Hz, median run {run:.3f} s (first call {first:.2f} s), "
          f"{args.sequences / run:.1f} sequences/s, {events / run:.3g} synaptic events/s")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="reservoirspike", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="versions, threads and CUDA availability")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("demo", help="spiking reservoir on sequential digits vs logistic regression")
    p.add_argument("--n-neurons", type=int, default=1000, help="reservoir size (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random_state of the reservoir (default 0)")
    p.add_argument("--n-jobs", type=int, default=None, help="threads (default: all)")
    p.add_argument("--out", default="reservoirspike_demo.png",
                   help="PNG for the raster and confusion matrix (needs matplotlib; '' to skip)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("bench", help="quick runs of the reference workloads (CUBA, batch reservoir)")
    p.add_argument("--sequences", type=int, default=200, help="sequences in the batch (default 200)")
    p.add_argument("--cuba-n", type=int, default=4000, help="CUBA network size (default 4000)")
    p.add_argument("--cuba-ms", type=float, default=1000.0, help="CUBA biological time in ms (default 1000)")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats (median reported)")
    p.add_argument("--n-jobs", type=int, default=None, help="threads (default: all)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
