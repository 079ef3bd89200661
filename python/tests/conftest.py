"""Fixtures for the Python package's tests (python/tests).

These tests load the freshly built library into Python through the package
(ctypes) and through cffi, and compare what they get with the `fastclip`
command of the same build.

Environment
  FASTCLIP_LIBRARY  the library the package loads; default: the build's
                    lib/libfastclip.so.0 (see fctools.library_dir)
  FASTCLIP_BUILD    the build folder, for build/bin/fastclip and the test
                    models (default "build"), as in tests/python

Plain helpers are in pkghelpers.py.

`make check-python` sets both. The package is imported from python/ (this
checkout), not from an installed copy; test_pip_install.py checks the
installed one.
"""
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
ROOT = PACKAGE_ROOT.parent
for p in (PACKAGE_ROOT, ROOT / "tests" / "python"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import fctools  # noqa: E402  (tests/python: BUILD, library_dir)

if not os.environ.get("FASTCLIP_LIBRARY"):
    os.environ["FASTCLIP_LIBRARY"] = str(fctools.library_dir() / "libfastclip.so.0")

BUILD = fctools.BUILD
CLI = BUILD / "bin" / "fastclip"


@pytest.fixture(scope="session")
def library():
    """The path of the library under test."""
    path = pathlib.Path(os.environ["FASTCLIP_LIBRARY"])
    if not path.exists():
        pytest.fail("missing %s: build it first (make), or set FASTCLIP_LIBRARY" % path)
    return path


@pytest.fixture(scope="session", autouse=True)
def package_under_test(library):
    """The package from this checkout, on the library under test."""
    import fastclip
    assert pathlib.Path(fastclip.__file__).parent == PACKAGE_ROOT / "fastclip"
    assert os.path.realpath(fastclip.library_path()) == os.path.realpath(library)
    return fastclip


@pytest.fixture(scope="session")
def cli():
    """run(args) -> CompletedProcess of the build's `fastclip` command."""
    if not CLI.exists():
        pytest.fail("missing %s: run make" % CLI)

    def run(args, check=True):
        proc = subprocess.run([str(CLI), *[str(a) for a in args]], capture_output=True,
                              timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError("fastclip %s: exit %d\n%s" % (
                " ".join(str(a) for a in args), proc.returncode,
                proc.stderr.decode("utf-8", "replace")))
        return proc
    return run


@pytest.fixture(scope="session")
def models():
    """tests/models/clipmodels.py's small CLIPs: {name: manifest entry with
    "path"} (built once into <build>/test-models, then reused)."""
    import modeltools
    return modeltools.build_models()


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """Generated images: {"name": path} for files of several formats and
    modes, and their source arrays in images.arrays[name]."""
    import imagegen
    from PIL import Image

    d = tmp_path_factory.mktemp("images")
    arrays = {
        "rgb": imagegen.rgb(97, 61, imagegen.seed_of("py-rgb")),
        "rgba": imagegen.rgba(40, 90, imagegen.seed_of("py-rgba")),
        "gray": imagegen.gray(53, 70, imagegen.seed_of("py-gray")),
        "la": imagegen.la(64, 33, imagegen.seed_of("py-la")),
        "wide": imagegen.rgb(301, 87, imagegen.seed_of("py-wide")),
    }
    modes = {"rgb": "RGB", "rgba": "RGBA", "gray": "L", "la": "LA", "wide": "RGB"}
    files = {}
    for name, arr in arrays.items():
        files[name + ".png"] = d / (name + ".png")
        imagegen.to_image(arr, modes[name]).save(files[name + ".png"])
    files["photo.jpg"] = d / "photo.jpg"
    Image.fromarray(arrays["rgb"]).save(files["photo.jpg"], quality=90)
    files["photo.ppm"] = d / "photo.ppm"
    Image.fromarray(arrays["wide"]).save(files["photo.ppm"])
    files["indexed.gif"] = d / "indexed.gif"
    imagegen.paletted(imagegen.indexed(45, 38, 7), imagegen.palette_colors(256, 7)).save(
        files["indexed.gif"])
    # Bad inputs.
    files["not_an_image.jpg"] = d / "not_an_image.jpg"
    files["not_an_image.jpg"].write_bytes(b"this is plain text, not an image\n")
    files["truncated.png"] = d / "truncated.png"
    files["truncated.png"].write_bytes(files["rgb.png"].read_bytes()[:200])
    files["unsupported.jpg"] = d / "unsupported.jpg"
    jpeg = bytearray(files["photo.jpg"].read_bytes())
    sof = jpeg.find(b"\xff\xc0")
    jpeg[sof + 9] = 0      # a frame of 0 components, which Pillow refuses too
    files["unsupported.jpg"].write_bytes(bytes(jpeg))
    files["corrupt.png"] = d / "corrupt.png"
    png = bytearray(files["rgb.png"].read_bytes())
    png[29] ^= 0xFF        # the IHDR chunk's CRC
    files["corrupt.png"].write_bytes(bytes(png))
    files["missing.png"] = d / "missing.png"

    class Images(dict):
        pass
    out = Images(files)
    out.dir = d
    out.arrays = arrays
    out.good = ["photo.jpg", "rgba.png", "gray.png", "la.png", "wide.png", "photo.ppm",
                "indexed.gif"]
    return out



# The structs of fastclip.h with their fields, as the C compiler lays them out.
STRUCT_FIELDS = {
    "fc_error": ["status", "message"],
    "fc_preprocess_params": ["struct_size", "size", "mean", "std", "order", "max_pixels",
                             "max_bytes"],
    "fc_tokenizer_params": ["struct_size", "bpe_path"],
    "fc_model_params": ["struct_size", "device", "warmup", "n_threads", "image_size",
                        "context_length", "bpe_path", "kernels", "workers", "micro_batch",
                        "precision", "cuda_graphs"],
    "fc_image": ["kind", "path", "data", "size", "pixels", "width", "height", "stride",
                 "format"],
    "fc_encode_params": ["struct_size", "normalize", "order", "truncation", "max_pixels",
                         "max_bytes"],
}


@pytest.fixture(scope="session")
def c_layout(tmp_path_factory):
    """{struct: {"sizeof": n, field: (offset, size)}} from a C program built
    against include/fastclip.h."""
    import json
    import shutil
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.fail("no C compiler (cc) to check the struct layouts with")
    d = tmp_path_factory.mktemp("layout")
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "fastclip.h"',
             'int main(void) {', '  printf("{");']
    first = True
    for struct, fields in STRUCT_FIELDS.items():
        parts = ['\\"sizeof\\": %zu']
        args = ["sizeof(%s)" % struct]
        for f in fields:
            parts.append('\\"%s\\": [%%zu, %%zu]' % f)
            args += ["offsetof(%s, %s)" % (struct, f), "sizeof(((%s *)0)->%s)" % (struct, f)]
        lines.append('  printf("%s\\"%s\\": {%s}", %s);' % (
            "" if first else ", ", struct, ", ".join(parts), ", ".join(args)))
        first = False
    lines += ['  printf("}\\n");', '  return 0;', '}']
    src = d / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = d / "layout"
    subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-I", str(ROOT / "include"), "-o",
                    str(exe), str(src)], check=True, capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {k: {f: (tuple(v) if isinstance(v, list) else v) for f, v in fields.items()}
            for k, fields in json.loads(out).items()}


@pytest.fixture(scope="session")
def header_text():
    return (ROOT / "include" / "fastclip.h").read_text()
