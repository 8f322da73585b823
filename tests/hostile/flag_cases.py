"""Hostile inputs: flags."""

import resource

from tests.hostile.corpus import case, compile_args, write


@case(r"--input-shape 1,x: expected comma-separated integers such as 1,3,32,32")
def flag_input_shape_not_numbers(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--input-shape", "1,x")


@case(r"--input-shape 1,0,4: every dimension must be a positive integer")
def flag_input_shape_zero(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--input-shape", "1,0,4")


@case(r"out of memory \(Unable to allocate 224\. GiB .*\); check --input-shape and the model's size",
      process=True, limits={resource.RLIMIT_AS: 6 << 30})
def flag_input_shape_beyond_memory(tmp, fx):
    """The probe input alone would take 224 GiB."""
    return ["compile", str(fx.model_onnx), "-o", str(tmp / "out"), "--input-shape", "1,3,100000,100000"]


@case(r"--target nope: unknown target \(known: keras, kerasjs, kerasjs-legacy, tfjs\)")
def flag_unknown_target(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--target", "nope")


@case(r"--target: name at least one target")
def flag_empty_target(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--target", " , ")


@case(r"argument --quantize: invalid choice: 'int4' \(choose from .*uint8.*\); see irc compile --help")
def flag_bad_quantize(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--quantize", "int4")


@case(r"--quantize uint8: target keras cannot store it \(float32 only\)")
def flag_quantize_the_target_cannot_store(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--quantize", "uint8", "--target", "keras")


@case(r"--quantize-keep \(: not a regular expression")
def flag_quantize_keep_not_a_regex(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--quantize", "uint8", "--quantize-keep", "(")


@case(r"unrecognized arguments: --frobnicate; see irc --help")
def flag_unknown(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--frobnicate")


@case(r"--exporter is for PyTorch models \(--framework torch\)")
def flag_torch_option_for_chainer(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--exporter", "dynamo")


@case(r"--disable-pass nope: unknown pass; known: arith-to-affine, ")
def flag_unknown_disabled_pass(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--disable-pass", "nope")


@case(r"--enable-pass fold-batchnorm: not an opt-in pass; the opt-in passes are deconv-taps")
def flag_enable_a_pass_that_is_not_opt_in(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--enable-pass", "fold-batchnorm")


@case(r"--enable-pass deconv-taps is an optimisation: drop --no-optimize to run it")
def flag_enable_pass_without_optimizing(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--enable-pass", "deconv-taps", "--no-optimize")


@case(r"--print-after nope: no such pass \(")
def flag_unknown_print_after(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--print-after", "nope")


@case(r"--timeout -1: expected a positive number of seconds")
def flag_bad_timeout(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--timeout", "-1")


@case(r"--passes .*p\.py: importing .*p\.py raised ZeroDivisionError: division by zero")
def passes_plugin_raises(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--passes", write(tmp / "p.py", "1 / 0"))
