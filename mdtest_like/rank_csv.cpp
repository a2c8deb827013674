#include "rank_csv.hpp"

#include <fmt/format.h>

namespace pfsbench::mdtest_like {

namespace {

constexpr const char* kLabels[RankCsv::kOps] = {
    "Directory creation", "Directory stat", "Directory read", "Directory rename", "Directory removal",
    "File creation",      "File stat",      "File read",      "File removal",     "Tree creation",
    "Tree removal"};
constexpr int kTreeCreate = 9;  // mdtest's first tree operation: rank rows stop before it

void add_cell(std::string& line, const std::optional<RankCsv::Cell>& c) {
  if (!c || c->items == 0) {
    line += ",,";
    return;
  }
  line += fmt::format(",{:.10e},{:.10e}", static_cast<double>(c->items) / c->time_s, c->time_s);
}

}  // namespace

std::optional<int> RankCsv::op_index(const std::string& phase) {
  static const std::pair<const char*, int> kMap[] = {
      {"dir_create", 0},  {"dir_stat", 1},  {"dir_remove", 4},    {"file_create", 5},  {"file_stat", 6},
      {"file_read", 7},   {"file_remove", 8}, {"tree_create", 9}, {"tree_remove", 10}};
  for (const auto& [name, index] : kMap)
    if (phase == name) return index;
  return std::nullopt;
}

const char* RankCsv::op_label(int index) { return kLabels[index]; }

std::string RankCsv::header() {
  std::string h = "rank,items";
  for (const char* l : kLabels) h += fmt::format(",rate-{},time-{}", l, l);
  return h + "\n";
}

void RankCsv::record(int iteration, const std::string& phase, std::uint64_t items_all, double time_s,
                     const std::vector<Cell>& per_rank) {
  const auto op = op_index(phase);
  if (!op) return;
  if (static_cast<int>(its_.size()) <= iteration) its_.resize(static_cast<std::size_t>(iteration) + 1);
  Iteration& it = its_[static_cast<std::size_t>(iteration)];
  it.ranks.resize(static_cast<std::size_t>(ranks_));
  const bool tree = *op >= kTreeCreate;
  // mdtest: every rank counts the whole tree, whoever created it.
  it.all[static_cast<std::size_t>(*op)] = Cell{tree ? tree_dirs_ * static_cast<std::uint64_t>(ranks_) : items_all, time_s};
  if (tree) return;
  for (std::size_t r = 0; r < per_rank.size() && r < it.ranks.size(); ++r)
    it.ranks[r][static_cast<std::size_t>(*op)] = per_rank[r];
}

std::string RankCsv::text() const {
  std::string out = header();
  std::string line = fmt::format("all,{}", items_per_rank_);
  for (int e = 0; e < kOps; ++e) add_cell(line, its_.empty() ? std::nullopt : its_.front().all[static_cast<std::size_t>(e)]);
  out += line + "\n";
  for (const Iteration& it : its_) {
    for (std::size_t r = 0; r < it.ranks.size(); ++r) {
      line = fmt::format("{},", r);
      for (int e = 0; e < kTreeCreate; ++e) add_cell(line, it.ranks[r][static_cast<std::size_t>(e)]);
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace pfsbench::mdtest_like
