#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh gnome-keyring (Secret Service),
# unlocked with a throwaway password, in a temporary home: the user's own keyring is never
# touched. Example: scripts/with-keyring.sh cargo test --test secrets_keyring
set -euo pipefail
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
export OCRCHAT_TEST_KEYRING_HOME="$keyring_home"
exec dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf test | XDG_DATA_HOME="$OCRCHAT_TEST_KEYRING_HOME" HOME="$OCRCHAT_TEST_KEYRING_HOME" \
      gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export OCRCHAT_TEST_SECRET_SERVICE=1
  "$@"
' with-keyring "$@"
