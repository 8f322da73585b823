"""Hostile inputs: npz files."""

import numpy as np

from tests.hostile.corpus import case, compile_args, write
from tests.hostile.fixtures import rezip, write_npz


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
