#pragma once
// Byte strings in the result document. Linux paths, mount options and error
// texts are bytes, and nlohmann-json refuses to dump a string that is not
// UTF-8 (type_error 316), so every string goes into the document as:
//   - itself, when it is valid UTF-8 (almost always);
//   - otherwise the object {"bytes_b64": "<standard base64 of the bytes>"}
//     (RFC 4648, with padding), the schema's $defs/bytes.
// An object key that is not UTF-8 becomes "bytes_b64:" + base64 of the key.
// Lossless both ways: unescape_bytes(escape_bytes(j)) == j. Pure.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pfsbench {

/// The key of the escape object.
inline constexpr const char* kBytesKey = "bytes_b64";

/// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF), as nlohmann-json's dump() checks it.
bool is_valid_utf8(std::string_view s) noexcept;

/// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
/// The bytes of RFC 4648 base64 text, or nullopt when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

/// `j` with every string value and key that is not UTF-8 escaped (above).
/// The result always dumps without throwing.
nlohmann::json escape_bytes(const nlohmann::json& j);
/// The inverse: every {"bytes_b64": ...} object back to its string, every
/// escaped key back to its bytes. Throws std::invalid_argument on an escape
/// whose text is not base64.
nlohmann::json unescape_bytes(const nlohmann::json& j);

}  // namespace pfsbench
