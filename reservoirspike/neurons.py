"""Neuron models as small validated parameter records.

Units: times in ms, potentials in mV.  Synaptic currents are current-based
and expressed as the voltage they would produce across the membrane
resistance (R·I, in mV), as in the CUBA benchmark: a synaptic weight of
0.5 mV raises the excitatory current variable by 0.5 mV, and a neuron whose
``bias`` is 12 mV receives a constant drive of R·I = 12 mV.

Sub-threshold dynamics (all linear, so integrated exactly per step)::

    tau_m dV/dt  = (v_rest - V) + I_e + I_i + bias + drive(t)
    exponential synapses:  tau_e dI_e/dt = -I_e,        a spike adds w to I_e
    alpha synapses:        tau_e dI_e/dt = -I_e + y_e,  tau_e dy_e/dt = -y_e,
                           a spike adds w to y_e (I_e = w t/tau_e exp(-t/tau_e))
    (the same for I with tau_i)
    tau_adapt dA/dt = -A          (AdaptiveLIF only)

A background drive enters where excitatory spikes enter (I_e, or y_e for
alpha synapses) as ``noise_mean + noise_std * xi(t)`` per ms, xi Gaussian
white noise; its effect over a step is drawn exactly (the joint Gaussian
increment of the linear system), from the counter-based generator.

A spike is emitted at the end of a step when ``V >= v_threshold + A``; then
``V = v_reset`` is held for ``t_ref`` ms and ``A += delta_threshold``.
"""

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from scipy.linalg import eigh, expm

from ._validation import check_choice, check_positive, check_real

SYNAPSES = ("exponential", "alpha")


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
    synapse : {"exponential", "alpha"}
        Shape of the synaptic currents: a jump then exponential decay, or
        an alpha function peaking ``tau_e`` (``tau_i``) after the spike.
        Integration is exact over each step: with exponential currents, the
        spikes that arrive in a step (their sum, in fixed point) are added
        to the current at the step's start, ``I <- I + w``, and V, I then
        advance by their one-step propagators.
    noise_mean : float
        Mean background drive into the excitatory synaptic variable (mV/ms).
    noise_std : float
        Amplitude of its Gaussian white noise (mV/ms**0.5).
    e_rev_exc : float, optional
        Reversal potential (mV) of conductance-based excitatory synapses.
        When set, the excitatory variable is a conductance g_e in units of
        the leak conductance (weights are dimensionless conductance
        increments) and the membrane obeys
        ``tau_m dV/dt = (v_rest - V) + g_e (e_rev_exc - V) + I_i + bias``.
        V is then advanced with the step-averaged conductance (exact when
        g_e is constant over the step; not exact in general).
    """

    tau_m: float = 20.0
    tau_e: float = 5.0
    tau_i: float = 10.0
    v_rest: float = -60.0
    v_reset: float = -60.0
    v_threshold: float = -50.0
    t_ref: float = 2.0
    bias: float = 0.0
    synapse: str = "exponential"
    noise_mean: float = 0.0
    noise_std: float = 0.0
    e_rev_exc: float = None

    def __post_init__(self):
        for name in ("tau_m", "tau_e", "tau_i"):
            check_positive(name, getattr(self, name))
        for name in ("v_rest", "v_reset", "v_threshold", "bias", "noise_mean"):
            check_real(name, getattr(self, name))
        check_real("t_ref", self.t_ref, low=0.0)
        check_real("noise_std", self.noise_std, low=0.0)
        check_choice("synapse", self.synapse, SYNAPSES)
        if self.e_rev_exc is not None:
            check_real("e_rev_exc", self.e_rev_exc)
            if self.synapse != "exponential":
                raise ValueError("conductance-based excitation (e_rev_exc) needs synapse='exponential'")
        if self.v_reset >= self.v_threshold:
            raise ValueError(
                f"v_reset must be below v_threshold, got v_reset={self.v_reset} "
                f"and v_threshold={self.v_threshold}"
            )

    def time_constants(self):
        """Name → value of every time constant of the model (ms)."""
        return {"tau_m": self.tau_m, "tau_e": self.tau_e, "tau_i": self.tau_i}

    def check_dt(self, dt):
        """Raise if ``dt`` is not a positive number smaller than every time constant."""
        check_positive("dt", dt)
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


def _synapse_propagators(tau_m, tau_s, dt, alpha):
    """One-step propagator of (V - V_inf, I, y) for one synapse type.

    Returns (p_mm, p_mI, p_my, p_II, p_Iy, p_yy).  Exponential synapses
    have no y: a spike arriving in a step acts on I at the step start, which
    is written with the same coefficients (p_my = p_mI, p_Iy = p_II, p_yy = 0).
    """
    if alpha:
        A = np.array([[-1 / tau_m, 1 / tau_m, 0.0], [0.0, -1 / tau_s, 1 / tau_s], [0.0, 0.0, -1 / tau_s]])
        P = expm(A * dt)
        return P[0, 0], P[0, 1], P[0, 2], P[1, 1], P[1, 2], P[2, 2]
    P = expm(np.array([[-1 / tau_m, 1 / tau_m], [0.0, -1 / tau_s]]) * dt)
    return P[0, 0], P[0, 1], P[0, 1], P[1, 1], P[1, 1], 0.0


def _drive_increment(model, dt):
    """Exact per-step effect of the background drive on (V, I_e, y_e).

    The drive ``mu + sigma xi`` enters the excitatory entry variable.  Over
    one step the linear system gives ``z' = Phi z + Gamma + w`` with
    ``w ~ N(0, Q)``.  The kernel adds ``g = Phi^-1 (Gamma + S xi)`` (S S^T = Q,
    xi standard normal) to the state *before* propagating it, which is the
    same update.  Returns (offset (3,), gain (3, 3)).
    """
    if model.noise_mean == 0.0 and model.noise_std == 0.0:  # no drive: no increment (and no matrix functions)
        return np.zeros(3), np.zeros((3, 3))
    alpha = model.synapse == "alpha"
    tm, ts = model.tau_m, model.tau_e
    if alpha:
        A = np.array([[-1 / tm, 1 / tm, 0.0], [0.0, -1 / ts, 1 / ts], [0.0, 0.0, -1 / ts]])
        b = np.array([0.0, 0.0, 1.0])
    else:
        A = np.array([[-1 / tm, 1 / tm], [0.0, -1 / ts]])
        b = np.array([0.0, 1.0])
    k = len(b)
    phi = expm(A * dt)
    aug = np.zeros((k + 1, k + 1))
    aug[:k, :k] = A
    aug[:k, k] = b * model.noise_mean
    gamma = expm(aug * dt)[:k, k]
    # Van Loan: Q = int_0^dt e^{As} b b^T sigma^2 e^{A^T s} ds
    M = np.zeros((2 * k, 2 * k))
    M[:k, :k] = -A
    M[:k, k:] = np.outer(b, b) * model.noise_std**2
    M[k:, k:] = A.T
    E = expm(M * dt)
    Q = E[k:, k:].T @ E[:k, k:]
    lam, U = eigh((Q + Q.T) / 2)
    S = U * np.sqrt(np.clip(lam, 0.0, None))
    inv = np.linalg.inv(phi)
    offset, gain = np.zeros(3), np.zeros((3, 3))
    offset[:k] = inv @ gamma
    gain[:k, :k] = inv @ S
    return offset, gain


def propagators(model, dt):
    """Exact one-step propagators of ``model`` for time step ``dt`` (ms).

    Returns a dict: ``p_mm`` (membrane decay); ``p_me``, ``p_mye``,
    ``p_ee``, ``p_eye``, ``p_yye`` (excitatory current and entry variable
    → membrane and their own decay) and the same with ``i`` for inhibition;
    ``p_aa`` (adaptation decay); ``ref_steps``; the potentials; and the
    background drive as ``drive_offset`` (3,) and ``drive_gain`` (3, 3)
    acting on (V, I_e, y_e).
    """
    model.check_dt(dt)
    try:
        hash(model)
    except TypeError:  # a model with an unhashable field: computed afresh
        table = _propagators(model, float(dt))
    else:
        table = _cached_propagators(model, float(dt))
    return {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in table.items()}


@lru_cache(maxsize=256)
def _cached_propagators(model, dt):
    """:func:`_propagators`, kept: every run asks for them, and SciPy's matrix functions wake BLAS threads
    that then spin on a core for a while (on a 2-core machine, against the simulation's own threads)."""
    return _propagators(model, dt)


def _propagators(model, dt):
    """The table of :func:`propagators`, computed."""
    adaptive = isinstance(model, AdaptiveLIF)
    alpha = model.synapse == "alpha"
    p_mm, p_me, p_mye, p_ee, p_eye, p_yye = _synapse_propagators(model.tau_m, model.tau_e, dt, alpha)
    _, p_mi, p_myi, p_ii, p_iyi, p_yyi = _synapse_propagators(model.tau_m, model.tau_i, dt, alpha)
    offset, gain = _drive_increment(model, dt)
    return {
        "p_mm": p_mm, "p_me": p_me, "p_mye": p_mye, "p_ee": p_ee, "p_eye": p_eye, "p_yye": p_yye,
        "p_mi": p_mi, "p_myi": p_myi, "p_ii": p_ii, "p_iyi": p_iyi, "p_yyi": p_yyi,
        "p_aa": np.exp(-dt / model.tau_adapt) if adaptive else 0.0,
        "dtheta": model.delta_threshold if adaptive else 0.0,
        "ref_steps": int(round(model.t_ref / dt)),
        "v_rest": model.v_rest,
        "v_reset": model.v_reset,
        "v_threshold": model.v_threshold,
        "bias": model.bias,
        "has_drive": float(model.noise_mean != 0.0 or model.noise_std > 0.0),
        "conductance": float(model.e_rev_exc is not None),
        "e_rev_exc": 0.0 if model.e_rev_exc is None else model.e_rev_exc,
        "g_avg": model.tau_e / dt * (1.0 - np.exp(-dt / model.tau_e)),
        "dt_over_tau_m": dt / model.tau_m,
        "drive_offset": offset,
        "drive_gain": gain,
    }
