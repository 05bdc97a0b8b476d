#!/usr/bin/env python3
"""Projects events/s of the conservative window protocol at larger rank counts from figures
measured on 2 ranks (scalesim ... --stats) and stated network assumptions. Prints a Markdown
table; docs/scaling.md explains the model. Usage: bench/scaling_projection.py"""
import math

# Measured with --stats on 2 ranks of this machine (bench/RESULTS.md, docs/scaling.md).
MEASURED = {
    # name: (events per window per rank, per-rank compute rate ev/s, remote fraction, bytes/event)
    "PHOLD 512 LPs/rank, 1 ev/LP, lookahead 1.0, remote 0.05": (512, 4.4e6, 0.05, 32),
    "PHOLD 512 LPs/rank, 16 ev/LP, lookahead 0.1, remote 0.25": (819, 4.8e6, 0.25, 32),
    "PHOLD 512 LPs/rank, 16 ev/LP, lookahead 1.0, remote 0.25": (8192, 4.8e6, 0.25, 32),
    "serving network (tests/parallel), ~2000 events/s simulated per rank, lookahead 5 ms": (10, 6.0e6, 0.29, 64),
    "serving network scaled up, 3.6 M events/s simulated per rank, lookahead 5 ms": (18000, 6.0e6, 0.29, 64),
}

# Assumptions (cluster interconnect), stated in docs/scaling.md.
ALPHA = 2.0e-6        # s, point-to-point latency between nodes (InfiniBand class)
BETA = 10.0e9         # B/s, per-node injection bandwidth
PAIR = 24             # B per peer in the size/minimum exchange (3 x int64)


def sync_time(ranks, remote_bytes, sparse):
    """Per-window synchronisation: Bruck all-to-all of the sizes (log2 R rounds), then the
    events: pairwise over all peers (today's MPI_Alltoallv), or only to peers with data plus a
    non-blocking barrier (sparse exchange, NBX)."""
    rounds = math.ceil(math.log2(ranks))
    sizes = rounds * (ALPHA + (ranks * PAIR / 2) / BETA)
    peers_with_data = min(ranks - 1, max(1.0, remote_bytes / 32.0))
    if sparse:
        events = peers_with_data * ALPHA + remote_bytes / BETA + rounds * ALPHA
    else:
        events = (ranks - 1) * ALPHA + remote_bytes / BETA
    return sizes + events


print("| workload | ranks | compute/window | sync/window (alltoallv) | events/s (alltoallv) | efficiency | events/s (sparse exchange) | efficiency |")
print("|---|---|---|---|---|---|---|---|")
for name, (ew, rate, remote, size) in MEASURED.items():
    for ranks in (64, 512):
        compute = ew / rate
        remote_bytes = ew * remote * size * (ranks - 1) / ranks
        t_dense = sync_time(ranks, remote_bytes, sparse=False)
        t_sparse = sync_time(ranks, remote_bytes, sparse=True)
        ev_dense = ranks * ew / (compute + t_dense)
        ev_sparse = ranks * ew / (compute + t_sparse)
        print(f"| {name} | {ranks} | {compute*1e6:.1f} us | {t_dense*1e6:.0f} us | {ev_dense/1e6:.0f} M | "
              f"{compute/(compute+t_dense):.0%} | {ev_sparse/1e6:.0f} M | {compute/(compute+t_sparse):.0%} |")
