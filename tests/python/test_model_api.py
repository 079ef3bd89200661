"""The model API's contract from C (tests/tools/fc_model_api.c): argument
and input errors, batches with and without per-item statuses, the three
image sources, one model shared by 8 threads; and the device and load
errors seen through `fastclip embed`.

The model is one of tests/models/clipmodels.py's small CLIPs (modeltools)."""
import subprocess

import numpy as np
import pytest
from PIL import Image

import imagegen
import modeltools
from fctools import BUILD, ROOT, TIMEOUT_SCALE

SHARED = ROOT.parent / "shared" / "images"


@pytest.fixture(scope="module")
def models():
    return modeltools.build_models()


@pytest.fixture(scope="module")
def api_tool():
    exe = BUILD / "tests" / "fc_model_api"
    if not exe.exists():
        pytest.fail("missing %s: run make test-tools" % exe)
    return exe


@pytest.fixture(scope="module")
def inputs(workdir):
    """A JPEG, a PNG with alpha, and a binary PPM (raw pixels for the
    pixel source), all generated."""
    d = workdir / "model-api"
    d.mkdir(exist_ok=True)
    rgb = imagegen.rgb(97, 61, imagegen.seed_of("model-api"))
    Image.fromarray(rgb).save(d / "photo.jpg", quality=90)
    Image.fromarray(imagegen.rgba(40, 90, imagegen.seed_of("model-api-rgba")), "RGBA").save(d / "alpha.png")
    Image.fromarray(rgb).save(d / "raw.ppm")
    return d


def run(args, timeout=300):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout * TIMEOUT_SCALE)


def report(proc):
    return "exit %s\n%s%s" % (proc.returncode, proc.stdout[-5000:], proc.stderr[-3000:])


@pytest.mark.parametrize("name", ["traced_fp32", "openai_style"])
def test_api_errors_and_sources(models, api_tool, inputs, name):
    proc = run([api_tool, "errors", models[name]["path"], inputs / "photo.jpg", inputs / "raw.ppm"])
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and not proc.stderr.strip(), report(proc)
    assert not [l for l in lines if not l.startswith("ok ")], report(proc)
    # The tool ran its whole list, not a prefix of it.
    assert len(lines) >= 55, report(proc)


@pytest.mark.parametrize("name", ["scripted_fp32", "openai_style"])
def test_one_model_eight_threads(models, api_tool, inputs, name):
    texts = ["a photo of a cat", "", "an extremely long caption " * 20, "ünïcödé ✓ 日本語"]
    proc = run([api_tool, "threads", models[name]["path"], 8, 3,
                inputs / "photo.jpg", inputs / "alpha.png", SHARED / "coffee-640x425.jpg",
                "--", *texts], timeout=600)
    assert proc.returncode == 0, report(proc)
    assert "ok threads equal serial" in proc.stdout
    assert "0 errors, 0 results differ from serial, of 168 calls" in proc.stdout, report(proc)


def cuda_available():
    try:
        import torch
        return torch.cuda.is_available()
    except Exception:
        return False


def test_load_cuda(models, cli, inputs):
    proc = cli(["embed", "--model", models["traced_fp32"]["path"], "--mode", "load:cuda",
                "--text", "a cat", "-o", inputs / "cuda.npy"])
    if cuda_available():
        assert proc.returncode == 0, proc.stderr
        assert np.load(inputs / "cuda.npy").shape == (1, models["traced_fp32"]["embed_dim"])
    else:
        print("no GPU here: load:cuda must fail with a device error")
        assert proc.returncode == 4
        err = proc.stderr.decode()
        assert "no CUDA GPU" in err and "device not available" in err
        assert len(err.strip().splitlines()) == 1


def test_load_cuda_index_out_of_range(models, cli):
    proc = cli(["embed", "--model", models["traced_fp32"]["path"], "--mode", "load:cuda:99",
                "--text", "a cat"])
    assert proc.returncode == 4
    assert "device not available" in proc.stderr.decode()


@pytest.mark.parametrize("mode,device,needle", [
    ("load:tpu", None, "load:tpu"),
    ("load:cpu", "gpu7", "gpu7"),
    ("load:cuda", "cpu", "load:cpu"),
])
def test_bad_mode_or_device(models, cli, mode, device, needle):
    args = ["embed", "--model", models["traced_fp32"]["path"], "--mode", mode, "--text", "x"]
    if device:
        args += ["--device", device]
    proc = cli(args)
    assert proc.returncode == 4
    err = proc.stderr.decode()
    assert needle in err and "invalid argument" in err


def test_model_is_a_directory(cli, workdir):
    proc = cli(["embed", "--model", workdir, "--text", "x"])
    assert proc.returncode == 4
    assert "not a regular file" in proc.stderr.decode()


def test_bare_export_needs_image_size(models, cli, inputs):
    path = models["bare_traced"]["path"]
    proc = cli(["embed", "--model", path, "--image", inputs / "photo.jpg"])
    assert proc.returncode == 4
    assert "image_size" in proc.stderr.decode()
    n = models["bare_traced"]["image_size"]
    proc = cli(["embed", "--model", path, "--image-size", n, "--image", inputs / "photo.jpg",
                "-o", inputs / "bare.npy"])
    assert proc.returncode == 0, proc.stderr


def test_warmup_changes_nothing(models, cli, inputs):
    outs = []
    for extra in ([], ["--no-warmup"]):
        out = inputs / ("warm%d.npy" % len(outs))
        proc = cli(["embed", "--model", models["scripted_fp32"]["path"], *extra,
                    "--image", inputs / "alpha.png", "--text", "a cat", "-o", out])
        assert proc.returncode == 0, proc.stderr
        outs.append(np.load(out))
    assert np.array_equal(outs[0], outs[1])


def test_bad_image_in_embed_names_the_file(models, cli, inputs, workdir):
    bad = workdir / "model-api" / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    proc = cli(["embed", "--model", models["traced_fp32"]["path"], "--image", inputs / "photo.jpg",
                "--image", bad, "-o", workdir / "never.npy"])
    assert proc.returncode == 1
    assert str(bad) in proc.stderr.decode()
    assert not (workdir / "never.npy").exists()


def test_similarity_is_the_cosine_of_embeddings(models, cli, inputs):
    model = models["openai_style"]["path"]
    images = [inputs / "photo.jpg", inputs / "alpha.png"]
    texts = ["a photo", "-starts with a dash", "ünïcödé"]
    proc = cli(["similarity", "--model", model, *images, "--", *texts])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split("\t") == ["image", *texts]
    table = np.array([[float(v) for v in line.split("\t")[1:]] for line in lines[1:]])
    assert [line.split("\t")[0] for line in lines[1:]] == [str(p) for p in images]
    args = ["embed", "--model", model, "-o", inputs / "sim.npy"]
    for p in images:
        args += ["--image", p]
    for t in texts:
        args += ["--text", t]
    assert cli(args).returncode == 0
    rows = np.load(inputs / "sim.npy").astype(np.float64)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    want = rows[:2] @ rows[2:].T
    assert table.shape == (2, 3)
    assert np.abs(table - want).max() < 2e-6


@pytest.mark.parametrize("args", [
    ["similarity", "--model", "m.pt", "a.jpg"],            # no texts
    ["similarity", "--model", "m.pt", "--", "a text"],     # no images
    ["embed", "--model", "m.pt"],                          # nothing to embed
    ["embed", "--text", "x"],                              # no model
    ["embed", "--model", "m.pt", "--text", "x", "--bogus"],
    ["embed", "--model", "m.pt", "--image-size", "0", "--text", "x"],
])
def test_model_command_usage_errors(cli, args):
    proc = cli(args)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("fastclip: ")


def test_context_length_must_match_the_model(models, cli):
    proc = cli(["embed", "--model", models["traced_fp32"]["path"], "--context-length", "5",
                "--text", "a b c d e f"])
    assert proc.returncode == 4
    err = proc.stderr.decode()
    assert "context_length is 5" in err and "77" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("warmup", [[], ["--no-warmup"]])
def test_failing_model_gives_one_line(models, cli, inputs, warmup):
    """A TorchScript error (here: the wrong image size forced on a model)
    comes back as FC_ERR_MODEL with the cause on one line, at load when the
    warm-up runs, else at the first call."""
    proc = cli(["embed", "--model", models["traced_fp32"]["path"], "--image-size", "32", *warmup,
                "--image", inputs / "photo.jpg"])
    assert proc.returncode == 4, proc.stderr
    err = proc.stderr.decode()
    assert "encode_image failed" in err and "must match the size" in err
    assert "not a usable CLIP model" in err
    assert len(err.strip().splitlines()) == 1


def test_embed_streams_in_chunks(models, cli, inputs, workdir):
    """fastclip embed with --batch-size 3 streams 100 images in chunks of 24
    (and texts likewise): the rows equal one whole-batch call's, to the bit
    for every worker count, in .npy and in JSON; bad files in several chunks
    are all named, and no output file is left behind."""
    model = models["openai_style"]["path"]
    good = [inputs / "photo.jpg", inputs / "alpha.png", inputs / "raw.ppm"]
    images = [good[i % 3] for i in range(100)]
    texts = ["a photo %d" % i for i in range(30)]

    def run_embed(extra, out):
        args = ["embed", "--model", model, "--no-warmup", *extra]
        for p in images:
            args += ["--image", p]
        for t in texts:
            args += ["--text", t]
        return cli(args + (["-o", out] if out else []))

    outs = []
    for k, extra in enumerate([["--batch-size", "3", "--workers", "1"],
                               ["--batch-size", "3", "--workers", "4"]]):
        out = workdir / ("stream%d.npy" % k)
        proc = run_embed(extra, out)
        assert proc.returncode == 0, proc.stderr
        outs.append(np.load(out))
    assert outs[0].shape == (130, models["openai_style"]["embed_dim"])
    assert np.array_equal(outs[0], outs[1])
    # Each input is the same in every chunk: rows repeat with their input.
    assert np.array_equal(outs[0][0], outs[0][99]) and np.array_equal(outs[0][1], outs[0][97])
    proc = run_embed(["--batch-size", "3"], None)
    assert proc.returncode == 0, proc.stderr
    import json
    doc = json.loads(proc.stdout)
    got = np.array([r["embedding"] for r in doc["images"] + doc["texts"]], np.float32)
    assert np.array_equal(got, outs[0])

    bad = workdir / "model-api" / "stream-bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    images[5] = images[60] = bad
    out = workdir / "stream-bad.npy"
    proc = run_embed(["--batch-size", "3"], out)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.count(str(bad)) >= 2 and "2 of 100 images failed" in err, err
    assert not out.exists() and not list(workdir.glob("stream-bad.npy.tmp*"))
