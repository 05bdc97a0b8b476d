# Shared by the benchmark scripts: median of numbers on stdin, one per line.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# A peer simulator (ROSS's phold) writes its statistics (ross.csv, ross_all_lp_stats/) into the
# folder it runs in. make_peer_dir (once, at top level) makes a temporary folder that is removed
# on exit; peer_run CMD... runs a command there, so nothing the peer writes lands in the
# repository. Give the peer as an absolute path (peer_path does that).
make_peer_dir() {
  peer_dir=$(mktemp -d)
  trap 'rm -rf "$peer_dir"' EXIT
}
peer_run() { (cd "$peer_dir" && "$@"); }
peer_path() { [[ -n ${1:-} ]] && realpath "$1" || true; }
