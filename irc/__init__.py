"""irc: compile trained neural networks (Chainer, ONNX, PyTorch) into browser runtimes."""

__version__ = "0.1.0"
