#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine (CI or a learner's Linux box).
#
# Idempotent: installs Debian's docker.io if dockerd is missing, starts dockerd in the
# background (logs in $CPIN_DOCKERD_LOG, default /tmp/cpin-dockerd.log) if `docker info`
# fails, then waits until the engine answers. Safe to run several times, also concurrently.
set -euo pipefail

LOG=${CPIN_DOCKERD_LOG:-/tmp/cpin-dockerd.log}
WAIT_SECONDS=${CPIN_DOCKERD_WAIT:-60}

answers() { docker info >/dev/null 2>&1; }

if answers; then
    echo "docker.sh: le moteur Docker répond déjà."
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "docker.sh: dockerd est absent ; installez le paquet Debian docker.io (root requis)." >&2
        exit 1
    fi
    echo "docker.sh: installation du paquet Debian docker.io…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >/dev/null
fi

# One starter at a time: a second caller waits for the lock, then finds the engine answering.
exec 9>/tmp/cpin-dockerd.lock
flock 9

if ! answers; then
    pid_file=/var/run/docker.pid
    if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        echo "docker.sh: dockerd (pid $(cat "$pid_file")) démarre déjà ; attente…"
    else
        if [ "$(id -u)" != 0 ]; then
            echo "docker.sh: dockerd ne tourne pas et il faut être root pour le démarrer." >&2
            exit 1
        fi
        rm -f "$pid_file"
        echo "docker.sh: démarrage de dockerd (journal : $LOG)…"
        # setsid: the daemon outlives this script and the CI step that called it.
        setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
    fi
fi

for _ in $(seq "$WAIT_SECONDS"); do
    if answers; then
        echo "docker.sh: le moteur Docker répond."
        exit 0
    fi
    sleep 1
done
echo "docker.sh: dockerd ne répond pas après ${WAIT_SECONDS} s ; dernières lignes de $LOG :" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
