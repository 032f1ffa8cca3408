# Sourced by the scripts: a venv in .venv with requirements.txt installed (re-installed when it changes).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
STAMP=.venv/.requirements.sha
SUM=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$SUM" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$SUM" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
