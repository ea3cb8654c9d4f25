#!/usr/bin/env bash
# The Python that tests run official protocol clients with: a venv under
# $ANCRE_TOOLS_DIR/pyclients holding scripts/requirements-clients.txt (from
# PyPI), made once and remade when the requirements change. Prints the
# venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}
venv="$tools/pyclients"
requirements=scripts/requirements-clients.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "${0##*/}: installing the test clients into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$tools"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
