"""Scale out over a Dask cluster: fit locally, predict a large data set chunked over the workers.

    python examples/dask_cluster.py                             # a LocalCluster on this machine
    python examples/dask_cluster.py tcp://scheduler-host:8786   # the scheduler of a running cluster
    python examples/dask_cluster.py --quick                     # small sizes (a smoke test)

Every worker needs the same versions of reservoirspike and its dependencies as this process
(``pip install "reservoirspike[dask]"``); the fitted estimator travels to the workers pickled.
Workers compile the Numba kernel on first use (or load it from the on-disk cache next to the
installed package), so the first chunk on each worker takes a few seconds longer.

The steps:

1. fit a ``SpikingReservoirClassifier`` locally on the sequential digits;
2. predict a large data set (noisy copies of the test digits) chunked along the sequences:
   with ``dask_ml.wrappers.ParallelPostFit`` on the 2-D view ``X.reshape(n, -1)`` (a
   ``FunctionTransformer(np.reshape)`` step in front of the classifier turns each block back into
   sequences; ParallelPostFit itself only handles 2-D samples x features arrays), and with
   ``dask.array.map_blocks`` straight on the 3-D array;
3. a grid search whose fits run on the cluster through joblib's ``"dask"`` backend.

Frozen noise makes every prediction independent of the chunk it is computed in, so the
cluster's predictions equal the local ones exactly; the script checks that.  Each worker runs
one task at a time (``threads_per_worker=1``) and the estimator uses one Numba thread
(``n_jobs=1``), so a machine runs as many simulations at once as it has worker processes.
On a LocalCluster of a small machine expect no speed-up over the local run: the point is the
same code on a cluster of many machines.
"""

import argparse
import time

import numpy as np


def _reshape_step(n_steps, n_channels):
    """A ``FunctionTransformer`` that turns rows of ``n_steps * n_channels`` values into sequences."""
    from sklearn.preprocessing import FunctionTransformer

    key = "shape" if np.lib.NumpyVersion(np.__version__) >= "2.1.0" else "newshape"
    return FunctionTransformer(np.reshape, kw_args={key: (-1, n_steps, n_channels)})


def connect(address, n_workers):
    """A Client of the cluster at ``address``, or of a new LocalCluster (loopback only) when None."""
    from dask.distributed import Client, LocalCluster

    if address:
        return Client(address), None
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    return Client(cluster), cluster


def _noisy_block(block_info=None, *, base, noise, seed):
    """One chunk of the large data set, made on the worker: noisy copies of sequences in ``base``."""
    start, stop = block_info[None]["array-location"][0]
    rng = np.random.default_rng([seed, start])  # a chunk's content depends only on where it lies
    idx = rng.integers(0, len(base), size=stop - start)
    return base[idx] + noise * rng.standard_normal((stop - start,) + base.shape[1:])


def large_dataset(base, n, chunk, noise=0.3, seed=0):
    """A lazy dask array (n, T, d) of noisy copies of the sequences in ``base``, chunked along axis 0.

    The chunks are generated on the workers, so the data never travels from this process (with
    real data, read each chunk from storage the workers can reach in the same way).
    """
    import dask.array as da

    sizes = (chunk,) * (n // chunk) + ((n % chunk,) if n % chunk else ())
    return da.map_blocks(_noisy_block, chunks=(sizes,) + tuple((s,) for s in base.shape[1:]),
                         dtype=np.float64, meta=np.zeros((0,) * base.ndim), base=base, noise=noise, seed=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scheduler", nargs="?", default=None,
                        help="scheduler address, e.g. tcp://host:8786 (default: start a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("--n-neurons", type=int, default=300)
    parser.add_argument("--n-predict", type=int, default=20_000, help="sequences in the large data set")
    parser.add_argument("--chunk", type=int, default=1_000, help="sequences per Dask chunk")
    parser.add_argument("--quick", action="store_true", help="small sizes (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_neurons, args.n_predict, args.chunk = 60, 400, 100

    import joblib
    from dask_ml.wrappers import ParallelPostFit
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from reservoirspike import SpikingReservoirClassifier
    from reservoirspike.datasets import load_sequential_digits

    data = load_sequential_digits()
    X = (data.data - data.data[data.train].mean()) / data.data[data.train].std()
    n_train = 300 if args.quick else len(data.train)
    Xtr, ytr = X[data.train][:n_train], data.target[data.train][:n_train]
    _, T, d = X.shape
    params = dict(n_neurons=args.n_neurons, random_state=0, n_jobs=1)
    if args.quick:
        params.update(steps_per_frame=5, n_bins=2)

    client, cluster = connect(args.scheduler, args.workers)
    timings = {}
    try:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers at {client.scheduler.address}")

        # 1. fit locally
        t0 = time.perf_counter()
        model = ParallelPostFit(make_pipeline(_reshape_step(T, d), SpikingReservoirClassifier(**params)))
        model.fit(Xtr.reshape(len(Xtr), -1), ytr)
        timings["fit (local)"] = time.perf_counter() - t0
        clf = model.estimator[-1]

        # 2. predict a large data set on the cluster; first load the kernel on every worker
        t0 = time.perf_counter()
        client.run(clf.predict, Xtr[:1])
        timings["worker warm-up (Numba compile or cache load)"] = time.perf_counter() - t0
        big = large_dataset(X[data.test], args.n_predict, args.chunk)  # chunked along the sequences only
        t0 = time.perf_counter()
        pred_ppf = model.predict(big.reshape(args.n_predict, T * d)).compute()
        timings["predict, ParallelPostFit (cluster)"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        pred_blocks = big.map_blocks(clf.predict, drop_axis=[1, 2], dtype=clf.classes_.dtype).compute()
        timings["predict, map_blocks on 3-D (cluster)"] = time.perf_counter() - t0

        local = big.compute()  # the same data, here, to compare with
        t0 = time.perf_counter()
        pred_local = clf.predict(local)
        timings["predict (local, 1 thread)"] = time.perf_counter() - t0
        same = np.array_equal(pred_ppf, pred_local) and np.array_equal(pred_blocks, pred_local)
        print(f"{args.n_predict} sequences predicted on the cluster; equal to the local predictions: {same}")
        if not same:
            raise SystemExit("cluster and local predictions differ")

        # 3. grid search, its fits on the cluster
        grid = {"input_weight": [5.0, 10.0], "snapshot": ["counts", "traces"]}
        search = GridSearchCV(SpikingReservoirClassifier(**params), grid, cv=3, n_jobs=-1)
        t0 = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search.fit(Xtr, ytr)
        timings["GridSearchCV, joblib dask backend (cluster)"] = time.perf_counter() - t0
        print(f"grid search: best {search.best_params_}, CV accuracy {search.best_score_:.3f}")
        print(f"test accuracy of the fitted model: {clf.score(X[data.test], data.target[data.test]):.3f}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    width = max(len(k) for k in timings)
    for name, seconds in timings.items():
        print(f"{name:<{width}}  {seconds:8.2f} s")
    return timings


if __name__ == "__main__":
    main()
