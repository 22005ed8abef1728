#!/usr/bin/env bash
# No acknowledged write is lost or applied twice while the primary fails again and again
# (issue 5, part 7). 8 checker clients (tests/e2e/store_checker.py) write unique values
# through the VIP, each retrying its request id until acknowledged, while the primary is
# powered off, killed (-9), paused (SIGSTOP past the dead time) and partitioned, twice, one
# fault after another (tests/e2e/store_faults.sh: each waits for the new primary to serve
# and the old one to be in sync again). Then everything under chk/ is read back from the final
# primary, and again after a switchover to the caught-up standby: both must hold every
# acknowledged write exactly once. Prints "checker: acked=N lost=0 duplicated=0 ...".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/store_lib.sh"
source "$(dirname "$0")/store_faults.sh"
start_store_cluster 300 2500  # snapshots of several chunks (2048 keys) during the faults
store_checker_run 8 "${STORE_FAULTS[@]}" "${STORE_FAULTS[@]}"  # each kind twice, ~25 s
pass "$((2 * ${#STORE_FAULTS[@]})) faults, $STORE_CHECKER_ACKED acknowledged writes," \
    "none lost or duplicated on either node"
