"""A/B of reservoirspike versions on one GPU, in one lease: GPU rows of ``benchmarks/gpu.py`` per version.

Each version is a folder that holds a ``reservoirspike`` package (for an
older commit: ``git archive REV reservoirspike | tar -x -C ab/REV``); the
working tree's own package is ``.``.  The versions run in turn, each in its
own process, and the whole round is repeated (``--rounds``), so a drift of
the machine shows up as spread within a version rather than as a difference
between versions.  Each process puts its folder first on ``sys.path``, ahead
of an editable install.  Prints seq/s of the batch workload and run seconds
of CUBA per version and round (each a median of ``--repeats``).

    python benchmarks/gpu_ab.py . ab/d65e9fe [--rounds 2] [--sequences 10000] [--n 1048576] [--repeats 5]
                                [--duration 0.2] [--batch-steps 1000]
"""

import argparse
import json
import os
import subprocess
import sys

RUNNER = ("import runpy, sys; sys.path.insert(0, sys.argv[1]); import reservoirspike; "
          "print('package', reservoirspike.__file__, flush=True); sys.argv = ['gpu.py'] + sys.argv[2:]; "
          "runpy.run_path({script!r}, run_name='__main__')")


def run_version(folder, args):
    """GPU rows of ``benchmarks/gpu.py`` with ``folder``'s package: {(workload, size): row}."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu.py")
    command = [sys.executable, "-c", RUNNER.format(script=script), os.path.abspath(folder),
               "--sequences", args.sequences, "--cpu-sequences=", "--n", args.n, "--cpu-n=",
               "--repeats", str(args.repeats), "--duration", str(args.duration), "--batch-steps", str(args.batch_steps),
               "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{folder}: benchmarks/gpu.py failed:\n{done.stderr[-2000:]}")
    package = next(line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("package "))
    if os.path.dirname(os.path.dirname(os.path.abspath(package))) != os.path.abspath(folder):
        raise RuntimeError(f"{folder}: imported {package}, not the folder's package")
    rows = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            if row["workload"] in ("batch", "cuba"):
                rows[row["workload"], row.get("sequences", row["n"])] = row
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="+", help="folders holding a reservoirspike package ('.' for this tree)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sequences", default="10000", help="batch workload sizes")
    parser.add_argument("--n", default="1048576", help="CUBA sizes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--duration", type=float, default=0.2, help="CUBA biological seconds")
    parser.add_argument("--batch-steps", type=int, default=1000, help="steps a batch sequence")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a version's process may take")
    args = parser.parse_args(argv)
    for name in ("rounds", "repeats", "batch_steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if len(set(map(os.path.abspath, args.versions))) < len(args.versions):
        parser.error(f"versions: a folder is named twice in {args.versions}")
    for folder in args.versions:
        if not os.path.isfile(os.path.join(folder, "reservoirspike", "__init__.py")):
            parser.error(f"versions: {folder!r} holds no reservoirspike package")

    results = {folder: [] for folder in args.versions}
    for r in range(args.rounds):
        for folder in args.versions:
            results[folder].append(run_version(folder, args))
            print(f"round {r + 1}: {folder} done", flush=True)
    keys = sorted({key for runs in results.values() for rows in runs for key in rows})
    print(f"\n{'version':>24}  " + "  ".join(f"{w} {size}".rjust(22) for w, size in keys))
    for folder, runs in results.items():
        cells = []
        for key in keys:
            field = "sequences_per_s" if key[0] == "batch" else "run_s"
            unit = " seq/s" if key[0] == "batch" else " s"
            values = [rows[key][field] for rows in runs if key in rows]
            cells.append((", ".join(f"{v:.4g}" for v in values) + unit).rjust(22))
        print(f"{folder:>24}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
