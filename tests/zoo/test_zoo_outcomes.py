"""The zoo's judging and its table (tests/zoo/zoo.py), on made-up outcomes: what the members'
tests and the end-of-run table rely on."""

from types import SimpleNamespace

import numpy as np
import pytest

from tests.zoo import zoo


def test_refusal_names_the_onnx_op_from_import_and_from_lowering():
    imported = zoo.refusal("net.py: node /features/LayerNormalization (LayerNormalization): no Keras.js layer")
    lowered = zoo.refusal("node conv_3 (conv2d, from Conv:/features/conv): cannot lower to Keras.js: too big")
    assert (imported.verdict, lowered.verdict) == (zoo.refused("LayerNormalization"), zoo.refused("Conv"))


def test_a_chainer_function_that_cannot_be_exported_is_the_refused_op():
    outcome = zoo.refusal("net.npz: onnx_chainer cannot export F.upsampling_2d (called in link /dec1): no converter")
    assert outcome.verdict == zoo.refused("F.upsampling_2d")


def test_an_irc_error_that_names_no_node_is_wrong():
    outcome = zoo.refusal("net.py:Net: torch.onnx.export of Net with the torchscript exporter failed: ...")
    assert outcome.verdict == zoo.WRONG and "names no node" in outcome.detail


def test_comparison_bound_is_relative_to_the_largest_output_beyond_one():
    large = np.array([[-50.0, 2.0]], dtype=np.float32)                    # bound 1e-4 x 50
    small = np.array([[0.5, -0.25]], dtype=np.float32)                    # bound 1e-4 x 1
    statuses = [zoo.comparison(reference + np.float32(delta), reference).status
                for reference, delta in ((large, 4e-3), (large, 6e-3), (small, 8e-5), (small, 2e-4))]
    assert statuses == [zoo.MATCHED, zoo.WRONG, zoo.MATCHED, zoo.WRONG]


def test_a_wrong_shape_is_wrong():
    assert zoo.comparison(np.zeros((1, 10), np.float32), np.zeros((1, 1000), np.float32)).status == zoo.WRONG


def test_workers_results_sum_into_one_table():
    workers = [SimpleNamespace(stash=pytest.Stash()) for _ in range(2)]
    zoo.record(workers[0], "resnet18", "torchvision", zoo.MATCHED, "max|err| 1e-05")
    zoo.record(workers[1], "convnext_tiny", "torchvision", zoo.refused("LayerNormalization"),
               "/x/net.py: node n (LayerNormalization): no layer (supported: Add, Conv); 3.0 s")
    zoo.record(workers[1], "net", "chainer", zoo.WRONG, "max|err| 1 (bound 1e-4)")
    controller = SimpleNamespace(stash=pytest.Stash())
    for worker in workers:
        zoo.merge(controller, zoo.to_wire(worker))
    lines = zoo.table_lines(controller.stash[zoo.RESULTS])
    assert lines[-1].strip() == "3 members: 1 matched, 1 refused (naming the op), 1 wrong"
    assert lines[1].split() == ["torchvision", "convnext_tiny", "refused", "LayerNormalization",
                                "net.py:", "node", "n", "(LayerNormalization):", "no", "layer;", "3.0", "s"]
