#!/bin/sh
# provision.sh - an example executor for `wksjobs worker --exec`:
#
#   wksjobs worker --exec examples/provision.sh
#
# The worker runs it once per claimed sub-job, with the sub-job as JSON
# on stdin and WKSJOBS_SUB_JOB_ID, WKSJOBS_SUB_JOB_JOB_ID,
# WKSJOBS_SUB_JOB_TYPE, WKSJOBS_SUB_JOB_PROJECT_ID and
# WKSJOBS_SUB_JOB_ATTEMPTS in its environment.  Exit status 0 finishes
# the sub-job as SUCCESS; any other as FAILED, with the last line of
# stderr as the reason ("CODE: reason" also sets the error code).
#
# This one pretends to provision the sub-job's desktop in three steps,
# printing its progress, and fails on demand:
#   PROVISION_FAIL='WKS.0005: Failed to invoke ECS interface.'  every sub-job
#   fails with that line (give it to the worker's environment);
#   PROVISION_STEP_SECONDS  seconds per step (default 0.5).
set -eu

job=$(cat)
# A member of the JSON without jq: the sub-job's desktop, if it has one.
desktop=$(printf '%s\n' "$job" |
	sed -n 's/.*"desktop_name": *"\([^"]*\)".*/\1/p')
desktop=${desktop:-"(no desktop)"}
id=${WKSJOBS_SUB_JOB_ID:-?}

for step in "1/3 creating the VM" "2/3 attaching the volume" \
    "3/3 joining the domain"; do
	echo "$id $desktop: $step"
	sleep "${PROVISION_STEP_SECONDS:-0.5}"
done
if [ -n "${PROVISION_FAIL:-}" ]; then
	echo "$id $desktop: failed"
	echo "$PROVISION_FAIL" >&2
	exit 1
fi
echo "$id $desktop: provisioned"
