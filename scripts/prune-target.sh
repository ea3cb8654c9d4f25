#!/usr/bin/env bash
# Removes from the shared cargo target dir the test executables (and our own
# crates' libraries) that the current test build no longer uses.
#
# Why: CI and every clone share one CARGO_TARGET_DIR, and an output's name
# carries a hash of its crate's dependencies, features and profile, so each
# change of those leaves a full set of ~40 test binaries behind. They once
# filled CI's disk. The current set is what `cargo test --workspace --no-run`
# reports; everything else of those kinds goes. The build is a no-op when run
# after the tests' own build. Clones share outputs (a workspace member is
# hashed by its path inside the workspace): do not run this while another
# clone builds in the same target dir.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-$PWD/target}"
deps="$target/debug/deps"
[ -d "$deps" ] || exit 0

cargo test --workspace --no-run -q --message-format=json | python3 -c '
import json, os, stat, sys

deps = sys.argv[1]
keep_names, keep_inodes = set(), set()
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact":
        continue
    for path in msg.get("filenames", []) + [msg.get("executable") or ""]:
        if path and os.path.exists(path):
            keep_names.add(os.path.basename(path))
            # A binary is reported by its uplifted name (debug/ancre); its
            # original in deps/ is the same file under a hashed name.
            keep_inodes.add(os.stat(path).st_ino)

# A failed build lists nothing: never wipe the cache on it.
if not keep_names:
    sys.exit("prune-target: no build artifacts listed, nothing pruned")

count = freed = 0
for entry in os.scandir(deps):
    if not entry.is_file(follow_symlinks=False):
        continue
    st = entry.stat()
    executable = st.st_mode & stat.S_IXUSR and not entry.name.endswith((".so", ".d"))
    our_library = entry.name.startswith("libancre_") and entry.name.endswith(".rlib")
    if not (executable or our_library):
        continue
    if entry.name in keep_names or st.st_ino in keep_inodes:
        continue
    count += 1
    freed += st.st_size
    os.remove(entry.path)
print(f"prune-target: removed {count} stale files ({freed >> 20} MiB) from {deps}")
' "$deps"
