"""How Keras.js 1.0 pools (node_modules/keras-js/lib/layers/pooling/_Pooling2D.js), simulated
one spatial axis at a time, and the search for a Keras formulation of an ONNX pool that is
exact by construction: every output reads the same input cells with the same divisor.

Keras.js, per axis, for an input of m cells, kernel k, stride s:
  'valid'  floor((m - k) / s) + 1 windows [j*s, j*s + k), nothing padded, divisor k;
  'same'   ceil(m / s) windows; total = max(0, (out-1)*s + k - m) padded, the smaller half
           before; max pooling pads -inf, average pooling excludes padded cells from the
           divisor (the WebGL path counts them exactly; the CPU path subtracts the padding
           on one side only, so a window hanging over both sides would be wrong there:
           both divisors are simulated and must agree).
ONNX pads are not Keras padding: a max pool must never see a zero (inputs can be negative),
an average pool with count_include_pad counts the pads. In front of the pooling layer the
plan may put, per side: a crop of the end (cells no window reads), zero padding (average
pooling only: zeros add nothing and are counted like ONNX counts its pads) or copies of the
edge cell (max pooling only: a window that reaches into padding also holds the edge cell,
so a copy of it never changes the max).
"""

import dataclasses
from dataclasses import dataclass

from irc.ir.ops.pooling import pool_windows
from irc.keras_semantics.padding import same_output, same_pads

MODES = ("valid", "same")


@dataclass
class PoolPlan:
    padding: str        # Keras padding mode
    crop: list          # [top, bottom, left, right] cropped first (crop2d)
    pad: list           # then padded (zero_pad2d for avg_pool2d, edge_pad2d for max_pool2d)
    pads: list          # the pool's ONNX pads [t, l, b, r] afterwards: Keras 'same' pads, or zeros
    # avg_exclude only: the pads are counted ('valid' pooling of the zero-padded input, every
    # window divided by k*k), then each cell must be scaled by k*k / its window's input cells
    rescale: bool = False


def _keras_count(m, k, s, padding):
    if padding == "same":
        return same_output(m, s)
    return (m - k) // s + 1 if m >= k else 0


def keras_windows(cells, k, s, padding):
    """Per output window: (the cells it reads, Keras padding excluded; WebGL divisor; CPU divisor).
    `cells` is the axis as the layer sees it: an input index, or None for an explicit zero."""
    m = len(cells)
    if padding == "valid":
        return [(cells[j * s:j * s + k], k, k) for j in range(_keras_count(m, k, s, padding))]
    before, after = same_pads(m, k, s)
    padded = m + before + after
    windows = []
    for j in range(same_output(m, s)):
        i = j * s                          # window start in the padded input, as the CPU loop has it
        in_padding = before - i if i < before else max(0, i + k - (padded - after))
        first, stop = max(i - before, 0), min(i - before + k, m)
        windows.append((cells[first:stop], stop - first, k - in_padding))
    return windows


def _axis_matches(kind, onnx, keras):
    if len(onnx) != len(keras):
        return False
    for (lo, hi, include_divisor), (cells, gpu, cpu) in zip(onnx, keras):
        wanted = list(range(lo, hi))
        if kind == "max":
            if None in cells or sorted(set(cells)) != wanted:
                return False
        else:
            if sorted(c for c in cells if c is not None) != wanted:
                return False
            divisor = include_divisor if kind == "avg_include" else hi - lo
            if not gpu == cpu == divisor:
                return False
    return True


def _transformed_cells(n, kind, before, end_kind, end):
    """The axis after the crop (of the end) and the padding: input indices, None for a zero."""
    kept = n - end if end_kind == "crop" else n
    after = end if end_kind == "pad" else 0
    if kind == "max":                  # copies of the edge cells
        return [0] * before + list(range(kept)) + [kept - 1] * after
    return [None] * before + list(range(kept)) + [None] * after


def edge_pad_layers(before, after):
    """Keras.js layers edge padding one axis costs: per side a Cropping2D (and an
    UpSampling2D for more than one copy), then a Concatenate, which the kerasjs target
    wraps in Permutes (one per input and one back) unless it is on the last axis (see
    irc/targets/kerasjs/concat_permutes.py): the plan costs the widest of its targets."""
    sides = [n for n in (before, after) if n]
    if not sides:
        return 0
    return len(sides) + sum(n > 1 for n in sides) + (len(sides) + 1) + 1 + 1


def _axis_candidates(n, k, s, pad_begin, pad_end, ceil_mode, kind, padding):
    """{(crops, pads, edge-pad layers): (padded cells, before, end kind, end, cells seen)},
    the fewest padded cells for each way of paying in layers."""
    onnx = pool_windows(n, k, s, pad_begin, pad_end, ceil_mode)
    reach = 2 * k + s
    ends = [("none", 0)] + [("pad", a) for a in range(1, reach)] + [("crop", a) for a in range(1, min(n, reach))]
    best = {}
    for before in range(0, k):
        for end_kind, end in ends:
            m = before + n + (-end if end_kind == "crop" else end)
            if _keras_count(m, k, s, padding) != len(onnx):
                continue
            cells = _transformed_cells(n, kind, before, end_kind, end)
            if not _axis_matches(kind, onnx, keras_windows(cells, k, s, padding)):
                continue
            after = end if end_kind == "pad" else 0
            key = (end_kind == "crop", bool(before or after),
                   edge_pad_layers(before, after) if kind == "max" else 0)
            candidate = (before + end, before, end_kind, end, len(cells))
            if key not in best or candidate < best[key]:
                best[key] = candidate
    return best


def _layers(key_h, key_w):
    """Keras layers a plan adds: one Cropping2D, one ZeroPadding2D, edge padding per axis."""
    return (key_h[0] or key_w[0]) + (key_h[2] + key_w[2] if key_h[2] or key_w[2] else key_h[1] or key_w[1])


def plan_pool(kind, hw, kernel, strides, pads, ceil_mode):
    """kind: 'max', 'avg_include' (count_include_pad=1) or 'avg_exclude'; pads [t, l, b, r].
    Returns (the cheapest exact PoolPlan: fewest extra Keras layers, then fewest padded cells;
    None if there is none) and, when None, the reason. An average that leaves pads out where no
    Keras padding does falls back to counting them, then rescaling (PoolPlan.rescale)."""
    plan, reason = _plan_pool(kind, hw, kernel, strides, pads, ceil_mode)
    if plan is not None or kind != "avg_exclude":
        return plan, reason
    counted, why = _plan_pool("avg_include", hw, kernel, strides, pads, ceil_mode)
    if counted is not None and counted.padding == "valid":     # 'same' would leave its own pads out of k*k
        return dataclasses.replace(counted, rescale=True), None
    return None, reason + ("; counting them, then rescaling, does not fit either: "
                           + (why or "that needs Keras 'same' pooling, which leaves its own pads out of the count"))


def _plan_pool(kind, hw, kernel, strides, pads, ceil_mode):
    best, fits = None, {}
    for rank, padding in enumerate(MODES):
        per_axis = [_axis_candidates(hw[i], kernel[i], strides[i], pads[i], pads[i + 2], ceil_mode, kind, padding)
                    for i in range(2)]
        fits[padding] = [bool(c) for c in per_axis]
        for key_h, h in per_axis[0].items():
            for key_w, w in per_axis[1].items():
                cost = (_layers(key_h, key_w), h[0] + w[0], rank)
                if best is None or cost < best[0]:
                    best = (cost, padding, h, w)
    if best is None:
        return None, _why_not(kind, hw, kernel, strides, pads, ceil_mode, fits)
    _, padding, h, w = best
    crop = [0, h[3] if h[2] == "crop" else 0, 0, w[3] if w[2] == "crop" else 0]
    pad = [h[1], h[3] if h[2] == "pad" else 0, w[1], w[3] if w[2] == "pad" else 0]
    new_pads = [0, 0, 0, 0]
    if padding == "same":
        (t, b), (left, r) = (same_pads(a[4], k, s) for a, k, s in zip((h, w), kernel, strides))
        new_pads = [t, left, b, r]
    return PoolPlan(padding, crop, pad, new_pads), None


def _why_not(kind, hw, kernel, strides, pads, ceil_mode, fits):
    unfit = [i for i in range(2) if not any(fits[padding][i] for padding in MODES)]
    if not unfit:
        return ("no single Keras padding mode fits both axes (H fits "
                + " or ".join(p for p in MODES if fits[p][0]) + ", W fits "
                + " or ".join(p for p in MODES if fits[p][1]) + ")")
    i = unfit[0]
    axis = "HW"[i]
    n, k, s = hw[i], kernel[i], strides[i]
    onnx = [pads[i], pads[i + 2]]
    if kind == "avg_exclude":
        return (f"along {axis} (size {n}, kernel {k}, stride {s}) the ONNX pads {onnx} are left out of "
                f"the average; Keras.js leaves out only its own 'same' padding, which never fits these "
                f"windows, and explicit zero padding would be counted")
    if kind == "avg_include" and ceil_mode:
        return (f"along {axis} (size {n}, kernel {k}, stride {s}, pads {onnx}) the last ceil_mode window "
                f"hangs past the padding and ONNX divides it by fewer than {k} cells; Keras.js divides "
                f"by {k} ('valid') or by the cells outside its own 'same' padding, which do not line up here")
    return f"along {axis} (size {n}, kernel {k}, stride {s}, pads {onnx}) no Keras.js pooling window layout fits"


def plan_pool_axes(kind, sizes, kernel, strides, pads, ceil_mode):
    """plan_pool for any number of axes (1-D and 3-D pools), without edge padding: per axis a
    crop of the end, then zero padding (average pooling only); pads [begins..., ends...].
    -> (Keras padding mode, [(crop before, after)], [(pad before, after)]) per axis, or None."""
    count, best = len(sizes), None
    for rank, padding in enumerate(MODES):
        per_axis = []
        for i in range(count):
            candidates = _axis_candidates(sizes[i], kernel[i], strides[i], pads[i], pads[i + count], ceil_mode,
                                          kind, padding)
            fits = [(key, plan) for key, plan in candidates.items() if not key[2]]   # no edge copies
            if not fits:
                break
            per_axis.append(min(fits, key=lambda key_plan: (key_plan[0][:2], key_plan[1][0])))
        else:
            cost = (any(key[0] for key, _ in per_axis), any(key[1] for key, _ in per_axis),
                    sum(plan[0] for _, plan in per_axis), rank)
            if best is None or cost < best[0]:
                best = (cost, padding, per_axis)
    if best is None:
        return None
    _, padding, per_axis = best
    crop = [(0, plan[3] if plan[2] == "crop" else 0) for _, plan in per_axis]
    pad = [(plan[1], plan[3] if plan[2] == "pad" else 0) for _, plan in per_axis]
    return padding, crop, pad


def plan_max_pool_by_subsampling(sizes, kernel, strides, pads, ceil_mode):
    """A max pool whose pads need copies of the edge cells (MaxPool1d(3, 2, padding=1) on an
    even length), as a stride-1 'same' max pool, whose windows are centred with the smaller
    half before, then every stride-th window (a pool of size 1): exact where ONNX pads
    floor((k - 1) / 2) before. pads [begins..., ends...] -> the cells to crop off the end of
    the stride-1 result per axis, or None."""
    count, crop = len(sizes), []
    for i, (n, k, s) in enumerate(zip(sizes, kernel, strides)):
        onnx = pool_windows(n, k, s, pads[i], pads[i + count], ceil_mode)
        before = (k - 1) // 2
        if pads[i] != before or (len(onnx) - 1) * s >= n:
            return None
        centred = [(max(j - before, 0), min(j - before + k, n)) for j in range(0, n, s)][:len(onnx)]
        if [(lo, hi) for lo, hi, _ in onnx] != centred:
            return None
        crop.append(n - ((len(onnx) - 1) * s + 1))
    return crop
