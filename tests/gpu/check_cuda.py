"""GPU checks of the model API (tests/gpu/run.sh runs this on the GPU
machine, where python3's torch has CUDA), through the Python package:

  load:cuda          float16 on the GPU against Python's clip.load(jit=True,
                     device=CUDA) of the same archive: cosine >= 0.9999
                     for every row; the largest difference is reported
  float32 on cuda    load:cpu with device=CUDA (true float32, TF32 off)
                     within 1e-5 of our CPU rows; TF32 and bfloat16 measured
                     against it and against Python
  as clip.load       an export traced on the CPU ("cpu" device constants)
                     fails on the GPU here exactly when clip.load fails
  graphs             CUDA graphs on and off give the same bytes, at batch
                     sizes on and between buckets and past the micro-batch
  warm-up            a model warmed up and one not give the same bytes, on
                     the first call and later ones
  threads            8 threads on one model equal serial calls
  cuda:N, memory     a GPU that is not there is FC_ERR_DEVICE; fc_free gives
                     the GPU memory back; out of GPU memory is
                     FC_ERR_OUT_OF_MEMORY and the model works afterwards

Prints one line per check and exits 1 if any failed. With --cpu-dry-run
(here, without a GPU) every step runs on the CPU instead, to prove the
script before it spends device time: the checks that only a GPU can pass
then fail, and only Python errors matter.""" 
import os
import pathlib
import subprocess
import sys
import threading
import warnings

import numpy as np
import torch
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
DRY = "--cpu-dry-run" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--cpu-dry-run"]
BUILD = (ROOT / ARGS[0]).resolve() if ARGS else ROOT / "build"
CUDA = "cpu" if DRY else "cuda"          # the device the checks run on
LOAD_CUDA = "load:cpu" if DRY else "load:cuda"
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "tests" / "models"),
                str(ROOT / "tests" / "python")]
# run.sh builds with LIBOUT=<build>/lib; a plain build puts the library in lib/.
os.environ["FASTCLIP_LIBRARY"] = str(next(
    (p for p in (BUILD / "lib", ROOT / "lib") if (p / "libfastclip.so.0").exists()),
    BUILD / "lib") / "libfastclip.so.0")
warnings.filterwarnings("ignore")
import clipmodels  # noqa: E402
import fastclip  # noqa: E402
import imagegen  # noqa: E402
from reference import clip_transform  # noqa: E402

TEXTS = ["a photo of a cat", "", "a diagram of a neural network " * 6, "café ☕ 東京"]
failed = []
crashed = []


def check(ok, name, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""), flush=True)
    if not ok:
        failed.append(name)


def info(line):
    print("info " + line, flush=True)


def rows(model, images, texts=TEXTS):
    return np.concatenate([model.encode_images(images), model.encode_texts(texts)])


def clip_load(path, device):
    import clip
    if not hasattr(torch._C.Node, "__getitem__"):
        torch._C.Node.__getitem__ = clipmodels._node_getitem
    model, _ = clip.load(str(path), device=device, jit=True)
    return model


def python_rows(model, images, n, device, dtype=None):
    import clip
    pixels = torch.stack([clip_transform(n)(Image.open(p)) for p in images]).to(device)
    if dtype is not None:
        pixels = pixels.to(dtype)
    with torch.no_grad():
        a = model.encode_image(pixels).float().cpu().numpy()
        b = model.encode_text(clip.tokenize(TEXTS, truncate=True).to(device)).float().cpu().numpy()
    return np.concatenate([a, b])


def cosine_rows(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def status_of(call):
    try:
        call()
        return fastclip.Status.OK, ""
    except fastclip.FastclipError as e:
        return e.status, str(e)


def check_precision(models, images):
    spec = clipmodels.SPECS["openai_style"]
    path = models / "openai_style.pt"
    with fastclip.Model(path, mode=LOAD_CUDA, cuda_graphs=True) as m:
        check(m.precision == "stored" and m.device == "cuda:0", "load:cuda runs stored on cuda:0",
              "%s on %s" % (m.precision, m.device))
        on, why = m.cuda_graphs
        check(on, "load:cuda replays CUDA graphs", why)
        ours = rows(m, images)
    ref = python_rows(clip_load(path, CUDA), images, spec["image_resolution"], CUDA)
    cos = cosine_rows(ours, ref)
    check(ours.dtype == np.float32 and ours.shape == ref.shape, "load:cuda gives float32 rows",
          str(ours.shape))
    check(bool((cos >= 0.9999).all()), "load:cuda vs Python float16 on the GPU",
          "min cosine %.6f, max abs diff %.3g" % (cos.min(), np.abs(ours - ref).max()))

    for name in ("openai_style", "scripted_fp32"):
        p = models / (name + ".pt")
        with fastclip.Model(p, mode="load:cpu") as cpu:
            want = rows(cpu, images)
        with fastclip.Model(p, mode="load:cpu", device=CUDA) as gpu:
            got = rows(gpu, images)
        diff = float(np.abs(want - got).max())
        check(diff <= 1e-5, "float32 on cuda vs CPU, %s" % name, "max abs diff %.3g" % diff)
        if name == "openai_style":
            with fastclip.Model(p, mode="load:cpu", device=CUDA, precision="tf32") as m:
                tf32 = rows(m, images)
            info("tf32 on cuda vs CPU float32, %s: max abs diff %.3g, min cosine %.7f"
                 % (name, np.abs(tf32 - want).max(), cosine_rows(tf32, want).min()))
            with fastclip.Model(p, mode=LOAD_CUDA, precision="bfloat16") as m:
                bf16 = rows(m, images)
            info("bfloat16 on cuda vs CPU float32, %s: max abs diff %.3g, min cosine %.6f"
                 % (name, np.abs(bf16 - want).max(), cosine_rows(bf16, want).min()))
            info("float16 (stored) on cuda vs CPU float32, %s: max abs diff %.3g, min cosine %.6f"
                 % (name, np.abs(ours - want).max(), cosine_rows(ours, want).min()))
            py32 = python_rows(clip_load(p, "cpu"), images, spec["image_resolution"], "cpu")
            info("float32 on cuda vs Python clip.load(cpu): max abs diff %.3g"
                 % np.abs(got - py32).max())
    # TF32 is one switch per process: a float32 model and a TF32 one cannot
    # both be live.
    p = models / "scripted_fp32.pt"
    with fastclip.Model(p, device=CUDA):
        st, msg = status_of(lambda: fastclip.Model(p, device=CUDA, precision="tf32"))
    check(st == fastclip.Status.INVALID_ARGUMENT and "process-wide" in msg,
          "a TF32 model beside a float32 one is refused", msg[:120])

    # An export traced on the CPU keeps its "cpu" constants, as in clip.load.
    p = models / "traced_fp32.pt"
    try:
        python_rows(clip_load(p, CUDA), images, clipmodels.SPECS["traced_fp32"]["image_resolution"],
                    CUDA)
        python_ok = True
    except Exception:
        python_ok = False
    st, msg = status_of(lambda: rows(fastclip.Model(p, mode="load:cpu", device=CUDA), images))
    check((st == fastclip.Status.OK) == python_ok, "a CPU-traced export on cuda: as clip.load",
          "Python %s; ours %s %s" % ("runs" if python_ok else "fails", st.name, msg[:100]))


def check_graphs_and_warmup(models, images):
    path = models / "openai_style.pt"
    many = (images * 20)[:70]
    with fastclip.Model(path, mode=LOAD_CUDA, cuda_graphs=False, warmup=0) as plain, \
            fastclip.Model(path, mode=LOAD_CUDA, warmup=2, cuda_graphs=True) as graphs, \
            fastclip.Model(path, mode=LOAD_CUDA, warmup=0, cuda_graphs=True) as cold:
        on, why = plain.cuda_graphs
        check(not on and "params.cuda_graphs is 0" in why, "cuda_graphs=False is off", why)
        first_cold = cold.encode_images(images[:3])
        ok_graphs, ok_warm = True, True
        for n in (1, 2, 3, 5, 13, 64, 70):
            batch = many[:n]
            a = plain.encode_images(batch)
            for _ in range(2):  # the first call captures, the second replays
                ok_graphs &= same(graphs.encode_images(batch), a)
            ok_warm &= same(cold.encode_images(batch), a)
        texts = (TEXTS * 10)[:37]
        ok_graphs &= same(graphs.encode_texts(texts), plain.encode_texts(texts))
        ok_graphs &= same(graphs.encode_texts(texts), plain.encode_texts(texts))
        check(ok_graphs, "graphs and no graphs give the same bytes (batches 1 to 70, texts)")
        check(ok_warm and same(first_cold, plain.encode_images(images[:3])),
              "warm-up changes no byte (first calls and later ones)")
        pixels = np.stack([fastclip.preprocess(p, size=graphs.image_size) for p in many[:13]])
        check(same(graphs.encode_image_tensors(pixels), plain.encode_images(many[:13])),
              "encode_image_tensors gives the batch call's bytes on cuda")
        on, why = graphs.cuda_graphs
        check(on, "graphs stay on after use", why)


def diagnose_capture(models, images):
    """Not a check: where a TorchScript archive stops CUDA graph capture.
    Capture fails at the first operation that synchronises with the host
    (a copy from pageable memory, .item()); LibTorch's sync debug mode
    raises there, with the TorchScript traceback that names it."""
    spec = clipmodels.SPECS["openai_style"]
    m = torch.jit.load(str(models / "openai_style.pt"), map_location="cuda").eval()
    n = spec["image_resolution"]
    x = torch.zeros(2, 3, n, n, device="cuda", dtype=torch.half)
    t = torch.zeros(2, spec["context_length"], dtype=torch.long, device="cuda")
    t[:, :2] = torch.tensor([49406, 49407])
    s = torch.cuda.Stream()
    for method, arg in (("encode_image", x), ("encode_text", t)):
        with torch.jit.optimized_execution(False), torch.no_grad(), torch.cuda.stream(s):
            getattr(m, method)(arg)
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("error")
            try:
                getattr(m, method)(arg)
                info("capture diagnosis, %s: no synchronising operation" % method)
            except Exception as e:
                text = str(e)
                here = [l for l in text.splitlines() if l.strip()]
                info("capture diagnosis, %s: %s" % (method, " | ".join(here[-14:])[-1500:]))
            finally:
                torch.cuda.set_sync_debug_mode(0)


def check_threads(models, images):
    path = models / "openai_style.pt"
    with fastclip.Model(path, mode=LOAD_CUDA, cuda_graphs=True) as m:
        serial = [m.encode_images(images), m.encode_texts(TEXTS), m.encode_images(images[:1])]
        results, errors = [], []

        def work(i):
            try:
                for r in range(4):
                    k = (i + r) % 3
                    got = [m.encode_images(images), m.encode_texts(TEXTS),
                           m.encode_images(images[:1])][k]
                    results.append(same(got, serial[k]))
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    check(not errors and len(results) == 32 and all(results),
          "8 threads share one load:cuda model", "%d results, errors %s" % (len(results), errors[:1]))


def check_device_and_memory(models, images):
    path = models / "openai_style.pt"
    n = torch.cuda.device_count()
    st, msg = status_of(lambda: fastclip.Model(path, mode="load:cuda:%d" % n))
    check(st == fastclip.Status.DEVICE, "cuda:%d on a machine with %d GPU(s) is FC_ERR_DEVICE" % (n, n),
          msg[:120])
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    free0 = torch.cuda.mem_get_info()[0]
    m = fastclip.Model(path, mode=LOAD_CUDA, batch_size=4096)
    big = np.random.default_rng(0).standard_normal((4096, 3, m.image_size, m.image_size)).astype(np.float32)
    for _ in range(2):
        m.encode_image_tensors(big)
    free1 = torch.cuda.mem_get_info()[0]
    m.close()
    free2 = torch.cuda.mem_get_info()[0]
    mib = 1 << 20
    # What stays: LibTorch keeps a cuBLAS workspace per stream used, for the
    # process's life (at most 4 slots' streams, some tens of MiB each).
    check(free0 - free1 > 256 * mib and free0 - free2 < 192 * mib,
          "fc_free gives the GPU memory back",
          "free: %d MiB before, %d MiB loaded, %d MiB after" % (free0 // mib, free1 // mib, free2 // mib))
    # Out of memory, in a process of its own: the caching allocator shared
    # with this torch is capped, then a batch too large for the cap.
    code = r"""
import os, sys, numpy as np, torch
sys.path.insert(0, %r)
import fastclip
m = fastclip.Model(%r, mode="load:cuda", batch_size=4096)
torch.cuda.set_per_process_memory_fraction(0.002)
x = np.zeros((4096, 3, m.image_size, m.image_size), np.float32)
try:
    m.encode_image_tensors(x)
    print("no error")
except fastclip.FastclipError as e:
    print(e.status.name, "|", str(e)[:150])
torch.cuda.set_per_process_memory_fraction(1.0)
print("after", m.encode_image_tensors(x[:2]).shape)
""" % (str(ROOT / "python"), str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    out = proc.stdout.strip()
    check(proc.returncode == 0 and out.startswith("OUT_OF_MEMORY") and "after (2," in out,
          "out of GPU memory is FC_ERR_OUT_OF_MEMORY, and the model works afterwards",
          (out or proc.stderr.strip())[-240:])


def main():
    if not torch.cuda.is_available() and not DRY:
        check(False, "torch sees a GPU", "torch.cuda.is_available() is False")
        return 1
    check(DRY or torch.cuda.is_available(), "torch sees a GPU",
          "dry run on the CPU" if DRY else torch.cuda.get_device_name(0))
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
    parts = [check_precision, check_graphs_and_warmup, check_threads]
    if not DRY:
        parts.append(diagnose_capture)
    if not DRY:
        parts.append(check_device_and_memory)
    for part in parts:
        try:
            part(models, images)
        except Exception as e:  # one part's crash must not hide the others
            check(False, part.__name__, "%s: %s" % (type(e).__name__, str(e)[:300]))
            crashed.append(part.__name__)
    print("\n%d check(s) failed" % len(failed) if failed else "\nall GPU checks passed", flush=True)
    if DRY:
        # Without a GPU the GPU-only checks fail; the dry run proves the
        # script runs through.
        print("dry run: %s" % ("crashed in " + ", ".join(crashed) if crashed else "ran through"))
        return 1 if crashed else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
