"""onnx_chainer (shipped with Chainer 7.8.1) imports `onnx.mapping`, which onnx >= 1.15
removed. Register a module with the two tables it reads before importing it."""

import sys
import types

import numpy as np
import onnx
from onnx import TensorProto

_NP_TO_ONNX = {
    np.float16: TensorProto.FLOAT16, np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE,
    np.int8: TensorProto.INT8, np.int16: TensorProto.INT16, np.int32: TensorProto.INT32,
    np.int64: TensorProto.INT64, np.uint8: TensorProto.UINT8, np.bool_: TensorProto.BOOL,
}


def install():
    if "onnx.mapping" in sys.modules:
        return
    shim = types.ModuleType("onnx.mapping")
    shim.NP_TYPE_TO_TENSOR_TYPE = {np.dtype(k): v for k, v in _NP_TO_ONNX.items()}
    shim.TENSOR_TYPE_TO_NP_TYPE = {v: np.dtype(k) for k, v in _NP_TO_ONNX.items()}
    # Storage fields as in the removed module: small ints and halves travel in int32_data.
    shim.STORAGE_TENSOR_TYPE_TO_FIELD = {
        TensorProto.FLOAT: "float_data", TensorProto.DOUBLE: "double_data",
        TensorProto.INT64: "int64_data", TensorProto.FLOAT16: "int32_data",
        TensorProto.INT8: "int32_data", TensorProto.INT16: "int32_data", TensorProto.INT32: "int32_data",
        TensorProto.UINT8: "int32_data", TensorProto.BOOL: "int32_data", TensorProto.STRING: "string_data",
    }
    sys.modules["onnx.mapping"] = shim
    onnx.mapping = shim
