"""The hostile-input corpus: broken or malicious inputs and malformed flags, each with the one
line `irc` must print (a regular expression searched in the stderr line after "irc: error: ").

A case's build(tmp, fx) writes its inputs under `tmp` and returns the argv; OUT is tmp/"out".
Every case must exit 2 with exactly that one line, no traceback, and leave `tmp` as it was
(no OUT, no staging directory, an existing OUT untouched). Cases marked `process` run
`python -m irc` in a child (exit status, tracebacks from the real interpreter, time limits,
resource limits); the rest call irc.cli.main in-process to keep the corpus fast.
"""

import json
import resource
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper

from tests.hostile.fixtures import build_torch_fixture, conv_relu_model, rezip, write_npz
from tests.onnx_models import OnnxBuilder


@dataclass
class Case:
    name: str
    build: Callable          # (tmp, fx) -> argv
    expect: str              # regular expression the error line must contain
    process: bool = False    # run in a child process
    limits: dict = None      # {resource.RLIMIT_*: bytes} of the child (RLIMIT_FSIZE: a full disk)


CASES = []


def case(expect, **kw):
    def register(build):
        CASES.append(Case(build.__name__, build, expect, **kw))
        return build
    return register


def compile_args(model, tmp, *flags):
    return ["compile", str(model), "-o", str(tmp / "out"), "--no-probe", *map(str, flags)]


def write(path, text):
    path.write_text(text)
    return path


def save_onnx(model, path):
    onnx.save(model, str(path))
    return path


# ---- npz files -------------------------------------------------------------------------------
@case(r"gen\.npz: not a readable \.npz archive \(not a zip file\)")
def npz_not_a_zip(tmp, fx):
    return compile_args(write(tmp / "gen.npz", "hello"), tmp)


@case(r"gen\.npz: not a readable \.npz archive \(not a zip file\)")
def npz_truncated(tmp, fx):
    data = fx.gen_npz.read_bytes()
    (tmp / "gen.npz").write_bytes(data[:len(data) // 2])
    return compile_args(tmp / "gen.npz", tmp)


@case(r"gen\.npz: not a readable \.npz archive \(not a zip file\)")
def npz_empty_file(tmp, fx):
    return compile_args(write(tmp / "gen.npz", ""), tmp)


@case(r"gen\.npz: not a readable \.npz archive \(.*\)")
def npz_corrupt_compressed_member(tmp, fx):
    np.savez_compressed(tmp / "c.npz", **fx.npz_params())
    data = bytearray((tmp / "c.npz").read_bytes())
    data[200:400] = b"\xff" * 200           # inside the first member's deflate stream
    (tmp / "gen.npz").write_bytes(bytes(data))
    (tmp / "c.npz").unlink()
    return compile_args(tmp / "gen.npz", tmp)


@case(r"gen\.npz: l0/W is truncated \(its header promises 51200 bytes of data, the archive holds 44816\); "
      r"save it again")
def npz_member_shorter_than_its_header(tmp, fx):
    def cut(name, data):
        return data[:-6384] if name == "l0/W.npy" else data
    return compile_args(rezip(fx.gen_npz, tmp / "gen.npz", cut), tmp)


@case(r"gen\.npz: l0/W\.npy is not a \.npy array \(.*\); save the weights with chainer\.serializers\.save_npz")
def npz_member_not_npy(tmp, fx):
    return compile_args(rezip(fx.gen_npz, tmp / "gen.npz",
                              lambda name, data: b"not an array" if name == "l0/W.npy" else data), tmp)


@case(r"gen\.npz: l0/W is truncated \(its header promises 262144000000 bytes")
def npz_header_claims_a_huge_array(tmp, fx):
    """A tiny file whose headers would make irc build a 262 GB generator."""
    def huge(name, data):
        if name != "l0/W.npy":
            return data
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (655360000, 100), }"
        return b"\x93NUMPY\x01\x00" + len(header + "\n").to_bytes(2, "little") + (header + "\n").encode()
    return compile_args(rezip(fx.gen_npz, tmp / "gen.npz", huge), tmp)


@case(r"gen\.npz: obj holds pickled Python objects, which irc does not load")
def npz_with_pickled_object(tmp, fx):
    params = fx.npz_params()
    params["obj"] = np.array([{"run": "os.system"}], dtype=object)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: not a DCGAN generator \(needs l0/W and dc1/W\); give --arch FILE\.py:CLASS")
def npz_empty_archive(tmp, fx):
    return compile_args(write_npz(tmp / "gen.npz", {}), tmp)


@case(r"gen\.npz does not fit Generator: missing: bn1/gamma; extra: dc9/W; "
      r"mis-shaped: dc2/b \[5\] \(model: \[2\]\)")
def npz_missing_extra_and_misshaped(tmp, fx):
    params = fx.npz_params()
    del params["bn1/gamma"]
    params["dc9/W"] = np.zeros(3, np.float32)
    params["dc2/b"] = np.zeros(5, np.float32)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: not a DCGAN generator \(needs l0/W and dc1/W\)")
def npz_wrong_rank_for_the_default_arch(tmp, fx):
    params = fx.npz_params()
    params["l0/W"] = params["l0/W"].reshape(-1)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: l0/W has 128 outputs, not bottom_width\^2 \* ch with ch=3")
def npz_shapes_no_generator_has(tmp, fx):
    params = fx.npz_params()
    params["dc1/W"] = np.zeros((3, 4, 4, 4), np.float32)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: dc1/W holds 2 NaN values; irc refuses non-finite weights: fix or retrain the model")
def npz_nan_weight(tmp, fx):
    params = fx.npz_params()
    params["dc1/W"].reshape(-1)[[3, 7]] = np.nan
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: bn0/avg_var holds 1 infinite value; irc refuses non-finite weights")
def npz_inf_weight(tmp, fx):
    params = fx.npz_params()
    params["bn0/avg_var"][0] = np.inf
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: l0/b has dtype int64; irc loads floating-point weights \(save float32 arrays\)")
def npz_integer_weight(tmp, fx):
    params = fx.npz_params()
    params["l0/b"] = params["l0/b"].astype(np.int64)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: dc3/W has dtype complex64; irc loads floating-point weights")
def npz_complex_weight(tmp, fx):
    params = fx.npz_params()
    params["dc3/W"] = params["dc3/W"].astype(np.complex64)
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


@case(r"gen\.npz: l0/W holds 1 infinite value")
def npz_float64_beyond_float32_range(tmp, fx):
    """float64 is cast to float32 (as Chainer's load_npz does); what overflows is refused."""
    params = fx.npz_params()
    params["l0/W"] = params["l0/W"].astype(np.float64)
    params["l0/W"][0, 0] = 1e300
    return compile_args(write_npz(tmp / "gen.npz", params), tmp)


# ---- architecture files (--arch FILE.py:CLASS) ------------------------------------------------------
@case(r"--arch .*net\.py:Gen: .*net\.py not found")
def arch_file_missing(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{tmp / 'net.py'}:Gen")


@case(r"--arch .*net\.py: expected FILE\.py:CLASS")
def arch_without_class(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", write(tmp / "net.py", "x = 1\n"))


@case(r"--arch .*: .*net\.py defines no Gen")
def arch_class_missing(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{write(tmp / 'net.py', 'x = 1')}:Gen")


@case(r"--arch .*: .*pkg not found")
def arch_is_a_directory(tmp, fx):
    (tmp / "pkg").mkdir()
    return compile_args(fx.gen_npz, tmp, "--arch", f"{tmp / 'pkg'}:Gen")


@case(r"--arch .*: importing .*net\.py raised RuntimeError: boom")
def arch_raises_on_import(tmp, fx):
    arch = write(tmp / "net.py", "raise RuntimeError('boom')")
    return compile_args(fx.gen_npz, tmp, "--arch", f"{arch}:Gen")


@case(r"--arch .*: importing .*net\.py raised SyntaxError: ")
def arch_syntax_error(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{write(tmp / 'net.py', 'def (:')}:Gen")


@case(r"user code called sys\.exit\(0\) in .*net\.py line 1; irc runs --arch and --passes files as Python: "
      r"remove the call", process=True)
def arch_exits_on_import(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{write(tmp / 'net.py', 'import sys; sys.exit(0)')}:Gen")


@case(r"--arch .*: Gen\(\*\*\{\}\) raised ValueError: no", process=False)
def arch_constructor_raises(tmp, fx):
    arch = write(tmp / "net.py", "import chainer\n\n\nclass Gen(chainer.Chain):\n"
                                 "    def __init__(self):\n        raise ValueError('no')\n")
    return compile_args(fx.gen_npz, tmp, "--arch", f"{arch}:Gen")


@case(r"--arch .*: Gen is a int, not a chainer\.Chain class")
def arch_class_is_not_a_chain(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{write(tmp / 'net.py', 'Gen = 3')}:Gen")


@case(r"--arch .*: Gen is not a chainer\.Chain subclass")
def arch_builds_something_else(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch", f"{write(tmp / 'net.py', 'Gen = dict')}:Gen")


CHAIN = """\
import chainer
import chainer.links as L


class Net(chainer.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(4, 2)

    def forward(self, x):
{body}
"""


def chain_npz(tmp, body):
    """An arch file whose forward is `body`, and an npz that fits it."""
    import chainer
    from irc.user_code import import_file
    arch = write(tmp / "net.py", CHAIN.format(body=body))
    net = import_file(arch, "case", "hostile_case").Net()
    chainer.serializers.save_npz(str(tmp / "w.npz"), net)
    return tmp / "w.npz", f"{arch}:Net"


@case(r"w\.npz: running Net on input \[1, 4\] failed: KeyError: 'surprise'")
def arch_forward_raises(tmp, fx):
    npz, arch = chain_npz(tmp, "        raise KeyError('surprise')")
    return compile_args(npz, tmp, "--arch", arch, "--input-shape", "1,4")


@case(r"gave up after 8 s \(--timeout 8\) in .*net\.py line 1[23]; check that code for an endless loop "
      r"or give more time with --timeout", process=True)
def arch_loops_forever(tmp, fx):
    npz, arch = chain_npz(tmp, "        while True:\n            pass")
    # The limit covers the whole command, imports included: 8 s leaves room on a busy machine.
    return compile_args(npz, tmp, "--arch", arch, "--input-shape", "1,4", "--timeout", "8")


@case(r"--arch-args: not valid JSON \(Expecting property name enclosed in double quotes at column 2\)")
def arch_args_not_json(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch-args", "{ch: 3")


@case(r"--arch-args: expected a JSON object such as")
def arch_args_not_an_object(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch-args", "[1, 2]")


@case(r"Generator\(\*\*\{'bogus': 1\}\) raised TypeError: .*bogus")
def arch_args_unknown_keyword(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--arch-args", '{"bogus": 1}')


# ---- ONNX files ------------------------------------------------------------------------------
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


@case(r"m\.onnx: not a readable ONNX model \(ValidationError: Data of TensorProto \( tensor name: w0\) should be "
      r"file inside .*, but '\.\./\.\./\.\./\.\./\.\./\.\./etc/hostname' points outside the directory\.\)")
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


# ---- flags -----------------------------------------------------------------------------------
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


@case(r"--target nope: unknown target \(known: kerasjs, ")
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


@case(r"--print-after nope: no such pass \(")
def flag_unknown_print_after(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--print-after", "nope")


@case(r"--timeout -1: expected a positive number of seconds")
def flag_bad_timeout(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--timeout", "-1")


@case(r"--passes .*p\.py: importing .*p\.py raised ZeroDivisionError: division by zero")
def passes_plugin_raises(tmp, fx):
    return compile_args(fx.gen_npz, tmp, "--passes", write(tmp / "p.py", "1 / 0"))


# ---- the output directory ------------------------------------------------------------------
def existing_out(tmp):
    (tmp / "out").mkdir()
    write(tmp / "out" / "keep.txt", "mine")


@case(r"out: exists and is not empty; pass --force to replace it")
def out_exists_without_force(tmp, fx):
    existing_out(tmp)
    return compile_args(fx.gen_npz, tmp)


@case(r"out: exists and is not a directory")
def out_is_a_file(tmp, fx):
    write(tmp / "out", "mine")
    return compile_args(fx.gen_npz, tmp, "--force")


@case(r"gen\.npz: dc1/W holds 1 NaN value")
def out_kept_when_a_forced_compile_fails(tmp, fx):
    existing_out(tmp)
    params = fx.npz_params()
    params["dc1/W"][0, 0, 0, 0] = np.nan
    return compile_args(write_npz(tmp / "gen.npz", params), tmp, "--force")


@case(r"out/sub: cannot create output directory \(File exists\)")
def out_parent_is_a_file(tmp, fx):
    write(tmp / "out", "mine")
    return ["compile", str(fx.gen_npz), "-o", str(tmp / "out" / "sub"), "--no-probe"]


@case(r"/proc/irc-out: cannot create output directory \(.*\)")
def out_read_only_location(tmp, fx):
    return ["compile", str(fx.gen_npz), "-o", "/proc/irc-out", "--no-probe"]


@case(r"out: writing failed \(File too large\); nothing was written", process=True, limits={resource.RLIMIT_FSIZE: 64 << 10})
def out_disk_full(tmp, fx):
    return compile_args(fx.gen_npz, tmp)


@case(r"out: writing failed \(File too large\); nothing was written", process=True, limits={resource.RLIMIT_FSIZE: 64 << 10})
def out_disk_full_with_force_keeps_the_old_out(tmp, fx):
    existing_out(tmp)
    return compile_args(fx.gen_npz, tmp, "--force")


# ---- PyTorch -------------------------------------------------------------------------------
def torch_args(tmp, fx, weights, *flags):
    build_torch_fixture(fx)
    return compile_args(f"{fx.torch_net}:Net", tmp, "--weights", weights, "--input-shape", "1,3,4,5", *flags)


def save_state(path, state):
    import torch
    torch.save(state, path)
    return path


@case(r"w\.pt: holds a pickled Python object \(.*\), which irc does not load")
def torch_pickled_object(tmp, fx):
    import argparse
    return torch_args(tmp, fx, save_state(tmp / "w.pt", {"conv.weight": argparse.Namespace(run="rm -rf /")}))


@case(r"w\.pt: not a PyTorch weights file")
def torch_garbage_weights(tmp, fx):
    return torch_args(tmp, fx, write(tmp / "w.pt", "hello"))


@case(r"w\.pt: conv\.weight holds 1 NaN value; irc refuses non-finite weights")
def torch_nan_weight(tmp, fx):
    build_torch_fixture(fx)
    state = fx.torch_state()
    state["conv.weight"].view(-1)[5] = float("nan")
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"w\.pt: conv\.bias has dtype torch\.int32; irc loads floating-point weights")
def torch_integer_weight(tmp, fx):
    build_torch_fixture(fx)
    state = fx.torch_state()
    state["conv.bias"] = state["conv.bias"].int()
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"w\.pt does not fit Net: missing: bn\.bias; unexpected: extra; mis-shaped: conv\.weight \[4, 3, 1, 1\]")
def torch_state_dict_does_not_fit(tmp, fx):
    import torch
    build_torch_fixture(fx)
    state = fx.torch_state()
    del state["bn.bias"]
    state["extra"] = torch.zeros(1)
    state["conv.weight"] = torch.zeros(4, 3, 1, 1)
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"tnet\.py:Net: give the input shape of a PyTorch model with --input-shape")
def torch_without_input_shape(tmp, fx):
    return compile_args(f"{fx.torch_net}:Net", tmp)


# ---- irc run ---------------------------------------------------------------------------------
@case(r"manifest\.json: not valid JSON")
def run_with_a_damaged_manifest(tmp, fx):
    (tmp / "built").mkdir()
    write(tmp / "built" / "manifest.json", "{")
    np.save(tmp / "z.npy", np.zeros((1, 3), np.float32))
    return ["run", str(tmp / "built"), "--input", str(tmp / "z.npy"), "--output", str(tmp / "out")]


@case(r"z\.npy: not a readable \.npy array \(.*allow_pickle=False.*\)")
def run_with_a_pickled_input(tmp, fx):
    (tmp / "built").mkdir()
    write(tmp / "built" / "manifest.json", json.dumps({"inputs": [{}], "outputs": [{}], "targets": {}}))
    np.save(tmp / "z.npy", np.array([{"a": 1}], dtype=object))
    return ["run", str(tmp / "built"), "--input", str(tmp / "z.npy"), "--output", str(tmp / "out")]


def apply_limits(limits):
    """preexec_fn for a child. With SIGXFSZ ignored, a write beyond RLIMIT_FSIZE fails with EFBIG
    (as on a full disk) rather than killing the process."""
    import signal

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        for which, size in limits.items():
            resource.setrlimit(which, (size, size))
    return apply
