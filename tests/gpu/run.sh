#!/bin/sh
# The GPU checks, on the device machine (torch 2.11 with CUDA in its python3,
# no network): builds libfastclip against the LibTorch inside that torch,
# runs the C unit tests, makes the test models with that torch, and runs
# tests/gpu/check_cuda.py.
# Prepare with tests/gpu/prepare.sh first; see docs/models.md.
set -eu
root=$(pwd)
sys=/tmp/fc-sys
mkdir -p $sys
for f in .gpu/debs/*.deb; do dpkg -x "$f" $sys; done
multiarch=$sys/usr/lib/x86_64-linux-gnu
export CPATH=$sys/usr/include:$sys/usr/include/x86_64-linux-gnu
export LIBRARY_PATH=$multiarch
export LD_LIBRARY_PATH=$multiarch:${LD_LIBRARY_PATH:-}
# -L as well: the machine's own libjpeg.so (libjpeg-turbo 8) would otherwise
# win the link against the Debian headers (JPEG library version 62) we
# compile with, and every JPEG would fail with a version mismatch.
export LDFLAGS="-L$multiarch"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/fc-site .gpu/whl/*.whl
export PYTHONPATH=/tmp/fc-site
torch_dir=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
make -s BUILD=build-gpu LIBOUT=build-gpu/lib LIBTORCH="$torch_dir" PYTHON=python3 \
    BPE_GZ="$root/.gpu/bpe_simple_vocab_16e6.txt.gz" -j16 all test-tools build-gpu/bench/fc_pipeline_bench
make -s BUILD=build-gpu LIBOUT=build-gpu/lib LIBTORCH="$torch_dir" PYTHON=python3 \
    BPE_GZ="$root/.gpu/bpe_simple_vocab_16e6.txt.gz" check-fast
python3 tests/gpu/check_cuda.py build-gpu
