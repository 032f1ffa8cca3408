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
# pg_dump/pg_restore (backups of a PostgreSQL database): installed when missing, where apt is.
if ! command -v pg_dump >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-client >/dev/null) \
    || echo "postgresql-client could not be installed: PostgreSQL backups need pg_dump" >&2
fi
