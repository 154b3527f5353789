#!/usr/bin/env bash
# scripts/setup.sh — the one set-up step: installs every Debian 12 package the build
# and the tests need, then configures the build directory. Idempotent: packages
# already installed are not fetched again, an existing build directory is kept.
#
#   bash scripts/setup.sh [--peers] [--build-dir DIR] [-- MESON_OPTIONS...]
#
#   --peers        also install what only the benchmarks' peers need
#                  (libc-ares-dev, for resolver_bench's c-ares client;
#                  rtpengine-daemon, relay_peer_bench's peer); always with
#                  --no-install-recommends; a service they bring is neither
#                  started nor enabled at boot.
#   --build-dir    where to configure (default: build)
# Needs root (or sudo) for apt-get.
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=build
peers=0
meson_opts=()
while [ $# -gt 0 ]; do
    case "$1" in
        --peers) peers=1 ;;
        --build-dir) build_dir=$2; shift ;;
        --) shift; meson_opts=("$@"); break ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
    shift
done

packages=(
    build-essential pkg-config meson ninja-build python3
    dpdk-dev libdpdk-dev liburcu-dev libtomlplusplus-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    clang libclang-rt-14-dev
    iproute2 ethtool iputils-ping
    dnsmasq-base
)
peer_packages=(libc-ares-dev rtpengine-daemon)
# Services of peer packages: run by the benchmarks themselves, never by the system.
peer_services=(rtpengine-daemon.service)
[ "$peers" = 1 ] && packages+=("${peer_packages[@]}")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Services a package would start stay stopped (policy-rc.d 101 = action forbidden).
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod +x "$policy"
        created_policy=1
    fi
    trap 'if [ "$created_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi' EXIT
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # A peer installed just now is not enabled at boot either (an installation the
    # user made before is left as it was).
    for svc in "${peer_services[@]}"; do
        [[ " ${missing[*]} " == *" ${svc%.service} "* ]] || continue
        if command -v systemctl >/dev/null; then
            "${sudo[@]}" systemctl disable "$svc" >/dev/null 2>&1 || true
        else
            "${sudo[@]}" update-rc.d "${svc%.service}" disable >/dev/null 2>&1 || true
        fi
    done
fi

if [ -f "$build_dir/build.ninja" ]; then
    [ ${#meson_opts[@]} -eq 0 ] || meson configure "$build_dir" "${meson_opts[@]}"
else
    meson setup "$build_dir" "${meson_opts[@]}"
fi
echo "setup.sh: ready; build with: ninja -C $build_dir"
