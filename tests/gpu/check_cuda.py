"""GPU checks of the model API (tests/gpu/run.sh runs this on the GPU
machine, where python3's torch has CUDA):

  load:cuda            float16 on the GPU: our embeddings against Python's
                       clip.load(jit=True, device="cuda") of the same archive,
                       cosine >= 0.9999 for every row
  load:cpu on cuda     float32 on the GPU: within 1e-4 of our CPU embeddings
  8 threads            one model shared by 8 threads equals serial (both modes)
  workers              1, 2 and 16 preprocessing workers give the same bytes
                       (load:cuda, two micro-batches)
  throughput           (measured, not a check) images per second over 256
                       image files, batch 64, the ViT-B/32-shaped bench model
                       in load:cuda: our pipeline with 1 and 16 workers, and
                       a torch DataLoader with 16 workers feeding clip.load's
                       model on the GPU

Prints one line per check and exits 1 if any failed."""
import os
import pathlib
import subprocess
import time
import sys
import warnings

import numpy as np
import torch
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "models"), str(ROOT / "tests" / "python")]
warnings.filterwarnings("ignore")
import clipmodels  # noqa: E402
import imagegen  # noqa: E402
from reference import clip_transform  # noqa: E402

BUILD = ROOT / sys.argv[1]
CLI = BUILD / "bin" / "fastclip"
TEXTS = ["a photo of a cat", "", "a diagram of a neural network " * 6, "café ☕ 東京"]
failed = []


def check(ok, name, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        failed.append(name)


def embed(model, mode, images, extra=()):
    out = BUILD / "gpu-out.npy"
    args = [str(CLI), "embed", "--model", str(model), "--mode", mode, *extra]
    for p in images:
        args += ["--image", str(p)]
    for t in TEXTS:
        args += ["--text", t]
    proc = subprocess.run(args + ["-o", str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args[:6]), proc.stderr))
    return np.load(out)


def python_fp16(model_path, images, n):
    """OpenAI's loader on the GPU: device constants patched, float16 kept."""
    import clip
    if not hasattr(torch._C.Node, "__getitem__"):
        torch._C.Node.__getitem__ = clipmodels._node_getitem
    model, _ = clip.load(str(model_path), device="cuda", jit=True)
    pixels = torch.stack([clip_transform(n)(Image.open(p)) for p in images]).cuda()
    with torch.no_grad():
        a = model.encode_image(pixels).float().cpu().numpy()
        b = model.encode_text(clip.tokenize(TEXTS, truncate=True).cuda()).float().cpu().numpy()
    return np.concatenate([a, b])


def cosine_rows(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def throughput():
    """Images per second through load:cuda, ours against a DataLoader."""
    os.environ["FASTCLIP_BUILD"] = str(BUILD)
    os.environ["FASTCLIP_LIBOUT"] = str(BUILD / "lib")
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    import bench
    import clip
    listing = bench.throughput_images()
    paths = listing.read_text().split()
    model_path = bench.bench_model()
    rates = {}
    for workers in (1, 16):
        side = bench.OurPipeline(model_path, workers, listing, mode="load:cuda", threads=0)
        try:
            side.one_pass()
            runs = [side.one_pass() for _ in range(3)]
        finally:
            side.close()
        best = min(runs, key=lambda r: r["seconds"])
        rates[workers] = len(paths) / best["seconds"]
        print("info libfastclip load:cuda, %2d workers: %7.1f images/s (GPU busy %.0f%% of the "
              "pass)" % (workers, rates[workers], 100 * best["run_seconds"] / best["seconds"]))
    model, preprocess = clip.load(str(model_path), device="cuda", jit=True)

    class Files(torch.utils.data.Dataset):
        def __len__(self):
            return len(paths)

        def __getitem__(self, i):
            return preprocess(Image.open(paths[i]))

    loader = torch.utils.data.DataLoader(Files(), batch_size=bench.THROUGHPUT_BATCH,
                                         num_workers=16, persistent_workers=True)
    times = []
    with torch.no_grad():
        for _ in range(4):
            t0 = time.perf_counter()
            for batch in loader:
                model.encode_image(batch.cuda()).float().cpu()
            times.append(time.perf_counter() - t0)
    py = len(paths) / min(times[1:])
    print("info Python DataLoader(16 workers) + clip.load(jit=True, cuda): %7.1f images/s; "
          "ours with 16 workers %.2fx, with 1 %.2fx" % (py, rates[16] / py, rates[1] / py))


def main():
    if not torch.cuda.is_available():
        check(False, "torch sees a GPU", "torch.cuda.is_available() is False")
        return 1
    check(True, "torch sees a GPU", torch.cuda.get_device_name(0))
    models = BUILD / "gpu-models"
    clipmodels.make(models)
    work = BUILD / "gpu-images"
    work.mkdir(exist_ok=True)
    images = []
    for i, (w, h) in enumerate([(97, 61), (300, 200), (20, 700)]):
        p = work / ("img%d.png" % i)
        Image.fromarray(imagegen.rgb(w, h, imagegen.seed_of("gpu%d" % i))).save(p)
        images.append(p)
    jpg = work / "photo.jpg"
    Image.fromarray(imagegen.rgb(640, 425, imagegen.seed_of("gpu-jpg"))).save(jpg, quality=90)
    images.append(jpg)

    spec = clipmodels.SPECS["openai_style"]
    path = models / "openai_style.pt"
    ours = embed(path, "load:cuda", images)
    ref = python_fp16(path, images, spec["image_resolution"])
    cos = cosine_rows(ours, ref)
    check(ours.dtype == np.float32 and ours.shape == ref.shape, "load:cuda gives float32 rows",
          str(ours.shape))
    check(bool((cos >= 0.9999).all()), "load:cuda vs Python float16 on the GPU",
          "min cosine %.6f" % cos.min())

    for name in ("openai_style", "traced_fp32", "scripted_fp32"):
        p = models / (name + ".pt")
        cpu = embed(p, "load:cpu", images)
        gpu = embed(p, "load:cpu", images, ["--device", "cuda"])
        diff = float(np.abs(cpu - gpu).max())
        check(diff <= 1e-4, "load:cpu on cuda vs CPU, %s" % name, "max abs diff %.3g" % diff)

    tool = BUILD / "tests" / "fc_model_api"
    for mode in ("load:cuda", "load:cpu"):
        proc = subprocess.run([str(tool), "threads", str(path), "8", "3", "--mode", mode,
                               *map(str, images), "--", *TEXTS], capture_output=True, text=True)
        check(proc.returncode == 0, "8 threads share one %s model" % mode,
              proc.stdout.strip()[-200:])
    outs = [embed(path, "load:cuda", images, ["--workers", str(w), "--batch-size", "2"])
            for w in (1, 2, 16)]
    check(all(np.array_equal(outs[0], o) for o in outs[1:]),
          "1, 2 and 16 workers give the same bytes (load:cuda)")
    try:
        throughput()
    except Exception as e:  # a measurement, reported; the checks above decide
        print("info throughput not measured: %s: %s" % (type(e).__name__, e))
    print("\n%d check(s) failed" % len(failed) if failed else "\nall GPU checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
