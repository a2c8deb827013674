#include "pfsbench/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "pfsbench/error.hpp"

namespace pfsbench {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void bad_size(std::string_view text, std::string_view option, std::string_view why) {
  throw UsageError(fmt::format(
      "invalid size '{}' for {}: {}; use a whole number of bytes with an optional binary suffix "
      "k, m, g, t, p (e.g. 4k = 4KiB = 4096, 16m, 1g)",
      text, option, why));
}

}  // namespace

std::uint64_t parse_size(std::string_view text, std::string_view option, bool allow_zero) {
  if (text.empty()) bad_size(text, option, "empty");
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) bad_size(text, option, "too large");
  if (ec != std::errc() || ptr == begin) bad_size(text, option, "not a number");
  const std::string suffix = lower(std::string_view(ptr, static_cast<std::size_t>(end - ptr)));
  int shift = 0;
  if (suffix.empty() || suffix == "b") {
    shift = 0;
  } else {
    static constexpr std::string_view kUnits = "kmgtp";
    const auto pos = kUnits.find(suffix[0]);
    const std::string_view rest = std::string_view(suffix).substr(1);
    if (pos == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib"))
      bad_size(text, option, fmt::format("unknown suffix '{}'", std::string_view(ptr, static_cast<std::size_t>(end - ptr))));
    shift = 10 * (static_cast<int>(pos) + 1);
  }
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (value > (kMax >> shift)) bad_size(text, option, "too large (the limit is 2^63-1 bytes)");
  value <<= shift;
  if (value == 0 && !allow_zero) bad_size(text, option, "must be greater than zero");
  return value;
}

double parse_duration_s(std::string_view text, std::string_view option) {
  const std::string s = lower(text);
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  auto fail = [&](std::string_view why) {
    throw UsageError(fmt::format(
        "invalid duration '{}' for {}: {}; use seconds with an optional suffix ms, s, m, h "
        "(e.g. 30, 1.5, 500ms, 2m)",
        text, option, why));
  };
  if (ec != std::errc() || ptr == s.data()) fail("not a number");
  const std::string_view suffix(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
  double scale = 1.0;
  if (suffix.empty() || suffix == "s") scale = 1.0;
  else if (suffix == "ms") scale = 1e-3;
  else if (suffix == "m") scale = 60.0;
  else if (suffix == "h") scale = 3600.0;
  else fail(fmt::format("unknown suffix '{}'", suffix));
  if (!std::isfinite(value) || value < 0) fail("must be a finite number >= 0");
  return value * scale;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  double v = static_cast<double>(bytes);
  // 1023.995 KiB would print as "1024.00 KiB": promote values that round up.
  while (v >= 1024.0 - 0.005 && unit < 6 && bytes >= 1024) {
    v /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  if (v == std::floor(v)) return fmt::format("{:.0f} {}", v, kNames[unit]);
  return fmt::format("{:.2f} {}", v, kNames[unit]);
}

std::string format_size_short(std::uint64_t bytes) {
  static constexpr char kNames[] = {'k', 'm', 'g', 't', 'p'};
  int unit = -1;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  if (unit < 0) return fmt::format("{}", bytes);
  return fmt::format("{}{}", bytes, kNames[unit]);
}

}  // namespace pfsbench
