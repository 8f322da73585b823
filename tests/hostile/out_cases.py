"""Hostile inputs: the output directory."""

import resource

import numpy as np

from tests.hostile.corpus import case, compile_args, write
from tests.hostile.fixtures import write_npz

DISK_FULL = r"out: writing failed \(File too large\); nothing was written: free some space or choose another -o"


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


@case(r"out/sub: cannot create output directory \(File exists\); choose another -o")
def out_parent_is_a_file(tmp, fx):
    write(tmp / "out", "mine")
    return ["compile", str(fx.gen_npz), "-o", str(tmp / "out" / "sub"), "--no-probe"]


@case(r"/proc/irc-out: cannot create output directory \(.*\); choose another -o")
def out_read_only_location(tmp, fx):
    return ["compile", str(fx.gen_npz), "-o", "/proc/irc-out", "--no-probe"]


@case(DISK_FULL, process=True, limits={resource.RLIMIT_FSIZE: 64 << 10})
def out_disk_full(tmp, fx):
    return compile_args(fx.gen_npz, tmp)


@case(DISK_FULL, process=True, limits={resource.RLIMIT_FSIZE: 64 << 10})
def out_disk_full_with_force_keeps_the_old_out(tmp, fx):
    existing_out(tmp)
    return compile_args(fx.gen_npz, tmp, "--force")


@case(r"/sys/irc-out: cannot create output directory \(.*\); choose another -o")
def out_under_sysfs(tmp, fx):
    return ["compile", str(fx.gen_npz), "-o", "/sys/irc-out", "--no-probe"]


@case(r"link: is a symbolic link; give the directory itself \(-o .*/real\)")
def out_is_a_symbolic_link(tmp, fx):
    """With --force, replacing the link would leave its target and a stray link behind."""
    (tmp / "real").mkdir()
    write(tmp / "real" / "keep.txt", "mine")
    (tmp / "link").symlink_to(tmp / "real")
    return ["compile", str(fx.gen_npz), "-o", str(tmp / "link"), "--force", "--no-probe"]


@case(r"\.: is the current directory or one above it; irc replaces OUT as a whole: give a directory of its own",
      process=True)
def out_is_the_current_directory(tmp, fx):
    """Run in `tmp`: `-o .` must neither rename it nor leave a staging directory beside it."""
    write(tmp / "keep.txt", "mine")
    return ["compile", str(fx.gen_npz), "-o", ".", "--force", "--no-probe"]


@case(r"\.\.: is the current directory or one above it", process=True)
def out_is_the_parent_directory(tmp, fx):
    return ["compile", str(fx.gen_npz), "-o", "..", "--force", "--no-probe"]
