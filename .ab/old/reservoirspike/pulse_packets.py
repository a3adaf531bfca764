"""Pulse-packet analysis of synfire chains: volleys (a, sigma) group by group.

A pulse packet is a volley of ``a`` spikes whose times scatter with standard
deviation ``sigma`` (ms).  :func:`launch_packet` feeds one into the first
group of a chain, as if it came from a group of its own, and
:func:`packet_volleys` reads the volley of every group back from the spikes.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import check_int, check_positive, check_real
from .encoding import EventStream, SpikeEncoder
from .simulate import simulate
from .topology import as_generator, input_projection


def packet_volleys(times, ids, group_slices, *, t_launch, delay, response_window=5.0, min_spikes=10,
                   max_sigma=2.0):
    """Per-group volley of one trial: spike count, temporal spread and mean time.

    Group k is searched in ``[t_prev + delay - 3 s, t_prev + delay + 3 s +
    response_window]``, where ``t_prev`` is the previous volley's mean time
    and ``s`` its spread capped at ``max_sigma`` (the launched packet for the
    first group).  A volley of fewer than ``min_spikes`` spikes counts as
    extinct (background spikes alone): the next window is then centred on a
    nominal time ``t_prev + delay`` with ``s = 0``, so background spikes do
    not widen the search.

    Parameters
    ----------
    times, ids : array
        Spike times (ms) and neuron ids of the trial.
    group_slices : sequence of slice
        Neuron range of each group, in chain order.
    t_launch : float
        Mean time of the launched packet (ms).
    delay : float
        Synaptic delay between groups (ms).
    response_window : float
        How long after the earliest possible arrival a response is counted (ms).
    min_spikes : int
        Smallest volley that still counts as alive.
    max_sigma : float
        Cap on the spread used to size the next window (ms).

    Returns
    -------
    a, sigma, t : ndarray (n_groups,)
    """
    times, ids = np.asarray(times, float), np.asarray(ids)
    n = len(group_slices)
    a, sigma, t = np.zeros(n), np.zeros(n), np.zeros(n)
    t_prev, s_prev = float(t_launch), 0.0
    for k, sl in enumerate(group_slices):
        lo = t_prev + delay - 3 * s_prev
        hi = t_prev + delay + 3 * s_prev + response_window
        sel = (ids >= sl.start) & (ids < sl.stop) & (times >= lo) & (times < hi)
        tk = times[sel]
        a[k] = len(tk)
        sigma[k] = tk.std() if len(tk) > 1 else 0.0
        alive = len(tk) >= min_spikes
        t[k] = tk.mean() if alive else t_prev + delay
        t_prev, s_prev = t[k], (min(sigma[k], max_sigma) if alive else 0.0)
    return a, sigma, t


@dataclass
class PacketTrajectories:
    """Volleys of every trial: arrays (n_trials, n_groups) of ``a``, ``sigma`` (ms) and ``t`` (ms)."""

    a: np.ndarray
    sigma: np.ndarray
    t: np.ndarray

    def reached(self, group=-1, min_spikes=50):
        """Fraction of trials whose volley at ``group`` has at least ``min_spikes`` spikes."""
        return float(np.mean(self.a[:, group] >= min_spikes))


def _chain_projection(chain, groups):
    """Weight, delay (steps) and connection probability from the first group to the second."""
    first = groups[0]
    lo, hi = chain.indptr[first.start], chain.indptr[first.stop]
    if hi == lo:
        raise ValueError("the first group of the chain has no outgoing synapses to copy for the packet")
    weight = float(np.median(chain.data[lo:hi]))
    delay_steps = int(np.median(chain.delays[lo:hi]))
    if len(groups) > 1:
        tgt = chain.indices[lo:hi]
        n_ff = np.count_nonzero((tgt >= groups[1].start) & (tgt < groups[1].stop))
        p = n_ff / ((first.stop - first.start) * (groups[1].stop - groups[1].start))
    else:
        p = 1.0
    return weight, delay_steps, p


def launch_packet(chain, a, sigma, *, trials=10, t_launch=20.0, duration=None, random_state=0, n_jobs=None):
    """Launch a pulse packet (a, sigma) into the first group of ``chain``, ``trials`` times.

    The packet's ``a`` spikes, at ``t_launch + sigma * N(0, 1)``, project onto
    the first group like a group of its own: the chain's feed-forward weight,
    connection probability and delay.  Each trial uses its own seed, so its
    background noise, initial potentials (uniform in [v_reset, v_threshold])
    and packet differ.

    Parameters
    ----------
    chain : Network
        A chain without inputs; its populations are the groups, in order.
    a : int
        Spikes in the packet (>= 1).
    sigma : float
        Temporal spread of the packet (ms, >= 0).
    trials : int
        Independent trials.
    t_launch : float
        Mean launch time (ms).
    duration : float, optional
        Simulated time per trial (default: long enough for the whole chain).
    random_state : int
        Base seed; trial k uses ``random_state + k``.
    n_jobs : int or None
        Threads.

    Returns
    -------
    PacketTrajectories
    """
    a = check_int("a", a, low=1)
    sigma = check_real("sigma", sigma, low=0.0)
    trials = check_int("trials", trials, low=1)
    t_launch = check_positive("t_launch", t_launch)
    if chain.n_inputs:
        raise ValueError("chain must have no input projection; the packet brings its own")
    slices = list(chain.population_slices().values())
    weight, delay_steps, p = _chain_projection(chain, slices)
    delay = delay_steps * chain.dt
    if duration is None:
        duration = t_launch + (len(slices) + 2) * (delay + 2.0) + 4 * sigma
    first = np.arange(slices[0].start, slices[0].stop)
    out = [np.zeros((trials, len(slices))) for _ in range(3)]
    for k in range(trials):
        rng = as_generator(random_state + k)
        net = chain.with_inputs(*input_projection(a, chain.n_neurons, connectivity=p, weight=weight,
                                                  targets=first, random_state=rng))
        spike_times = t_launch + sigma * rng.standard_normal(a)
        # a spike at the end of step s arrives in step s + delay: shift by the delay less one step
        arrival = np.clip(spike_times + delay - chain.dt, 0.0, duration - chain.dt)
        res = simulate(net, [EventStream(arrival, np.arange(a), duration)], encoder=SpikeEncoder(a),
                       record=("spikes",), v_init="uniform", random_state=random_state + k, n_jobs=n_jobs)
        times, ids = res.spikes(0)
        vol = packet_volleys(times, ids, slices, t_launch=float(spike_times.mean()), delay=delay)
        for arr, v in zip(out, vol):
            arr[k] = v
    return PacketTrajectories(*out)
