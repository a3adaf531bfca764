"""Feed-forward layers, synfire chains, and composition of networks into hybrids.

A synfire chain is a layered feed-forward network of excitatory pools in
which a synchronous volley travels from pool to pool (Abeles 1991; Diesmann,
Gewaltig & Aertsen 1999).  Every layer is a population (``"g0"``,
``"g1"``, ...), so chains, reservoirs and any other :class:`Network` can be
joined by :func:`compose` with user-chosen projections, and all of them run
through the same kernels.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import check_int, check_positive, check_probability, check_real
from .network import Network, Population
from .neurons import LIF
from .topology import as_generator, assemble, bernoulli_block, draw_delays, draw_weights

#: The neuron of Diesmann et al. (1999) as Brian2 documents it: alpha-shaped PSC
#: (tau = 0.325 ms), background drive 25.27 mV/ms + 39.24 mV/ms**0.5 white noise.
DIESMANN_NEURON = LIF(tau_m=10.0, tau_e=0.325, tau_i=0.325, v_rest=-70.0, v_reset=-70.0, v_threshold=-55.0,
                      t_ref=1.0, synapse="alpha", noise_mean=25.27, noise_std=39.24)


def layered_network(sizes, *, connectivity=1.0, weight=4.86, delay=5.0, recurrent_connectivity=0.0,
                    recurrent_weight=None, neuron=None, names=None, dt=0.1, random_state=None):
    """A feed-forward network of excitatory layers, layer k projecting to layer k+1.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer.
    connectivity : float
        Probability of each feed-forward pair (1.0: all-to-all).
    weight : float
        Feed-forward weight (mV, >= 0).
    delay : float or (float, float)
        Feed-forward delay or (min, max) range (ms).
    recurrent_connectivity : float
        Probability of each pair inside a layer (no self-connections).
    recurrent_weight : float, optional
        Weight inside a layer (default ``weight``).
    neuron : LIF, optional
        Model of every neuron (default :data:`DIESMANN_NEURON`).
    names : sequence of str, optional
        Layer names (default ``"g0"``, ``"g1"``, ...).
    dt : float
        Time step (ms).
    random_state : int, Generator or None

    Returns
    -------
    Network
        One excitatory population per layer.
    """
    sizes = [check_int(f"sizes[{k}]", s, low=1) for k, s in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must name at least one layer")
    p_ff = check_probability("connectivity", connectivity)
    p_rec = check_probability("recurrent_connectivity", recurrent_connectivity)
    weight = check_real("weight", weight, low=0.0)
    w_rec = weight if recurrent_weight is None else check_real("recurrent_weight", recurrent_weight, low=0.0)
    dt = check_positive("dt", dt)
    rng = as_generator(random_state)
    neuron = DIESMANN_NEURON if neuron is None else neuron
    names = [f"g{k}" for k in range(len(sizes))] if names is None else list(names)
    if len(names) != len(sizes) or len(set(names)) != len(names):
        raise ValueError(f"names must give {len(sizes)} distinct layer names, got {names!r}")
    bounds = np.cumsum([0] + sizes)
    pops = [Population(name, size, True, neuron) for name, size in zip(names, sizes)]
    pre, post, w, d = [], [], [], []
    for k in range(len(sizes)):
        own = np.arange(bounds[k], bounds[k + 1])
        blocks = [(own, own, p_rec, w_rec, delay)] if p_rec > 0 else []
        if k + 1 < len(sizes):
            blocks.append((own, np.arange(bounds[k + 1], bounds[k + 2]), p_ff, weight, delay))
        for src, tgt, p, wt, dl in blocks:
            a, b = bernoulli_block(rng, src, tgt, p)
            pre.append(a)
            post.append(b)
            w.append(np.full(len(a), wt))
            d.append(draw_delays(rng, len(a), dl, dt))
    cat = (lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype))
    return assemble(pops, dt, cat(pre, np.int32), cat(post, np.int32), cat(w, np.float64), cat(d, np.int16))


def synfire_chain(n_groups=10, group_size=100, *, connectivity=1.0, weight=4.86, delay=5.0,
                  recurrent_connectivity=0.0, recurrent_weight=None, background=True, neuron=None, dt=0.1,
                  random_state=None):
    """A synfire chain: ``n_groups`` pools of ``group_size`` excitatory neurons.

    Defaults reproduce Diesmann, Gewaltig & Aertsen (1999): all-to-all
    feed-forward connections with 5 ms delay, weights of 4.86 mV into the
    alpha synapse (peak EPSP about 0.14 mV), and a noisy background drive.

    Parameters
    ----------
    n_groups, group_size : int
        Number of pools and neurons per pool.
    connectivity : float
        Feed-forward connection probability (1.0 full, less for sparse chains).
    weight, delay, recurrent_connectivity, recurrent_weight, dt, random_state
        As in :func:`layered_network`.
    background : bool
        Keep the background drive of the neuron model (False removes it).
    neuron : LIF, optional
        Neuron model (default :data:`DIESMANN_NEURON`).

    Returns
    -------
    Network
        Populations ``"g0"`` ... ``"g{n_groups-1}"``.
    """
    n_groups = check_int("n_groups", n_groups, low=1)
    group_size = check_int("group_size", group_size, low=1)
    neuron = DIESMANN_NEURON if neuron is None else neuron
    if not background:
        from dataclasses import replace

        neuron = replace(neuron, noise_mean=0.0, noise_std=0.0)
    return layered_network([group_size] * n_groups, connectivity=connectivity, weight=weight, delay=delay,
                           recurrent_connectivity=recurrent_connectivity, recurrent_weight=recurrent_weight,
                           neuron=neuron, dt=dt, random_state=random_state)


@dataclass(frozen=True)
class Projection:
    """Synapses from one layer (or one of its populations) to another.

    Parameters
    ----------
    source, target : str
        ``"layer"`` (all its populations) or ``"layer.population"``.
    connectivity : float
        Probability of each (source, target) pair.
    weight : float
        Weight magnitude (mV); the sign follows each source population.
    delay : float or (float, float)
        Delay or range (ms).
    weight_distribution : str
        As in :func:`~reservoirspike.random_reservoir`.
    weight_cv : float
        Coefficient of variation of the weight magnitudes.
    """

    source: str
    target: str
    connectivity: float = 0.1
    weight: float = 1.0
    delay: object = 1.0
    weight_distribution: str = "constant"
    weight_cv: float = 0.0


def compose(layers, projections=(), *, random_state=None):
    """Join networks into one, adding projections between them.

    Parameters
    ----------
    layers : dict of str -> Network
        Named layers, in index order.  Populations are renamed
        ``"layer.population"``; input channels are concatenated in layer
        order (layer 0's channels first).
    projections : sequence of Projection
        Connections between (or inside) layers.
    random_state : int, Generator or None
        Source of the projections' wiring.

    Returns
    -------
    Network

    Examples
    --------
    Chain in front of a reservoir::

        net = compose({"chain": synfire_chain(3, 50), "res": random_reservoir(500, dt=0.1)},
                      [Projection("chain.g2", "res", connectivity=0.1, weight=2.0, delay=1.0)])
    """
    if not isinstance(layers, dict) or not layers:
        raise ValueError("layers must be a non-empty dict of name -> Network")
    nets = list(layers.items())
    for name, net in nets:
        if not isinstance(net, Network):
            raise TypeError(f"layers[{name!r}] must be a Network, got {type(net).__name__}")
    dt = nets[0][1].dt
    if any(abs(n.dt - dt) > 1e-12 for _, n in nets):
        raise ValueError(f"every layer must use the same dt, got {[n.dt for _, n in nets]}")
    rng = as_generator(random_state)
    offsets, pops, ranges, start = {}, [], {}, 0
    pre, post, w, d = [], [], [], []
    in_rows, n_inputs = [], 0
    for name, net in nets:
        offsets[name] = start
        for pop_name, sl in net.population_slices().items():
            ranges[f"{name}.{pop_name}"] = (start + sl.start, start + sl.stop)
        pops.extend(Population(f"{name}.{p.name}", p.size, p.excitatory, p.model) for p in net.populations)
        pre.append(np.repeat(np.arange(net.n_neurons), np.diff(net.indptr)) + start)
        post.append(net.indices.astype(np.int64) + start)
        w.append(net.data.astype(np.float64))
        d.append(net.delays)
        inp = net.input_weights.tocoo()
        in_rows.append((inp.row + n_inputs, inp.col + start, inp.data))
        n_inputs += net.n_inputs
        start += net.n_neurons
    excit = np.concatenate([np.full(p.size, p.excitatory) for p in pops])

    def resolve(spec, role):
        if spec in layers:
            lo = offsets[spec]
            return np.arange(lo, lo + layers[spec].n_neurons)
        if spec in ranges:
            return np.arange(*ranges[spec])
        raise ValueError(f"projection {role} {spec!r} names no layer or population; "
                         f"choose from {sorted(list(layers) + list(ranges))}")

    for k, proj in enumerate(projections):
        src, tgt = resolve(proj.source, "source"), resolve(proj.target, "target")
        p = check_probability(f"projections[{k}].connectivity", proj.connectivity)
        mag = check_real(f"projections[{k}].weight", proj.weight, low=0.0)
        a, b = bernoulli_block(rng, src, tgt, p)
        pre.append(a)
        post.append(b)
        mags = draw_weights(rng, len(a), mag, proj.weight_distribution, proj.weight_cv)
        w.append(np.where(excit[a], mags, -mags))
        d.append(draw_delays(rng, len(a), proj.delay, dt, name=f"projections[{k}].delay"))
    net = assemble(pops, dt, np.concatenate(pre).astype(np.int32), np.concatenate(post).astype(np.int32),
                   np.concatenate(w), np.concatenate(d).astype(np.int16),
                   bias=np.concatenate([n.bias for _, n in nets]))
    if n_inputs:
        rows = np.concatenate([r for r, _, _ in in_rows]).astype(np.int64)
        cols = np.concatenate([c for _, c, _ in in_rows]).astype(np.int64)
        vals = np.concatenate([v for _, _, v in in_rows])
        order = np.lexsort((cols, rows))
        indptr = np.zeros(n_inputs + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n_inputs), out=indptr[1:])
        net = net.with_inputs(indptr, cols[order].astype(np.int32), vals[order].astype(np.float32))
    return net
