// Fields and numbers of the calibration CSV files (calibration/*.csv), with errors that name
// the file, line and column.
#pragma once

#include <string>
#include <vector>

namespace scalesim::hardware {

// One CSV line into fields (RFC 4180 quoting; a trailing carriage return is dropped).
std::vector<std::string> split_csv(const std::string& line);

// A finite number filling the whole field; CatalogError "where: column 'column': ..." otherwise.
double csv_number(const std::string& s, const std::string& where, const std::string& column);

}  // namespace scalesim::hardware
