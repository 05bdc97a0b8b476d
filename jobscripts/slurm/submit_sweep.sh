#!/bin/bash
# Submits a sweep as a SLURM job array of SHARDS tasks (sweep_array.sbatch) and a merge job
# (merge.sbatch) that runs once every array task has succeeded (--dependency=afterok).
#
#   SPEC=configs/sweeps/cascade_des.yaml SHARDS=8 OUTDIR=cascade jobscripts/slurm/submit_sweep.sh \
#       [more sbatch options for both jobs, e.g. --partition=compute --account=PROJECT]
#
# Environment: SPEC, BACKEND (des|mc), SHARDS (default 4), OUTDIR (default .), SCALESIM,
# EXTRA, MERGED (see the two scripts). Prints the two job ids; the result is OUTDIR/merged.h5
# (or MERGED). Run it from the folder the relative paths are relative to.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

export SPEC=${SPEC:-configs/sweeps/cascade_des.yaml}
export BACKEND=${BACKEND:-des}
export OUTDIR=${OUTDIR:-.}
export SHARDS=${SHARDS:-4}
export SCALESIM=${SCALESIM:-scalesim}
if ! [[ $SHARDS =~ ^[1-9][0-9]*$ ]]; then
  echo "SHARDS must be a positive number, not '$SHARDS'" >&2
  exit 2
fi
mkdir -p "$OUTDIR"

array=$(sbatch --parsable --array="0-$((SHARDS - 1))" "$@" "$here/sweep_array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "$@" \
  "$here/merge.sbatch")
merge=${merge%%;*}
echo "sweep array job $array ($SHARDS shards of $SPEC, backend $BACKEND), merge job $merge -> ${MERGED:-$OUTDIR/merged.h5}"
