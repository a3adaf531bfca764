"""Pulse packets in a synfire chain (Diesmann, Gewaltig & Aertsen 1999).

Launches packets (a spikes, spread sigma) into a 10 x 100 chain with the
published model, prints for every (a, sigma) the fraction of trials that
reach the last group and the volley it settles to, and draws the (sigma, a)
state-space portrait with the separatrix (where half the trials survive).

    python examples/synfire_packets.py [--trials 10] [--out synfire_portrait.png] [--quick]
"""

import argparse
import time

import numpy as np

from reservoirspike.architectures import synfire_chain
from reservoirspike.pulse_packets import launch_packet


def grid_table(chain, a_values, sigmas, trials):
    rows = []
    for a in a_values:
        for s in sigmas:
            traj = launch_packet(chain, a, s, trials=trials, random_state=1000 * a + int(10 * s))
            ok = traj.a[:, -1] >= 50
            fixed = (traj.a[ok, -1].mean(), traj.sigma[ok, -1].mean()) if ok.any() else (np.nan, np.nan)
            rows.append((a, s, ok.mean(), *fixed, traj))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--out", default="synfire_portrait.png")
    parser.add_argument("--quick", action="store_true", help="small grid (for tests)")
    args = parser.parse_args(argv)
    chain = synfire_chain(random_state=0)
    a_values, sigmas = ([30, 100], [0.0, 2.0]) if args.quick else ([30, 50, 70, 100], [0.0, 1.0, 2.0, 3.0])
    t0 = time.perf_counter()
    rows = grid_table(chain, a_values, sigmas, args.trials)
    print(f"{'a':>4}{'sigma ms':>10}{'reach g10':>11}{'a final':>9}{'sigma final':>13}")
    for a, s, frac, a_fix, s_fix, _ in rows:
        print(f"{a:>4}{s:>10.1f}{frac:>11.2f}{a_fix:>9.1f}{s_fix:>13.2f}")
    print(f"({args.trials} trials each, {time.perf_counter() - t0:.1f} s)")

    # separatrix: survival fraction on a finer grid, contour at 0.5
    fine_a = np.arange(30, 101, 10) if not args.quick else np.array([30, 100])
    fine_s = np.arange(0.0, 4.01, 0.5) if not args.quick else np.array([0.0, 3.0])
    survive = np.array([[launch_packet(chain, int(a), s, trials=max(2, args.trials // 2),
                                       random_state=7 + int(a) + int(100 * s)).reached() for s in fine_s]
                        for a in fine_a])
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from reservoirspike.plotting import packet_portrait, save
    except ImportError:
        print("matplotlib not installed: no figure (pip install 'reservoirspike[plot]')")
        return rows
    fig, ax = plt.subplots(figsize=(6, 5))
    for a, s, *_, traj in rows:
        n = min(3, traj.a.shape[0])  # a few trials per start point keep the portrait readable
        A = np.hstack([np.full((n, 1), float(a)), traj.a[:n]])
        S = np.hstack([np.full((n, 1), s), traj.sigma[:n]])
        for k in range(n):  # stop a trajectory once its volley is extinct (background only)
            dead = np.flatnonzero(A[k] < 10)
            if len(dead):
                A[k, dead[0] + 1:] = np.nan
                S[k, dead[0] + 1:] = np.nan
        survived = A[:, -1] >= 50
        for mask, color, label in ((survived, "tab:green", "reaches group 10"), (~survived, "tab:red", "dies out")):
            if mask.any():
                packet_portrait(A[mask], S[mask], ax=ax, color=color, label=label)
    if len(fine_a) > 1 and len(fine_s) > 1:
        cs = ax.contour(fine_s, fine_a, survive, levels=[0.5], colors="k", linewidths=2)
        ax.clabel(cs, fmt={0.5: "separatrix"})
    ax.set_title("synfire chain: pulse packets (a, σ) group by group")
    save(fig, args.out)
    print(f"figure: {args.out}")
    return rows


if __name__ == "__main__":
    main()
