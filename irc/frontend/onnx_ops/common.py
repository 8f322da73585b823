"""Helpers shared by the ONNX op handlers."""

from onnx import helper


def attrs_of(onnx_node):
    return {a.name: helper.get_attribute_value(a) for a in onnx_node.attribute}


def optional_input(onnx_node, i):
    return onnx_node.input[i] if len(onnx_node.input) > i and onnx_node.input[i] else None
