"""A fitted estimator saved with joblib predicts the same in a fresh Python process.

The fresh interpreter shares nothing with this one (no imported modules, no compiled kernels in
memory, no random state), so equal predictions show that everything a prediction needs is in the
pickle: the network, the input projection, the seed of the frozen noise and the readout.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest

from reservoirspike import SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor

REPO = pathlib.Path(__file__).resolve().parent.parent

LOAD_AND_PREDICT = textwrap.dedent("""
    import json, sys
    import joblib
    import numpy as np

    est = joblib.load(sys.argv[1])
    X = np.load(sys.argv[2])
    out = est.transform(X) if sys.argv[3] == "transform" else est.predict(X)
    print(json.dumps({"values": np.asarray(out).tolist(), "dtype": str(np.asarray(out).dtype),
                      "module": type(est).__module__}))
""")


def _in_fresh_process(model_path, X_path, method):
    env = dict(os.environ)
    # the package as imported here (installed, or this checkout run with python -m pytest)
    import reservoirspike

    package_root = str(pathlib.Path(reservoirspike.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, "-c", LOAD_AND_PREDICT, str(model_path), str(X_path), method],
                          capture_output=True, text=True, env=env, cwd=str(REPO), timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(24, 6, 2))
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")  # string labels survive the round trip too
    return X, y


@pytest.mark.parametrize("encoder", ["current", "poisson"])
def test_classifier_predicts_the_same_in_a_fresh_process(tmp_path, data, encoder):
    X, y = data
    clf = SpikingReservoirClassifier(n_neurons=60, steps_per_frame=5, n_bins=2, encoder=encoder, random_state=3,
                                     n_jobs=1).fit(X, y)
    expected = clf.predict(X)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.save(tmp_path / "X.npy", X)
    got = _in_fresh_process(tmp_path / "clf.joblib", tmp_path / "X.npy", "predict")
    assert got["module"] == "reservoirspike.estimators"
    assert got["values"] == expected.tolist()


def test_transformer_and_regressor_in_a_fresh_process(tmp_path, data):
    X, _ = data
    res = SpikingReservoir(n_neurons=60, steps_per_frame=5, n_bins=2, snapshot=["counts", "final"],
                           random_state=4, n_jobs=1).fit(X)
    reg = SpikingReservoirRegressor(n_neurons=60, steps_per_frame=5, random_state=5, n_jobs=1).fit(X, X.sum(axis=2))
    np.save(tmp_path / "X.npy", X)
    for name, est, method in (("res", res, "transform"), ("reg", reg, "predict")):
        expected = est.transform(X) if method == "transform" else est.predict(X)
        joblib.dump(est, tmp_path / f"{name}.joblib")
        got = _in_fresh_process(tmp_path / f"{name}.joblib", tmp_path / "X.npy", method)
        assert got["dtype"] == str(expected.dtype)
        # JSON carries floats as their shortest repr, which round-trips float64 exactly
        np.testing.assert_array_equal(np.asarray(got["values"], dtype=expected.dtype), expected)
