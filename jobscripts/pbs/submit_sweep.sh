#!/bin/bash
# Submits a sweep as a PBS array job of SHARDS subjobs (sweep_array.pbs) and a merge job
# (merge.pbs) that runs once every subjob has succeeded (-W depend=afterok:<array>).
#
#   SPEC=configs/sweeps/cascade_des.yaml SHARDS=8 OUTDIR=cascade jobscripts/pbs/submit_sweep.sh \
#       [more qsub options for both jobs, e.g. -q workq -A PROJECT]
#
# Environment: SPEC, BACKEND (des|mc), SHARDS (default 4), OUTDIR (default .), SCALESIM,
# EXTRA, MERGED. Prints the two job ids; the result is OUTDIR/merged.h5 (or MERGED).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

SPEC=${SPEC:-configs/sweeps/cascade_des.yaml}
BACKEND=${BACKEND:-des}
OUTDIR=${OUTDIR:-.}
SHARDS=${SHARDS:-4}
SCALESIM=${SCALESIM:-scalesim}
if ! [[ $SHARDS =~ ^[1-9][0-9]*$ ]]; then
  echo "SHARDS must be a positive number, not '$SHARDS'" >&2
  exit 2
fi
mkdir -p "$OUTDIR"
vars="SPEC=$SPEC,BACKEND=$BACKEND,OUTDIR=$OUTDIR,SHARDS=$SHARDS,SCALESIM=$SCALESIM"
[[ -n ${EXTRA:-} ]] && vars+=",EXTRA=$EXTRA"
[[ -n ${MERGED:-} ]] && vars+=",MERGED=$MERGED"

if ((SHARDS > 1)); then
  array=$(qsub -J "0-$((SHARDS - 1))" -v "$vars" "$@" "$here/sweep_array.pbs")
  # PBS Pro names an array job 123[].server; a dependency on it waits for every subjob.
else
  # PBS refuses a one-element array: one shard is a plain job with index 0.
  array=$(qsub -v "$vars,PBS_ARRAY_INDEX=0" "$@" "$here/sweep_array.pbs")
fi
merge=$(qsub -W "depend=afterok:$array" -v "$vars" "$@" "$here/merge.pbs")
echo "sweep array job $array ($SHARDS shards of $SPEC, backend $BACKEND), merge job $merge -> ${MERGED:-$OUTDIR/merged.h5}"
