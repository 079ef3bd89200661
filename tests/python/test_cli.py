"""The `fastclip` command line: outputs against the live reference, stdin,
exit codes (0 ok, 1 image error, 2 usage, 3 output error) and one-line
error messages on stderr."""
import re

import numpy as np
import pytest

import imagegen as g
import reference as ref
from fctools import ROOT


@pytest.fixture(scope="module")
def images(workdir):
    """A few generated inputs: RGBA PNG (orders differ), JPEG, P GIF."""
    d = workdir / "cli"
    d.mkdir(exist_ok=True)
    files = {
        "rgba.png": g.png(g.rgba(301, 229, 21), 6, 8),
        "photo.jpg": g.pillow_bytes(g.to_image(g.rgb(500, 333, 22), "RGB"), "JPEG",
                                    quality=90),
        "tall.gif": g.pillow_bytes(g.paletted(g.indexed(120, 400, 23),
                                              g.palette_colors(256, 23)), "GIF"),
    }
    out = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        out[name] = d / name
    out["dir"] = d
    return out


def raw_tensor(path, n):
    data = np.fromfile(path, dtype="<f4")
    assert data.size == 3 * n * n, data.size
    return data.reshape(3, n, n)


def assert_ok(proc):
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert proc.stderr == b"", proc.stderr


def one_line_error(proc, code):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    err = proc.stderr.decode()
    assert err.endswith("\n") and err.count("\n") == 1, "not one line: %r" % err
    assert err.startswith("fastclip: "), err
    return err


@pytest.mark.parametrize("name", ["rgba.png", "photo.jpg", "tall.gif"])
@pytest.mark.parametrize("n", [224, 336])
@pytest.mark.parametrize("order", ["pil", "rgb"])
@pytest.mark.parametrize("suffix", [".f32", ".npy"])
def test_preprocess_matches_reference(cli, images, name, n, order, suffix):
    out = images["dir"] / ("%s-%d-%s%s" % (name, n, order, suffix))
    args = ["preprocess"]
    if n != 224:
        args += ["--size", n]
    if order == "rgb":
        args += ["--rgb-first"]
    args += [images[name], "-o", out]
    assert_ok(cli(args))
    if suffix == ".npy":
        t = np.load(out, allow_pickle=False)
        assert t.dtype == np.dtype("<f4") and t.shape == (3, n, n), (t.dtype, t.shape)
        assert t.flags["C_CONTIGUOUS"]
        # The data starts at a multiple of 64 bytes (npy format 1.0).
        raw = out.read_bytes()
        assert raw[:8] == b"\x93NUMPY\x01\x00"
        assert (10 + int.from_bytes(raw[8:10], "little")) % 64 == 0
    else:
        t = raw_tensor(out, n)
    diff = ref.compare(t, ref.reference_file(str(images[name]), n, order))
    assert diff is None, diff


def test_orders_really_differ_for_rgba(cli, images):
    """The --rgb-first flag is honoured (RGBA with partial alpha differs)."""
    a, b = images["dir"] / "o1.f32", images["dir"] / "o2.f32"
    assert_ok(cli(["preprocess", images["rgba.png"], "-o", a]))
    assert_ok(cli(["preprocess", "--rgb-first", images["rgba.png"], "-o", b]))
    assert a.read_bytes() != b.read_bytes()


def test_options_in_any_position(cli, images):
    a, b = images["dir"] / "p1.f32", images["dir"] / "p2.f32"
    assert_ok(cli(["preprocess", "--size", "336", "--rgb-first", images["photo.jpg"], "-o", a]))
    assert_ok(cli(["preprocess", "-o", b, images["photo.jpg"], "--rgb-first", "--size", "336"]))
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_bytes()) == 3 * 336 * 336 * 4


@pytest.mark.parametrize("name", ["rgba.png", "photo.jpg"])
def test_stdin(cli, images, name):
    out = images["dir"] / ("stdin-%s.npy" % name)
    assert_ok(cli(["preprocess", "-", "-o", out], stdin=images[name].read_bytes()))
    diff = ref.compare(np.load(out), ref.reference_file(str(images[name]), 224))
    assert diff is None, diff


def test_stdin_large(cli, workdir):
    """More than one read buffer through stdin (the CLI grows its buffer)."""
    data = g.png(g.rgb(1200, 900, 24), 2, 8, level=1)
    assert len(data) > 1 << 20
    out = workdir / "cli-stdin-large.f32"
    assert_ok(cli(["preprocess", "-", "-o", out], stdin=data))
    diff = ref.compare(raw_tensor(out, 224), ref.reference_file(data, 224))
    assert diff is None, diff


def test_stdin_empty(cli, workdir):
    out = workdir / "cli-empty.f32"
    err = one_line_error(cli(["preprocess", "-", "-o", out], stdin=b""), 1)
    assert "empty" in err, err
    assert not out.exists()


def test_image_errors_exit_1(cli, images, workdir):
    d = images["dir"]
    cases = {
        "missing": (d / "no-such-file.png", ("no such file",)),
        "directory": (d, (("not a regular file", "is a directory"),)),
        "truncated": (d / "trunc.jpg", ("truncat",)),
        "text": (d / "notes.txt", ("not an image",)),
        "tiff": (d / "scan.tif", ("tiff", "not supported")),
    }
    (d / "trunc.jpg").write_bytes(images["photo.jpg"].read_bytes()[:4000])
    (d / "notes.txt").write_bytes(b"just some words\n" * 10)
    (d / "scan.tif").write_bytes(g.pillow_bytes(g.to_image(g.rgb(30, 20, 1), "RGB"), "TIFF"))
    for key, (path, words) in cases.items():
        out = workdir / ("cli-err-%s.f32" % key)
        err = one_line_error(cli(["preprocess", path, "-o", out]), 1).lower()
        assert str(path).lower() in err, (key, err)
        # every word must appear; a tuple lists alternatives
        assert all(any(a in err for a in (w if isinstance(w, tuple) else (w,)))
                   for w in words), (key, words, err)
        assert not out.exists(), "%s: an output file was left behind" % key


@pytest.mark.parametrize("args,words", [
    ([], ("usage",)),
    (["preprocess"], ("usage",)),
    (["preprocess", "IMG"], ("usage",)),             # no -o
    (["preprocess", "-o", "OUT"], ("usage",)),       # no image
    (["preprocess", "--size", "0", "IMG", "-o", "OUT"], ("--size",)),
    (["preprocess", "--size", "5000", "IMG", "-o", "OUT"], ("--size",)),
    (["preprocess", "--size", "-3", "IMG", "-o", "OUT"], ("--size",)),
    (["preprocess", "--size", "abc", "IMG", "-o", "OUT"], ("--size",)),
    (["preprocess", "--size", "224x", "IMG", "-o", "OUT"], ("--size",)),
    (["preprocess", "--bogus", "IMG", "-o", "OUT"], ("--bogus",)),
    (["preprocess", "IMG", "IMG2", "-o", "OUT"], ("img2",)),
    (["frobnicate"], ("frobnicate",)),
], ids=["no-args", "preprocess-alone", "no-output", "no-image", "size-0", "size-5000",
        "size-negative", "size-abc", "size-trailing-junk", "unknown-option", "two-images",
        "unknown-command"])
def test_usage_errors_exit_2(cli, images, args, words):
    args = [images["photo.jpg"] if a == "IMG" else a for a in args]
    out_names = [a for a in args if a == "OUT"]
    args = [images["dir"] / "usage-out.f32" if a == "OUT" else a for a in args]
    proc = cli(args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.decode().lower()
    assert err, "usage errors explain themselves on stderr"
    assert all(w in err for w in words), (words, err)
    if words != ("usage",):
        assert err.count("\n") == 1, "not one line: %r" % err
    if out_names:
        assert not (images["dir"] / "usage-out.f32").exists()


def test_output_write_error_exit_3(cli, images):
    blocker = images["dir"] / "a-file"
    blocker.write_bytes(b"x")
    out = blocker / "out.npy"  # parent is a regular file: cannot be created
    err = one_line_error(cli(["preprocess", images["photo.jpg"], "-o", out]), 3)
    assert str(out) in err and "cannot" in err, err


def test_version_command(cli):
    header = (ROOT / "include" / "fastclip.h").read_text()
    parts = [re.search(r"#define FC_VERSION_%s (\d+)" % k, header).group(1)
             for k in ("MAJOR", "MINOR", "PATCH")]
    expected = "fastclip %s\n" % ".".join(parts)
    for arg in ("version", "--version"):
        proc = cli([arg])
        assert proc.returncode == 0 and proc.stderr == b"", proc
        assert proc.stdout.decode() == expected, proc.stdout


def test_help(cli):
    proc = cli(["help"])
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "preprocess" in text and "--size" in text and "--rgb-first" in text
