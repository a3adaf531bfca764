"""Builders that wire networks: random E/I reservoirs, 3-D columns, inputs.

Conventions: a pair type ``"EI"`` means *from* E *to* I.  Weights are given
as magnitudes in mV and take the sign of the presynaptic population (Dale's
law).  Structure comes from ``random_state`` through NumPy's Generator; this
randomness is separate from the frozen noise of a simulation.
"""

import numbers

import numpy as np

from ._validation import check_choice, check_int, check_positive, check_probability, check_real
from . import _wiring
from ._wiring import csr_from_streams, fill_csr, mark_invalid, row_chunks, sorted_in_rows
from .network import MAX_DELAY_STEPS, Network, Population, compact_delays, delay_dtype
from .neurons import LIF

PAIR_TYPES = ("EE", "EI", "IE", "II")
MIN_CV, MAX_CV = 1e-12, 100.0  # coefficient of variation of weights: numerically meaningful range
WEIGHT_DISTRIBUTIONS = ("constant", "uniform", "normal", "lognormal", "gamma")
_DENSE_BLOCK = 4_000_000  # draw Bernoulli masks densely in chunks of this many pairs


def as_generator(random_state):
    """A ``numpy.random.Generator`` from an int, Generator, RandomState or None."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**62, dtype=np.int64))
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.default_rng(random_state)
    raise TypeError(f"random_state must be None, an int or a numpy random generator, got {random_state!r}")


def per_pair(name, value, check):
    """Expand a scalar or a dict over pair types to a dict ``{"EE": ..., ...}``.

    A dict may also be keyed by presynaptic type (``"E"``, ``"I"``).
    """
    if isinstance(value, dict):
        out = {}
        for pair in PAIR_TYPES:
            if pair in value:
                out[pair] = value[pair]
            elif pair[0] in value:
                out[pair] = value[pair[0]]
            else:
                raise ValueError(f"{name} must give a value for {pair!r} (or {pair[0]!r}), got keys {sorted(value)}")
        unknown = set(value) - set(PAIR_TYPES) - {"E", "I"}
        if unknown:
            raise ValueError(f"{name} has unknown pair types {sorted(unknown)}; expected keys among {PAIR_TYPES}")
    else:
        out = {pair: value for pair in PAIR_TYPES}
    return {pair: check(f"{name}[{pair!r}]", v) for pair, v in out.items()}


def draw_weights(rng, n, magnitude, distribution="constant", cv=0.0, name="weight"):
    """``n`` non-negative magnitudes with mean ``magnitude`` and coefficient of variation ``cv``."""
    check_choice(f"{name}_distribution", distribution, WEIGHT_DISTRIBUTIONS)
    cv = check_real(f"{name}_cv", cv, low=0.0, high=MAX_CV)
    m = abs(magnitude)
    if distribution == "constant" or cv < MIN_CV or m == 0.0:  # below MIN_CV the spread is below float resolution
        return np.full(n, m)
    if distribution == "uniform":  # U[m(1-a), m(1+a)] has cv a/sqrt(3)
        a = min(cv * np.sqrt(3.0), 1.0)
        return rng.uniform(m * (1 - a), m * (1 + a), n)
    if distribution == "normal":  # truncated at zero to keep Dale's law
        return np.maximum(rng.normal(m, cv * m, n), 0.0)
    if distribution == "lognormal":
        s2 = np.log1p(cv**2)
        return rng.lognormal(np.log(m) - s2 / 2, np.sqrt(s2), n)
    shape = 1.0 / cv**2  # gamma
    return rng.gamma(shape, m / shape, n)


def _sample_distinct(rng, counts, src_ids, tgt_ids, allow_self):
    """For row r draw ``counts[r]`` distinct targets from ``tgt_ids``; returns their positions, row after row.

    Draws with replacement, then redraws duplicates and self-pairs until none
    are left (cheap when counts are small against the target pool).
    """
    n_tgt = len(tgt_ids)
    ptr = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    cols = rng.integers(0, n_tgt, size=int(ptr[-1]))
    bad = np.empty(len(cols), bool)
    for _ in range(10_000):
        n_bad = mark_invalid(cols, ptr, np.asarray(src_ids), np.asarray(tgt_ids), allow_self, bad)
        if n_bad == 0:
            return cols
        cols[bad] = rng.integers(0, n_tgt, size=n_bad)
    raise RuntimeError("could not draw distinct synapses; the requested degree is too close to the pool size")


def _ids32(ids):
    """Neuron ids as int32 (networks stay far below 2**31 neurons): half the memory of a synapse list."""
    return np.asarray(ids).astype(np.int32)


def _bernoulli_counts(rng, src_ids, tgt_ids, p, allow_self):
    """Outgoing synapse count of each source: binomial over its possible targets (itself excluded)."""
    overlap = np.isin(src_ids, tgt_ids) & (not allow_self)
    return rng.binomial(len(tgt_ids) - overlap.astype(np.int64), p)


def bernoulli_block(rng, src_ids, tgt_ids, p, allow_self=False):
    """Each (src, tgt) pair connected independently with probability ``p``.

    Returns ``(pre, post)`` global index arrays (int32).
    """
    if p == 0.0 or len(src_ids) == 0 or len(tgt_ids) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    if p > 0.25:
        pre, post = [], []
        step = max(1, _DENSE_BLOCK // len(tgt_ids))
        for start in range(0, len(src_ids), step):
            src = src_ids[start:start + step]
            mask = rng.random((len(src), len(tgt_ids))) < p
            if not allow_self:
                mask &= src[:, None] != tgt_ids[None, :]
            r, c = np.nonzero(mask)
            pre.append(_ids32(src[r]))
            post.append(_ids32(tgt_ids[c]))
        return np.concatenate(pre), np.concatenate(post)
    counts = _bernoulli_counts(rng, src_ids, tgt_ids, p, allow_self)
    cols = _sample_distinct(rng, counts, src_ids, tgt_ids, allow_self)
    return np.repeat(_ids32(src_ids), counts), _ids32(tgt_ids)[cols]


class _BlockStream:
    """The synapses of one pair type of a random reservoir, replayable chunk by chunk.

    The structure (which pairs connect) comes from a generator seeded with ``seed``, made afresh for
    each pass, so counting and filling see the same synapses; weights and delays come from ``values``
    (a callable taking a synapse count), called in the filling pass only.  Chunks hold about
    ``_wiring.CHUNK`` synapses, each row's targets in increasing order.
    """

    def __init__(self, seed, src_ids, tgt_ids, rule, value, allow_self, values):
        self.seed, self.src, self.tgt, self.rule, self.value = seed, src_ids, tgt_ids, rule, value
        self.allow_self, self.values = allow_self, values

    def _structure(self):
        """Chunks ``(pre, post)`` of int32 neuron ids."""
        rng = np.random.default_rng(self.seed)
        src, tgt = self.src, self.tgt
        if self.rule == "in_degree":  # each target draws its sources: chunks of targets
            step = max(1, _wiring.CHUNK // max(1, self.value))
            for start in range(0, len(tgt), step):
                yield fixed_indegree_block(rng, src, tgt[start:start + step], self.value, self.allow_self)
        elif self.value > 0.25:  # dense masks: chunks of sources, rows come out in target order
            step = max(1, _wiring.CHUNK // len(tgt))
            for start in range(0, len(src), step):
                yield bernoulli_block(rng, src[start:start + step], tgt, self.value, self.allow_self)
        else:
            counts = _bernoulli_counts(rng, src, tgt, self.value, self.allow_self)
            ptr = np.zeros(len(counts) + 1, np.int64)
            np.cumsum(counts, out=ptr[1:])
            for r0, r1 in row_chunks(ptr):
                cols = sorted_in_rows(_sample_distinct(rng, counts[r0:r1], src[r0:r1], tgt, self.allow_self),
                                      ptr, r0, r1)
                chunk = np.repeat(_ids32(src[r0:r1]), counts[r0:r1]), _ids32(tgt[cols])
                del cols  # not held while the chunk is stored
                yield chunk

    def _empty(self):
        return self.value == 0 or len(self.src) == 0 or len(self.tgt) == 0

    def count_rows(self, counts):
        """Add each neuron's outgoing synapses in this block to ``counts``."""
        if self._empty():
            return
        if self.rule == "connectivity" and self.value <= 0.25:  # the counts are the first draws
            counts[self.src] += _bernoulli_counts(np.random.default_rng(self.seed), self.src, self.tgt,
                                                  self.value, self.allow_self)
            return
        for pre, _ in self._structure():
            counts += np.bincount(pre, minlength=len(counts))

    def synapses(self):
        """Chunks ``(pre, post, weights, delays)``."""
        if self._empty():
            return
        for pre, post in self._structure():
            yield (pre, post, *self.values(len(pre)))


def _indegree_pool(src_ids, tgt_ids, allow_self):
    """How many distinct sources each target can draw: all of them, less itself where it is one."""
    return len(src_ids) - (0 if allow_self else int(np.isin(tgt_ids, src_ids).any()))


def fixed_indegree_block(rng, src_ids, tgt_ids, k, allow_self=False):
    """Every target receives exactly ``k`` synapses from distinct sources."""
    if k == 0 or len(src_ids) == 0 or len(tgt_ids) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    pool = _indegree_pool(src_ids, tgt_ids, allow_self)
    if k > pool:
        raise ValueError(f"in_degree {k} exceeds the {pool} available presynaptic neurons")
    counts = np.full(len(tgt_ids), k, dtype=np.int64)
    cols = _sample_distinct(rng, counts, tgt_ids, src_ids, allow_self)
    return _ids32(src_ids)[cols], np.repeat(_ids32(tgt_ids), counts)


def delay_steps(delay, dt, name="delay"):
    """A delay (ms) or (min, max) range as whole steps ``(lo, hi)``, each at least 1."""
    lo, hi = (delay, delay) if isinstance(delay, numbers.Real) else tuple(delay)
    lo = check_real(f"{name} (min)", lo, low=0.0)
    hi = check_real(f"{name} (max)", hi, low=lo)
    s_lo, s_hi = max(1, int(round(lo / dt))), max(1, int(round(hi / dt)))
    if s_hi > MAX_DELAY_STEPS:
        raise ValueError(f"{name} of {hi} ms is too long for dt={dt} ms (at most {MAX_DELAY_STEPS} steps)")
    return s_lo, s_hi


def _delays_in_steps(rng, n, s_lo, s_hi):
    return rng.integers(s_lo, s_hi + 1, size=n).astype(delay_dtype(s_hi))


def draw_delays(rng, n, delay, dt, name="delay"):
    """Integer delays (steps >= 1) uniform over a (min, max) range in ms."""
    return _delays_in_steps(rng, n, *delay_steps(delay, dt, name))


def assemble(populations, dt, pre, post, weights, delays, **kwargs):
    """Sort synapse lists by (pre, post) into a CSR :class:`Network` (equal pairs keep their list order)."""
    n = sum(p.size for p in populations)
    n_syn = len(pre)
    for name, values in (("post", post), ("weights", weights), ("delays", delays)):
        if len(values) != n_syn:
            raise ValueError(f"{name} must have one entry per synapse ({n_syn}, as pre), got {len(values)}")
    for name, ids in (("pre", pre), ("post", post)):
        if n_syn and (np.min(ids) < 0 or np.max(ids) >= n):  # the fill below writes where they point
            raise ValueError(f"{name} must hold neuron ids in [0, {n}), got [{np.min(ids)}, {np.max(ids)}]")
    delays = compact_delays(delays)  # checked (whole steps, 1..MAX_DELAY_STEPS) before they are stored
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=indptr[1:])
    indices, data = np.empty(n_syn, np.int32), np.empty(n_syn, np.float32)
    csr_delays = np.empty(n_syn, delays.dtype)
    if n_syn:  # a counting sort by pre, then each row by post: no int64 keys or permutation of all synapses
        # the network's own dtypes (no copy where a builder already has them)
        fill_csr(np.asarray(pre, np.int32), np.asarray(post, np.int32), np.asarray(weights, np.float32),
                 delays, indptr, indices, data, csr_delays)
    return Network(
        populations=tuple(populations),
        dt=dt,
        indptr=indptr,
        indices=indices,
        data=data,
        delays=csr_delays,
        **kwargs,
    )


def _ei_populations(n_neurons, excitatory_fraction, neuron, inhibitory_neuron):
    n_neurons = check_int("n_neurons", n_neurons, low=1)
    f = check_probability("excitatory_fraction", excitatory_fraction)
    n_e = int(round(f * n_neurons))
    pops = []
    if n_e:
        pops.append(Population("E", n_e, True, neuron))
    if n_neurons - n_e:
        pops.append(Population("I", n_neurons - n_e, False, inhibitory_neuron or neuron))
    return pops, n_e


def _check_weight_signs(weights):
    for pair, w in weights.items():
        if (pair[0] == "E" and w < 0) or (pair[0] == "I" and w > 0):
            raise ValueError(
                f"weights[{pair!r}]={w} breaks Dale's law: weights from E must be >= 0, from I <= 0"
            )


def random_reservoir(
    n_neurons=1000,
    *,
    excitatory_fraction=0.8,
    connectivity=0.1,
    in_degree=None,
    weights=None,
    weight_distribution="constant",
    weight_cv=0.0,
    delay=1.0,
    allow_self=False,
    neuron=None,
    inhibitory_neuron=None,
    bias=0.0,
    dt=1.0,
    random_state=None,
):
    """A random recurrent E/I network obeying Dale's law.

    Parameters
    ----------
    n_neurons : int
        Number of neurons.
    excitatory_fraction : float
        Fraction of excitatory neurons (the first ones by index).
    connectivity : float or dict
        Connection probability per ordered pair, a scalar or per pair type
        (``{"EE": .., "EI": .., "IE": .., "II": ..}``).  Ignored when
        ``in_degree`` is given.
    in_degree : int or dict, optional
        Fixed number of inputs each neuron receives per pair type; an int K
        splits into ``round(K * n_E / n_neurons)`` from E and the rest from I.
    weights : dict, optional
        Mean weight (mV) per pair type or per presynaptic type; excitatory
        values >= 0, inhibitory <= 0.  Default ``{"E": 0.5, "I": -2.0}``.
    weight_distribution : {"constant", "uniform", "normal", "lognormal", "gamma"}
        Distribution of the weight magnitudes around their mean.
    weight_cv : float
        Coefficient of variation of the weight magnitudes.
    delay : float or (float, float)
        Delay, or a (min, max) range drawn uniformly in whole steps (ms);
        every delay is at least one step.
    allow_self : bool
        Whether a neuron may connect to itself.
    neuron, inhibitory_neuron : LIF, optional
        Neuron models of the E and I populations (default ``LIF()``; the I
        population uses ``neuron`` when ``inhibitory_neuron`` is None).
    bias : float or (float, float)
        Extra constant drive R·I per neuron (mV), or a (low, high) range
        drawn uniformly per neuron for heterogeneous excitability.
    dt : float
        Simulation time step (ms).
    random_state : int, Generator or None
        Source of the wiring.

    Returns
    -------
    Network

    Notes
    -----
    The network is built in two passes over its synapses, a chunk at a
    time: one counts each neuron's synapses, the other fills the CSR arrays.
    Building one therefore takes little more memory than the network holds
    (9 bytes a synapse with delays up to 255 steps), and never its synapse
    lists.  Each pair type's structure has its own generator, seeded from
    ``random_state``: a seed gives one network.
    """
    rng = as_generator(random_state)
    dt = check_positive("dt", dt)
    neuron = LIF() if neuron is None else neuron
    pops, n_e = _ei_populations(n_neurons, excitatory_fraction, neuron, inhibitory_neuron)
    ids = {"E": np.arange(n_e), "I": np.arange(n_e, sum(p.size for p in pops))}
    weights = per_pair("weights", {"E": 0.5, "I": -2.0} if weights is None else weights, check_real)
    _check_weight_signs(weights)
    if in_degree is not None:
        if isinstance(in_degree, dict):
            degrees = per_pair("in_degree", in_degree, lambda n, v: check_int(n, v, low=0))
        else:
            k = check_int("in_degree", in_degree, low=0)
            k_e = int(round(k * n_e / max(1, sum(p.size for p in pops))))
            degrees = {"EE": k_e, "IE": k - k_e, "EI": k_e, "II": k - k_e}
    else:
        probs = per_pair("connectivity", connectivity, check_probability)
    s_lo, s_hi = delay_steps(delay, dt)
    n = sum(p.size for p in pops)
    check_choice("weight_distribution", weight_distribution, WEIGHT_DISTRIBUTIONS)
    check_real("weight_cv", weight_cv, low=0.0, high=MAX_CV)
    for pair in PAIR_TYPES if in_degree is not None else ():  # errors before any wiring is drawn
        src, tgt = ids[pair[0]], ids[pair[1]]
        pool = _indegree_pool(src, tgt, allow_self)
        if len(tgt) and degrees[pair] > pool:
            raise ValueError(f"in_degree[{pair!r}] = {degrees[pair]} exceeds the {pool} available "
                             "presynaptic neurons")
    streams = []
    for pair in PAIR_TYPES:

        def values(count, magnitude=weights[pair]):  # this block's weights and delays, from the main generator
            mags = draw_weights(rng, count, magnitude, weight_distribution, weight_cv)
            return (np.sign(magnitude) * mags).astype(np.float32), _delays_in_steps(rng, count, s_lo, s_hi)

        rule, value = ("in_degree", degrees[pair]) if in_degree is not None else ("connectivity", probs[pair])
        streams.append(_BlockStream(int(rng.integers(2**63)), ids[pair[0]], ids[pair[1]], rule, value,
                                    allow_self, values))
    # built in two passes over the streams (count, then fill): memory is the CSR arrays and one chunk
    indptr, indices, data, csr_delays = csr_from_streams(n, streams, delay_dtype(s_hi))
    return Network(populations=tuple(pops), dt=dt, indptr=indptr, indices=indices, data=data, delays=csr_delays,
                   bias=draw_bias(rng, n, bias))


def draw_bias(rng, n, bias):
    """Per-neuron drive (mV): a constant, or uniform over a (low, high) range."""
    if isinstance(bias, numbers.Real):
        return np.full(n, check_real("bias", bias))
    lo, hi = bias
    lo = check_real("bias (low)", lo)
    hi = check_real("bias (high)", hi, low=lo)
    return rng.uniform(lo, hi, n)


MAASS_C = {"EE": 0.3, "EI": 0.2, "IE": 0.4, "II": 0.1}


def column_3d(
    shape=(15, 3, 3),
    *,
    lam=2.0,
    C=None,
    excitatory_fraction=0.8,
    weights=None,
    weight_distribution="gamma",
    weight_cv=0.7,
    delay=None,
    neuron=None,
    inhibitory_neuron=None,
    bias=0.0,
    dt=1.0,
    random_state=None,
):
    """A Maass-style cortical column: neurons on a 3-D grid, distance-dependent wiring.

    Pair (a, b) connects with probability ``C[type] * exp(-(D(a, b) / lam)**2)``
    where D is the Euclidean grid distance (Maass, Natschläger & Markram 2002).

    Parameters
    ----------
    shape : tuple of 3 ints
        Grid size; ``prod(shape)`` neurons.
    lam : float
        Length scale λ of the connection probability (grid units).
    C : dict, optional
        Scale per pair type, default ``{"EE": 0.3, "EI": 0.2, "IE": 0.4, "II": 0.1}``.
    excitatory_fraction : float
        Fraction of neurons that are excitatory, placed at random on the grid.
    weights, weight_distribution, weight_cv, neuron, inhibitory_neuron, bias, dt, random_state
        As in :func:`random_reservoir`; default weights ``{"E": 1.0, "I": -4.0}`` mV.
    delay : dict or float, optional
        Delay (ms) per pair type; default 1.5 ms for EE, 0.8 ms otherwise.

    Returns
    -------
    Network
        Neurons ordered E first; ``positions`` of each neuron are not kept in
        the network but returned by :func:`grid_positions` in the same order.
    """
    if len(shape) != 3:
        raise ValueError(f"shape must have three entries, got {shape!r}")
    shape = tuple(check_int(f"shape[{i}]", s, low=1) for i, s in enumerate(shape))
    lam = check_positive("lam", lam)
    rng = as_generator(random_state)
    dt = check_positive("dt", dt)
    neuron = LIF() if neuron is None else neuron
    n = int(np.prod(shape))
    pops, n_e = _ei_populations(n, excitatory_fraction, neuron, inhibitory_neuron)
    positions = grid_positions(shape, rng)
    ids = {"E": np.arange(n_e), "I": np.arange(n_e, n)}
    C = per_pair("C", MAASS_C if C is None else C, check_probability)
    weights = per_pair("weights", {"E": 1.0, "I": -4.0} if weights is None else weights, check_real)
    _check_weight_signs(weights)
    delay = per_pair("delay", {"EE": 1.5, "EI": 0.8, "IE": 0.8, "II": 0.8} if delay is None else delay,
                     lambda k, v: check_real(k, v, low=0.0))
    pre_all, post_all, w_all, d_all = [], [], [], []
    for pair in PAIR_TYPES:
        src, tgt = ids[pair[0]], ids[pair[1]]
        for start in range(0, len(src), max(1, _DENSE_BLOCK // max(1, len(tgt)))):
            s = src[start:start + max(1, _DENSE_BLOCK // max(1, len(tgt)))]
            d2 = ((positions[s, None, :] - positions[None, tgt, :]) ** 2).sum(-1)
            mask = rng.random(d2.shape) < C[pair] * np.exp(-d2 / lam**2)
            mask &= s[:, None] != tgt[None, :]
            r, c = np.nonzero(mask)
            pre_all.append(s[r])
            post_all.append(tgt[c])
            w_all.append(np.sign(weights[pair]) * draw_weights(rng, len(r), weights[pair], weight_distribution, weight_cv))
            d_all.append(draw_delays(rng, len(r), delay[pair], dt))
    pre, post, w, d = (np.concatenate(a) for a in (pre_all, post_all, w_all, d_all))
    return assemble(pops, dt, pre, post, w, d.astype(np.int16), bias=draw_bias(rng, n, bias))


def grid_positions(shape, random_state):
    """Grid coordinates (n, 3) in a random order (E neurons take the first ones).

    Given the generator state :func:`column_3d` started from, reproduces its
    positions.
    """
    rng = as_generator(random_state)
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in shape], indexing="ij"), -1).reshape(-1, 3)
    perm = rng.permutation(len(grid))
    return grid[perm].astype(np.float64)


INPUT_SIGNS = ("excitatory", "inhibitory", "mixed")


def input_projection(
    n_inputs,
    n_neurons,
    *,
    connectivity=0.2,
    weight=5.0,
    sign="excitatory",
    weight_distribution="constant",
    weight_cv=0.0,
    targets=None,
    random_state=None,
):
    """Random synapses from ``n_inputs`` channels onto neurons.

    Parameters
    ----------
    n_inputs, n_neurons : int
        Channels and neurons.
    connectivity : float
        Probability that a channel projects to a given target neuron.
    weight : float
        Mean weight magnitude (mV).
    sign : {"excitatory", "inhibitory", "mixed"}
        Sign rule; ``"mixed"`` picks + or - with equal probability per synapse.
    weight_distribution, weight_cv
        As in :func:`random_reservoir`.
    targets : array of int, optional
        Neurons that may receive input (default all).
    random_state : int, Generator or None

    Returns
    -------
    indptr, indices, data : ndarray
        CSR rows by channel, ready for :meth:`Network.with_inputs`.
    """
    n_inputs = check_int("n_inputs", n_inputs, low=1)
    n_neurons = check_int("n_neurons", n_neurons, low=1)
    p = check_probability("input connectivity", connectivity)
    weight = check_real("input weight", weight, low=0.0)
    check_choice("input sign", sign, INPUT_SIGNS)
    rng = as_generator(random_state)
    tgt = np.arange(n_neurons) if targets is None else np.asarray(targets, dtype=np.int64)
    src = np.arange(n_inputs) - n_inputs - 1  # never equal to a neuron id
    pre, post = bernoulli_block(rng, src, tgt, p, allow_self=True)
    pre = pre + n_inputs + 1
    w = draw_weights(rng, len(pre), weight, weight_distribution, weight_cv, name="input_weight")
    if sign == "inhibitory":
        w = -w
    elif sign == "mixed":
        w = np.where(rng.random(len(w)) < 0.5, w, -w)
    order = np.lexsort((post, pre))
    indptr = np.zeros(n_inputs + 1, np.int64)
    np.cumsum(np.bincount(pre, minlength=n_inputs), out=indptr[1:])
    return indptr, post[order].astype(np.int32), w[order].astype(np.float32)


def connect_inputs(network, n_inputs, *, targets=None, **kwargs):
    """``network`` with a fresh :func:`input_projection` (same keyword arguments).

    ``targets`` may also name populations (a str or a list of str), e.g.
    ``targets="E"`` or, in a composed network, ``targets="chain.g0"``.
    """
    if isinstance(targets, str):
        targets = [targets]
    if targets is not None and len(targets) and isinstance(targets[0], str):
        slices = network.population_slices()
        unknown = [t for t in targets if t not in slices]
        if unknown:
            raise ValueError(f"targets {unknown} name no population; choose from {sorted(slices)}")
        targets = np.concatenate([np.arange(slices[t].start, slices[t].stop) for t in targets])
    return network.with_inputs(*input_projection(n_inputs, network.n_neurons, targets=targets, **kwargs))
