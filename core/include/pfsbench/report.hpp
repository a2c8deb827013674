#pragma once
// Human output: formatting only, streams injected so it is testable.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "pfsbench/result.hpp"

namespace pfsbench {

/// A plain text table: right-aligned columns sized to their content.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// "123.45" with `digits` decimals, or "-" when absent.
std::string fixed_or_dash(const std::optional<double>& v, int digits = 2);

/// Prints warnings and errors of a result, one per line, to `err`.
void print_diagnostics(const RunResult& r, const std::string& tool, std::ostream& err);

}  // namespace pfsbench
