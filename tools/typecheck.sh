#!/usr/bin/env bash
# mypy over the package as it is installed (core/ is `thidua`, cli/ `thidua.cli`, plugins/
# `thidua.plugins`): setuptools' package-dir mapping is rebuilt as a tree of links in a temporary
# folder, so the same check runs on a fresh clone, an editable install or none.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/thidua"
for entry in "$top"/core/*; do ln -s "$entry" "$tree/thidua/$(basename "$entry")"; done
ln -s "$top/cli" "$tree/thidua/cli"
ln -s "$top/plugins" "$tree/thidua/plugins"
cd "$tree"
python=${PYTHON:-python3}
"$python" -m mypy --config-file "$top/pyproject.toml" -p thidua "$@"
