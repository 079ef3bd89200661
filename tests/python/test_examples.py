"""The C and C++ examples (examples/, built by `make examples` into
<build>/examples/): they compile as a user compiles them, and their outputs
agree with the `fastclip` command on the small test models
(tests/models/clipmodels.py) and ../shared/images.

  similarity (C) and cpp/similarity (C++, through examples/cpp/fastclip.hpp):
      the cosine equals `fastclip similarity` to 1e-5, and the two programs
      print the same bytes and exit statuses, also on errors.
  index_folder: the rows of embeddings.npy equal `fastclip embed
      --normalize` rows of the files in names.txt; bad files are skipped and
      named; batches of every size, nested folders, links.
  preprocess: its two values equal `fastclip preprocess`.
"""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

import imagegen
import modeltools
from fctools import BUILD, ROOT, SANITIZED, TIMEOUT_SCALE

SHARED = ROOT.parent / "shared" / "images"
EXAMPLES = BUILD / "examples"
IMAGES = sorted(p for p in SHARED.iterdir() if p.suffix in (".png", ".jpg")) if SHARED.is_dir() else []
TEXTS = ["a diagram", "ünïcödé: a photo of a cup of coffee"]


@pytest.fixture(scope="module")
def ex():
    names = ["similarity", "index_folder", "preprocess", "cpp/similarity"]
    paths = {n: EXAMPLES / n for n in names}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        pytest.fail("missing %s: run make examples (make check builds them)" % ", ".join(missing))
    return paths


@pytest.fixture(scope="module")
def models():
    return modeltools.build_models()


@pytest.fixture(scope="module")
def images():
    if not IMAGES:
        pytest.fail("no images in %s" % SHARED)
    return IMAGES


def run(args, timeout=120):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout * TIMEOUT_SCALE)


def report(proc):
    return "exit %s\n%s%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])


def cli(args):
    return run([BUILD / "bin" / "fastclip", *args], timeout=300)


# --------------------------------------------------------------------------
# They compile as plain C99 / C11 and C++17 / C++20 with warnings as errors.
# --------------------------------------------------------------------------

@pytest.mark.parametrize("std", ["c99", "c11"])
@pytest.mark.parametrize("name", ["similarity.c", "index_folder.c", "preprocess.c"])
def test_c_examples_compile_cleanly(std, name):
    proc = run(["cc", "-std=" + std, "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                "-I", ROOT / "include", ROOT / "examples" / name])
    assert proc.returncode == 0, report(proc)


@pytest.mark.parametrize("std", ["c++17", "c++20"])
def test_cpp_example_compiles_cleanly(std):
    proc = run(["c++", "-std=" + std, "-pedantic", "-Wall", "-Wextra", "-Wshadow", "-Werror",
                "-fsyntax-only", "-I", ROOT / "include", ROOT / "examples" / "cpp" / "similarity.cpp"])
    assert proc.returncode == 0, report(proc)


# --------------------------------------------------------------------------
# similarity, C and C++
# --------------------------------------------------------------------------

def cli_table(model, images, texts):
    proc = cli(["similarity", "--model", model, *images, "--", *texts])
    assert proc.returncode == 0, report(proc)
    lines = proc.stdout.splitlines()
    return {(line.split("\t")[0], t): float(v)
            for line in lines[1:] for t, v in zip(texts, line.split("\t")[1:])}


@pytest.mark.parametrize("name", ["openai_style", "traced_fp32"])
def test_similarity_equals_the_cli(ex, models, images, name):
    model = models[name]["path"]
    # Each run loads LibTorch (seconds), so: each image and each text once
    # for one model, one pair for the other.
    pairs = [(image, TEXTS[i % len(TEXTS)]) for i, image in enumerate(images)]
    if name != "openai_style":
        pairs = pairs[-1:]
    table = cli_table(model, images, TEXTS)
    for image, text in pairs:
        # The second text also names the mode, which is the default.
        mode = ["load:cpu"] if text == TEXTS[1] else []
        c = run([ex["similarity"], model, image, text, *mode])
        assert c.returncode == 0 and c.stderr == "", report(c)
        value = float(c.stdout)
        assert c.stdout == "%.6f\n" % value
        assert -1.0 - 1e-6 <= value <= 1.0 + 1e-6
        assert abs(value - table[(str(image), text)]) <= 1e-5, (image, text, value, table)
        cpp = run([ex["cpp/similarity"], model, image, text, *mode])
        assert (cpp.returncode, cpp.stdout, cpp.stderr) == (0, c.stdout, ""), report(cpp)


@pytest.mark.parametrize("case", ["no image", "not an image", "no model", "not a model",
                                  "bad mode", "cuda index", "usage", "too many"])
def test_similarity_errors_match(ex, models, images, workdir, case):
    model, image = str(models["openai_style"]["path"]), str(images[0])
    junk = workdir / "examples-junk.jpg"
    junk.write_bytes(b"not an image at all")
    args, status, needle = {
        "no image": ([model, workdir / "nothing.png", "x"], 1, "input/output error"),
        "not an image": ([model, junk, "x"], 1, "unknown image format"),
        "no model": ([workdir / "nothing.pt", image, "x"], 1, "nothing.pt"),
        "not a model": ([junk, image, "x"], 1, "not a usable CLIP model"),
        "bad mode": ([model, image, "x", "load:tpu"], 1, "invalid argument"),
        "cuda index": ([model, image, "x", "load:cuda:99"], 1, "device not available"),
        "usage": ([model, image], 2, "usage:"),
        "too many": ([model, image, "x", "load:cpu", "more"], 2, "usage:"),
    }[case]
    c = run([ex["similarity"], *args])
    cpp = run([ex["cpp/similarity"], *args])
    assert c.returncode == status and c.stdout == "", report(c)
    assert needle in c.stderr, report(c)
    if case in ("usage", "too many"):  # the usage line names the program
        c.stderr = c.stderr.replace(str(ex["similarity"]), "PROG")
        cpp.stderr = cpp.stderr.replace(str(ex["cpp/similarity"]), "PROG")
    assert (cpp.returncode, cpp.stdout, cpp.stderr) == (c.returncode, c.stdout, c.stderr)


# --------------------------------------------------------------------------
# index_folder
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree(images, tmp_path_factory):
    """A folder of good images (nested, upper-case extension, a link), bad
    ones (junk, truncated, a dangling link) and a file that is no image."""
    root = tmp_path_factory.mktemp("index") / "photos"
    (root / "a" / "b").mkdir(parents=True)
    (root / "empty").mkdir()
    for p in images:
        shutil.copy(p, root / p.name)
    rgb = imagegen.rgb(70, 45, imagegen.seed_of("index_folder"))
    Image.fromarray(rgb).save(root / "a" / "gen.bmp")
    Image.fromarray(imagegen.rgba(33, 90, imagegen.seed_of("index_folder-rgba")), "RGBA").save(
        root / "a" / "b" / "alpha.PNG")
    Image.fromarray(rgb).save(root / "a" / "b" / "photo.jpeg", quality=85)
    os.symlink("../" + images[0].name, root / "a" / ("link" + images[0].suffix))
    os.symlink("nowhere.png", root / "a" / "dangling.png")
    (root / "a" / "junk.jpg").write_bytes(b"this is not a JPEG")
    data = (root / "a" / "b" / "photo.jpeg").read_bytes()
    (root / "a" / "b" / "cut.jpg").write_bytes(data[: len(data) // 2])
    (root / "notes.txt").write_text("not an image\n")
    good = sorted(str(p) for p in [*(root / p.name for p in images), root / "a" / "gen.bmp",
                                   root / "a" / "b" / "alpha.PNG", root / "a" / "b" / "photo.jpeg",
                                   root / "a" / ("link" + images[0].suffix)])
    bad = [root / "a" / "dangling.png", root / "a" / "junk.jpg", root / "a" / "b" / "cut.jpg"]
    return root, good, bad


def read_index(out):
    matrix = np.load(out / "embeddings.npy", allow_pickle=False)
    names = (out / "names.txt").read_text().splitlines()
    return matrix, names


@pytest.mark.parametrize("batch", [1, 3])
def test_index_folder_equals_embed(ex, models, tree, tmp_path, batch):
    root, good, bad = tree
    model = models["openai_style"]
    out = tmp_path / "index"
    proc = run([ex["index_folder"], "-b", batch, model["path"], root, out], timeout=300)
    assert proc.returncode == 0, report(proc)
    matrix, names = read_index(out)
    assert names == sorted(names) == good
    assert matrix.dtype == np.dtype("<f4") and matrix.flags.c_contiguous
    assert matrix.shape == (len(good), model["embed_dim"])
    for p in bad:
        assert "skipped %s: " % p in proc.stderr, report(proc)
    assert "notes.txt" not in proc.stderr
    assert "indexed %d images" % len(good) in proc.stdout
    assert "skipped %d" % len(bad) in proc.stdout

    args = ["embed", "--model", model["path"], "--normalize", "--no-warmup", "-o", tmp_path / "want.npy"]
    for name in names:
        args += ["--image", name]
    proc = cli(args)
    assert proc.returncode == 0, report(proc)
    want = np.load(tmp_path / "want.npy")
    assert np.abs(matrix - want).max() <= 1e-5
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_index_folder_all_files_and_mode(ex, models, tree, tmp_path):
    """-a tries every file (the text file is then skipped as no image);
    -m passes the mode."""
    root, good, bad = tree
    out = tmp_path / "index"
    proc = run([ex["index_folder"], "-a", "-m", "load:cpu", models["traced_fp32"]["path"], root, out],
               timeout=300)
    assert proc.returncode == 0, report(proc)
    matrix, names = read_index(out)
    assert names == good and matrix.shape == (len(good), models["traced_fp32"]["embed_dim"])
    assert "skipped %s: unknown image format" % (root / "notes.txt") in proc.stderr


def test_index_folder_empty_and_errors(ex, models, tree, tmp_path):
    root = tree[0]
    model = models["openai_style"]
    proc = run([ex["index_folder"], model["path"], root / "empty", tmp_path / "none"], timeout=300)
    assert proc.returncode == 0, report(proc)
    matrix, names = read_index(tmp_path / "none")
    assert matrix.shape == (0, model["embed_dim"]) and names == []

    for args, status in [([model["path"], root / "missing", tmp_path / "x"], 1),
                         ([root / "notes.txt", root, tmp_path / "x"], 1),
                         ([model["path"], root, tmp_path / "no" / "such" / "dir"], 1),
                         ([model["path"], root], 2),
                         (["-b", "0", model["path"], root, tmp_path / "x"], 2),
                         (["-z", model["path"], root, tmp_path / "x"], 2)]:
        proc = run([ex["index_folder"], *args], timeout=300)
        assert proc.returncode == status, (args, report(proc))
        assert proc.stderr and proc.stdout == "", (args, report(proc))


# --------------------------------------------------------------------------
# preprocess
# --------------------------------------------------------------------------

def test_preprocess_example_equals_cli(ex, images, tmp_path):
    for image in images:
        proc = run([ex["preprocess"], image])
        assert proc.returncode == 0, report(proc)
        m = re.fullmatch(r"3 x 224 x 224, R\[0\]\[0\] = (\S+), B\[223\]\[223\] = (\S+)\n",
                         proc.stdout)
        assert m, proc.stdout
        tensor = tmp_path / "t.npy"
        assert cli(["preprocess", image, "-o", tensor]).returncode == 0
        t = np.load(tensor)
        assert float(m.group(1)) == pytest.approx(float(t[0, 0, 0]), abs=1e-6)
        assert float(m.group(2)) == pytest.approx(float(t[2, 223, 223]), abs=1e-6)


@pytest.mark.skipif(SANITIZED, reason="the sanitizer build runs the same programs above")
def test_examples_link_only_libfastclip(ex):
    """The examples need no LibTorch at link time: fc_load finds the backend."""
    for name in ("similarity", "index_folder", "cpp/similarity"):
        dyn = run(["readelf", "-d", ex[name]]).stdout
        assert "libfastclip.so.0" in dyn and "torch" not in dyn
