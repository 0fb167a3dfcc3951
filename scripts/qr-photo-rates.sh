#!/usr/bin/env bash
# Read rates of civitas' QR reader and of zbar on the same generated phone-photo-like images of
# real civitas QR codes (rotation, blur, downscaling, JPEG, perspective, uneven light, noise,
# and all of them at once), per degradation. Deterministic: the same images every run.
#
#   scripts/qr-photo-rates.sh [--out DIR] [--per-family N] [--verbose]
#
# Installs zbar (zbarimg) with apt-get when it is missing and this runs as root; the images are
# left in DIR (default target/qr-photos) for any other reader.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v zbarimg >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq zbar-tools >/dev/null
    else
        echo "zbarimg not found: install zbar (Debian: apt-get install zbar-tools)" >&2
        exit 2
    fi
fi
exec cargo run --release -q -p civitas-qr --example qr_photo_rates -- "$@"
