"""The GPU benchmark (tests/gpu/bench.sh runs it): libfastclip's load:cuda
next to Python on the same archives, in one run, interleaved.

Models: ViT-B/32 and ViT-L/14 shapes with random weights, built as OpenAI
built its archives: float16 weights (clip.model.convert_weights), traced on
the GPU. Rows: image tower, 224 px, batch 1, 8 and 64, a float32 host
tensor in and float32 host embeddings out, for
  libfastclip             fc_encode_image_tensors, CUDA graphs off
  libfastclip graphs      the same, graphs on (the default)
  python eager fp16       the nn.Module in float16
  clip.load jit           OpenAI's loader on the same archive
  torch.compile           the nn.Module, mode="reduce-overhead"
with p50 and p90 per call, images/s, and the p50 as a percent of the
arithmetic floor (the tower's multiply-adds at 790 TFLOP/s). Then end to
end from JPEG files: ViT-B/32, our pipeline with 16 workers against a torch
DataLoader with 16 workers feeding clip.load's model.

--cpu-dry-run runs every step on this machine's CPU with tiny shapes (float32,
load:cpu), so that the script is proven before it spends device time.
Writes the results as JSON to the path given."""
import argparse
import json
import os
import pathlib
import sys
import time
import warnings

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
warnings.filterwarnings("ignore")

SHAPES = {
    "ViT-B/32": dict(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768,
                     vision_patch_size=32, context_length=77, transformer_width=512,
                     transformer_heads=8, transformer_layers=12),
    "ViT-L/14": dict(embed_dim=768, image_resolution=224, vision_layers=24, vision_width=1024,
                     vision_patch_size=14, context_length=77, transformer_width=768,
                     transformer_heads=12, transformer_layers=12),
}
TINY = {
    "tiny-B": dict(embed_dim=32, image_resolution=32, vision_layers=2, vision_width=64,
                   vision_patch_size=8, context_length=77, transformer_width=64,
                   transformer_heads=1, transformer_layers=1),
    "tiny-L": dict(embed_dim=48, image_resolution=28, vision_layers=3, vision_width=64,
                   vision_patch_size=7, context_length=77, transformer_width=64,
                   transformer_heads=1, transformer_layers=1),
}
PEAK_FLOPS = 790e12   # the H200's bf16/fp16 matrix rate measured here (KINDS.md)


def image_flops(spec):
    """Multiply-adds x 2 of the image tower per image: patch embedding,
    then per layer the four projections (4 T d^2), the attention scores and
    their use (2 T^2 d) and the MLP (8 T d^2)."""
    d, layers, p, n = (spec["vision_width"], spec["vision_layers"], spec["vision_patch_size"],
                       spec["image_resolution"])
    t = (n // p) ** 2 + 1
    macs = (t - 1) * d * 3 * p * p + layers * (12 * t * d * d + 2 * t * t * d) + d * spec["embed_dim"]
    return 2.0 * macs


def build_archive(spec, path, device):
    """A CLIP with seeded random weights, float16 and traced on the GPU as
    OpenAI's archives were (float32 and traced on the CPU for the dry run);
    returns the nn.Module as well."""
    from clip import model as cm
    torch.manual_seed(7)
    with torch.device(device):
        m = cm.CLIP(vocab_size=49408, **spec).eval()
    # As OpenAI's archives carry them (clip.load reads input_resolution).
    for key, value in (("input_resolution", spec["image_resolution"]),
                       ("context_length", spec["context_length"]), ("vocab_size", 49408)):
        if key in m.__dict__:
            delattr(m, key)
        m.register_buffer(key, torch.tensor(value, device=device))
    if device == "cuda":
        cm.convert_weights(m)
    n, c = spec["image_resolution"], spec["context_length"]
    img = torch.randn(2, 3, n, n, device=device, dtype=m.dtype)
    txt = torch.randint(0, 49408, (2, c), device=device)
    with torch.no_grad():
        traced = torch.jit.trace_module(m, {"forward": (img, txt), "encode_image": img,
                                            "encode_text": txt}, check_trace=False)
    traced.save(str(path))
    return m


def clip_load(path, device):
    import clip
    sys.path.insert(0, str(ROOT / "tests" / "models"))
    import clipmodels
    if not hasattr(torch._C.Node, "__getitem__"):
        torch._C.Node.__getitem__ = clipmodels._node_getitem
    model, _ = clip.load(str(path), device=device, jit=True)
    return model


def percentile(xs, q):
    return float(np.percentile(np.asarray(xs), q))


def tools_for(name, spec, path, eager, args, batches, deadline):
    """name -> (call(x numpy) -> numpy, note)."""
    import fastclip
    dev = "cpu" if args.cpu_dry_run else "cuda"
    mode = "load:cpu" if args.cpu_dry_run else "load:cuda"
    tools, notes = {}, {}
    biggest = max(batches)
    for label, graphs in (("libfastclip", False), ("libfastclip graphs", True)):
        m = fastclip.Model(path, mode=mode, cuda_graphs=graphs, workers=0, batch_size=biggest)
        tools[label] = m.encode_image_tensors
        if graphs:
            notes[label] = m.cuda_graphs[1]
    dtype = next(eager.parameters()).dtype

    def run_eager(x, f=eager.encode_image):
        with torch.no_grad():
            return f(torch.from_numpy(x).to(dev, non_blocking=True).to(dtype)).float().cpu().numpy()
    tools["python eager fp16" if dev == "cuda" else "python eager"] = run_eager
    jit = clip_load(path, dev)

    def run_jit(x):
        with torch.no_grad():
            return jit.encode_image(torch.from_numpy(x).to(dev)).float().cpu().numpy()
    tools["clip.load jit"] = run_jit
    if args.no_compile:
        notes["torch.compile"] = "not measured: --no-compile"
        return tools, notes
    t0 = time.perf_counter()
    try:
        compiled = torch.compile(eager.encode_image, mode="reduce-overhead")

        def run_compiled(x):
            with torch.no_grad():
                return compiled(torch.from_numpy(x).to(dev).to(dtype)).float().cpu().numpy()
        n = spec["image_resolution"]
        for b in batches:
            if time.time() > deadline:
                raise TimeoutError("the time budget ran out while compiling")
            for _ in range(3):
                run_compiled(np.zeros((b, 3, n, n), np.float32))
        tools["torch.compile reduce-overhead"] = run_compiled
        notes["torch.compile reduce-overhead"] = "compile and capture took %.1f s" % (
            time.perf_counter() - t0)
    except Exception as e:  # reported in the results, never a crash
        notes["torch.compile reduce-overhead"] = "not measured: %s: %s" % (
            type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")
    return tools, notes


def bench_rows(name, spec, path, eager, args, deadline):
    batches = [1, 2] if args.cpu_dry_run else [1, 8, 64]
    tools, notes = tools_for(name, spec, path, eager, args, batches, deadline)
    n = spec["image_resolution"]
    rng = np.random.default_rng(1)
    out = []
    for b in batches:
        x = rng.standard_normal((b, 3, n, n)).astype(np.float32)
        ref = None
        times = {k: [] for k in tools}
        for k, f in tools.items():     # warm, and every tool gives the same shape
            for _ in range(3):
                y = f(x)
            assert y.shape == (b, spec["embed_dim"]), (k, y.shape)
            ref = y if ref is None else ref
        rounds = 3 if args.cpu_dry_run else 9
        for r in range(rounds):
            for k in (list(tools) if r % 2 == 0 else list(tools)[::-1]):   # interleaved
                f = tools[k]
                t_end = time.perf_counter() + args.slice
                while True:
                    t0 = time.perf_counter()
                    f(x)
                    t1 = time.perf_counter()
                    times[k].append(t1 - t0)
                    if t1 >= t_end:
                        break
        floor = image_flops(spec) * b / PEAK_FLOPS
        row = {"model": name, "batch": b, "floor_ms": floor * 1e3, "tools": {}}
        for k, ts in times.items():
            p50, p90 = percentile(ts, 50), percentile(ts, 90)
            row["tools"][k] = {"p50_ms": p50 * 1e3, "p90_ms": p90 * 1e3, "images_per_s": b / p50,
                               "percent_of_floor": 100 * floor / p50, "calls": len(ts)}
        ours = row["tools"]["libfastclip graphs"]["p50_ms"]
        for k, t in row["tools"].items():
            t["vs_libfastclip_graphs"] = t["p50_ms"] / ours
        out.append(row)
        print("%-9s batch %2d (floor %.3f ms)" % (name, b, floor * 1e3), flush=True)
        for k, t in row["tools"].items():
            print("  %-30s p50 %8.3f ms  p90 %8.3f ms  %9.1f img/s  %5.1f%% of floor  %5.2fx ours"
                  % (k, t["p50_ms"], t["p90_ms"], t["images_per_s"], t["percent_of_floor"],
                     t["vs_libfastclip_graphs"]), flush=True)
    for k, v in notes.items():
        print("  note %s: %s" % (k, v), flush=True)
    return out, notes


def end_to_end(spec, path, args, work):
    """ViT-B/32 from JPEG files: our pipeline (16 workers) against a torch
    DataLoader (16 workers) feeding clip.load's model."""
    import fastclip
    from PIL import Image
    sys.path.insert(0, str(ROOT / "tests" / "python"))
    import imagegen
    from reference import clip_transform
    count = 64 if args.cpu_dry_run else 2048
    workers = 2 if args.cpu_dry_run else 16
    files = work / "jpegs"
    files.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(min(count, 64)):
        p = files / ("%04d.jpg" % i)
        if not p.exists():
            Image.fromarray(imagegen.rgb(640, 425, imagegen.seed_of("bench%d" % i))).save(p, quality=90)
        paths.append(str(p))
    paths = (paths * (count // len(paths) + 1))[:count]
    dev = "cpu" if args.cpu_dry_run else "cuda"
    mode = "load:cpu" if args.cpu_dry_run else "load:cuda"
    with fastclip.Model(path, mode=mode, workers=workers, batch_size=64) as m:
        m.encode_images(paths[:128])
        ours = []
        for _ in range(3):
            t0 = time.perf_counter()
            m.encode_images(paths)
            ours.append(time.perf_counter() - t0)
    model = clip_load(path, dev)
    transform = clip_transform(spec["image_resolution"])

    class Files(torch.utils.data.Dataset):
        def __len__(self):
            return len(paths)

        def __getitem__(self, i):
            return transform(Image.open(paths[i]))
    loader = torch.utils.data.DataLoader(Files(), batch_size=64, num_workers=workers,
                                         persistent_workers=True)
    theirs = []
    with torch.no_grad():
        for _ in range(3):
            t0 = time.perf_counter()
            for batch in loader:
                model.encode_image(batch.to(dev)).float().cpu()
            theirs.append(time.perf_counter() - t0)
    result = {"images": count, "workers": workers,
              "libfastclip_images_per_s": count / min(ours),
              "python_dataloader_images_per_s": count / min(theirs[1:])}
    result["ratio"] = result["libfastclip_images_per_s"] / result["python_dataloader_images_per_s"]
    print("end to end from JPEG (%d files, %d workers): libfastclip %.1f img/s, Python DataLoader "
          "%.1f img/s, %.2fx" % (count, workers, result["libfastclip_images_per_s"],
                                 result["python_dataloader_images_per_s"], result["ratio"]),
          flush=True)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--cpu-dry-run", action="store_true")
    ap.add_argument("--seconds", type=float, default=240, help="time budget for compiles")
    ap.add_argument("--slice", type=float, default=0.08, help="seconds per tool per round")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    build = (ROOT / args.build).resolve()
    sys.path.insert(0, str(ROOT / "python"))
    os.environ["FASTCLIP_LIBRARY"] = str(next(
        (p for p in (build / "lib", ROOT / "lib") if (p / "libfastclip.so.0").exists()),
        build / "lib") / "libfastclip.so.0")
    if not args.cpu_dry_run and not torch.cuda.is_available():
        sys.exit("bench.py: no GPU (use --cpu-dry-run)")
    deadline = time.time() + args.seconds
    work = build / "gpu-bench"
    work.mkdir(parents=True, exist_ok=True)
    shapes = TINY if args.cpu_dry_run else SHAPES
    device = "cpu" if args.cpu_dry_run else "cuda"
    results = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu (dry run)",
               "torch": torch.__version__, "rows": [], "notes": {}, "end_to_end": None}
    first = None
    for name, spec in shapes.items():
        path = work / (name.replace("/", "-") + ".pt")
        try:
            eager = build_archive(spec, path, device)
            first = first or (spec, path)
            rows, notes = bench_rows(name, spec, path, eager, args, deadline)
            del eager
        except Exception as e:  # reported; the next model still runs
            rows, notes = [], {"error": "%s: %s" % (type(e).__name__, str(e)[:300])}
            print("%s not measured: %s" % (name, notes["error"]), flush=True)
        results["rows"] += rows
        results["notes"][name] = notes
        # Written as it goes: a run cut short keeps what it measured.
        pathlib.Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
        if device == "cuda":
            torch.cuda.empty_cache()
    try:
        results["end_to_end"] = end_to_end(first[0], first[1], args, work)
    except Exception as e:  # reported, not fatal: the rows above stand
        results["end_to_end"] = {"error": "%s: %s" % (type(e).__name__, e)}
        print("end to end not measured: %s" % results["end_to_end"]["error"], flush=True)
    pathlib.Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()
