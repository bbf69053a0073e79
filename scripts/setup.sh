#!/usr/bin/env bash
# Installs what Safehouse needs on a fresh Debian machine (libsodium, pkg-config;
# age for interop checks). Idempotent; needs root (or sudo).
set -euo pipefail
need=()
pkg-config --exists libsodium 2>/dev/null || need+=(libsodium-dev pkg-config)
command -v age >/dev/null 2>&1 || need+=(age)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Test helpers only: Python's `cryptography` is the independent implementation
# the format tests cross-check against.
python3 -c "import cryptography" 2>/dev/null || python3 -m pip install -q cryptography
python3 -c "import nacl.bindings" 2>/dev/null || python3 -m pip install -q pynacl
