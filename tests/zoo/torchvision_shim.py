"""torchvision.models, importable beside the CPU torch wheel.

torchvision 0.28.0's wheel on PyPI is a CUDA build: its _C extension cannot load beside
torch 2.13.0's CPU wheel, and its __init__ then registers fake kernels for torchvision::nms
and ::qnms, which fails ("operator torchvision::nms does not exist"). The classifiers use
no torchvision C++ op, so defining those two schemas first (and nothing else) is enough.
The Library object must stay alive: the definitions go when it is collected."""

import torch

_SCHEMAS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
            "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")


def _has_op(name):
    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True


# Imported once per process (sys.modules), so the schemas are defined once; a torchvision
# whose own _C did load has them already.
_MISSING = [schema for schema in _SCHEMAS if not _has_op(schema.split("(")[0])]
_LIBRARY = torch.library.Library("torchvision", "DEF") if _MISSING else None
for _schema in _MISSING:
    _LIBRARY.define(_schema)

import torchvision.models as models  # noqa: E402  (after the schemas above)

__all__ = ["models"]
