"""Single-neuron dynamics against closed-form solutions."""

import numpy as np
import pytest
from scipy.optimize import brentq

from reservoirspike import LIF, AdaptiveLIF, EventStream, Network, Population, SpikeEncoder, simulate

from conftest import single_neuron_network


def test_membrane_under_constant_current_matches_closed_form():
    model = LIF(tau_m=20.0, v_rest=-65.0, v_reset=-65.0, v_threshold=-50.0, t_ref=2.0)
    dt, drive, T = 0.1, 20.0, 3000  # R*I = 20 mV drives V towards -45 mV
    net = single_neuron_network(model, dt=dt, input_weight=1.0)
    res = simulate(net, np.full((1, T, 1), drive), record=("spikes", "state"), state_neurons=[0])
    v = res.state[0][:, 0, 0]
    t_star = -model.tau_m * np.log(1 - (model.v_threshold - model.v_rest) / drive)
    # up to the first spike: V(t) = E + RI (1 - exp(-t / tau_m)) at the end of every step
    first = int(res.spike_steps(0)[0][0])
    t = (np.arange(first) + 1) * dt
    exact = model.v_rest + drive * (1 - np.exp(-t / model.tau_m))
    assert np.max(np.abs((v[:first] - exact) / exact)) < 1e-5
    # every spike within one step after the analytic crossing of its cycle
    times, _ = res.spikes(0)
    assert len(times) >= 5
    start = 0.0
    for k, ts in enumerate(times):
        predicted = start + t_star
        assert predicted <= ts < predicted + dt, (k, ts, predicted)
        start = ts + model.t_ref  # reset at the end of the spike's step, then refractory
    # during the refractory period V is held at reset
    s = int(res.spike_steps(0)[0][0])
    n_ref = int(round(model.t_ref / dt))
    assert np.all(v[s:s + n_ref + 1] == model.v_reset)
    assert v[s + n_ref + 1] > model.v_reset


def test_adaptive_threshold_matches_closed_form_crossings():
    model = AdaptiveLIF(tau_m=10.0, v_rest=-70.0, v_reset=-70.0, v_threshold=-55.0, t_ref=0.0,
                        tau_adapt=50.0, delta_threshold=3.0)
    dt, drive, T = 0.01, 30.0, 20000
    net = single_neuron_network(model, dt=dt)
    times, _ = simulate(net, np.full((1, T, 1), drive), record=("spikes",)).spikes(0)
    assert len(times) >= 4
    isi = np.diff(times)
    assert np.all(np.diff(isi[:4]) > 0)  # spike-frequency adaptation
    # next crossing from reset: E + RI + (Vr - E - RI) e^{-s/tau_m} = Vt + A e^{-s/tau_a}
    A = 0.0
    for k in range(3):
        A = A + model.delta_threshold  # threshold increment at spike k (decay already applied)
        g = lambda s: (model.v_rest + drive + (model.v_reset - model.v_rest - drive) * np.exp(-s / model.tau_m)
                       - model.v_threshold - A * np.exp(-s / model.tau_adapt))
        s_star = brentq(g, 1e-9, 200.0)
        predicted = times[k] + s_star
        assert predicted <= times[k + 1] < predicted + dt + 1e-9, (k, times[k + 1], predicted)
        A = A * np.exp(-(times[k + 1] - times[k]) / model.tau_adapt)


@pytest.mark.parametrize("weight,idx", [(0.8, 1), (-1.5, 2)])
def test_single_synaptic_event_exact_psc_and_psp_after_its_delay(weight, idx):
    dt, delay = 0.1, 17
    model = LIF(tau_m=20.0, tau_e=5.0, tau_i=10.0, v_rest=-60.0, v_reset=-60.0, v_threshold=-50.0)
    excit = weight > 0
    driver = LIF(tau_e=0.2, t_ref=100.0)  # one input event makes it fire exactly once
    pops = (Population("driver", 1, excit, driver), Population("target", 1, True, model))
    net = Network(pops, dt, indptr=[0, 1, 1], indices=[1], data=[weight], delays=[delay], n_inputs=1,
                  input_indptr=[0, 1], input_indices=[0], input_data=[5000.0])
    res = simulate(net, [EventStream([0.0], [0], duration=40.0)], encoder=SpikeEncoder(1),
                   record=("spikes", "state"), state_neurons=[1])
    steps, ids = res.spike_steps(0)
    assert list(ids) == [0]  # the driver fires once, the target never
    arrival = int(steps[0]) + delay
    cur = res.state[0][:, 0, idx]
    v = res.state[0][:, 0, 0]
    assert np.all(cur[:arrival] == 0) and np.all(v[:arrival] == model.v_rest)
    tau_s = model.tau_e if excit else model.tau_i
    weight = float(np.float32(weight))  # the network stores float32 weights
    t = (np.arange(arrival, len(v)) - arrival + 1) * dt  # time since arrival at each step end
    exact_i = weight * np.exp(-t / tau_s)
    exact_v = model.v_rest + weight * tau_s / (tau_s - model.tau_m) * (np.exp(-t / tau_s) - np.exp(-t / model.tau_m))
    np.testing.assert_allclose(cur[arrival:], exact_i, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(v[arrival:], exact_v, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("step", ["lean", "lean, arrivals taken in before the loop", "full"])
def test_arrivals_enter_an_exponential_current_with_one_addition(step, monkeypatch):
    """Bit for bit, the documented arithmetic: a step's arrivals ``y`` (fixed point, 2**-32 mV) enter the
    current at the step start, ``I + y``, which then drives V and decays (``p_my == p_m``, ``p_Iy == p_I``).
    Events reach the neuron while both currents are nonzero, so ``I p_m + y p_my`` would round differently."""
    from reservoirspike.backends import cpu
    from reservoirspike.neurons import propagators

    if step == "lean, arrivals taken in before the loop":
        monkeypatch.setattr(cpu, "SPARSE_CLEAR_NEURONS", 1)
    kind = dict(tau_m=20.0, tau_e=5.0, tau_i=10.0, v_rest=-60.0, v_reset=-60.0, v_threshold=-40.0)
    model = AdaptiveLIF(**kind, tau_adapt=100.0, delta_threshold=1.0) if step == "full" else LIF(**kind)
    dt, weights = 0.1, np.array([0.7, -1.3, 0.45], np.float32)
    net = Network((Population("E", 1, True, model),), dt, indptr=np.zeros(2, np.int64),
                  indices=np.zeros(0, np.int32), data=np.zeros(0, np.float32), delays=np.zeros(0, np.int16),
                  n_inputs=3, input_indptr=[0, 1, 2, 3], input_indices=[0, 0, 0], input_data=weights)
    steps, channels = np.array([3, 3, 8, 8, 9, 15, 16, 40]), np.array([0, 1, 0, 2, 1, 2, 1, 0])
    res = simulate(net, [EventStream((steps + 0.5) * dt, channels, 60 * dt)], encoder=SpikeEncoder(3),
                   record=("spikes", "state"), state_neurons=[0])
    assert res.total_spikes[0] == 0
    tab = propagators(model, dt)
    fixed = np.floor(weights.astype(np.float64) * 2.0**32 + 0.5).astype(np.int64)
    v, ie, ii = tab["v_rest"], 0.0, 0.0
    expected = []
    for t in range(60):
        here = channels[steps == t]
        ie = ie + int(fixed[here][fixed[here] > 0].sum()) * 2.0**-32  # one fixed-point sum a ring and step
        ii = ii + int(fixed[here][fixed[here] < 0].sum()) * 2.0**-32
        v = tab["v_rest"] + (v - tab["v_rest"]) * tab["p_mm"] + ie * tab["p_me"] + ii * tab["p_mi"]
        ie, ii = ie * tab["p_ee"], ii * tab["p_ii"]
        expected.append((v, ie, ii))
    np.testing.assert_array_equal(res.state[0][:, 0, :], np.array(expected))


def test_neuron_parameter_validation():
    with pytest.raises(ValueError, match="tau_m"):
        LIF(tau_m=0.0)
    with pytest.raises(ValueError, match="v_reset"):
        LIF(v_reset=-40.0, v_threshold=-50.0)
    with pytest.raises(ValueError, match="t_ref"):
        LIF(t_ref=-1.0)
    with pytest.raises(ValueError, match="tau_adapt"):
        AdaptiveLIF(tau_adapt=-5.0)
    with pytest.raises(TypeError, match="tau_e"):
        LIF(tau_e="5")
    with pytest.raises(ValueError, match="dt must be smaller"):
        single_neuron_network(LIF(tau_e=0.5), dt=1.0)


def test_alpha_synapse_psc_and_psp_closed_form():
    dt, delay, w = 0.05, 20, 3.0
    model = LIF(tau_m=10.0, tau_e=0.8, synapse="alpha", v_rest=-70.0, v_reset=-70.0, v_threshold=-50.0)
    driver = LIF(tau_e=0.2, t_ref=100.0)
    pops = (Population("driver", 1, True, driver), Population("target", 1, True, model))
    net = Network(pops, dt, indptr=[0, 1, 1], indices=[1], data=[w], delays=[delay], n_inputs=1,
                  input_indptr=[0, 1], input_indices=[0], input_data=[5000.0])
    res = simulate(net, [EventStream([0.0], [0], duration=30.0)], encoder=SpikeEncoder(1),
                   record=("spikes", "state"), state_neurons=[1])
    arrival = int(res.spike_steps(0)[0][0]) + delay
    v, cur = res.state[0][:, 0, 0], res.state[0][:, 0, 1]
    assert np.all(cur[:arrival] == 0)
    t = (np.arange(arrival, len(v)) - arrival + 1) * dt
    ts, tm = model.tau_e, model.tau_m
    np.testing.assert_allclose(cur[arrival:], w * t / ts * np.exp(-t / ts), rtol=1e-9, atol=1e-12)
    a, b = 1 / ts, 1 / tm
    c = a - b
    exact_v = model.v_rest + w / (tm * ts * c**2) * (np.exp(-b * t) - np.exp(-a * t) * (1 + c * t))
    np.testing.assert_allclose(v[arrival:], exact_v, rtol=1e-9, atol=1e-9)
    assert abs(t[np.argmax(cur[arrival:])] - ts) <= dt  # the current peaks tau after arrival


def test_background_noise_has_the_ornstein_uhlenbeck_statistics():
    # exponential synapse: I is OU (mean mu*tau_s, var sigma^2 tau_s / 2); V low-passes it
    mu, sigma, ts, tm = 0.8, 1.5, 5.0, 20.0
    model = LIF(tau_m=tm, tau_e=ts, noise_mean=mu, noise_std=sigma, v_threshold=1e6, v_reset=-60.0)
    pop = Population("E", 400, True, model)
    net = Network((pop,), 0.5, indptr=np.zeros(401, np.int64), indices=[], data=[], delays=[], n_inputs=1,
                  input_indptr=[0, 0], input_indices=[], input_data=[])
    res = simulate(net, np.zeros((1, 4000, 1)), record=("state",), state_neurons=np.arange(400))
    st = res.state[0][400:]  # after 200 ms of settling
    v, cur = st[:, :, 0], st[:, :, 1]
    assert abs(cur.mean() - mu * ts) < 0.03
    assert abs(cur.var() / (sigma**2 * ts / 2) - 1) < 0.05
    assert abs(v.mean() - (-60.0 + mu * ts)) < 0.05
    assert abs(v.var() / (sigma**2 * ts**2 / (2 * (ts + tm))) - 1) < 0.06
    # different neurons see independent noise
    assert abs(np.corrcoef(cur[:, 0], cur[:, 1])[0, 1]) < 0.1


def test_propagators_are_kept_but_each_caller_gets_its_own_table():
    from reservoirspike.neurons import propagators

    noisy = LIF(noise_mean=0.5, noise_std=1.0)
    first = propagators(noisy, 0.1)
    first["drive_gain"][:] = 99.0  # a caller changing its table changes no one else's
    first["p_mm"] = 0.0
    second = propagators(noisy, 0.1)
    assert second["p_mm"] == pytest.approx(np.exp(-0.1 / noisy.tau_m), rel=1e-12)
    assert np.all(second["drive_gain"] != 99.0) and np.any(second["drive_gain"] != 0.0)
    assert second["drive_offset"][1] > 0.0  # a positive mean drive raises I_e
    quiet = propagators(LIF(), 0.1)  # no background drive: exactly none
    assert np.all(quiet["drive_offset"] == 0.0) and np.all(quiet["drive_gain"] == 0.0)
    with pytest.raises(ValueError, match="dt"):
        propagators(noisy, 0.0)
