#!/bin/sh
# Reserve 2 MiB hugepages and mount hugetlbfs, for the DPDK peers of perf/lists_bench
# (and anything else that wants hugepages on a development machine).
#
#   scripts/hugepages.sh [PAGES]      default PAGES: $MG_HUGEPAGES or 1024 (2 GiB)
#   MG_HUGEPAGE_MOUNT=/mnt/huge scripts/hugepages.sh     mount point, default /dev/hugepages
#
# Idempotent: it only ever raises the reservation and mounts only when no hugetlbfs is
# mounted yet. It never fails its caller: when the machine refuses (not root, a
# container without the right, memory too fragmented) it says why and exits 0, and the
# benchmark then runs DPDK with --no-huge.
set -u

pages=${1:-${MG_HUGEPAGES:-1024}}
mnt=${MG_HUGEPAGE_MOUNT:-/dev/hugepages}
sys=/sys/kernel/mm/hugepages/hugepages-2048kB

say() { echo "hugepages.sh: $*"; }

case $pages in
    '' | *[!0-9]*) say "PAGES must be a number, got '$pages'; nothing done"; exit 0 ;;
esac

if [ ! -d "$sys" ]; then
    say "this kernel has no 2 MiB hugepages ($sys missing); nothing done"
    exit 0
fi

have=$(cat "$sys/nr_hugepages" 2>/dev/null || echo 0)
if [ "$have" -ge "$pages" ]; then
    say "$have x 2 MiB pages already reserved (wanted $pages)"
elif [ "$(id -u)" != 0 ]; then
    say "not root: cannot raise the reservation from $have to $pages pages"
else
    # Compacting memory first makes a large reservation likelier to succeed on a
    # machine that has been up for a while. A failure here is harmless.
    sync 2>/dev/null
    echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
    if ! err=$( { echo "$pages" >"$sys/nr_hugepages"; } 2>&1 ); then
        say "the kernel refused the reservation: ${err:-write failed}"
    fi
    have=$(cat "$sys/nr_hugepages" 2>/dev/null || echo 0)
    if [ "$have" -lt "$pages" ]; then
        say "only $have of $pages pages could be reserved (memory fragmented or limited)"
    else
        say "reserved $have x 2 MiB pages"
    fi
fi

# Any hugetlbfs mount will do for DPDK; mount one only when there is none.
existing=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts 2>/dev/null)
if [ -n "$existing" ]; then
    say "hugetlbfs already mounted at $existing"
elif [ "$(id -u)" != 0 ]; then
    say "not root: cannot mount hugetlbfs at $mnt"
else
    if ! err=$( { mkdir -p "$mnt" && mount -t hugetlbfs -o pagesize=2M nodev "$mnt"; } 2>&1 ); then
        say "could not mount hugetlbfs at $mnt: ${err:-mount failed}"
    else
        say "mounted hugetlbfs at $mnt"
    fi
fi

free=$(cat "$sys/free_hugepages" 2>/dev/null || echo 0)
total=$(cat "$sys/nr_hugepages" 2>/dev/null || echo 0)
say "now: $total x 2 MiB pages reserved, $free free"
exit 0
