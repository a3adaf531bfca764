"""A software prefetch for the CPU kernels (LLVM's ``llvm.prefetch``), callable from Numba code."""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, array, index):
    """Hint the CPU to bring ``array[index]`` into cache for a coming write; no effect on results.

    Useful where a loop reads and writes elements scattered over an array larger than the L2 cache
    and knows the indices some iterations ahead (the hardware prefetcher only follows strides).
    """
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_ptr = ir.IntType(8).as_pointer()
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_ptr)
        # the intrinsic's name carries the pointer type: "p0" for opaque pointers, "p0i8" before them
        name = "llvm.prefetch.p0" if getattr(byte_ptr, "is_opaque", False) else "llvm.prefetch.p0i8"
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]),
                                            name)
        # write access, high temporal locality, data cache
        builder.call(fn, [address, ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
