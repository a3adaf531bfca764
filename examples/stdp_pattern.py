"""STDP finds the start of a repeating spike pattern (Masquelier, Guyonneau & Thorpe 2008, PLoS ONE 3:e1377).

One LIF neuron listens to N afferents (paper: 2000) whose Poisson rates drift
between 0 and 90 Hz (each afferent fires at least once every 50 ms) plus 10 Hz
of spontaneous spikes, about 64 Hz in all.  A 50-ms spatio-temporal pattern
(the spike trains of half of the afferents in one 50-ms window, copied) is
pasted in at random times, about 25 % of the time and never twice in a row,
with 1 ms jitter; the population rate is the same inside and outside the
pattern, so only spike timing gives it away.  The input synapses follow
additive nearest-spike STDP with the paper's parameters (a+ = 2^-5 w_max,
a- = -0.85 a+, tau+ = 16.8 ms, tau- = 33.7 ms, initial weights 0.475 w_max).
In the paper the neuron first fires everywhere (~63 Hz), is selective after
~70 presentations (13.5 s, ~700 output spikes) and then fires only in the
pattern (hit rate > 98 %, no false alarms) with a latency that drops to a few
ms; its weights end up high for the afferents that fire at the start of the
pattern.  The script prints, per block of presentations, the median latency
of the first output spike inside the pattern window, the hit rate and the
false-alarm rate, and draws latency against presentation number and the final
weights.

Reproduced with ``STDP(pairing="restricted")``, the paper's rule: each
spike pairs at most once in each direction (an arrival depresses only if it
is the afferent's first since the last output spike; an output spike
potentiates only the afferents that fired since the previous one), and with
this output neuron: ``LIF(tau_m=10, tau_e=2.5)`` (the paper's PSP kernel),
threshold 20 mV above rest, reset 80 mV below rest held for 3 ms, dt =
0.1 ms.  With 2000 afferents and 225 s (seeds 0, 1, 2) the neuron fires at
~43 Hz at first, is selective from presentation 41 (7.3-8.3 s), then fires
in 99 % of the presentations and nowhere else (0.00 Hz false alarms), with a
median latency of 5.7-7.5 ms in the last block (7.6-24 ms when selectivity
starts); 27-30 % of the pattern afferents and none of the others end above
0.9 w_max.  Those are (seed 0) the pattern afferents
whose first spike in the pattern comes in its first ~5 ms, before the output
spike (91 % of those in the first 4 ms end high, none of those at 6-30 ms),
and also, unlike what the paper describes, most of those whose first spike
in the pattern comes after 40 ms (79 %): their first spike after the output
spike comes so late that their depression is weak.

The setting matters.  The paper's neuron (a spike-response model) has a
negative after-potential of 2 thresholds that decays with tau_m, and it
forgets the EPSPs received before its spike; this LIF keeps its synaptic
current through a spike, so the reset is deeper (4 thresholds) and held
longer.  With the reset at 2 thresholds below rest and 1 ms refractory the
neuron keeps firing (~124 Hz after 20 s), potentiation wins and every weight
ends at w_max.  The chosen neuron also learns at ``--dt 0.5`` (1000
afferents, 80 s: latency 5.0 ms, hit rate 0.98, no false alarms), not at
1 ms.  With the symmetric nearest-neighbour ("nearest") or
all-to-all ("all") pairing every input spike after an output spike
depresses: depression wins, all weights fall and the neuron goes silent
within seconds, before it can find the pattern (Hathway & Goodman 2018,
ReScience 4:6, found the same).

    python examples/stdp_pattern.py [--duration 225] [--n-afferents 2000] [--seed 0] [--pairing nearest]
                                    [--dt 0.1] [--out stdp_pattern.png] [--quick]
"""

import argparse
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from reservoirspike import LIF, EventStream, Network, Population, SpikeEncoder
from reservoirspike.learning import LearningState
from reservoirspike.neurons import propagators
from reservoirspike.plasticity import PAIRINGS, STDP
from reservoirspike.simulate import run_encoded

DT = 0.1  # ms
PATTERN_MS = 50.0
CHUNK_MS = 5000.0  # the input is simulated as consecutive 5-s sequences, learning carried over
PAIRING = "restricted"  # the paper's pairing: each spike pairs at most once in each direction

# input statistics of the paper
MAX_RATE_HZ = 90.0
MAX_SPEED = 1800.0  # Hz/s: the largest rate change (0 -> 90 Hz in 50 ms)
SPEED_STEP = 360.0  # Hz/s: the speed changes by up to this much every ms
MAX_GAP_MS = 50  # every afferent fires at least once every 50 ms
SPONTANEOUS_HZ = 10.0
JITTER_MS = 1.0
PATTERN_FRACTION = 0.25
MIN_ISI_MS = 1.0  # a parrot relays spikes at least 1 ms apart exactly; closer ones are delayed (~3 % of them)

# output neuron: tau_m and tau_e give the paper's PSP kernel; the threshold is 1/1.85 of the mean drive of
# the initial weights, as in the paper (500 of ~950).  The reset, 4 thresholds below rest and held 3 ms, stands
# for the paper's negative after-potential (-2 thresholds, decaying with tau_m) *and* for its neuron forgetting
# the EPSPs received before a spike: this LIF keeps its synaptic current through a spike.  With the reset only
# 2 thresholds below rest and 1 ms refractory the neuron keeps firing, potentiation wins and every weight ends at
# w_max (see the module docstring).
OUTPUT = LIF(tau_m=10.0, tau_e=2.5, v_rest=-70.0, v_reset=-150.0, v_threshold=-50.0, t_ref=3.0)
W_MAX_2000 = 0.25  # mV for 2000 afferents; scaled by 2000 / N so that the drive does not depend on N
W_INIT = 0.475  # of w_max
A_PLUS = 2.0**-5  # of w_max
A_MINUS = -0.85 * A_PLUS
TAU_PLUS, TAU_MINUS = 16.8, 33.7


def parrot(dt):
    """A relay neuron that fires once, in the step of each input event, and its input weight (mV).

    Checked for events at least ``MIN_ISI_MS`` apart: the residual current after a spike decays
    within the refractory step and cannot reach the threshold again.
    """
    model = LIF(tau_m=2.0 * dt, tau_e=1.1 * dt, t_ref=dt)
    return model, 2.0 * (model.v_threshold - model.v_rest) / propagators(model, dt)["p_me"]


@njit  # not cached: numba cannot reload a cache entry of a module loaded from a file path
def _rate_modulated_trains(n_ms, rate, speed, since, seed):
    """Spike times (ms) and afferents of ``n_ms`` 1-ms bins; updates rate, speed and since in place."""
    np.random.seed(seed)
    n = rate.shape[0]
    times = np.empty(n_ms * n // 8 + 64)
    afferents = np.empty(times.shape[0], np.int64)
    k = 0
    for t in range(n_ms):
        for a in range(n):
            since[a] += 1
            if np.random.random() < rate[a] * 1e-3 or since[a] >= MAX_GAP_MS:
                if k == times.shape[0]:
                    times = np.concatenate((times, np.empty(k)))
                    afferents = np.concatenate((afferents, np.empty(k, np.int64)))
                times[k] = t + np.random.random()  # anywhere in the bin
                afferents[k] = a
                k += 1
                since[a] = 0
            rate[a] = min(max(rate[a] + speed[a] * 1e-3, 0.0), MAX_RATE_HZ)
            speed[a] = min(max(speed[a] + (2.0 * np.random.random() - 1.0) * SPEED_STEP, -MAX_SPEED), MAX_SPEED)
    return times[:k], afferents[:k]


class PatternInput:
    """Input spike trains with a repeating pattern, generated chunk by chunk.

    Parameters
    ----------
    n_afferents : int
    n_chunks : int
        Number of ``CHUNK_MS`` chunks.
    seed : int
    dt : float
        Simulation step (ms); spike times are returned on this grid.

    Attributes
    ----------
    onsets : ndarray
        Pattern onsets (ms from the start), on the 50-ms grid.
    pattern_afferents : ndarray
        The afferents that replay the pattern.
    template : tuple of ndarray or None
        (times within the pattern in ms, afferents), cut from the first chunk.
    """

    def __init__(self, n_afferents, n_chunks, seed, dt=DT):
        self.n, self.n_chunks, self.dt = n_afferents, n_chunks, dt
        self.rng = np.random.default_rng(seed)
        self.rate = self.rng.uniform(0.0, MAX_RATE_HZ, n_afferents)
        self.speed = np.zeros(n_afferents)
        self.since = self.rng.integers(0, MAX_GAP_MS, n_afferents)
        # 50-ms slots hold the pattern with probability 1/3 unless the previous slot did: 25 % overall
        n_slots = int(round(n_chunks * CHUNK_MS / PATTERN_MS))
        coins = self.rng.random(n_slots) < PATTERN_FRACTION / (1.0 - PATTERN_FRACTION)
        in_pattern = np.zeros(n_slots, bool)
        for k in range(1, n_slots):
            in_pattern[k] = coins[k] and not in_pattern[k - 1]
        self.onsets = np.flatnonzero(in_pattern) * PATTERN_MS
        self.pattern_afferents = np.sort(self.rng.choice(n_afferents, n_afferents // 2, replace=False))
        self.template = None

    def chunk(self, c):
        """Event times (ms from the chunk start), afferents and pattern onsets of chunk ``c`` (in order)."""
        n_ms = int(CHUNK_MS)
        times, afferents = _rate_modulated_trains(n_ms, self.rate, self.speed, self.since,
                                                  int(self.rng.integers(2**31)))
        in_pattern_set = np.isin(afferents, self.pattern_afferents)
        if self.template is None:
            # the window whose spike count is the median one: the pattern has a typical number of spikes
            counts = np.bincount((times[in_pattern_set] // PATTERN_MS).astype(int), minlength=int(n_ms // PATTERN_MS))
            start = np.argmin(np.abs(counts - np.median(counts))) * PATTERN_MS
            cut = in_pattern_set & (times >= start) & (times < start + PATTERN_MS)
            self.template = (times[cut] - start, afferents[cut])
        t0 = c * CHUNK_MS
        onsets = self.onsets[(self.onsets >= t0) & (self.onsets < t0 + CHUNK_MS)] - t0
        # inside pattern windows the pattern afferents replay the jittered template; the others go on
        replaced = in_pattern_set & np.isin(np.floor(times / PATTERN_MS) * PATTERN_MS, onsets)
        template_t, template_a = self.template
        pasted = (onsets[:, None] + template_t[None, :]).ravel()
        pasted += self.rng.normal(0.0, JITTER_MS, pasted.shape)
        n_spontaneous = self.rng.poisson(SPONTANEOUS_HZ * self.n * CHUNK_MS / 1000.0)
        times = np.concatenate([times[~replaced], pasted, self.rng.uniform(0.0, CHUNK_MS, n_spontaneous)])
        afferents = np.concatenate([afferents[~replaced], np.tile(template_a, len(onsets)),
                                    self.rng.integers(0, self.n, n_spontaneous)])
        keep = (times >= 0.0) & (times < CHUNK_MS)
        steps = np.floor(times[keep] / self.dt).astype(np.int64)
        afferents = afferents[keep]
        # spikes of one afferent at least MIN_ISI_MS apart: a spike too close to the previous one is delayed
        order = np.lexsort((steps, afferents))
        steps, afferents = steps[order], afferents[order]
        gap = int(round(MIN_ISI_MS / self.dt))
        while True:
            close = np.flatnonzero((afferents[1:] == afferents[:-1]) & (np.diff(steps) < gap)) + 1
            if not len(close):
                break
            steps[close] = steps[close - 1] + gap
        keep = steps < int(round(CHUNK_MS / self.dt))
        return (steps[keep] + 0.5) * self.dt, afferents[keep], onsets


def pattern_network(n_afferents, w_init, dt=DT):
    """Parrot afferents (input channel k drives afferent k) onto one output neuron (index ``n_afferents``)."""
    n = n_afferents
    relay, relay_weight = parrot(dt)
    return Network((Population("afferents", n, True, relay), Population("output", 1, True, OUTPUT)), dt,
                   indptr=np.r_[np.arange(n + 1), n], indices=np.full(n, n), data=np.full(n, w_init),
                   delays=np.ones(n), n_inputs=n, input_indptr=np.arange(n + 1), input_indices=np.arange(n),
                   input_data=np.full(n, relay_weight))


@dataclass
class PatternRun:
    """What :func:`simulate` returns.

    Attributes
    ----------
    onsets, output_spikes : ndarray
        Pattern onsets and output spike times (ms).
    weights : ndarray
        Final weights relative to w_max, one per afferent.
    pattern_afferent : ndarray of bool
        Afferents that replay the pattern.
    first_pattern_spike : ndarray
        Time of each afferent's first spike in the pattern (ms; NaN if none or not a pattern afferent).
    duration_ms, wall_s : float
    """

    onsets: np.ndarray
    output_spikes: np.ndarray
    weights: np.ndarray
    pattern_afferent: np.ndarray
    first_pattern_spike: np.ndarray
    duration_ms: float
    wall_s: float


def simulate(n_afferents=2000, duration_s=225.0, seed=0, pairing=PAIRING, dt=DT):
    """Run the experiment with plastic input synapses.

    Parameters
    ----------
    n_afferents : int
    duration_s : float
        Biological time (s), rounded up to whole ``CHUNK_MS`` chunks.
    seed : int
    pairing : str, optional
        STDP spike pairing, one of ``reservoirspike.plasticity.PAIRINGS`` (default the paper's, ``PAIRING``).
    dt : float
        Time step (ms).

    Returns
    -------
    PatternRun
    """
    start = time.perf_counter()
    w_max = W_MAX_2000 * 2000.0 / n_afferents
    net = pattern_network(n_afferents, W_INIT * w_max, dt)
    rule = STDP(tau_plus=TAU_PLUS, tau_minus=TAU_MINUS, a_plus=A_PLUS * w_max, a_minus=A_MINUS * w_max,
                w_max=w_max, pairing=pairing)
    state = LearningState(net, rule)
    n_chunks = int(np.ceil(duration_s * 1000.0 / CHUNK_MS - 1e-9))
    source = PatternInput(n_afferents, n_chunks, seed, dt)
    encoder = SpikeEncoder(n_afferents)
    spikes = []
    for c in range(n_chunks):
        times, afferents, _ = source.chunk(c)
        kin = encoder.encode(encoder.validate([EventStream(times, afferents, CHUNK_MS)])[0], dt, 1)
        res = run_encoded(net, kin, seed=seed + c, record=("spikes",), n_jobs=1, learning=state)
        t, ids = res.spikes(0)
        spikes.append(t[ids == n_afferents] + c * CHUNK_MS)
    pattern_afferent = np.zeros(n_afferents, bool)
    pattern_afferent[source.pattern_afferents] = True
    first = np.full(n_afferents, np.nan)
    template_t, template_a = source.template
    order = np.argsort(-template_t)
    first[template_a[order]] = template_t[order]  # the earliest spike is written last
    return PatternRun(source.onsets, np.concatenate(spikes), state.data / w_max, pattern_afferent, first,
                      n_chunks * CHUNK_MS, time.perf_counter() - start)


def first_spike_latencies(onsets, spikes):
    """Latency (ms) of the first output spike inside each pattern window, NaN when there is none.

    Parameters
    ----------
    onsets, spikes : ndarray
        Sorted pattern onsets and output spike times (ms).

    Returns
    -------
    ndarray
    """
    first = np.r_[spikes, np.inf][np.searchsorted(spikes, onsets)] - onsets
    return np.where(first < PATTERN_MS, first, np.nan)


def false_alarms(onsets, spikes, t0, t1):
    """Output spikes per second outside pattern windows within ``[t0, t1)`` ms."""
    last_onset = np.searchsorted(onsets, spikes, side="right") - 1
    inside = (last_onset >= 0) & (spikes - onsets[np.maximum(last_onset, 0)] < PATTERN_MS)
    n_windows = np.count_nonzero((onsets >= t0) & (onsets < t1))
    outside_s = (t1 - t0 - n_windows * PATTERN_MS) / 1000.0
    return np.count_nonzero(~inside & (spikes >= t0) & (spikes < t1)) / outside_s


def presentation_blocks(n_presentations):
    """Block edges 0, 10, 20, 40, 80, ... (doubling, so the early transition stays visible), then the end."""
    edges = [0, 10]
    while edges[-1] * 2 < n_presentations:
        edges.append(edges[-1] * 2)
    return np.unique(np.minimum(edges + [n_presentations], n_presentations))


def block_table(run, edges=None):
    """Median first-spike latency, hit rate and false-alarm rate per block of presentations.

    Parameters
    ----------
    run : PatternRun
    edges : array of int, optional
        Block edges in presentations (default :func:`presentation_blocks`).

    Returns
    -------
    list of tuple
        (first presentation, last presentation, start s, median latency ms, hit rate, false alarms Hz).
    """
    onsets, spikes = run.onsets, run.output_spikes
    latency = first_spike_latencies(onsets, spikes)
    edges = presentation_blocks(len(onsets)) if edges is None else edges
    rows = []
    for b0, b1 in zip(edges[:-1], edges[1:]):
        t0 = 0.0 if b0 == 0 else onsets[b0]
        t1 = run.duration_ms if b1 == len(onsets) else onsets[b1]
        hits = latency[b0:b1][~np.isnan(latency[b0:b1])]
        rows.append((b0 + 1, b1, t0 / 1000.0, np.median(hits) if len(hits) else np.nan, len(hits) / (b1 - b0),
                     false_alarms(onsets, spikes, t0, t1)))
    return rows


def selectivity_onset(run, window=10, max_false_alarm_hz=1.0, min_hit_rate=0.5):
    """First presentation of a window of ``window`` presentations with hits and few false alarms, or None."""
    onsets = run.onsets
    hit = ~np.isnan(first_spike_latencies(onsets, run.output_spikes))
    for b0 in range(0, len(onsets) - window + 1, window):
        t1 = run.duration_ms if b0 + window == len(onsets) else onsets[b0 + window]
        if (hit[b0:b0 + window].mean() >= min_hit_rate
                and false_alarms(onsets, run.output_spikes, onsets[b0], t1) <= max_false_alarm_hz):
            return b0
    return None


def summarize(run, rows):
    """The numbers the summary line (and the tests) use.

    Parameters
    ----------
    run : PatternRun
    rows : list of tuple
        From :func:`block_table`.

    Returns
    -------
    dict
        ``latency_first``/``latency_last`` (median first-spike latency in the first/last block, ms),
        ``latency_onset`` (over the 20 presentations from the onset of selectivity), ``hit_rate_first``,
        ``hit_rate_last``, ``false_alarm_first``, ``false_alarm_last`` (Hz), ``selective_from`` (index of the
        first presentation of the first window with hits and false alarms <= 1 Hz, or None),
        ``high_pattern``/``high_other`` (fractions of pattern/other afferents above 0.9 w_max), ``rows``.
    """
    latency = first_spike_latencies(run.onsets, run.output_spikes)
    onset = selectivity_onset(run)
    early = latency[onset:onset + 20] if onset is not None else np.array([np.nan])
    first, last = rows[0], rows[-1]
    high = run.weights > 0.9
    return {"latency_first": first[3], "latency_onset": np.nanmedian(early) if np.any(~np.isnan(early)) else np.nan,
            "latency_last": last[3], "hit_rate_first": first[4], "hit_rate_last": last[4],
            "false_alarm_first": first[5], "false_alarm_last": last[5], "selective_from": onset,
            "high_pattern": high[run.pattern_afferent].mean(), "high_other": high[~run.pattern_afferent].mean(),
            "rows": rows}


def plot(run, out):
    """Latency against presentation number and the final weights; returns the path written (or None)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from reservoirspike.plotting import save
    except ImportError:
        print("matplotlib not installed: no figure (pip install 'reservoirspike[plot]')")
        return None
    latency = first_spike_latencies(run.onsets, run.output_spikes)
    number = np.arange(1, len(latency) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [2.2, 1, 1]})
    ax = axes[0]
    hit = ~np.isnan(latency)
    ax.plot(number[hit], latency[hit], ".", ms=3, color="tab:blue", label="first output spike in the pattern")
    ax.plot(number[~hit], np.full((~hit).sum(), PATTERN_MS + 3), "|", ms=4, color="tab:red",
            label="no spike in the pattern")
    ax.axhline(PATTERN_MS, color="0.6", lw=0.8)
    ax.set(xscale="log", xlabel="pattern presentation", ylabel="latency after pattern onset (ms)",
           ylim=(0, PATTERN_MS + 6), title="latency of the output neuron")
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[1]
    bins = np.linspace(0, 1, 21)
    ax.hist(run.weights[run.pattern_afferent], bins, alpha=0.7, label="pattern afferents")
    ax.hist(run.weights[~run.pattern_afferent], bins, alpha=0.7, label="other afferents")
    ax.set(xlabel="final weight / w_max", ylabel="afferents", yscale="log", title="final weights")
    ax.legend(fontsize=8)
    ax = axes[2]
    fired = ~np.isnan(run.first_pattern_spike)
    ax.plot(run.first_pattern_spike[fired], run.weights[fired], ".", ms=3, alpha=0.6)
    ax.set(xlabel="afferent's first spike in the pattern (ms)", ylabel="final weight / w_max",
           title="pattern afferents")
    save(fig, out)
    plt.close(fig)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=None, help="biological time in s (default 225, quick 80)")
    parser.add_argument("--n-afferents", type=int, default=None, help="default 2000 (quick: 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pairing", choices=PAIRINGS, default=PAIRING, help="STDP pairing (default %(default)s)")
    parser.add_argument("--dt", type=float, default=DT, help="time step in ms (default %(default)s)")
    parser.add_argument("--out", default="stdp_pattern.png")
    parser.add_argument("--quick", action="store_true", help="1000 afferents, 80 s (for tests)")
    args = parser.parse_args(argv)
    duration = args.duration or (80.0 if args.quick else 225.0)
    n_afferents = args.n_afferents or (1000 if args.quick else 2000)
    pairing = args.pairing
    run = simulate(n_afferents, duration, args.seed, pairing, args.dt)
    rows = block_table(run)
    result = summarize(run, rows)
    print(f"{n_afferents} afferents, {run.duration_ms / 1000:.0f} s, {len(run.onsets)} presentations, "
          f"{pairing!r} STDP, dt = {args.dt} ms ({run.wall_s:.1f} s)")
    print(f"{'presentations':>14}{'from s':>8}{'latency ms':>12}{'hit rate':>10}{'false alarms Hz':>17}")
    for b0, b1, t0, lat, hit, fa in rows:
        print(f"{f'{b0}-{b1}':>14}{t0:>8.1f}{lat:>12.1f}{hit:>10.2f}{fa:>17.2f}")
    onset = result["selective_from"]
    if onset is None:
        silent = len(run.output_spikes) == 0 or run.output_spikes[-1] < run.duration_ms / 2
        print("never selective: " + ("the neuron fell silent without finding the pattern" if silent
                                     else "false alarms stay above 1 Hz or the pattern is missed"))
    else:
        print(f"selective from presentation {onset + 1} (t = {run.onsets[onset] / 1000:.1f} s): latency "
              f"{result['latency_onset']:.1f} ms at the onset of selectivity -> {result['latency_last']:.1f} ms "
              f"in the last block; hit rate {result['hit_rate_first']:.2f} -> {result['hit_rate_last']:.2f}, "
              f"false alarms {result['false_alarm_first']:.1f} -> {result['false_alarm_last']:.2f} Hz")
    w = run.weights
    print(f"final weights above 0.9 w_max: {result['high_pattern']:.0%} of the pattern afferents, "
          f"{result['high_other']:.0%} of the others (mean weight {w[run.pattern_afferent].mean():.2f} and "
          f"{w[~run.pattern_afferent].mean():.2f})")
    print("paper: selective after ~70 presentations (13.5 s, ~700 output spikes), then only spikes in the "
          "pattern: hit rate > 98 %, no false alarms, latency < 10 ms (its criterion of success)")
    if plot(run, args.out) is not None:
        print(f"figure: {args.out}")
    return result


if __name__ == "__main__":
    main()
