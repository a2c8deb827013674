#include "pfsbench/json_bytes.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

namespace pfsbench {

using nlohmann::json;

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kKeyPrefix = "bytes_b64:";

int sextet(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string escape_key(const std::string& key) {
  return is_valid_utf8(key) ? key : std::string(kKeyPrefix) + base64_encode(key);
}

std::string unescape_key(const std::string& key) {
  if (key.compare(0, kKeyPrefix.size(), kKeyPrefix) != 0) return key;
  auto bytes = base64_decode(std::string_view(key).substr(kKeyPrefix.size()));
  if (!bytes) throw std::invalid_argument("an escaped key that is not base64: " + key);
  return *bytes;
}

bool is_escape(const json& j) {
  return j.is_object() && j.size() == 1 && j.contains(kBytesKey) && j.at(kBytesKey).is_string();
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;       // no overlong forms
      if (c == 0xed) hi = 0x9f;       // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;       // no overlong forms
      if (c == 0xf4) hi = 0x8f;       // at most U+10FFFF
    } else {
      return false;                   // 0x80..0xc1 (continuation, overlong) or 0xf5..0xff
    }
    if (n - i < len) return false;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += len;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = sextet(c);
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((w >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((w >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(w & 0xff);
  }
  return out;
}

json escape_bytes(const json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (is_valid_utf8(s)) return j;
    return json{{kBytesKey, base64_encode(s)}};
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(escape_bytes(v));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) out[escape_key(k)] = escape_bytes(v);
    return out;
  }
  return j;
}

json unescape_bytes(const json& j) {
  if (is_escape(j)) {
    auto bytes = base64_decode(j.at(kBytesKey).get_ref<const std::string&>());
    if (!bytes) throw std::invalid_argument("a bytes_b64 value that is not base64");
    return *bytes;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(unescape_bytes(v));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) out[unescape_key(k)] = unescape_bytes(v);
    return out;
  }
  return j;
}

}  // namespace pfsbench
