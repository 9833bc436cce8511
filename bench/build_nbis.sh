#!/usr/bin/env bash
# Build NIST's C BOZORTH3 (and MINDTCT) as afis' native library, for bench/afis_compare.py.
#
# The afis wheel ships without libafis_lfs; its source distribution carries the NBIS sources
# and a Makefile. This fetches the sdist of the installed afis version from the package index
# and builds the library into bench/.native/, where the comparison looks for it.
#
#     bash bench/build_nbis.sh        # needs a C compiler and make; ~2 s
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
version="$("$python" -c 'import afis; print(afis.__version__)')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --no-binary :all: "afis==$version" -d "$work"
tar -xzf "$work/afis-$version.tar.gz" -C "$work"
make -s -C "$work/afis-$version/native"
mkdir -p "$here/.native"
cp "$work/afis-$version/native/lib/libafis_lfs.so" "$here/.native/"
echo "$here/.native/libafis_lfs.so"
