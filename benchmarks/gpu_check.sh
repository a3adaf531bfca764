#!/usr/bin/env bash
# The GPU check in one go: install (numba, numba-cuda and scikit-learn are expected to be there), the CUDA
# tests on the real device, then the GPU benchmark against this machine's CPU backend.  Extra arguments go
# to benchmarks/gpu.py (by default the batch workload also runs a few other launch configurations at 10 000
# sequences, so one lease compares them).  Ends with benchmarks/gpu_kernel_report.py (resources and a SASS
# census of the resident kernel) and, where ncu is installed and GPU_CHECK_PROFILE is not 0, a profile of one of
# its launches.  Writes logs to $OUT when set (the lent-device tool), else to
# ./gpu-check-logs.  To compare versions in the same lease, see benchmarks/gpu_ab.py.
set -uo pipefail
cd "$(dirname "$0")/.."
logs="${OUT:-gpu-check-logs}"
mkdir -p "$logs"
export PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -m pip install -q --no-build-isolation --no-deps -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv
python3 -c "import numba, numba_cuda, numpy, sklearn; print('numba', numba.__version__, 'numba-cuda', \
numba_cuda.__version__, 'numpy', numpy.__version__, 'scikit-learn', sklearn.__version__)"
# the tests compile many kernels: spread them over the host's cores when pytest-xdist is there
parallel=()
python3 -c "import xdist" 2>/dev/null && parallel=(-n 8)
python3 -m pytest -q -p no:cacheprovider "${parallel[@]}" tests/test_cuda.py --durations=5 2>&1 | tee "$logs/tests.log"
variants="general:kernel=general"
variants+=";r1024:resident_threads=1024"
variants+=";r256-128reg:resident_threads=256,max_registers=128"
cuba_variants="g64:max_registers=64;g32:max_registers=32"
if [ $# -eq 0 ]; then set -- --variants "$variants" --cuba-variants "$cuba_variants"; fi
python3 benchmarks/gpu.py "$@" 2>&1 | tee "$logs/bench.log"
# what the resident kernel compiled to (registers, spills, atomics), then a profile of one launch if ncu is there
python3 benchmarks/gpu_kernel_report.py --sass "$logs/sass" 2>&1 | grep -v NumbaPerformanceWarning | tee "$logs/kernel.log"
if [ "${GPU_CHECK_PROFILE:-1}" != 0 ] && command -v ncu >/dev/null; then
    timeout 150 ncu --section SpeedOfLight --section Occupancy --section WarpStateStats --section SchedulerStats \
        -k regex:simulate --launch-skip 1 --launch-count 1 python3 benchmarks/gpu_kernel_report.py \
        > "$logs/ncu.log" 2>&1
    echo "ncu exit status $?"; grep -E "Duration|Warp Cycles Per Issued|Stall|Achieved Occupancy|Issue Slot|No Eligible" \
        "$logs/ncu.log" | head -40
fi
