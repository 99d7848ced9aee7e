#!/usr/bin/env bash
# Prepares what tests/asterisk.rs needs to place real calls through a real
# Asterisk: sipp and debootstrap on the host, and a Debian sid chroot with
# Asterisk (bookworm ships no Asterisk; sid has 22.x).
#
#   bash .ci/asterisk-env.sh        # prints the chroot's path as its last line
#
# Idempotent and cached: the chroot lives outside the repository, by default
# in /var/cache/fairline/asterisk-sid (override with FAIRLINE_ASTERISK_ROOT),
# and a warm run only checks it and returns. The chroot is built in a
# temporary directory beside it and moved into place, with a marker file,
# only once everything installed, so an interrupted run never leaves a half
# chroot that looks complete. Progress goes to stderr; stdout carries only the
# path. Needs root (apt-get, debootstrap, chroot).
#
# Environment:
#   FAIRLINE_ASTERISK_ROOT   where the chroot lives
#   FAIRLINE_DEBIAN_MIRROR   Debian mirror for the chroot (default: the one
#                            the host's apt sources use for Debian)
set -euo pipefail

ROOT=${FAIRLINE_ASTERISK_ROOT:-/var/cache/fairline/asterisk-sid}
ROOT=${ROOT%/}
SUITE=sid
# asterisk-modules holds func_curl, func_json, res_curl, ...
PACKAGES="asterisk asterisk-modules"
MARKER=.fairline-asterisk-ready
# Change STAMP (or PACKAGES) to force a rebuild of cached chroots.
STAMP="v1 $SUITE $PACKAGES"

log() { echo "asterisk-env: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    log "must run as root (apt-get, debootstrap, chroot)"
    exit 1
fi

ready() {
    [ -f "$ROOT/$MARKER" ] && [ "$(cat "$ROOT/$MARKER")" = "$STAMP" ] &&
        [ -x "$ROOT/usr/sbin/asterisk" ] &&
        compgen -G "$ROOT/usr/lib/*/asterisk/modules/func_curl.so" >/dev/null
}

have_host_tools() {
    command -v sipp >/dev/null && command -v debootstrap >/dev/null
}

# Fast path: nothing to do, no lock, no network.
if have_host_tools && ready; then
    echo "$ROOT"
    exit 0
fi

mkdir -p "$(dirname "$ROOT")"
# One run at a time (test binaries may call this concurrently).
exec 9>"$ROOT.lock"
flock 9

# --- host tools ----------------------------------------------------------
if ! have_host_tools; then
    missing=()
    command -v sipp >/dev/null || missing+=(sip-tester)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    log "installing on the host: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        apt-get update >&2
        apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
fi

if ready; then
    echo "$ROOT"
    exit 0
fi

# --- the chroot ------------------------------------------------------------
mirror() {
    if [ -n "${FAIRLINE_DEBIAN_MIRROR:-}" ]; then
        echo "$FAIRLINE_DEBIAN_MIRROR"
        return
    fi
    local uri
    # deb822 sources: the first URIs line that is Debian's main archive.
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
        grep -E '/debian/?$' | head -n1 || true)
    if [ -z "$uri" ]; then
        # one-line sources: "deb [opts] URI suite components"
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            sed -E 's/\[[^]]*\]//' |
            awk '$1 == "deb" { print $2 }' |
            grep -E '/debian/?$' | head -n1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# Leftovers of an interrupted build: unmount whatever debootstrap or apt left
# mounted inside, then remove without crossing into other filesystems.
remove_tree() {
    local dir=$1 mnt
    [ -e "$dir" ] || return 0
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts |
        sort -r | while read -r mnt; do umount -l "$mnt" || true; done
    rm -rf --one-file-system "$dir"
}

for stale in "$ROOT".tmp.*; do
    [ -d "$stale" ] && { log "removing an interrupted build: $stale"; remove_tree "$stale"; }
done

TMP="$ROOT.tmp.$$"
trap 'remove_tree "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
MIRROR=$(mirror)
start=$(date +%s)
log "debootstrap --variant=minbase $SUITE from $MIRROR into $TMP (a few minutes)"
debootstrap --variant=minbase "$SUITE" "$TMP" "$MIRROR" >&2

# The mirror may serve a Release file past its Valid-Until date (a snapshot).
cat >"$TMP/etc/apt/apt.conf.d/99fairline" <<'EOF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
EOF
# Keep policy-rc.d from starting daemons inside the chroot while installing.
printf '#!/bin/sh\nexit 101\n' >"$TMP/usr/sbin/policy-rc.d"
chmod +x "$TMP/usr/sbin/policy-rc.d"

log "installing $PACKAGES in the chroot"
chroot "$TMP" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $PACKAGES >&2
chroot "$TMP" apt-get clean >&2
version=$(chroot "$TMP" asterisk -V)
log "installed $version"

echo "$STAMP" >"$TMP/$MARKER"
# Replace any older (stamp-mismatched) chroot atomically enough: the new tree
# is complete before it takes the name.
if [ -e "$ROOT" ]; then
    mv "$ROOT" "$ROOT.tmp.old.$$"
    mv "$TMP" "$ROOT"
    remove_tree "$ROOT.tmp.old.$$"
else
    mv "$TMP" "$ROOT"
fi
trap - EXIT
log "chroot ready in $(($(date +%s) - start)) s"
echo "$ROOT"
