"""model.bin written by irc.targets.kerasjs.writer, run in the real Keras.js under Node."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from irc.errors import IrcError
from irc.targets.kerasjs.runtime import run_model_bin, run_model_bin_many
from irc.targets.kerasjs.writer import write_model_bin
from irc.targets.node.modules import REPO_ROOT
from tests.emit.emit_models import ALL_MODELS, generator_model, input_layer, keras_model, layer, random_inputs
from tests.emit.numpy_reference import run_reference

TOLERANCE = 1e-5


@pytest.mark.parametrize("build", ALL_MODELS, ids=lambda build: build.__name__)
def test_kerasjs_matches_numpy_reference(build, tmp_path):
    rng = np.random.default_rng(0)
    model = build(rng)
    inputs = random_inputs(model, rng)
    write_model_bin(model, tmp_path / "model.bin")

    result = run_model_bin(tmp_path / "model.bin", inputs, all_layers=True)

    expected = run_reference(model, inputs)
    assert sorted(result["outputs"]) == sorted(spec.layer for spec in model.outputs)
    assert sorted(result["layers"]) == sorted(layer.name for layer in model.layers)
    for name, actual in {**result["layers"], **result["outputs"]}.items():
        assert actual.shape == expected[name].shape, name
        assert np.abs(actual - expected[name]).max() <= TOLERANCE, name


def test_inputs_may_carry_the_batch_dimension(tmp_path):
    rng = np.random.default_rng(1)
    model = generator_model(rng)
    inputs = random_inputs(model, rng)
    write_model_bin(model, tmp_path / "model.bin")

    batched = run_model_bin(tmp_path / "model.bin", {k: v[None] for k, v in inputs.items()})

    expected = run_reference(model, inputs)["out"]
    assert np.abs(batched["outputs"]["out"] - expected).max() <= TOLERANCE
    assert batched["layers"] == {}


@pytest.mark.parametrize("all_layers", [False, True])
@pytest.mark.parametrize("build", ALL_MODELS, ids=lambda build: build.__name__)
def test_one_node_process_runs_several_inputs(build, all_layers, tmp_path):
    # Several runs of one loaded model (in-place layers included) must not leak into each other.
    rng = np.random.default_rng(5)
    model = build(rng)
    inputs_list = [random_inputs(model, rng) for _ in range(3)]
    write_model_bin(model, tmp_path / "model.bin")

    results = run_model_bin_many(tmp_path / "model.bin", inputs_list, all_layers=all_layers)

    assert len(results) == 3
    for inputs, result in zip(inputs_list, results):
        expected = run_reference(model, inputs)
        assert sorted(result["layers"]) == (sorted(layer.name for layer in model.layers) if all_layers else [])
        for name, actual in {**result["layers"], **result["outputs"]}.items():
            assert np.abs(actual - expected[name]).max() <= TOLERANCE, name


def test_kerasjs_failure_is_one_line_irc_error(tmp_path):
    model = generator_model(np.random.default_rng(2))
    write_model_bin(model, tmp_path / "model.bin")
    with pytest.raises(IrcError, match=r"input 'z' has shape \[3\], the model expects \[7\]"):
        run_model_bin(tmp_path / "model.bin", {"z": np.zeros(3, np.float32)})
    with pytest.raises(IrcError, match="ENOENT") as error:
        run_model_bin(tmp_path / "missing.bin", {"z": np.zeros(7, np.float32)})
    assert "\n" not in str(error.value)


def test_write_is_deterministic(tmp_path):
    write_model_bin(generator_model(np.random.default_rng(3)), tmp_path / "a.bin")
    write_model_bin(generator_model(np.random.default_rng(3)), tmp_path / "b.bin")
    write_model_bin(generator_model(np.random.default_rng(4)), tmp_path / "c.bin")
    a, b, c = ((tmp_path / f"{n}.bin").read_bytes() for n in "abc")
    assert a == b
    assert a[:34] != c[:34]  # the id (a content hash, 32 hex digits after key and length)


def _two_convs(first, second):
    def conv(name, inbound):
        config = {"filters": 1, "kernel_size": [1, 1], "padding": "valid", "use_bias": False}
        return layer(name, "Conv2D", config, [inbound], [("kernel", np.ones((1, 1, 1, 1)))])
    layers = [input_layer("x", (2, 2, 1)), conv(first, "x"), conv(second, first)]
    return keras_model("two_convs", layers, [("x", (2, 2, 1))], [(second, (2, 2, 1))])


def test_weight_lookup_rejects_a_name_that_ends_another(tmp_path):
    # Keras.js looks up `conv/kernel` with /^.*conv\/kernel/ and gets deconv/kernel:0 first.
    with pytest.raises(IrcError, match=r"Keras.js would load weight 'deconv/kernel:0' for 'conv/kernel'"):
        write_model_bin(_two_convs("deconv", "conv"), tmp_path / "model.bin")


def test_weight_lookup_accepts_shadowing_that_keras_js_resolves(tmp_path):
    # With conv first, conv/kernel:0 is the first match for conv and never matches deconv.
    write_model_bin(_two_convs("conv", "deconv"), tmp_path / "model.bin")


def test_dilation_with_strides_is_refused(tmp_path):
    # Conv2D.js throws "Incompatible combination of dilation_rate with strides." on load.
    model = _two_convs("a", "b")
    model.layer("b").config.update(dilation_rate=[2, 2], strides=[2, 2])
    with pytest.raises(IrcError, match=r"layer 'b' \(Conv2D, from b\) has dilation_rate \[2, 2\] with strides \[2, 2\]"):
        write_model_bin(model, tmp_path / "model.bin")
    model.layer("b").config.update(strides=[1, 1])
    write_model_bin(model, tmp_path / "model.bin")


def test_weights_must_be_the_ones_keras_js_reads(tmp_path):
    model = _two_convs("a", "b")
    model.layer("b").config["use_bias"] = True
    with pytest.raises(IrcError, match=r"layer 'b' \(Conv2D\) has weights \['kernel'\] but Keras.js reads"):
        write_model_bin(model, tmp_path / "model.bin")


def test_outputs_must_be_exactly_the_unconsumed_layers(tmp_path):
    model = _two_convs("a", "b")
    model.outputs[0].layer = "a"
    with pytest.raises(IrcError, match="output layer 'a' also feeds other layers"):
        write_model_bin(model, tmp_path / "model.bin")


def test_in_place_layer_must_own_its_input(tmp_path):
    # Keras.js's BatchNormalization overwrites its input buffer, which `copy` also reads.
    bn_weights = [(p, np.ones(3)) for p in ("gamma", "beta", "moving_mean", "moving_variance")]
    layers = [
        input_layer("x", (3,)),
        layer("fc", "Dense", {"units": 3}, ["x"], [("kernel", np.eye(3)), ("bias", np.zeros(3))]),
        layer("bn", "BatchNormalization", {}, ["fc"], bn_weights),
        layer("copy", "Reshape", {"target_shape": [3]}, ["fc"]),
        layer("sum", "Add", {}, ["bn", "copy"]),
    ]
    model = keras_model("branch", layers, [("x", (3,))], [("sum", (3,))])
    with pytest.raises(IrcError, match="'bn' .* overwrites its input in place, but that input is also read by copy"):
        write_model_bin(model, tmp_path / "model.bin")


MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from irc.targets.kerasjs.writer import write_model_bin
    from irc.lower.keras_graph import KerasLayer, KerasModel, KerasTensorSpec

    kernel = np.full((4096, 4096), 0.5, dtype=np.float32)  # 64 MiB
    layers = [KerasLayer("x", "InputLayer", {"batch_input_shape": [None, 4096]}),
              KerasLayer("fc", "Dense", {"units": 4096, "use_bias": False}, ["x"], [("kernel", kernel)])]
    spec = lambda name: KerasTensorSpec(name, name, (1, 4096), (1, 4096), (0, 1))
    model = KerasModel("big", layers, [spec("x")], [spec("fc")])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    write_model_bin(model, sys.argv[1])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024 / kernel.nbytes)
""")


def test_writing_streams_weights_without_copying_them(tmp_path):
    proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path / "big.bin")],
                          capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    extra_fraction = float(proc.stdout)
    assert extra_fraction < 0.1, f"writing grew peak RSS by {extra_fraction:.0%} of the weight bytes"
    assert (tmp_path / "big.bin").stat().st_size > 64 << 20
