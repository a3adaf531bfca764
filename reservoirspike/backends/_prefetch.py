"""A software prefetch for the CPU kernels: ask for a cache line before a loop needs it.

Delivering a step's spikes in a large network reads each spiking neuron's row of
target indices (80 synapses: 320 bytes, five cache lines), which the neuron loop
has pushed out of the core's caches since its last use.  Read as the loop reaches
them, the rows' first lines arrive one after another at main-memory latency; asked
for all at once beforehand, they arrive together.  A prefetch changes no value: the
results stay bit for bit the same.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import step_jit

#: bytes of a cache line
LINE = 64


@intrinsic
def prefetch(typingctx, array, index):
    """Hint that ``array[index]`` (1-d, contiguous) will be read soon; no bounds check, no effect on values.

    LLVM's ``llvm.prefetch`` (read, keep in all cache levels, data).  The unsuffixed
    name is the one LLVM upgrades to the suffix of its own pointer types, so it
    compiles with typed and with opaque pointers alike.
    """
    if not (isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), ir.PointerType(ir.IntType(8)))
        int32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [address.type, int32, int32, int32])
        function = cgutils.get_or_insert_function(builder.module, hint, "llvm.prefetch")
        # read (0), temporal locality 3 (keep in every level), data cache (1)
        builder.call(function, [address, ir.Constant(int32, 0), ir.Constant(int32, 3), ir.Constant(int32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@step_jit()
def prefetch_span(array, lo, hi):
    """Prefetch every cache line of ``array[lo:hi]`` (1-d, contiguous; nothing for an empty span)."""
    if hi <= lo:
        return
    for s in range(lo, hi, LINE // array.itemsize):
        prefetch(array, s)
    prefetch(array, hi - 1)  # a span that does not start on a line ends on one the stride skips


@step_jit()
def prefetch_rows(ids, n_ids, indptr, indices, data, row_weight):
    """Prefetch the rows of the neurons ``ids[:n_ids]``: their targets ``indices[indptr[j]:indptr[j + 1]]``,
    and their weights ``data`` where ``row_weight[j]`` is 0 (the row has no one weight to add instead)."""
    for q in range(n_ids):
        j = ids[q]
        prefetch_span(indices, indptr[j], indptr[j + 1])
        if row_weight[j] == 0:
            prefetch_span(data, indptr[j], indptr[j + 1])
