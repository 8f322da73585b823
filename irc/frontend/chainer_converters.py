"""onnx_chainer's converter registry while irc exports a Chainer model: irc's own converters
added (IRC_CONVERTERS: Chainer functions onnx_chainer refuses, written as standard ONNX the
ONNX front end takes), and a function that cannot be converted named in one IrcError, with
the link whose code called it.

onnx_chainer runs the model's forward pass, then converts each Chainer function of the
recorded graph through `mapping.converters` (function class name -> converter). A function
without a converter, or whose converter raises, fails the whole export with a bare
ValueError or RuntimeError that names neither the function's call nor its link.
"""

import contextlib
import sys

import chainer

from irc.errors import IrcError
from irc.frontend.chainer_converters_unpooling import convert_unpooling_2d
from irc.user_code import short

IRC_CONVERTERS = {"Unpooling2D": convert_unpooling_2d}


class _Unconvertible(Exception):
    def __init__(self, function, reason):
        super().__init__(reason)
        self.function = function


@contextlib.contextmanager
def irc_converters(model, source):
    """While onnx_chainer exports `model`: IRC_CONVERTERS in its registry, and a function it
    cannot convert raised as IrcError("SOURCE: onnx_chainer cannot export F.name (called in
    link /path): why"). Other errors of the forward pass pass through as they are."""
    from onnx_chainer import mapping
    original = dict(mapping.converters)
    converting = []          # not empty once onnx_chainer has started converting

    def named(converter):
        def convert(params):
            converting.append(True)
            try:
                return converter(params)
            except IrcError:
                raise
            except Exception as exc:
                raise _Unconvertible(params.func, short(exc)) from None
        return convert

    def no_converter(params):
        raise RuntimeError(f"onnx_chainer has no converter for {function_name(params.func)}")

    def applied(name):           # a function without a converter gets one that says so
        if name not in mapping.converters:
            mapping.converters[name] = named(no_converter)

    calls = _CallSites(model, applied)
    mapping.converters.update({name: named(c) for name, c in {**original, **IRC_CONVERTERS}.items()})
    try:
        with calls:
            yield
    except IrcError:
        raise
    except _Unconvertible as exc:
        raise IrcError(f"{source}: onnx_chainer cannot export {function_label(exc.function)} "
                       f"(called in {calls.site(exc.function)}): {exc}") from None
    except Exception as exc:
        if not converting:
            raise                # the model's own forward pass failed
        raise IrcError(f"{source}: onnx_chainer cannot export {type(model).__name__}: "
                       f"{type(exc).__name__}: {short(exc)}") from None
    finally:
        mapping.converters.clear()
        mapping.converters.update(original)


def _unwrapped(function):
    """The function a graph node stands for, as onnx_chainer converts it (an old-style
    chainer.Function runs inside a FunctionAdapter node)."""
    return function.function if isinstance(function, chainer.function.FunctionAdapter) else function


def function_name(function):
    """onnx_chainer's registry key for a function node."""
    function = _unwrapped(function)
    return getattr(function, "custom_function_node_name", type(function).__name__)


def function_label(function):
    """How the user called it: F.unpooling_2d for Chainer's Unpooling2D (Chainer defines each
    function node in a module named after the function), else the node's class name."""
    function = _unwrapped(function)
    module = type(function).__module__
    name = module.rpartition(".")[2]
    if module.startswith("chainer.functions.") and callable(getattr(chainer.functions, name, None)):
        return f"F.{name}"
    return type(function).__name__


class _CallSites(chainer.FunctionHook):
    """Records, for every function the forward pass applies, the innermost link of the model
    whose code (forward, __call__ or a helper it calls) was running: Python's stack, read
    when the function is applied, since a link defining __call__ bypasses Chainer's link hooks."""

    name = "irc_call_sites"

    def __init__(self, model, on_function):
        self.paths = {id(link): path for path, link in model.namedlinks()}
        self.model_name = type(model).__name__
        self.sites = {}          # id(function node) -> link path
        self.on_function = on_function

    def forward_preprocess(self, function, in_data):
        self.sites[id(_unwrapped(function))] = self._innermost_link()
        self.on_function(function_name(function))

    def _innermost_link(self):
        frame = sys._getframe(2)
        while frame is not None:
            path = self.paths.get(id(frame.f_locals.get("self")))
            if path is not None:
                return path
            frame = frame.f_back
        return None

    def site(self, function):
        path = self.sites.get(id(function))
        if path is None:
            return "code outside the model's links"
        return f"{self.model_name}, the model itself" if path == "/" else f"link {path}"
