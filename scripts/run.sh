#!/usr/bin/env bash
# Serve the local demo: the web server, the task worker and the scheduler, together.
# Ctrl-C (or SIGTERM) stops all three. `make run` sets up the machine first, then calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=127.0.0.1
PORT="${SIGHTLINE_PORT:-8000}"
URL="http://$HOST:$PORT"
PY=.venv/bin/python

export DJANGO_SETTINGS_MODULE=config.settings
export PYTHONUNBUFFERED=1

if ! "$PY" - "$HOST" "$PORT" <<'PY'
import socket
import sys

sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    sock.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)
finally:
    sock.close()
PY
then
    echo "Port $PORT on $HOST is in use: stop whatever is using it, or set SIGHTLINE_PORT." >&2
    exit 1
fi

# The local demo's settings (the demo flag, two-factor authentication off, the site address and
# a secret key generated on the first run) go to var/local.env, mode 0600. The settings read it,
# so the web server, the worker, the scheduler and every `manage.py` command run by hand in this
# checkout all get the same ones; anything set in the environment still wins.
VAR="${SIGHTLINE_VAR_DIR:-var}"
mkdir -p "$VAR"
"$PY" -m config.local_env "$VAR/local.env" "${SIGHTLINE_SITE_URL:-$URL}"
"$PY" manage.py migrate --noinput
echo "Preparing the demo data (the first run takes a little longer)..."
sign_ins="$("$PY" manage.py seed_demo)"
"$PY" manage.py collectstatic --noinput --verbosity 0

pids=()

stop_all() {
    echo
    echo "Stopping Sightline..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 100); do
        alive=0
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [ "$alive" -eq 0 ] && break
        sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    pids=()
}
# Ctrl-C or SIGTERM only sets a flag: the main loop below does the stopping.
interrupted=0
trap 'interrupted=1' INT TERM
# Whatever happens, leave nothing running.
trap 'kill -TERM "${pids[@]}" 2>/dev/null || true' EXIT

.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --worker-class sync \
    --access-logfile - &
pids+=($!)
"$PY" manage.py db_worker &
pids+=($!)
"$PY" manage.py scheduler &
pids+=($!)

# Wait until the web server answers before printing where it is.
for _ in $(seq 1 150); do
    [ "$interrupted" -eq 1 ] && break
    if "$PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "$URL/healthz" >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done

[ "$interrupted" -eq 1 ] || cat <<BANNER

============================================================================
Sightline is running at $URL

This is the local demo: two-factor authentication is switched off
(SIGHTLINE_MFA_REQUIRED=false) and e-mails are printed here instead of sent.
It is not for real case data. Its settings are in $VAR/local.env, so
.venv/bin/python manage.py COMMAND works in this checkout too.

$sign_ins

Press Ctrl-C to stop.
============================================================================

BANNER

# Whichever process ends first (or a Ctrl-C) stops the others.
status=0
[ "$interrupted" -eq 1 ] || wait -n "${pids[@]}" || status=$?
# A Ctrl-C reaches the web server too; give this shell's own trap a moment to run.
sleep 0.5
if [ "$interrupted" -eq 1 ]; then
    stop_all
    exit 0
fi
echo "A Sightline process stopped (exit status $status); stopping the others." >&2
stop_all
exit "$status"
