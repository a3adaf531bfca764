"""scikit-learn estimators: a spiking reservoir as transformer, classifier, regressor.

Conventions: ``__init__`` stores its arguments verbatim; ``fit`` validates
them, builds the network from ``random_state`` and fits the readout; fitted
attributes end in ``_``.  Input is a 3-D array (n, T, d), a list of (T_i, d)
arrays, or a 2-D (n, T) array of univariate sequences (for the regressor a
2-D array is one (T, d) series, one sample per time step).
"""

from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, clone
from sklearn.linear_model import RidgeClassifierCV, RidgeCV
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._progress import progress
from ._rng import derive_seed
from ._validation import check_int, check_positive, check_probability, check_real
from .encoding import frame_count, get_encoder
from .learning import learn
from .plasticity import as_plasticity
from .network import Network
from .neurons import LIF, AdaptiveLIF
from .simulate import resolve_backend, resolve_threads, run_encoded
from .states import (check_snapshot, check_tau_trace, filtered_traces, n_snapshot_features, records_for,
                     snapshot_features)
from .topology import as_generator, connect_inputs, random_reservoir

_CHUNK = 256  # sequences per kernel call: bounds memory and paces progress reports


@dataclass(frozen=True)
class _Fitted:
    """What fitting builds: everything a transform needs."""

    encoder: object
    network: Network
    seed: int
    n_features: int
    frame_steps: int

_NOTES_DOC = """
    Notes
    -----
    Fitting builds everything first and sets the fitted attributes only at
    the end: a fit interrupted part-way (``KeyboardInterrupt``, an error)
    leaves the estimator exactly as it was before the call (unfitted, or with
    its previous fit).
"""

_PARAMS_DOC = """
    n_neurons : int, default=500
        Number of reservoir neurons (ignored when ``network`` is given).
    excitatory_fraction : float, default=0.8
        Fraction of excitatory neurons.
    connectivity : float or dict, default=0.1
        Recurrent connection probability, scalar or per pair type
        (``{"EE", "EI", "IE", "II"}``, from-to).
    weight_exc, weight_inh : float, default=1.0, -4.0
        Mean recurrent weights (mV) from E (>= 0) and from I (<= 0) neurons.
    delay : float or (float, float), default=(1.0, 3.0)
        Recurrent delay or its (min, max) range (ms).
    neuron : {"lif", "adaptive"} or LIF, default="lif"
        Neuron model of every neuron; a :class:`~reservoirspike.LIF` or
        :class:`~reservoirspike.AdaptiveLIF` instance sets its parameters.
    bias : float or (float, float), default=(4.0, 9.0)
        Constant drive R·I (mV) per neuron, or a (low, high) range drawn
        per neuron; below the 10 mV from rest to threshold no neuron fires
        without input, but each is brought to a different distance from it.
    input_connectivity : float, default=0.5
        Probability that an input channel reaches a given neuron.
    input_weight : float, default=10.0
        Mean input weight magnitude (mV); magnitudes are uniform over
        [0.13, 1.87] times it (coefficient of variation 0.5).
    input_sign : {"mixed", "excitatory", "inhibitory"}, default="mixed"
        Sign rule of the input weights.
    encoder : str or Encoder, default="current"
        ``"current"``, ``"poisson"``, ``"delta"``, ``"latency"`` or an
        :class:`~reservoirspike.encoding.Encoder` instance.
    steps_per_frame : int, default=20
        Simulation steps each input row is held for.
    dt : float, default=1.0
        Time step (ms).
    snapshot : str or list of str, default="traces"
        State snapshot kinds: ``"counts"``, ``"traces"``, ``"rates"``, ``"final"``.
    n_bins : int, default=8
        Equal time bins per sequence for ``"counts"`` and ``"traces"``.
    tau_trace : float or sequence of float, default=20.0
        Time constant of the filtered spike traces (ms).  With several, every
        trace kind (and the regressor's per-step states) holds one block of
        neurons per time constant, in the order given: the readout sees
        recent spikes and a longer memory of them side by side.
    network : Network, optional
        A prebuilt network to use instead of the random reservoir; it gets a
        fresh input projection when it has none.
    plasticity : Plasticity, rule or list of rules, optional
        Unsupervised plasticity run by ``fit`` over X for ``n_epochs``
        (sequences in order) before the network is frozen, and by
        ``partial_fit`` for one more pass (see :mod:`reservoirspike.plasticity`).
    n_epochs : int, default=1
        Passes of plasticity over X in ``fit``.
    random_state : int, RandomState or None, default=None
        Seeds the wiring and the frozen noise.
    n_jobs : int or None, default=None
        Threads for the simulation (None or -1: all Numba threads).
    backend : {"cpu", "auto", "cuda"}, default="cpu"
        Simulation backend.
    verbose : int, default=0
        Show progress over epochs and sequences when > 0: a tqdm bar when tqdm
        is installed (``pip install "reservoirspike[progress]"``), plain lines
        on stderr otherwise.

"""


def _store_params(estimator, params):
    """Store ``__init__``'s arguments verbatim under their own names (scikit-learn convention)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def _time_series_ridge(n_rows):
    """The regressor's default readout: ridge, its penalty chosen on contiguous blocks of time steps.

    Leave-one-out (``RidgeCV``'s own default) scores every step with its
    neighbours in the training set; their states are nearly equal, so it
    picks too little regularisation -- with five trace time constants on
    Mackey-Glass, NRMSE 0.35 instead of 0.08.  States share one scale
    (filtered spike counts), so the ridge works on them unscaled:
    per-feature standardisation would blow up neurons that barely fired.
    """
    return RidgeCV(alphas=np.logspace(-4, 4, 17), cv=KFold(5) if n_rows >= 50 else None)


def _neuron_model(neuron):
    if isinstance(neuron, LIF):
        return neuron
    if neuron == "lif":
        return LIF()
    if neuron == "adaptive":
        return AdaptiveLIF()
    raise ValueError(f"neuron must be 'lif', 'adaptive' or a LIF instance, got {neuron!r}")


class _SpikingReservoirBase(BaseEstimator):
    """Network building, input validation and simulation shared by all estimators."""

    _single_series = False

    # ---- building --------------------------------------------------------
    def _check_params(self):
        check_int("n_neurons", self.n_neurons, low=1)
        check_probability("excitatory_fraction", self.excitatory_fraction)
        check_real("weight_exc", self.weight_exc, low=0.0)
        check_real("weight_inh", self.weight_inh, high=0.0)
        check_probability("input_connectivity", self.input_connectivity)
        check_real("input_weight", self.input_weight, low=0.0)
        check_positive("dt", self.dt)
        check_tau_trace(self.tau_trace)
        check_int("n_bins", self.n_bins, low=1)
        check_int("verbose", int(self.verbose), low=0)
        resolve_backend(self.backend)
        resolve_threads(self.n_jobs)
        as_plasticity(self.plasticity)
        check_int("n_epochs", self.n_epochs, low=1)
        if self.network is not None and not isinstance(self.network, Network):
            raise TypeError(f"network must be a reservoirspike Network or None, got {type(self.network).__name__}")

    def _build_network(self, n_channels, rng):
        if self.network is not None:
            net = self.network
            if abs(net.dt - self.dt) > 1e-12:
                raise ValueError(f"network was built for dt={net.dt} ms but dt={self.dt} ms")
        else:
            net = random_reservoir(
                self.n_neurons, excitatory_fraction=self.excitatory_fraction,
                connectivity=self.connectivity, weights={"E": self.weight_exc, "I": self.weight_inh},
                delay=self.delay, neuron=_neuron_model(self.neuron), bias=self.bias, dt=self.dt,
                random_state=rng,
            )
        if net.n_inputs == 0:
            net = connect_inputs(net, n_channels, connectivity=self.input_connectivity,
                                 weight=self.input_weight, sign=self.input_sign, weight_distribution="uniform",
                                 weight_cv=0.5, random_state=rng)
        elif net.n_inputs != n_channels:
            raise ValueError(f"network has {net.n_inputs} input channels but the encoded input has {n_channels}")
        return net

    def _prepare(self, X):
        """Validate parameters and X and build the network, without touching ``self``.

        Fitting computes everything into a :class:`_Fitted` first and sets the
        fitted attributes only at the end, so an interrupted fit (e.g.
        ``KeyboardInterrupt``) leaves the estimator as it was before.
        Returns (seqs, form, fitted).
        """
        self._check_params()
        encoder = get_encoder(self.encoder)
        frame_steps = frame_count(self.steps_per_frame)
        seqs, form = encoder.validate(X, self._single_series)
        n_features = seqs[0].shape[1] if isinstance(seqs[0], np.ndarray) else encoder.n_inputs
        rng = as_generator(derive_seed(self.random_state))
        network = self._build_network(encoder.n_channels(n_features), rng)
        fitted = _Fitted(encoder, network, int(rng.integers(0, 2**62)), n_features, frame_steps)
        return seqs, form, fitted

    def _commit(self, fitted, **attributes):
        """Set the fitted attributes in one go."""
        self.encoder_ = fitted.encoder
        self.network_ = fitted.network
        self.seed_ = fitted.seed
        self.n_features_in_ = fitted.n_features
        for name, value in attributes.items():
            setattr(self, name, value)
        return self

    def _fitted(self):
        check_is_fitted(self, "network_")
        return _Fitted(self.encoder_, self.network_, self.seed_, self.n_features_in_,
                       frame_count(self.steps_per_frame))

    # ---- plasticity --------------------------------------------------------
    def _learn(self, seqs, fitted, state=None, n_epochs=None, history=()):
        """Run plasticity over ``seqs`` (in order); returns (fitted, attributes to set).

        Without plasticity nothing happens.  The returned attributes are
        ``plasticity_history_`` (per epoch: mean rates, mean plastic weight,
        fractions at the bounds), ``weights_before_`` and ``weights_after_``.
        """
        rules = as_plasticity(self.plasticity)
        if rules is None:
            return fitted, {}
        n_epochs = check_int("n_epochs", self.n_epochs, low=1) if n_epochs is None else n_epochs
        chunks = [fitted.encoder.encode(seqs[lo:lo + _CHUNK], self.dt, fitted.frame_steps)
                  for lo in range(0, len(seqs), _CHUNK)]
        before = fitted.network.weights.copy()
        bar = progress(n_epochs * len(seqs), f"{type(self).__name__}: plasticity", self.verbose)
        try:
            state, new = learn(fitted.network, chunks, rules, seed=fitted.seed, n_epochs=n_epochs,
                               tau_trace=self._taus()[0], backend=self.backend, on_chunk=bar.update, state=state)
        finally:
            bar.close()
        for k, record in enumerate(new):
            record["epoch"] = len(history) + k
        fitted = replace(fitted, network=state.network(fitted.network))
        attrs = {"plasticity_history_": list(history) + new, "weights_after_": fitted.network.weights,
                 "_learning_state": state}
        attrs["weights_before_"] = getattr(self, "weights_before_", before) if history else before
        return fitted, attrs

    def _continue(self, X):
        """Common start of ``partial_fit``: (seqs, form, fitted, attributes after one more plastic pass)."""
        if hasattr(self, "network_"):
            seqs, form, fitted = self._validate_input(X)
            state, history = getattr(self, "_learning_state", None), getattr(self, "plasticity_history_", [])
        else:
            seqs, form, fitted = self._prepare(X)
            state, history = None, []
        fitted, attrs = self._learn(seqs, fitted, state=state, n_epochs=1, history=history)
        return seqs, form, fitted, attrs

    # ---- running ---------------------------------------------------------
    def _validate_input(self, X):
        fitted = self._fitted()
        seqs, form = fitted.encoder.validate(X, self._single_series)
        if isinstance(seqs[0], np.ndarray) and seqs[0].shape[1] != fitted.n_features:
            raise ValueError(
                f"X has {seqs[0].shape[1]} features, but {type(self).__name__} is expecting "
                f"{fitted.n_features} features as input"
            )
        return seqs, form, fitted

    def _run(self, seqs, record, fitted, **kwargs):
        """Simulate ``seqs`` in chunks; yields one SimulationResult per chunk."""
        bar = progress(len(seqs), f"{type(self).__name__}: simulating", self.verbose)
        try:
            for lo in range(0, len(seqs), _CHUNK):
                chunk = seqs[lo:lo + _CHUNK]
                kin = fitted.encoder.encode(chunk, self.dt, fitted.frame_steps)
                yield run_encoded(fitted.network, kin, seed=fitted.seed, record=record, n_jobs=self.n_jobs,
                                  backend=self.backend, tau_trace=self._taus()[0], **kwargs)
                bar.update(len(chunk))
        finally:
            bar.close()

    def _taus(self):
        """The trace time constants as a tuple; the kernel filters with the first."""
        return check_tau_trace(self.tau_trace)

    def _spike_room(self, seqs, fitted):
        """Spikes a sequence may record: room for 100 Hz at once (run_encoded's 20-Hz first guess
        would simulate busier reservoirs twice); None for event input, whose length is not at hand."""
        if not isinstance(seqs[0], np.ndarray):
            return None
        longest = max(len(q) for q in seqs) * fitted.frame_steps
        return int(fitted.network.n_neurons * longest * self.dt * 0.1) + 64

    def _snapshot(self, seqs, fitted):
        kinds = check_snapshot(self.snapshot)
        taus = self._taus()
        record = records_for(kinds, len(taus))
        room = self._spike_room(seqs, fitted) if "spikes" in record else None
        parts = [snapshot_features(r, kinds, taus, self.n_bins)
                 for r in self._run(seqs, record, fitted, n_bins=self.n_bins, max_spikes=room)]
        return np.vstack(parts)

    def _frame_states(self, seqs, fitted):
        """Filtered traces at the end of every frame: list of (n_frames_i, n_neurons * n_taus)."""
        taus = self._taus()
        out = []
        if len(taus) == 1:
            for r in self._run(seqs, ("steps",), fitted):
                out.extend(s.astype(np.float64) for s in r.steps)
            return out
        for r in self._run(seqs, ("spikes",), fitted, max_spikes=self._spike_room(seqs, fitted)):
            for i, length in enumerate(r.lengths):
                ends = np.arange(fitted.frame_steps - 1, length, fitted.frame_steps)
                out.append(filtered_traces(*r.spike_steps(i), ends, r.n_neurons, taus, r.dt))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class SpikingReservoir(TransformerMixin, _SpikingReservoirBase):
    __doc__ = """Spiking reservoir (liquid state machine) as a scikit-learn transformer.

    ``fit`` builds a random recurrent LIF network (or takes ``network``) with
    an input projection for the channels of X; ``transform`` simulates every
    sequence and returns its state snapshot.

    Parameters
    ----------""" + _PARAMS_DOC + """
    Attributes
    ----------
    network_ : Network
        The network that was built (and shaped by plasticity, if any).
    plasticity_history_ : list of dict
        With plasticity: per epoch the mean rates (Hz), the mean plastic
        weight and the fractions of plastic weights at the bounds.
    weights_before_, weights_after_ : scipy.sparse.csr_matrix
        With plasticity: the recurrent weights before and after learning.
    encoder_ : Encoder
        The input encoder.
    seed_ : int
        Seed of the frozen noise.
    n_features_in_ : int
        Channels per time step of the input.
""" + _NOTES_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike import SpikingReservoir
    >>> X = np.random.default_rng(0).normal(size=(4, 20, 3))
    >>> SpikingReservoir(n_neurons=50, random_state=0).fit_transform(X).shape
    (4, 200)
    """

    def __init__(self, n_neurons=500, *, excitatory_fraction=0.8, connectivity=0.1, weight_exc=1.0,
                 weight_inh=-4.0, delay=(1.0, 3.0), neuron="lif", bias=(4.0, 9.0), input_connectivity=0.5,
                 input_weight=10.0,
                 input_sign="mixed", encoder="current", steps_per_frame=20, dt=1.0, snapshot="traces",
                 n_bins=8, tau_trace=20.0, network=None, plasticity=None, n_epochs=1, random_state=None, n_jobs=None,
                 backend="cpu", verbose=0):
        _store_params(self, locals())

    def fit(self, X, y=None):
        """Build the network for the channels of X.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences (see the class docstring).
        y : ignored

        Returns
        -------
        self
        """
        seqs, _, fitted = self._prepare(X)
        kinds = check_snapshot(self.snapshot)
        if isinstance(seqs[0], np.ndarray) and {"counts", "traces"} & set(kinds):
            shortest = min(len(s) for s in seqs) * fitted.frame_steps
            if shortest < self.n_bins:
                raise ValueError(f"n_bins={self.n_bins} is more than the {shortest} steps of the shortest "
                                 "sequence; use fewer bins or more steps_per_frame")
        fitted, attrs = self._learn(seqs, fitted)
        return self._commit(fitted, _n_features_out=n_snapshot_features(kinds, fitted.network.n_neurons,
                                                                        self.n_bins, len(self._taus())), **attrs)

    def partial_fit(self, X, y=None):
        """One more pass of plasticity over X (builds the network on the first call).

        Parameters
        ----------
        X : array-like or list of arrays
        y : ignored

        Returns
        -------
        self
        """
        _, _, fitted, attrs = self._continue(X)
        kinds = check_snapshot(self.snapshot)
        return self._commit(fitted, _n_features_out=n_snapshot_features(kinds, fitted.network.n_neurons,
                                                                        self.n_bins, len(self._taus())), **attrs)

    def transform(self, X):
        """State snapshot of every sequence.

        Parameters
        ----------
        X : array-like or list of arrays

        Returns
        -------
        ndarray of shape (n_sequences, n_features_out)
        """
        seqs, _, fitted = self._validate_input(X)
        return self._snapshot(seqs, fitted)

    def get_feature_names_out(self, input_features=None):
        """Names ``"<kind>_b<bin>_n<neuron>"`` of the output features."""
        check_is_fitted(self, "network_")
        names = []
        taus = self._taus()
        for kind in check_snapshot(self.snapshot):
            bins = range(self.n_bins) if kind in ("counts", "traces") else [None]
            # several time constants: one block of bins per time constant, tagged with it
            tags = [f"{kind}_tau{t:g}" for t in taus] if len(taus) > 1 and kind in ("traces", "final") else [kind]
            for tag in tags:
                for b in bins:
                    name = tag if b is None else f"{tag}_b{b}"
                    names.extend(f"{name}_n{j}" for j in range(self.network_.n_neurons))
        return np.asarray(names, dtype=object)


def _require_y(estimator, y):
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y is None")


def _default_classifier_readout():
    return make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-2, 4, 13)))


def _readout_has(name):
    def check(self):
        if hasattr(self, "readout_"):
            return hasattr(self.readout_, name)
        readout = self.readout if self.readout is not None else _default_classifier_readout()
        return hasattr(readout, name)
    return check


class SpikingReservoirClassifier(ClassifierMixin, _SpikingReservoirBase):
    __doc__ = """Spiking reservoir with a trained readout that classifies whole sequences.

    Parameters
    ----------""" + _PARAMS_DOC + """
    readout : classifier, optional
        Any scikit-learn classifier trained on the snapshots; default
        ``StandardScaler`` + ``RidgeClassifierCV``.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    readout_ : classifier
        The fitted readout.
    network_, encoder_, seed_, n_features_in_
        As in :class:`SpikingReservoir`.
""" + _NOTES_DOC

    def __init__(self, n_neurons=500, *, excitatory_fraction=0.8, connectivity=0.1, weight_exc=1.0,
                 weight_inh=-4.0, delay=(1.0, 3.0), neuron="lif", bias=(4.0, 9.0), input_connectivity=0.5,
                 input_weight=10.0,
                 input_sign="mixed", encoder="current", steps_per_frame=20, dt=1.0, snapshot="traces",
                 n_bins=8, tau_trace=20.0, network=None, plasticity=None, n_epochs=1, readout=None, random_state=None,
                 n_jobs=None, backend="cpu", verbose=0):
        _store_params(self, locals())

    def fit(self, X, y):
        """Build the reservoir, simulate X and fit the readout on its snapshots.

        Parameters
        ----------
        X : array-like or list of arrays
        y : array-like of shape (n_sequences,)

        Returns
        -------
        self
        """
        _require_y(self, y)
        seqs, _, fitted = self._prepare(X)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != len(seqs):
            raise ValueError(f"y has {len(y)} labels but X has {len(seqs)} sequences")
        fitted, attrs = self._learn(seqs, fitted)
        features = self._snapshot(seqs, fitted)
        readout = clone(self.readout if self.readout is not None else _default_classifier_readout())
        readout.fit(features, y)
        return self._commit(fitted, readout_=readout, classes_=readout.classes_, **attrs)

    @available_if(_readout_has("partial_fit"))
    def partial_fit(self, X, y, classes=None):
        """One more pass of plasticity over X, then an incremental update of the readout.

        Available when the readout has ``partial_fit`` (e.g. ``SGDClassifier``).

        Parameters
        ----------
        X : array-like or list of arrays
        y : array-like of shape (n_sequences,)
        classes : array-like, optional
            All classes; required on the first call.

        Returns
        -------
        self
        """
        _require_y(self, y)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        seqs, _, fitted, attrs = self._continue(X)
        if len(y) != len(seqs):
            raise ValueError(f"y has {len(y)} labels but X has {len(seqs)} sequences")
        readout = getattr(self, "readout_", None) or clone(self.readout)
        readout.partial_fit(self._snapshot(seqs, fitted), y, classes=classes)
        return self._commit(fitted, readout_=readout, classes_=readout.classes_, **attrs)

    def reservoir_states(self, X):
        """Reservoir snapshots of X (n_sequences, n_features), as fed to the readout."""
        seqs, _, fitted = self._validate_input(X)
        return self._snapshot(seqs, fitted)

    def predict(self, X):
        """Predicted class of every sequence."""
        states = self.reservoir_states(X)
        return self.readout_.predict(states)

    @available_if(_readout_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the readout (when it has ``predict_proba``)."""
        states = self.reservoir_states(X)
        return self.readout_.predict_proba(states)

    @available_if(_readout_has("decision_function"))
    def decision_function(self, X):
        """Decision values from the readout (when it has ``decision_function``)."""
        states = self.reservoir_states(X)
        return self.readout_.decision_function(states)


def _as_target_list(y, seqs, form):
    """Targets aligned with ``seqs``: list of (T_i, k) arrays, and whether y was 1-D per step."""
    if form == "list":
        ys = [np.asarray(t, dtype=np.float64) for t in y]
        if len(ys) != len(seqs):
            raise ValueError(f"y has {len(ys)} target sequences but X has {len(seqs)}")
    else:
        y = np.asarray(y, dtype=np.float64)
        if form == "single":
            ys = [y]
        elif form == "2d":
            ys = list(y) if y.ndim >= 2 else [y]
        else:
            ys = list(y)
    flat = ys[0].ndim == 1
    out = []
    for i, (t, s) in enumerate(zip(ys, seqs)):
        if t.ndim == 2 and t.shape[1] == 1 and form == "single":
            from sklearn.utils.validation import column_or_1d as _c
            t = _c(t, warn=True)
            flat = True
        t = t.reshape(len(t), -1) if t.ndim in (1, 2) else t
        if t.ndim != 2 or len(t) != len(s):
            raise ValueError(f"y[{i}] must have one target row per time step ({len(s)}), got shape {np.shape(t)}")
        if not np.all(np.isfinite(t)):
            raise ValueError("y must not contain NaN or infinity")
        out.append(t)
    if len({t.shape[1] for t in out}) > 1:
        raise ValueError("every target sequence must have the same number of targets")
    return out, flat


class SpikingReservoirRegressor(RegressorMixin, _SpikingReservoirBase):
    __doc__ = """Spiking reservoir with a readout trained per time step (sequence to sequence).

    X is one (T, d) series (2-D array: one sample per time step), a list of
    (T_i, d) series, or a 3-D array (n, T, d); y gives one target row per
    time step in the same layout (several targets at once allowed).  States
    are the filtered traces at the end of every frame.

    Parameters
    ----------""" + _PARAMS_DOC + """
    washout : int, default=0
        Leading time steps of every series left out of the readout's training.
    readout : regressor, optional
        Any scikit-learn regressor; default ``RidgeCV`` on the unscaled states
        with its penalty picked by 5-fold cross-validation on contiguous
        blocks of time steps (leave-one-out on fewer than 50 steps).

    Attributes
    ----------
    readout_ : regressor
    network_, encoder_, seed_, n_features_in_
        As in :class:`SpikingReservoir`.
""" + _NOTES_DOC

    _single_series = True

    def __init__(self, n_neurons=500, *, excitatory_fraction=0.8, connectivity=0.1, weight_exc=1.0,
                 weight_inh=-4.0, delay=(1.0, 3.0), neuron="lif", bias=(4.0, 9.0), input_connectivity=0.5,
                 input_weight=10.0,
                 input_sign="mixed", encoder="current", steps_per_frame=20, dt=1.0, snapshot="traces",
                 n_bins=8, tau_trace=20.0, network=None, plasticity=None, n_epochs=1, washout=0, readout=None,
                 random_state=None, n_jobs=None, backend="cpu", verbose=0):
        _store_params(self, locals())

    def fit(self, X, y):
        """Simulate X and fit the readout from per-step states to y.

        Parameters
        ----------
        X : array-like or list of arrays
        y : array-like or list of arrays, one target row per time step

        Returns
        -------
        self
        """
        _require_y(self, y)
        seqs, form, fitted = self._prepare(X)
        washout = check_int("washout", self.washout, low=0)
        ys, flat = _as_target_list(y, seqs, form)
        if all(len(s) <= washout for s in seqs):
            raise ValueError(f"washout={washout} leaves no time step to train on; every series is that short")
        fitted, attrs = self._learn(seqs, fitted)
        states = self._frame_states(seqs, fitted)
        S = np.vstack([s[washout:] for s in states])
        Y = np.vstack([t[washout:] for t in ys])
        readout = clone(self.readout) if self.readout is not None else _time_series_ridge(len(S))
        readout.fit(S, Y.ravel() if flat else Y)
        return self._commit(fitted, readout_=readout, _flat_target=flat, **attrs)

    def predict(self, X):
        """Per-step predictions in the layout of X (array, or list for list input)."""
        seqs, form, fitted = self._validate_input(X)
        states = self._frame_states(seqs, fitted)
        pred = self.readout_.predict(np.vstack(states))
        parts = np.split(pred, np.cumsum([len(s) for s in states])[:-1])
        if form == "single":
            return parts[0]
        if form == "list":
            return parts
        return np.stack(parts)

    def reservoir_states(self, X):
        """Per-step reservoir states, stacked over all series (n_steps_total, n_neurons)."""
        seqs, _, fitted = self._validate_input(X)
        return np.vstack(self._frame_states(seqs, fitted))
