"""The ONNX op handlers: ONNX op type -> `fn(ctx, onnx_node)` adding IR nodes."""

HANDLERS = {}


def onnx_op(*op_types):
    """Register a handler `fn(ctx, onnx_node)` for ONNX op types."""
    def register(fn):
        for op_type in op_types:
            HANDLERS[op_type] = fn
        return fn
    return register
