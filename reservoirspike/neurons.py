"""Neuron models as small validated parameter records.

Units: times in ms, potentials in mV.  Synaptic currents are current-based
and expressed as the voltage they would produce across the membrane
resistance (R·I, in mV), as in the CUBA benchmark: a synaptic weight of
0.5 mV raises the excitatory current variable by 0.5 mV, and a neuron whose
``bias`` is 12 mV receives a constant drive of R·I = 12 mV.

Sub-threshold dynamics (all linear, so integrated exactly per step)::

    tau_m dV/dt  = (v_rest - V) + I_e + I_i + bias + drive(t)
    tau_e dI_e/dt = -I_e          tau_i dI_i/dt = -I_i
    tau_adapt dA/dt = -A          (AdaptiveLIF only)

A spike is emitted at the end of a step when ``V >= v_threshold + A``; then
``V = v_reset`` is held for ``t_ref`` ms and ``A += delta_threshold``.
"""

from dataclasses import dataclass, fields

import numpy as np

from ._validation import check_positive, check_real


@dataclass(frozen=True)
class LIF:
    """Leaky integrate-and-fire neuron with exponential E and I synaptic currents.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (ms).
    tau_e, tau_i : float
        Decay time constants of the excitatory and inhibitory currents (ms).
    v_rest : float
        Resting (leak reversal) potential (mV).
    v_reset : float
        Potential after a spike (mV).
    v_threshold : float
        Firing threshold (mV); must exceed ``v_reset``.
    t_ref : float
        Absolute refractory period (ms) during which V is held at ``v_reset``.
    bias : float
        Constant drive R·I (mV) added to the leak equilibrium.
    """

    tau_m: float = 20.0
    tau_e: float = 5.0
    tau_i: float = 10.0
    v_rest: float = -60.0
    v_reset: float = -60.0
    v_threshold: float = -50.0
    t_ref: float = 2.0
    bias: float = 0.0

    def __post_init__(self):
        for name in ("tau_m", "tau_e", "tau_i"):
            check_positive(name, getattr(self, name))
        for name in ("v_rest", "v_reset", "v_threshold", "bias"):
            check_real(name, getattr(self, name))
        check_real("t_ref", self.t_ref, low=0.0)
        if self.v_reset >= self.v_threshold:
            raise ValueError(
                f"v_reset must be below v_threshold, got v_reset={self.v_reset} "
                f"and v_threshold={self.v_threshold}"
            )

    def time_constants(self):
        """Name → value of every time constant of the model (ms)."""
        return {"tau_m": self.tau_m, "tau_e": self.tau_e, "tau_i": self.tau_i}

    def check_dt(self, dt):
        """Raise if ``dt`` is not smaller than every time constant."""
        for name, tau in self.time_constants().items():
            if not dt < tau:
                raise ValueError(
                    f"dt must be smaller than the shortest time constant, got dt={dt} ms "
                    f"and {name}={tau} ms"
                )

    def as_dict(self):
        """Parameters as a plain dict (for saving)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class AdaptiveLIF(LIF):
    """LIF with a spike-triggered threshold increase that decays back.

    Parameters
    ----------
    tau_adapt : float
        Decay time constant of the threshold increase (ms).
    delta_threshold : float
        Threshold increase added at each spike (mV, >= 0).
    **kwargs
        The parameters of :class:`LIF`.
    """

    tau_adapt: float = 100.0
    delta_threshold: float = 1.0

    def __post_init__(self):
        super().__post_init__()
        check_positive("tau_adapt", self.tau_adapt)
        check_real("delta_threshold", self.delta_threshold, low=0.0)

    def time_constants(self):
        return {**super().time_constants(), "tau_adapt": self.tau_adapt}


NEURON_MODELS = {"LIF": LIF, "AdaptiveLIF": AdaptiveLIF}


def _psc_to_membrane(tau_m, tau_s, dt):
    """Weight of a synaptic current (value at step start) in V after one step.

    Solves tau_m dV/dt = -V + I0 exp(-t/tau_s) from V(0)=0 over ``dt``.
    """
    if np.isclose(tau_s, tau_m, rtol=1e-12, atol=0.0):
        return dt / tau_m * np.exp(-dt / tau_m)
    return tau_s / (tau_s - tau_m) * (np.exp(-dt / tau_s) - np.exp(-dt / tau_m))


def propagators(model, dt):
    """Exact one-step propagators of ``model`` for time step ``dt`` (ms).

    Returns a dict of scalars: ``p_mm`` (membrane decay), ``p_me``/``p_mi``
    (current → membrane), ``p_ee``/``p_ii`` (current decay), ``p_aa``
    (adaptation decay), ``ref_steps`` (refractory steps) and the potentials.
    """
    model.check_dt(dt)
    adaptive = isinstance(model, AdaptiveLIF)
    return {
        "p_mm": np.exp(-dt / model.tau_m),
        "p_me": _psc_to_membrane(model.tau_m, model.tau_e, dt),
        "p_mi": _psc_to_membrane(model.tau_m, model.tau_i, dt),
        "p_ee": np.exp(-dt / model.tau_e),
        "p_ii": np.exp(-dt / model.tau_i),
        "p_aa": np.exp(-dt / model.tau_adapt) if adaptive else 0.0,
        "dtheta": model.delta_threshold if adaptive else 0.0,
        "ref_steps": int(round(model.t_ref / dt)),
        "v_rest": model.v_rest,
        "v_reset": model.v_reset,
        "v_threshold": model.v_threshold,
        "bias": model.bias,
    }
