#!/usr/bin/env bash
# An attnsim sweep on a SLURM cluster: a job array of shards, then a merge job that runs once
# every shard has succeeded. Run it on the login node (it submits itself):
#
#   bash examples/deploy/slurm-sweep.sh SPEC.yaml OUT_DIR SHARDS [extra sbatch options...]
#   bash examples/deploy/slurm-sweep.sh examples/sweeps/systolic-sizing.yaml /scratch/$USER/sizing 8 --partition=cpu
#
# Array task i runs `attnsim sweep SPEC --shard i/SHARDS --out OUT_DIR/shard-i --resume` with one
# worker thread per CPU SLURM gives it (a requeued or re-run task skips the points it had finished);
# the merge job runs `attnsim merge OUT_DIR/shard-* --out OUT_DIR/merged` (results.csv, pareto.csv,
# summary.json over all shards; each point once) and draws the plots there.
# ATTNSIM is the command to run (default: attnsim on PATH, else npx attnsim), e.g. the container of
# the Dockerfile: ATTNSIM="apptainer exec attnsim.sif node /opt/attnsim/bin/attnsim.js".
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=attnsim-%x-%A_%a.log
set -euo pipefail

attnsim() {
  if [ -n "${ATTNSIM:-}" ]; then
    # shellcheck disable=SC2086 # ATTNSIM is a command line
    $ATTNSIM "$@"
  elif command -v attnsim >/dev/null 2>&1; then
    command attnsim "$@"
  else
    npx --no-install attnsim "$@"
  fi
}

if [ -z "${SLURM_JOB_ID:-}" ]; then
  # On the login node: submit the array, then the merge depending on all of it.
  if [ $# -lt 3 ]; then
    echo "usage: bash $0 SPEC.yaml OUT_DIR SHARDS [extra sbatch options...]" >&2
    exit 2
  fi
  spec=$1 out=$2 shards=$3
  shift 3
  case $shards in '' | *[!0-9]* | 0) echo "SHARDS must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
  mkdir -p "$out"
  array=$(sbatch --parsable --job-name=attnsim-shards --array="0-$((shards - 1))" "$@" "$0" shard "$spec" "$out" "$shards")
  array=${array%%;*}
  merge=$(sbatch --parsable --job-name=attnsim-merge --cpus-per-task=1 --dependency="afterok:$array" "$@" "$0" merge "$spec" "$out" "$shards")
  echo "submitted shards as job $array (array 0-$((shards - 1))) and the merge as job ${merge%%;*} in $out"
  exit 0
fi

mode=$1 spec=$2 out=$3 shards=$4
case $mode in
  shard)
    i=${SLURM_ARRAY_TASK_ID:?the shard step runs as a SLURM array task}
    attnsim sweep "$spec" --shard "$i/$shards" --out "$out/shard-$i" --workers "${SLURM_CPUS_PER_TASK:-1}" --resume
    ;;
  merge)
    dirs=()
    for ((i = 0; i < shards; i++)); do dirs+=("$out/shard-$i"); done
    attnsim merge "${dirs[@]}" --out "$out/merged"
    attnsim plot "$out/merged"
    ;;
  *)
    echo "unknown step '$mode' (shard or merge)" >&2
    exit 2
    ;;
esac
