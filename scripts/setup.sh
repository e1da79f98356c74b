#!/usr/bin/env bash
# Create .venv with everything snn2hw needs. Idempotent: does nothing when the requirement
# files have not changed since the last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=.venv/.snn2hw-setup
want=$(cat pyproject.toml requirements/*.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
echo "snn2hw: setting up .venv (first run takes about a minute)" >&2
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The machine's pip config names an optional local index that may be absent: drop its warnings.
pip() {
    .venv/bin/python -m pip --disable-pip-version-check -q "$@" 2>&1 | { grep -v '^WARNING: Location' || true; }
    return "${PIPESTATUS[0]}"
}
pip install -r requirements/base.txt
pip install --no-deps --ignore-requires-python -r requirements/nodeps.txt
pip install --no-deps --no-build-isolation -e .
# Editable installs skip setup.py's data_files: place the Lava start-up hook (import lava on
# Python 3.11 without importing snn2hw first, snn2hw/compat/lava_py311.py) ourselves.
site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
cp snn2hw/compat/snn2hw-lava-py311.pth "$site/"
.venv/bin/python -c "import snn2hw, torch, nir, lava, norse, lava.proc.lif.process" >/dev/null
echo "$want" > "$stamp"
