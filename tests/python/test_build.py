"""The library as a file: exported symbols, soname, header hygiene, install."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fctools import library_dir

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "include" / "fastclip.h"


def lib_dir():
    return library_dir()


def declared_functions():
    text = HEADER.read_text()
    return set(re.findall(r"FC_API\s+[^;(]*?\b(fc_\w+)\s*\(", text, re.S))


def test_header_declares_the_core():
    names = declared_functions()
    assert {"fc_preprocess_file", "fc_preprocess_memory", "fc_preprocess_pixels",
            "fc_status_string", "fc_version"} <= names


def test_exports_are_exactly_the_public_functions():
    so = lib_dir() / "libfastclip.so"
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    exported = {line.split()[-1] for line in out.splitlines()
                if line.split() and line.split()[-2] in ("T", "W", "D", "B", "R")}
    exported = {e.split("@")[0] for e in exported}
    assert exported == declared_functions()


def test_soname_and_links():
    d = lib_dir()
    text = HEADER.read_text()
    parts = [re.search(r"#define FC_VERSION_%s (\d+)" % p, text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    version, major = ".".join(parts), parts[0]
    real = d / f"libfastclip.so.{version}"
    assert real.is_file() and not real.is_symlink()
    assert os.readlink(d / f"libfastclip.so.{major}") == real.name
    assert os.readlink(d / "libfastclip.so") == f"libfastclip.so.{major}"
    dyn = subprocess.run(["readelf", "-d", str(real)], check=True,
                         capture_output=True, text=True).stdout
    assert f"Library soname: [libfastclip.so.{major}]" in dyn


@pytest.mark.parametrize("compiler,flags", [
    ("cc", ["-x", "c", "-std=c99"]),
    ("cc", ["-x", "c", "-std=c11"]),
    ("c++", ["-x", "c++", "-std=c++11"]),
    ("c++", ["-x", "c++", "-std=c++17"]),
])
def test_header_compiles_cleanly(tmp_path, compiler, flags):
    src = tmp_path / "use.c"
    src.write_text('#include "fastclip.h"\nint main(void) { fc_error e; (void)e;'
                   ' return (int)fc_status_string(FC_OK)[0] == 0; }\n')
    subprocess.run([compiler, *flags, "-Wall", "-Wextra", "-pedantic", "-Werror",
                    "-I", str(ROOT / "include"), "-fsyntax-only", str(src)], check=True)


def test_install_pkgconfig_and_uninstall(tmp_path):
    if os.environ.get("FASTCLIP_SANITIZED"):
        pytest.skip("install is checked by the regular build, not the sanitized one")
    dest = tmp_path / "stage"
    prefix = "/opt/fc"
    make = ["make", "-s", "-C", str(ROOT), f"PREFIX={prefix}", f"DESTDIR={dest}"]
    subprocess.run([*make, "install"], check=True)
    root = dest / prefix.lstrip("/")
    installed = sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())
    assert "include/fastclip.h" in installed
    assert "bin/fastclip" in installed
    assert "lib/pkgconfig/fastclip.pc" in installed
    assert any(p.startswith("lib/libfastclip.so.") for p in installed)
    assert any(p.startswith("lib/libfastclip_torch.so.") for p in installed)

    # An outside program built with nothing but pkg-config.
    env = dict(os.environ, PKG_CONFIG_PATH=str(root / "lib/pkgconfig"),
               PKG_CONFIG_SYSROOT_DIR=str(dest))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "fastclip"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    exe = tmp_path / "preprocess"
    subprocess.run(["cc", str(ROOT / "examples/preprocess.c"), *flags, "-o", str(exe)],
                   check=True)
    image = ROOT.parent / "shared/images/coffee-640x425.jpg"
    run = subprocess.run([str(exe), str(image)], env=dict(os.environ, LD_LIBRARY_PATH=str(root / "lib")),
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("3 x 224 x 224")

    subprocess.run([*make, "uninstall"], check=True)
    left = [p for p in root.rglob("*") if not p.is_dir()]
    assert left == []


def test_libtorch_lives_in_the_backend():
    """libfastclip.so needs no LibTorch (preprocessing and the tokenizer load
    fast and alone); its backend exports one table and nothing else, and
    neither needs nor calls libfastclip (the flow runs one way: the library
    calls the backend, never the reverse)."""
    d = lib_dir()
    text = HEADER.read_text()
    version = ".".join(re.search(r"#define FC_VERSION_%s (\d+)" % p, text).group(1)
                       for p in ("MAJOR", "MINOR", "PATCH"))
    dyn = subprocess.run(["readelf", "-d", str(d / "libfastclip.so")], check=True,
                         capture_output=True, text=True).stdout
    assert "torch" not in dyn and "c10" not in dyn
    backend = d / f"libfastclip_torch.so.{version}"
    assert backend.is_file()
    out = subprocess.run(["nm", "-D", "--defined-only", str(backend)], check=True,
                         capture_output=True, text=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
                if line.split() and line.split()[-2] in ("T", "W", "D", "B", "R", "V", "u", "i")}
    assert exported == {"fc__torch_backend"}
    dyn = subprocess.run(["readelf", "-d", str(backend)], check=True,
                         capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
    assert any(n.startswith("libtorch") for n in needed), needed
    assert not [n for n in needed if n.startswith("libfastclip")], needed
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(backend)], check=True,
                               capture_output=True, text=True).stdout
    assert not [line for line in undefined.splitlines() if " fc_" in line or " fc__" in line], \
        undefined
