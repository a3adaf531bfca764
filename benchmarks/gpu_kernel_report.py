"""What the resident CUDA kernel compiles to, for the batch workload: resources and a census of its SASS.

Runs the batch reference workload once on the GPU (``--sequences`` of them),
then prints for each compiled kernel its registers, local memory a thread,
and how often each instruction class appears in its machine code: shared- and
global-memory atomics, local-memory loads/stores (spills), barriers, FP64
arithmetic.  With ``--sass DIR`` the full disassembly is written there.  Meant
to be run under a profiler as well (``ncu ... python benchmarks/gpu_kernel_report.py``:
the timed launch is the second one).  Needs a real GPU and nvdisasm on the PATH.

    python benchmarks/gpu_kernel_report.py [--sequences 264] [--sass DIR]
"""

import argparse
import collections
import os
import re

import numpy as np

from reservoirspike import simulate
from reservoirspike.backends import cuda as gpu
from reservoirspike.workloads import RATE_ENCODER, batch_input, batch_network

_OPCODE = re.compile(r"^\s*/\*[0-9a-f]+\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)", re.M)
CLASSES = {
    "shared atomics": ("ATOMS",),
    "global atomics": ("ATOMG", "RED", "ATOM."),
    "local loads (spills)": ("LDL",),
    "local stores (spills)": ("STL",),
    "barriers": ("BAR",),
    "FP64 ops": ("DADD", "DMUL", "DFMA", "DSETP"),
    "global loads": ("LDG",),
    "shared loads": ("LDS",),
}


def census(sass):
    """Opcode counts of a SASS listing, and the counts by the classes above."""
    ops = collections.Counter(_OPCODE.findall(sass))
    by_class = {name: sum(c for op, c in ops.items() if op.startswith(prefixes)) for name, prefixes in CLASSES.items()}
    return ops, by_class


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=264)
    parser.add_argument("--sass", default=None, help="folder for the full disassembly")
    args = parser.parse_args(argv)

    net = batch_network()
    kw = dict(encoder=RATE_ENCODER, steps_per_frame=1000, record=("counts",), n_bins=10, random_state=0)
    simulate(net, batch_input(2), backend="cuda", **kw)  # compiles
    res = simulate(net, batch_input(args.sequences), backend="cuda", **kw)  # the launch a profiler should look at
    print("launch:", res.launch)
    for index, kernel in enumerate(gpu._COMPILED._kernels.values()):
        for signature, compiled in kernel.overloads.items():
            sass = compiled.inspect_sass()
            ops, by_class = census(sass)
            print(f"\nkernel {index}: {compiled.regs_per_thread} registers, {compiled.local_mem_per_thread} B local "
                  f"a thread, {sum(ops.values())} instructions")
            for name, count in by_class.items():
                print(f"  {name:>24}: {count}")
            print("  atomic opcodes:", {op: c for op, c in ops.items() if op.startswith(("ATOM", "RED"))})
            if args.sass:
                os.makedirs(args.sass, exist_ok=True)
                with open(os.path.join(args.sass, f"kernel{index}.sass"), "w") as f:
                    f.write(sass)
    assert np.all(res.total_spikes > 0)


if __name__ == "__main__":
    main()
