"""Helpers for the model tests: the small CLIP archives of
tests/models/clipmodels.py, their Python reference embeddings, and the
`fastclip embed` command.

Environment
  FASTCLIP_MODEL_PYTHON  the python that builds the models and computes the
                         reference embeddings ("model python"; needs torch
                         and openai-clip). Default: this python. Relative
                         paths are taken from the project root. Its torch
                         must be able to write archives the library's
                         LibTorch can read: for a build against Debian's
                         libtorch 1.13, .venv-debian/bin/python.

The archives are written to <build>/test-models/ and reused while
clipmodels.py, the model python and the files are unchanged (stamp.json).
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import numpy as np

from fctools import BUILD, ROOT, TIMEOUT_SCALE

CLIPMODELS = ROOT / "tests" / "models" / "clipmodels.py"
MODEL_NAMES = ("openai_style", "traced_fp32", "scripted_fp32", "bare_traced")
# Intra-op threads of the reference runs (passed to clipmodels.py); a run of
# ours that must be bit-identical to them uses the same count.
REFERENCE_THREADS = max(1, min(4, os.cpu_count() or 1))


def model_python():
    p = os.environ.get("FASTCLIP_MODEL_PYTHON") or sys.executable
    path = pathlib.Path(p)
    if not path.is_absolute() and (ROOT / path).exists():
        path = ROOT / path
    return path


def models_dir():
    return BUILD / "test-models"


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stamp(python):
    st = pathlib.Path(python).stat() if pathlib.Path(python).exists() else None
    return {"python": str(python),
            "python_mtime": st.st_mtime if st else None,
            "generator_sha256": _sha256(CLIPMODELS)}


def _usable(outdir, stamp):
    try:
        manifest = json.loads((outdir / "manifest.json").read_text())
        old = json.loads((outdir / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if old != stamp or manifest.get("generator_sha256") != stamp["generator_sha256"]:
        return None
    for e in manifest["models"]:
        f = outdir / e["file"]
        if not f.exists() or _sha256(f) != e["sha256"]:
            return None
    return manifest


def run_model_python(args, timeout=300):
    """Runs clipmodels.py under the model python; raises with its output on
    failure."""
    python = model_python()
    proc = subprocess.run([str(python), str(CLIPMODELS), *[str(a) for a in args]],
                          capture_output=True, timeout=timeout * TIMEOUT_SCALE, cwd=str(ROOT),
                          env=dict(os.environ, FASTCLIP_REFERENCE_THREADS=str(REFERENCE_THREADS)))
    if proc.returncode != 0:
        raise RuntimeError("%s %s %s failed (exit %s):\n%s" % (
            python, CLIPMODELS.name, " ".join(str(a) for a in args), proc.returncode,
            (proc.stdout + proc.stderr).decode("utf-8", "replace")[-6000:]))
    return proc


def build_models():
    """Builds (or reuses) the archives; returns {name: entry} where each
    entry is manifest.json's, plus "path" (absolute) and "torch" (the model
    python's torch version)."""
    python = model_python()
    outdir = models_dir()
    stamp = _stamp(python)
    manifest = _usable(outdir, stamp)
    if manifest is None:
        outdir.mkdir(parents=True, exist_ok=True)
        for f in ("stamp.json", "manifest.json"):
            if (outdir / f).exists():
                (outdir / f).unlink()
        run_model_python(["make", outdir])
        manifest = json.loads((outdir / "manifest.json").read_text())
        (outdir / "stamp.json").write_text(json.dumps(stamp, indent=1) + "\n")
    out = {}
    for e in manifest["models"]:
        e = dict(e)
        e["path"] = outdir / e["file"]
        e["torch"] = manifest["torch"]
        e["onednn_linear"] = manifest["onednn_linear"]
        out[e["name"]] = e
    return out


def reference_embeddings(jobs, workdir, name="embed"):
    """Runs `clipmodels.py embed-batch` once for many jobs. Each job is a
    dict with "model" (a manifest entry), and "images" (float32
    [N, 3, n, n] or None) and "tokens" (int64 [M, context] or None).
    Returns one (image [N, dim], text [M, dim]) pair per job."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    spec = []
    for i, job in enumerate(jobs):
        entry = {"model": str(job["model"]["path"]),
                 "reference": job["model"]["reference"],
                 "images": None, "tokens": None,
                 "out": str(workdir / ("%s-%d.npz" % (name, i)))}
        if job.get("images") is not None:
            entry["images"] = str(workdir / ("%s-%d-images.npy" % (name, i)))
            np.save(entry["images"], np.ascontiguousarray(job["images"], np.float32))
        if job.get("tokens") is not None:
            entry["tokens"] = str(workdir / ("%s-%d-tokens.npy" % (name, i)))
            np.save(entry["tokens"], np.ascontiguousarray(job["tokens"], np.int64))
        spec.append(entry)
    jobs_path = workdir / ("%s-jobs.json" % name)
    jobs_path.write_text(json.dumps(spec, indent=1))
    run_model_python(["embed-batch", jobs_path])
    out = []
    for entry in spec:
        with np.load(entry["out"], allow_pickle=False) as z:
            out.append((z["image"], z["text"]))
    return out


def tokenize(texts, context_length):
    """OpenAI's clip.tokenize with truncation, as int64."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import clip
    return clip.tokenize(list(texts), context_length=context_length,
                         truncate=True).numpy().astype(np.int64)


def embed_args(model, images=(), texts=(), normalize=False, rgb_first=False,
               warmup=False, image_size=None, mode="load:cpu", out=None,
               kernels=None, threads=None, batch_size=None, workers=None):
    """The argument list of one `fastclip embed` call."""
    args = ["embed", "--model", model["path"], "--mode", mode]
    if batch_size is not None:
        args += ["--batch-size", batch_size]
    if workers is not None:
        args += ["--workers", workers]
    if kernels is not None:
        args += ["--kernels", kernels]
    if threads is not None:
        args += ["--threads", threads]
    if normalize:
        args.append("--normalize")
    if rgb_first:
        args.append("--rgb-first")
    if image_size is None and model.get("needs_image_size"):
        image_size = model["image_size"]
    if image_size is not None:
        args += ["--image-size", image_size]
    if not warmup:
        args.append("--no-warmup")
    for f in images:
        args += ["--image", f]
    for t in texts:
        args += ["--text", t]
    if out is not None:
        args += ["-o", out]
    return args


def read_embeddings(path, rows, dim=None):
    """The float32 [rows, dim] array `fastclip embed -o X.npy` wrote."""
    a = np.load(path, allow_pickle=False)
    assert a.dtype == np.dtype("<f4"), a.dtype
    assert a.ndim == 2 and a.shape[0] == rows, a.shape
    if dim is not None:
        assert a.shape[1] == dim, (a.shape, dim)
    return a


def max_abs_diff(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    return float(np.abs(a - b).max())
