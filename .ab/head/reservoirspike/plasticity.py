"""Unsupervised plasticity rules as validated parameter records.

Weights are in mV.  Synapse groups are named by the sign of the pre- and
postsynaptic populations (``"EE"``: excitatory to excitatory, ``"IE"``:
inhibitory to excitatory); Dale's law always holds because every rule works
on weight magnitudes within ``[w_min, w_max]``.

Timing conventions (identical in every backend): a presynaptic spike acts at
the synapse when it *arrives*, ``delay`` steps after it was emitted, at the
start of that step (time stamp ``t_a``); a postsynaptic spike fired in step
``t_p`` is stamped with the end of that step, ``t_p + 1``.  So
``delta_t = (t_p + 1 - t_a) * dt``: a pair potentiates when ``delta_t >= 0``
(``A+ exp(-delta_t / tau_plus)``) and depresses when ``delta_t < 0``
(``A- exp(delta_t / tau_minus)``).  At equal stamps the arrival is processed
first and the pair potentiates, as in Brian2, which runs ``on_pre`` before
``on_post`` within a time step.  With ``delay`` = one step a spike's PSP starts in the step after the
one in which its neuron fired: the timing of Brian2's synapses without delay.
"""

from dataclasses import dataclass, replace

from ._validation import check_choice, check_positive, check_real

PAIRINGS = ("all", "nearest", "restricted")
TRIPLET_PAIRINGS = ("all", "nearest")
GROUPS = ("EE", "EI", "IE", "II")


@dataclass(frozen=True)
class STDP:
    """Pair-based STDP with pre/post traces.

    ``dw+ = a_plus * (1 - w/w_max)**mu * x_pre`` at each post spike and
    ``dw- = a_minus * (w/w_max)**mu * x_post`` at each pre arrival (Gütig et al.
    2003): ``mu = 0`` is additive STDP with hard bounds, ``mu = 1``
    multiplicative, values between soft-bounded.

    Parameters
    ----------
    tau_plus, tau_minus : float
        Trace time constants (ms).
    a_plus : float
        Potentiation amplitude (mV, >= 0).
    a_minus : float
        Depression amplitude (mV, <= 0).
    w_max, w_min : float
        Weight bounds (mV, magnitudes).
    mu : float
        Weight dependence in [0, 1].
    pairing : {"all", "nearest", "restricted"}
        All-to-all (traces add up); nearest-spike (traces reset to 1: a
        post spike pairs with the latest pre spike and a pre spike with the
        latest post spike); or restricted nearest-spike, where each spike
        pairs at most once in each direction: a pre arrival depresses only
        if the neuron fired since the synapse's previous arrival, and a post
        spike potentiates only the synapses with an arrival since the
        neuron's previous spike (Burkitt et al. 2004; the rule of
        Masquelier et al. 2008).  At equal time stamps the arrival comes
        first.
    synapses : str
        Plastic group, default ``"EE"``.
    """

    tau_plus: float = 20.0
    tau_minus: float = 20.0
    a_plus: float = 0.01
    a_minus: float = -0.0105
    w_max: float = 1.0
    w_min: float = 0.0
    mu: float = 0.0
    pairing: str = "all"
    synapses: str = "EE"

    def __post_init__(self):
        check_positive("tau_plus", self.tau_plus)
        check_positive("tau_minus", self.tau_minus)
        check_real("a_plus", self.a_plus, low=0.0)
        check_real("a_minus", self.a_minus, high=0.0)
        check_real("w_min", self.w_min, low=0.0)
        check_real("w_max", self.w_max, low=self.w_min, low_open=True)
        check_real("mu", self.mu, low=0.0, high=1.0)
        check_choice("pairing", self.pairing, PAIRINGS)
        check_choice("synapses", self.synapses, GROUPS)

    def kernel_terms(self):
        """(tau_plus, tau_minus, tau_x, tau_y, A2+, A3+, A2-, A3-) in mV."""
        return self.tau_plus, self.tau_minus, 1.0, 1.0, self.a_plus, 0.0, self.a_minus, 0.0


#: Pfister & Gerstner (2006), Table 4: amplitudes relative to w_max, times in ms.
TRIPLET_SETS = {
    "visual_cortex_all_to_all": dict(tau_x=101.0, tau_y=125.0, a2_plus=5e-10, a3_plus=6.2e-3, a2_minus=7e-3,
                                     a3_minus=2.3e-4, pairing="all"),
    "visual_cortex_minimal": dict(tau_x=101.0, tau_y=125.0, a2_plus=0.0, a3_plus=6.5e-3, a2_minus=7.1e-3,
                                  a3_minus=0.0, pairing="all"),
    "hippocampal_all_to_all": dict(tau_x=946.0, tau_y=27.0, a2_plus=6.1e-3, a3_plus=6.7e-3, a2_minus=1.6e-3,
                                   a3_minus=1.4e-3, pairing="all"),
    "hippocampal_nearest": dict(tau_x=575.0, tau_y=47.0, a2_plus=4.6e-3, a3_plus=9.1e-3, a2_minus=3e-3,
                                a3_minus=7.5e-9, pairing="nearest"),
}


@dataclass(frozen=True)
class TripletSTDP:
    """Triplet STDP (Pfister & Gerstner 2006), additive with hard bounds.

    At a post spike ``dw = scale * r1 * (a2_plus + a3_plus * o2)``; at a pre
    arrival ``dw = -scale * o1 * (a2_minus + a3_minus * r2)``, with fast traces
    r1 (tau_plus), o1 (tau_minus) and slow traces r2 (tau_x), o2 (tau_y)
    read just before their own spike's increment.  Use :meth:`published` for
    the paper's parameter sets (:data:`TRIPLET_SETS`).

    Parameters
    ----------
    tau_plus, tau_minus, tau_x, tau_y : float
        Trace time constants (ms).
    a2_plus, a3_plus, a2_minus, a3_minus : float
        Amplitudes relative to ``w_max`` (all >= 0; depression is subtracted).
    w_max, w_min : float
        Weight bounds (mV).
    scale : float, optional
        Weight (mV) the relative amplitudes refer to (default ``w_max``).
    pairing : {"all", "nearest"}
    synapses : str
    """

    tau_plus: float = 16.8
    tau_minus: float = 33.7
    tau_x: float = 101.0
    tau_y: float = 125.0
    a2_plus: float = 5e-10
    a3_plus: float = 6.2e-3
    a2_minus: float = 7e-3
    a3_minus: float = 2.3e-4
    w_max: float = 1.0
    w_min: float = 0.0
    scale: float = None
    pairing: str = "all"
    synapses: str = "EE"

    def __post_init__(self):
        if self.scale is not None:
            check_positive("scale", self.scale)
        for name in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
            check_positive(name, getattr(self, name))
        for name in ("a2_plus", "a3_plus", "a2_minus", "a3_minus"):
            check_real(name, getattr(self, name), low=0.0)
        check_real("w_min", self.w_min, low=0.0)
        check_real("w_max", self.w_max, low=self.w_min, low_open=True)
        check_choice("pairing", self.pairing, TRIPLET_PAIRINGS)
        check_choice("synapses", self.synapses, GROUPS)

    @classmethod
    def published(cls, name, **overrides):
        """A parameter set of Pfister & Gerstner (2006) by name (see :data:`TRIPLET_SETS`)."""
        check_choice("name", name, tuple(TRIPLET_SETS))
        return cls(**{**TRIPLET_SETS[name], **overrides})

    @property
    def mu(self):
        return 0.0

    def kernel_terms(self):
        m = self.w_max if self.scale is None else self.scale
        return (self.tau_plus, self.tau_minus, self.tau_x, self.tau_y, m * self.a2_plus, m * self.a3_plus,
                -m * self.a2_minus, -m * self.a3_minus)


@dataclass(frozen=True)
class InhibitorySTDP:
    """Symmetric inhibitory STDP for E/I balance (Vogels et al. 2011).

    On the magnitude m of an inhibitory weight: at a pre arrival
    ``dm = eta * (x_post - alpha)``, at a post spike ``dm = eta * x_pre``,
    with traces of time constant ``tau`` and ``alpha = 2 * target_rate * tau``;
    drives the postsynaptic rate towards ``target_rate``.

    Parameters
    ----------
    tau : float
        Trace time constant (ms).
    eta : float
        Learning rate (mV per spike pair).
    target_rate : float
        Target rate of the postsynaptic neurons (Hz).
    w_max : float
        Largest weight magnitude (mV).
    synapses : str
        Plastic group, default ``"IE"``.
    """

    tau: float = 20.0
    eta: float = 0.05
    target_rate: float = 5.0
    w_max: float = 20.0
    synapses: str = "IE"

    def __post_init__(self):
        check_positive("tau", self.tau)
        check_real("eta", self.eta, low=0.0)
        check_real("target_rate", self.target_rate, low=0.0)
        check_positive("w_max", self.w_max)
        check_choice("synapses", self.synapses, GROUPS)
        if self.synapses[0] != "I":
            raise ValueError(f"synapses of InhibitorySTDP must start at I neurons, got {self.synapses!r}")

    @property
    def alpha(self):
        return 2.0 * self.target_rate / 1000.0 * self.tau


@dataclass(frozen=True)
class SynapticScaling:
    """Multiplicative synaptic scaling of the plastic excitatory inputs of every neuron.

    Every ``interval`` ms (and at the end of each sequence) the plastic
    excitatory weights onto each neuron are multiplied so that their sum is
    the neuron's target: ``target`` mV, or, when None, the sum it had when
    plasticity started.  Scaling acts after the STDP bounds.

    Parameters
    ----------
    target : float or None
    interval : float
        Time between scalings (ms).
    """

    target: float = None
    interval: float = 100.0

    def __post_init__(self):
        if self.target is not None:
            check_positive("target", self.target)
        check_positive("interval", self.interval)


@dataclass(frozen=True)
class IntrinsicPlasticity:
    """Adaptive threshold: each neuron's threshold moves to bring its rate to a target.

    Every step ``theta_i += eta * (s_i - target_rate * dt)`` (s_i = 1 if the
    neuron spiked), kept within ``[-max_shift, max_shift]`` so that a neuron
    that cannot reach the target (e.g. one without input) is not driven to an
    absurd threshold; the offsets persist after fitting.

    Parameters
    ----------
    target_rate : float
        Target rate (Hz).
    eta : float
        Threshold change per spike (mV).
    max_shift : float
        Largest threshold offset in either direction (mV).
    """

    target_rate: float = 10.0
    eta: float = 0.05
    max_shift: float = 10.0

    def __post_init__(self):
        check_positive("target_rate", self.target_rate)
        check_positive("eta", self.eta)
        check_positive("max_shift", self.max_shift)


@dataclass(frozen=True)
class Plasticity:
    """A combination of rules applied together.

    Parameters
    ----------
    stdp : STDP or TripletSTDP, optional
    istdp : InhibitorySTDP, optional
    scaling : SynapticScaling, optional
    intrinsic : IntrinsicPlasticity, optional
    """

    stdp: object = None
    istdp: object = None
    scaling: object = None
    intrinsic: object = None

    def __post_init__(self):
        kinds = {"stdp": (STDP, TripletSTDP), "istdp": (InhibitorySTDP,), "scaling": (SynapticScaling,),
                 "intrinsic": (IntrinsicPlasticity,)}
        for name, types in kinds.items():
            value = getattr(self, name)
            if value is not None and not isinstance(value, types):
                raise TypeError(f"{name} must be one of {[t.__name__ for t in types]} or None, got {value!r}")
        if self.scaling is not None and self.stdp is None:
            raise ValueError("scaling acts on the plastic excitatory synapses: give an stdp rule too")
        if all(getattr(self, n) is None for n in kinds):
            raise ValueError("Plasticity needs at least one rule")


def as_plasticity(value):
    """Normalise a rule, a list of rules or a :class:`Plasticity` (None stays None)."""
    if value is None or isinstance(value, Plasticity):
        return value
    rules = value if isinstance(value, (list, tuple)) else [value]
    slots = {}
    for rule in rules:
        slot = {STDP: "stdp", TripletSTDP: "stdp", InhibitorySTDP: "istdp", SynapticScaling: "scaling",
                IntrinsicPlasticity: "intrinsic"}.get(type(rule))
        if slot is None:
            raise TypeError(f"plasticity must be a Plasticity, a rule or a list of rules, got {rule!r}")
        if slot in slots:
            raise ValueError(f"plasticity names two rules for {slot!r}")
        slots[slot] = rule
    return Plasticity(**slots)


__all__ = ["STDP", "TripletSTDP", "InhibitorySTDP", "SynapticScaling", "IntrinsicPlasticity", "Plasticity",
           "TRIPLET_SETS", "as_plasticity", "replace"]
