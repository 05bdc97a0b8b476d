// `scalesim trace convert`: a CSV trace (plain, gzip, zstd, or a pipe) to the HDF5 form (a
// dataset per column, chunked and compressed; models/workload/trace_h5.h), and back to CSV. Values
// round-trip: integers and datetimes exactly (the bundled trace byte for byte), other numbers
// as the shortest text that reads back as the same double. Streams: memory does not grow with
// the trace.
#pragma once

#include <cstdint>
#include <string>

namespace scalesim {

struct TraceConvertOptions {
  std::uint64_t chunk_rows = 65536;  // HDF5 chunk; also the rows a column's type is judged on
  int level = 4;                     // deflate level, 0 (none) to 9
};

struct TraceConvertResult {
  std::uint64_t rows = 0;
  std::string from, to;  // "CSV", "gzip CSV", "zstd CSV", "HDF5"
};

// `out` ending in .h5 or .hdf5 is written as HDF5, else as CSV ("-": standard output). Written
// under a temporary name and renamed when complete. Throws TraceError (file:line) on bad input.
TraceConvertResult convert_trace(const std::string& in, const std::string& out,
                                 const TraceConvertOptions& options = {});

// Whether this build reads and writes HDF5 traces.
bool trace_hdf5_supported();

}  // namespace scalesim
