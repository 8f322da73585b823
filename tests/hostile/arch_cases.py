"""Hostile inputs: architecture files (--arch FILE.py:CLASS)."""

from tests.hostile.corpus import case, compile_args, write


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
