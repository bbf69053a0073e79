#!/usr/bin/env bash
# Installs what Safehouse needs on a fresh Debian machine (libsodium, OpenSSL's
# libcrypto for SHA-256, pkg-config, libcurl's headers for the server client;
# age for interop checks; faketime for clock-step tests; ffmpeg, which media
# excerpts need at run time and whose ffprobe checks that subtitle exports play;
# espeak-ng, sox and exiftool for the media excerpt tests). Idempotent; needs root (or sudo).
set -euo pipefail
need=()
pkg-config --exists libsodium 2>/dev/null || need+=(libsodium-dev pkg-config)
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev pkg-config)
# libcurl's headers: the CLI's team-server client loads libcurl at run time (Sources/CHTTP).
[ -e /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -e /usr/include/aarch64-linux-gnu/curl/curl.h ] \
  || [ -e /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
command -v age >/dev/null 2>&1 || need+=(age)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
# The team-server tests: openssl makes a test certificate, curl checks the TLS handshake;
# scripts/pg.sh installs PostgreSQL itself.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Test helpers only: Python's `cryptography` and PyNaCl are the independent
# implementation the format tests cross-check against; scipy's MILP solver is
# the attacker that works out hidden stats cells; `srt` and `webvtt-py` are the
# subtitle parsers the exports must satisfy. Debian's package when the
# python3 is Debian's, else pip.
pyneed() { # module debian-package pip-package
  python3 -c "import $1" 2>/dev/null && return 0
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null; } || true
    python3 -c "import $1" 2>/dev/null && return 0
  fi
  python3 -m pip install -q "$3" 2>/dev/null || python3 -m pip install -q --break-system-packages "$3"
}
pyneed cryptography python3-cryptography cryptography
pyneed nacl.bindings python3-nacl pynacl
pyneed scipy.optimize python3-scipy scipy
pyneed numpy python3-numpy numpy
pyneed scipy.io.wavfile python3-scipy scipy
pyneed srt python3-srt srt
pyneed webvtt python3-webvtt webvtt-py
