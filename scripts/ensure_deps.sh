#!/usr/bin/env bash
# Installs the Debian packages ScaleSim needs, only those missing. Used by ./run.sh and ./test.sh.
set -euo pipefail

packages=(
  cmake g++ make git clang-format clang-tidy
  libopenmpi-dev openmpi-bin
  libhdf5-dev libhdf5-openmpi-dev hdf5-tools libdeflate-dev
  libboost-program-options-dev libboost-dev
  libyaml-cpp-dev librandom123-dev libmetis-dev zlib1g-dev libzstd-dev zstd
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-h5py python3-pandas python3-matplotlib
  clang llvm libclang-rt-14-dev libomp-14-dev
  slurm-wlm munge
  redis-server redis-tools
  graphviz chromium python3-yaml python3-jsonschema
  protobuf-compiler libprotobuf-dev python3-protobuf
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "ScaleSim: installing missing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "ScaleSim: these packages are missing and installing them needs root:" >&2
    echo "    sudo apt-get install -y ${missing[*]}" >&2
    echo "Run that once (or run this script as root), then try again." >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
