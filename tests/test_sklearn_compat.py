"""scikit-learn conventions: the common checks, meta-estimators, persistence."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from reservoirspike import (LIF, GaussianReceptiveFields, SequenceScaler, SpikingReservoir, SpikingReservoirClassifier, SpikingReservoirRegressor,
                            random_reservoir)
from reservoirspike.architectures import Projection, compose, layered_network


def _hybrid_network():
    """A small chain-in-front-of-reservoir network, as a user would pass with ``network=``."""
    res = random_reservoir(80, bias=(4.0, 9.0), dt=1.0, random_state=0)
    chain = layered_network([20, 20], weight=3.0, delay=2.0, neuron=LIF(bias=8.0), dt=1.0, random_state=0)
    return compose({"chain": chain, "res": res}, [Projection("chain.g1", "res", 0.2, 3.0)], random_state=0)

_UNIVARIATE = (
    "a 2-D X holds univariate sequences (n_sequences, n_steps): its second axis is time, not features, "
    "and sequences of another length are valid input, so a different X.shape[1] is not an error"
)
_TEMPORAL = (
    "the regressor reads a 2-D X as one time series; each prediction depends on the preceding steps, "
    "so predicting on a subset or a reordering of the rows legitimately changes the results"
)


def expected_failed_checks(estimator):
    if isinstance(estimator, SpikingReservoirRegressor):
        return {
            "check_methods_subset_invariance": _TEMPORAL,
            "check_methods_sample_order_invariance": _TEMPORAL,
        }
    out = {
        "check_n_features_in_after_fitting": _UNIVARIATE,
        "check_n_features_in": _UNIVARIATE,
    }
    if isinstance(estimator, SpikingReservoirClassifier):
        out["check_classifiers_train"] = _UNIVARIATE + " (the accuracy part is tested separately below)"
    else:
        out["check_transformer_general"] = _UNIVARIATE
    return out


@parametrize_with_checks(
    [SpikingReservoir(n_neurons=100), SpikingReservoirClassifier(n_neurons=100),
     SpikingReservoirRegressor(n_neurons=100), SpikingReservoirClassifier(network=_hybrid_network()),
     SequenceScaler(), GaussianReceptiveFields(n_fields=3)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _blobs():
    X, y = make_blobs(n_samples=300, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_classifier_learns_blobs_like_the_common_check():
    X, y = _blobs()
    clf = SpikingReservoirClassifier(n_neurons=100, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.83
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def _sequences(n=60, seed=0):
    """Two classes of noisy 3-channel sequences: rising or falling ramps."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(-1, 1, 12)
    X = np.stack([np.outer(np.where(c, t, -t), [1.0, 0.5, -1.0]) for c in y]) + rng.normal(0, 0.3, (n, 12, 3))
    return X, y


def test_pipeline_gridsearch_crossval_clone():
    X, y = _sequences()
    pipe = make_pipeline(SpikingReservoir(n_neurons=80, steps_per_frame=5, n_bins=4, random_state=0),
                         StandardScaler(), LogisticRegression(max_iter=2000))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.8
    grid = GridSearchCV(SpikingReservoirClassifier(n_neurons=60, steps_per_frame=5, n_bins=4, random_state=0),
                        {"input_weight": [5.0, 10.0]}, cv=2, n_jobs=2).fit(X, y)
    assert grid.best_score_ > 0.8
    c = clone(grid.best_estimator_)
    assert c.get_params() == grid.best_estimator_.get_params() and not hasattr(c, "network_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_gives_identical_predictions(dump, tmp_path):
    X, y = _sequences()
    clf = SpikingReservoirClassifier(n_neurons=60, steps_per_frame=5, n_bins=4, random_state=1).fit(X, y)
    path = tmp_path / "model.bin"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(clf))
        loaded = pickle.loads(path.read_bytes())
    else:
        joblib.dump(clf, path)
        loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_transform_is_row_pure_and_order_free():
    X, _ = _sequences(20)
    res = SpikingReservoir(n_neurons=80, encoder="poisson", steps_per_frame=5, n_bins=4, random_state=3).fit(X)
    full = res.transform(X)
    assert full.shape == (20, 4 * 80) and full.sum() > 0
    for i in (0, 7, 19):
        np.testing.assert_array_equal(full[i], res.transform(X[i:i + 1])[0])
    np.testing.assert_array_equal(full, res.transform(X[::-1])[::-1])
    res1 = clone(res).set_params(n_jobs=1).fit(X)
    np.testing.assert_array_equal(full, res1.transform(X))


def test_ragged_list_input_and_univariate_2d():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in (5, 9, 14)]
    res = SpikingReservoir(n_neurons=40, steps_per_frame=4, n_bins=2, snapshot=["rates", "final"],
                           random_state=0).fit(X)
    F = res.transform(X)
    assert F.shape == (3, 80)
    np.testing.assert_array_equal(F[1], res.transform([X[1]])[0])
    assert len(res.get_feature_names_out()) == 80
    uni = SpikingReservoir(n_neurons=40, steps_per_frame=4, n_bins=2, random_state=0).fit(rng.normal(size=(4, 7)))
    assert uni.n_features_in_ == 1
    assert uni.transform(rng.normal(size=(3, 11))).shape == (3, 80)


def test_regressor_single_series_lists_and_multi_target():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, size=(400, 1))
    y = np.column_stack([u[:, 0], np.roll(u[:, 0], 1)])  # the input now and one step ago
    reg = SpikingReservoirRegressor(n_neurons=300, washout=20, random_state=0).fit(u[:300], y[:300])
    pred = reg.predict(u)
    assert pred.shape == (400, 2)
    r2 = 1 - ((pred[320:] - y[320:]) ** 2).sum(0) / ((y[320:] - y[320:].mean(0)) ** 2).sum(0)
    assert r2[0] > 0.6 and r2[1] > 0.15, r2
    series = [u[:150], u[150:]]
    reg2 = SpikingReservoirRegressor(n_neurons=100, steps_per_frame=5, random_state=0).fit(series, [y[:150], y[150:]])
    out = reg2.predict(series)
    assert isinstance(out, list) and [o.shape for o in out] == [(150, 2), (250, 2)]
    reg3 = SpikingReservoirRegressor(n_neurons=50, steps_per_frame=5, random_state=0).fit(u[None], y[None, :, 0])
    assert reg3.predict(u[None]).shape == (1, 400)
    with pytest.raises(ValueError, match="washout"):
        SpikingReservoirRegressor(n_neurons=20, washout=500).fit(u, y)


def test_regressor_default_readout_cross_validates_on_blocks_of_steps():
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(1)
    u = np.cumsum(rng.normal(size=(300, 1)), axis=0) / 10  # slow input: neighbouring states nearly equal
    reg = SpikingReservoirRegressor(n_neurons=80, steps_per_frame=5, tau_trace=(20.0, 100.0), random_state=0)
    reg.fit(u, np.roll(u[:, 0], 3))
    assert isinstance(reg.readout_.cv, KFold) and reg.readout_.cv.n_splits == 5 and not reg.readout_.cv.shuffle
    assert 1e-4 <= reg.readout_.alpha_ <= 1e4
    short = SpikingReservoirRegressor(n_neurons=20, random_state=0).fit(u[:30], u[:30, 0])
    assert short.readout_.cv is None  # too few steps for five blocks: leave-one-out
