#!/usr/bin/env bash
# Install Connected Council on a Debian 12 machine from a checkout of the code (deploy/README.md).
# Run as root from the checkout: sudo deploy/install.sh. Every setting has a default for a real
# server; tests/cluster/test_deploy.py runs this same script on loopback with other values.
#
#   CC_DOMAIN         the site's name                           (default: the machine's hostname)
#   CC_CERT, CC_KEY   TLS certificate and key                   (default: a self-signed pair made here)
#   CC_HOME           the checkout                              (default: this script's repository)
#   CC_USER           the account the app runs as               (default: council, created if missing)
#   CC_DATA           uploads and backups                       (default: /var/lib/connected-council)
#   CC_ENV_FILE       settings and secrets                      (default: /etc/connected-council/env)
#   CC_PORTS          one app server per port                   (default: "8001 8002")
#   CC_DATABASE_URL   an existing database                      (default: create connected_council locally)
#   CC_REDIS_URL                                                (default: redis://127.0.0.1:6379/0)
#   CC_SYSTEMD_DIR    where the units go                        (default: /etc/systemd/system)
#   CC_NGINX_SITE     the nginx site file                       (default: /etc/nginx/sites-available/connected-council)
#   CC_NGINX_STANDALONE  a folder: write a whole nginx.conf there instead of a site (tests)
#   CC_HTTPS_PORT, CC_HTTP_PORT                                 (default: 443, 80)
#   CC_SKIP_APT=1     packages are installed already
#   CC_NO_SYSTEMCTL=1 do not start anything (where systemd is not running)
set -euo pipefail

CC_HOME="${CC_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
CC_DOMAIN="${CC_DOMAIN:-$(hostname -f 2>/dev/null || hostname)}"
CC_USER="${CC_USER:-council}"
CC_DATA="${CC_DATA:-/var/lib/connected-council}"
CC_ENV_FILE="${CC_ENV_FILE:-/etc/connected-council/env}"
CC_PORTS="${CC_PORTS:-8001 8002}"
CC_REDIS_URL="${CC_REDIS_URL:-redis://127.0.0.1:6379/0}"
CC_SYSTEMD_DIR="${CC_SYSTEMD_DIR:-/etc/systemd/system}"
CC_NGINX_SITE="${CC_NGINX_SITE:-/etc/nginx/sites-available/connected-council}"
CC_HTTPS_PORT="${CC_HTTPS_PORT:-443}"
CC_HTTP_PORT="${CC_HTTP_PORT:-80}"

say() { echo "== $*"; }

if [ "${CC_SKIP_APT:-}" != 1 ]; then
  say "Debian packages"
  apt-get update -qq
  apt-get install -y -qq python3-venv nginx-light postgresql redis-server openssl >/dev/null
fi

if ! id "$CC_USER" >/dev/null 2>&1; then
  say "Account $CC_USER"
  useradd --system --home-dir "$CC_DATA" --shell /usr/sbin/nologin "$CC_USER"
fi
mkdir -p "$CC_DATA/uploads" "$CC_DATA/backups" "$(dirname "$CC_ENV_FILE")"
chown -R "$CC_USER" "$CC_DATA"

say "Python environment in $CC_HOME/.venv"
python3 -m venv "$CC_HOME/.venv"
"$CC_HOME/.venv/bin/pip" install --quiet --upgrade pip
"$CC_HOME/.venv/bin/pip" install --quiet "$CC_HOME"
"$CC_HOME/.venv/bin/pybabel" -q compile -d "$CC_HOME/translations"

if [ -z "${CC_DATABASE_URL:-}" ]; then
  say "PostgreSQL database connected_council"
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$CC_USER'\"" | grep -q 1 || \
    su postgres -c "createuser $CC_USER"
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'connected_council'\"" | grep -q 1 || \
    su postgres -c "createdb --owner $CC_USER connected_council"
  CC_DATABASE_URL="postgresql:///connected_council"
fi

# The key that wraps each challenge's bid key: beside the settings, never in the database, its
# dumps or the backups folder (docs/tenders-threat-model.md).
CC_TENDER_KEK_FILE="$(dirname "$CC_ENV_FILE")/tender-kek"
if [ ! -f "$CC_TENDER_KEK_FILE" ]; then
  say "A key-encryption key for sealed bids in $CC_TENDER_KEK_FILE (back it up apart from the data)"
  (umask 077; python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$CC_TENDER_KEK_FILE")
  chown "$CC_USER" "$CC_TENDER_KEK_FILE"
fi

if [ ! -f "$CC_ENV_FILE" ]; then
  say "Settings and new secrets in $CC_ENV_FILE"
  umask 077
  cat > "$CC_ENV_FILE" <<ENV
CC_ENV=production
DATABASE_URL=$CC_DATABASE_URL
REDIS_URL=$CC_REDIS_URL
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
AUDIT_HMAC_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
TENDER_KEK_FILE=$CC_TENDER_KEK_FILE
PROXY_COUNT=1
SESSION_COOKIE_SECURE=1
UPLOAD_FOLDER=$CC_DATA/uploads
BACKUP_FOLDER=$CC_DATA/backups
FLASK_APP=wsgi
ENV
  chown "$CC_USER" "$CC_ENV_FILE"
fi

say "Database schema"
CC_HOME="$CC_HOME" CC_USER="$CC_USER" CC_ENV_FILE="$CC_ENV_FILE" "$CC_HOME/deploy/flask.sh" db upgrade

if [ -z "${CC_CERT:-}" ]; then
  say "A self-signed certificate (replace it with a real one: deploy/README.md)"
  mkdir -p /etc/ssl/connected-council
  CC_CERT=/etc/ssl/connected-council/fullchain.pem
  CC_KEY=/etc/ssl/connected-council/privkey.pem
  [ -f "$CC_CERT" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=$CC_DOMAIN" \
    -keyout "$CC_KEY" -out "$CC_CERT" 2>/dev/null
fi

say "nginx"
upstreams=()
for port in $CC_PORTS; do upstreams+=(--upstream "127.0.0.1:$port"); done
render=(python3 "$CC_HOME/deploy/render_nginx.py" --server-name "$CC_DOMAIN" "${upstreams[@]}" --cert "$CC_CERT"
        --key "$CC_KEY" --static "$CC_HOME/app/static" --https-port "$CC_HTTPS_PORT" --http-port "$CC_HTTP_PORT")
if [ -n "${CC_NGINX_STANDALONE:-}" ]; then
  mkdir -p "$CC_NGINX_STANDALONE"
  "${render[@]}" --no-ipv6 --standalone "$CC_NGINX_STANDALONE" --user "$CC_USER" > "$CC_NGINX_STANDALONE/nginx.conf"
  nginx -t -q -c "$CC_NGINX_STANDALONE/nginx.conf"
else
  "${render[@]}" > "$CC_NGINX_SITE"
  ln -sf "$CC_NGINX_SITE" /etc/nginx/sites-enabled/connected-council
  rm -f /etc/nginx/sites-enabled/default
  nginx -t -q
fi

say "systemd units in $CC_SYSTEMD_DIR"
mkdir -p "$CC_SYSTEMD_DIR"
for unit in "$CC_HOME"/deploy/systemd/*; do
  sed -e "s#/srv/connected-council#$CC_HOME#g" -e "s#/etc/connected-council/env#$CC_ENV_FILE#g" \
      -e "s#/var/lib/connected-council#$CC_DATA#g" -e "s#^User=council#User=$CC_USER#" \
      -e "s#^Group=council#Group=$(id -gn "$CC_USER")#" "$unit" > "$CC_SYSTEMD_DIR/$(basename "$unit")"
done

if [ "${CC_NO_SYSTEMCTL:-}" != 1 ]; then
  say "Starting"
  systemctl daemon-reload
  for port in $CC_PORTS; do systemctl enable --now "connected-council@$port"; done
  systemctl enable --now connected-council-worker connected-council-jobs.timer connected-council-daily.timer
  systemctl reload nginx
fi
say "Done: https://$CC_DOMAIN/ (make the first administrator: deploy/README.md)"
