#!/usr/bin/env bash
# Run a `flask` command as the app's account, with its settings (deploy/README.md):
#   deploy/flask.sh create-admin you@council.gov.uk
# CC_HOME, CC_USER and CC_ENV_FILE as in install.sh.
set -euo pipefail
CC_HOME="${CC_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
CC_USER="${CC_USER:-council}"
CC_ENV_FILE="${CC_ENV_FILE:-/etc/connected-council/env}"
cd "$CC_HOME"
set -a
. "$CC_ENV_FILE"
set +a
exec runuser -u "$CC_USER" --preserve-environment -- "$CC_HOME/.venv/bin/flask" "$@"
