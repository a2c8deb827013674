#include "pfsbench/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pfsbench {

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      if (c == 0)
        s += fmt::format("{:<{}}", cell, width[c]);
      else
        s += fmt::format("  {:>{}}", cell, width[c]);
    }
    out << s << '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

std::string fixed_or_dash(const std::optional<double>& v, int digits) {
  if (!v) return "-";
  return fmt::format("{:.{}f}", *v, digits);
}

void print_diagnostics(const RunResult& r, const std::string& tool, std::ostream& err) {
  for (const auto& w : r.warnings) err << tool << ": warning: " << w << '\n';
  for (const auto& e : r.errors) err << tool << ": error: " << e.message << '\n';
}

}  // namespace pfsbench
