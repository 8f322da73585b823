"""Hostile inputs: ONNX files."""

import numpy as np
import onnx
from onnx import TensorProto, helper

from tests.hostile.corpus import case, compile_args, save_onnx, write
from tests.onnx_models import OnnxBuilder


@case(r"m\.onnx: not a readable ONNX model \(DecodeError: Error parsing message")
def onnx_garbage(tmp, fx):
    (tmp / "m.onnx").write_bytes(b"\x08\x07\xff\xff\xff\xff garbage")
    return compile_args(tmp / "m.onnx", tmp)


@case(r"m\.onnx: not a readable ONNX model \(.*\)")
def onnx_truncated(tmp, fx):
    data = fx.model_onnx.read_bytes()
    (tmp / "m.onnx").write_bytes(data[:len(data) // 2])
    return compile_args(tmp / "m.onnx", tmp)


@case(r"m\.onnx: holds no ONNX graph outputs \(an empty file, or not an ONNX model\); export the model again")
def onnx_empty_file(tmp, fx):
    return compile_args(write(tmp / "m.onnx", ""), tmp)


@case(r"m\.onnx: node Relu_1 \(Relu\): input b is not produced by any earlier node "
      r"\(the graph has a cycle, is not sorted topologically or names a missing tensor\)")
def onnx_cycle(tmp, fx):
    nodes = [helper.make_node("Relu", ["b"], ["a"], name="Relu_1"),
             helper.make_node("Add", ["x", "a"], ["b"], name="Add_2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3])])
    return compile_args(save_onnx(helper.make_model(graph), tmp / "m.onnx"), tmp)


@case(r"m\.onnx: node LpNormalization_2 \(LpNormalization\): ONNX op LpNormalization is not supported")
def onnx_unknown_op(tmp, fx):
    b = OnnxBuilder((1, 3, 4, 5))
    out = b.node("LpNormalization", [b.node("Relu", ["x"])])
    return compile_args(save_onnx(b.model([out]), tmp / "m.onnx"), tmp)


@case(r"m\.onnx: node Evil_1 \(Evil\): op domain 'com\.example' is not supported")
def onnx_unknown_domain(tmp, fx):
    b = OnnxBuilder((1, 3))
    b.nodes.append(helper.make_node("Evil", ["x"], ["y"], name="Evil_1", domain="com.example"))
    return compile_args(save_onnx(b.model(["y"]), tmp / "m.onnx"), tmp)


@case(r"m\.onnx: input x has a dynamic shape \['N', 3, 4, 5\]; give --input-shape")
def onnx_dynamic_shape(tmp, fx):
    model = onnx.load(str(fx.model_onnx))
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    return compile_args(save_onnx(model, tmp / "m.onnx"), tmp)


@case(r"m\.onnx: input x has type INT64; irc compiles float32 inputs")
def onnx_integer_input(tmp, fx):
    model = onnx.load(str(fx.model_onnx))
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.INT64
    return compile_args(save_onnx(model, tmp / "m.onnx"), tmp)


@case(r"m\.onnx: node Conv_1 \(Conv\): weight w0 holds 1 NaN value; irc refuses non-finite weights")
def onnx_nan_weight(tmp, fx):
    model = onnx.load(str(fx.model_onnx))
    w = onnx.numpy_helper.to_array(model.graph.initializer[0]).copy()
    w[0, 0, 0, 0] = np.nan
    model.graph.initializer[0].CopyFrom(onnx.numpy_helper.from_array(w, "w0"))
    return compile_args(save_onnx(model, tmp / "m.onnx"), tmp)


# irc keeps the first 200 characters of ONNX's message, which holds the test's directory: not
# its end (under pytest-xdist the directory is 10 characters longer).
@case(r"m\.onnx: not a readable ONNX model \(ValidationError: Data of TensorProto \( tensor name: w0\) should be "
      r"file inside .*, but '\.\./\.\./\.\./\.\./\.\./\.\./etc/hostname' points outside")
def onnx_external_data_escapes(tmp, fx):
    """An initializer whose data lives "outside": ../../etc/hostname must not be read."""
    model = onnx.load(str(fx.model_onnx))
    init = model.graph.initializer[0]
    init.ClearField("raw_data")
    init.data_location = TensorProto.EXTERNAL
    init.external_data.add(key="location", value="../../../../../../etc/hostname")
    return compile_args(save_onnx(model, tmp / "m.onnx"), tmp)


@case(r"m\.onnx: graph output nowhere is not computed from the inputs")
def onnx_dangling_output(tmp, fx):
    model = onnx.load(str(fx.model_onnx))
    model.graph.output[0].name = "nowhere"
    return compile_args(save_onnx(model, tmp / "m.onnx"), tmp)


@case(r"m\.onnx: node \.\./\.\./etc\\nx\.\*\"q\\x1b\]0;pwned\\x07 \(LpNormalization\): "
      r"ONNX op LpNormalization is not supported")
def onnx_hostile_node_name_in_a_message(tmp, fx):
    """A newline or a terminal escape in a name can neither split the one error line nor
    reach the terminal; they are shown escaped."""
    b = OnnxBuilder((1, 3, 4, 5))
    b.nodes.append(helper.make_node("LpNormalization", ["x"], ["y"], name='../../etc\nx.*"q\x1b]0;pwned\x07'))
    return compile_args(save_onnx(b.model(["y"]), tmp / "m.onnx"), tmp)
