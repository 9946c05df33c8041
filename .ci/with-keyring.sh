#!/usr/bin/env bash
# Run a command inside a private D-Bus session bus with a fresh, unlocked gnome-keyring
# (the Secret Service), e.g. for the vault's real-keychain tests on a headless box / CI:
#
#   bash .ci/with-keyring.sh npx vitest run src/vault
#
# - The keyring lives in a temp dir (XDG_DATA_HOME / XDG_RUNTIME_DIR point there) that is
#   removed afterwards; the user's own keyring and session bus are never touched.
# - A "login" collection is created with a throwaway random password, unlocked, and
#   verified (it must be the default alias, unlocked, and a secret-tool store / lookup /
#   clear round trip must work) before the command runs.
# - If gnome-keyring-daemon dies meanwhile (it has crashed with a glib trap under our e2e load),
#   it is restarted and the same keyring unlocked again. The bus has no activatable services,
#   so a crashed daemon is never silently replaced by an activated one with a locked keyring.
# - The wrapped command's exit code is preserved.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: bash .ci/with-keyring.sh <command> [args...]" >&2
  exit 2
fi

missing=""
for tool in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "with-keyring: missing:$missing. Install them with:" >&2
  echo "apt-get install -y gnome-keyring dbus libsecret-tools" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ativo-keyring.XXXXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/data" "$tmp/runtime"
chmod 700 "$tmp" "$tmp/data" "$tmp/runtime"

# Never let the private daemon find (or the command talk to) the user's real keyring.
unset GNOME_KEYRING_CONTROL GNOME_KEYRING_PID SSH_AUTH_SOCK
export XDG_DATA_HOME="$tmp/data"
export XDG_RUNTIME_DIR="$tmp/runtime"
ATIVO_CI_KEYRING_PW="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export ATIVO_CI_KEYRING_PW

# Runs inside the private bus. $@ is the wrapped command.
inner='
set -eu
fail() { echo "with-keyring: $*" >&2; exit 1; }
call() { dbus-send --session --print-reply "$@" 2>&1; }

pw="$ATIVO_CI_KEYRING_PW"   # a shell variable from now on, not exported to the command
unset ATIVO_CI_KEYRING_PW
printf "%s" "$pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
  || fail "gnome-keyring-daemon --unlock failed"

# --unlock forks before the daemon owns its bus name: wait for it (without activating a second daemon).
i=0
until call --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets \
  | grep -q "boolean true"; do
  i=$((i + 1)); [ "$i" -lt 100 ] || fail "the Secret Service (org.freedesktop.secrets) did not appear on the session bus"
  sleep 0.1
done

# The default alias must point at an unlocked collection (the login keyring just created).
coll="$(call --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias string:default \
  | sed -n "s/.*object path \"\(.*\)\".*/\1/p" | tail -n 1)"
[ -n "$coll" ] && [ "$coll" != "/" ] || fail "no default keyring collection exists"
call --dest=org.freedesktop.secrets "$coll" org.freedesktop.DBus.Properties.Get \
  string:org.freedesktop.Secret.Collection string:Locked | grep -q "boolean false" \
  || fail "the default keyring collection ($coll) is locked"

# And it must actually store and return secrets.
probe="with-keyring-probe-$$"
printf "%s" "$probe" | secret-tool store --label="with-keyring probe" ativo-ci-probe "$probe" \
  || fail "secret-tool store failed"
[ "$(secret-tool lookup ativo-ci-probe "$probe")" = "$probe" ] || fail "secret-tool lookup did not return the stored secret"
secret-tool clear ativo-ci-probe "$probe" || fail "secret-tool clear failed"

# The watchdog: restarts a dead daemon (same keyring, same password); ends with the bus.
(
  while sleep 0.3; do
    out="$(call --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets)"
    case "$out" in
      *"boolean true"*) ;;
      *"boolean false"*)
        echo "with-keyring: gnome-keyring-daemon died; restarting it with the same keyring" >&2
        printf "%s" "$pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true ;;
      *) exit 0 ;;
    esac
  done
) &
unset pw

exec "$@"
'

# A session bus without activatable services (see above).
cat > "$tmp/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$tmp/runtime</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

set +e
dbus-run-session --config-file="$tmp/session.conf" -- sh -c "$inner" with-keyring "$@"
rc=$?
set -e
exit "$rc"
