"""Threads: one Model shared by 8 Python threads gives results identical
to serial calls; calls release the GIL (other threads run while the
library works); close() waits for calls in flight."""
import threading
import time

import numpy as np
import pytest

import fastclip
from pkghelpers import model_kwargs, same

N_THREADS = 8


@pytest.fixture(scope="module")
def model(models):
    entry = models["openai_style"]
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as m:
        yield m


def run_threads(n, target):
    """Runs target(i) in n threads started together; returns their results
    and re-raises the first exception."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def body(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)
    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    return results


def test_eight_threads_one_model_equal_serial(model, images):
    data = images["rgba.png"].read_bytes()
    calls = [
        lambda: model.encode_image(images["photo.jpg"]),
        lambda: model.encode_image(data, normalize=True),
        lambda: model.encode_image(images.arrays["la"], rgb_first=True),
        lambda: model.encode_images([images["gray.png"], images.arrays["rgb"]]),
        lambda: model.encode_text("a photo of a cat"),
        lambda: model.encode_text("ünïcödé ✓ 日本語", normalize=True),
        lambda: model.encode_texts(["", "an extremely long caption " * 20]),
        lambda: model.encode_images([images["photo.jpg"], images["missing.png"]],
                                    errors="return")[0],
        lambda: fastclip.tokenize(["a photo of a cat", "a dog"]),
        lambda: fastclip.preprocess(images["wide.png"], size=64),
    ]
    serial = [c() for c in calls]
    rounds = 3

    def work(i):
        out = []
        for r in range(rounds):
            for k in range(len(calls)):
                j = (k + i + r) % len(calls)   # each thread in its own order
                out.append((j, calls[j]()))
        return out
    results = run_threads(N_THREADS, work)
    count = 0
    for per_thread in results:
        for j, got in per_thread:
            assert same(got, serial[j]), j
            count += 1
    assert count == N_THREADS * rounds * len(calls)


def test_calls_release_the_gil(model, images):
    """While one thread is inside a long batch call, the main thread keeps
    running Python. If the call held the GIL, the main thread would stall
    for the whole call."""
    # The call must be long enough to tell a stall from scheduling noise.
    # How long a batch takes depends on the machine and the worker pool, so
    # the batch is grown until a warm call (the second at that size; the
    # first also pays for new staging buffers) takes at least 0.3 s.
    batch = [images["wide.png"]] * 16
    while len(batch) < 4096:
        model.encode_images(batch)
        t0 = time.perf_counter()
        model.encode_images(batch)
        if time.perf_counter() - t0 >= 0.3:
            break
        batch = batch * 2
    inside = threading.Event()
    done = threading.Event()
    span = []

    def worker():
        inside.set()
        t0 = time.perf_counter()
        model.encode_images(batch)
        span.append(time.perf_counter() - t0)
        done.set()
    t = threading.Thread(target=worker)
    t.start()
    inside.wait()
    ticks, gaps, last = 0, [], time.perf_counter()
    while not done.is_set():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        ticks += 1
    t.join()
    call = span[0]
    biggest = max(gaps) if gaps else call
    print("call %.3f s, %d main-thread ticks meanwhile, largest gap %.4f s"
          % (call, ticks, biggest))
    assert call > 0.1, "the batch is too quick to tell anything"
    # Holding the GIL would give one gap of about the whole call.
    assert biggest < 0.5 * call, (biggest, call)
    assert ticks > 100


def test_close_waits_for_calls_in_flight(models, images):
    """A worker encodes in a loop; close() from another thread lets the
    call in flight finish (its result is right), and the worker's next
    call raises ValueError. Never a crash or a freed model in use."""
    entry = models["scripted_fp32"]
    m = fastclip.Model(entry["path"], **model_kwargs(entry))
    batch = [images["wide.png"]] * 16
    want = m.encode_images(batch)
    got, ended = [], []

    def worker():
        try:
            while True:
                got.append(m.encode_images(batch))
        except ValueError as e:
            ended.append(e)
    t = threading.Thread(target=worker)
    t.start()
    deadline = time.monotonic() + 60
    while m._active == 0 and time.monotonic() < deadline:
        time.sleep(0.0005)
    m.close()
    t.join(timeout=120)
    assert not t.is_alive() and m.closed
    assert len(ended) == 1 and "closed" in str(ended[0])
    assert got and all(same(g, want) for g in got)


def test_tokenize_from_threads():
    texts = ["a photo of a cat", "café &amp; crème", "東京タワーの写真"] * 4
    want = fastclip.tokenize(texts)
    results = run_threads(N_THREADS, lambda i: [fastclip.tokenize(texts) for _ in range(20)])
    for per_thread in results:
        for got in per_thread:
            assert np.array_equal(got, want)
