// Byte strings in the result document (json_bytes.hpp): strict UTF-8, base64
// both ways (RFC 4648 test vectors), the escape and its exact inverse, and a
// RunResult full of bytes that are not UTF-8 written, read back and hashed.
// Before the escape, dump() threw type_error 316 and no document was left.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "pfsbench/json_bytes.hpp"
#include "pfsbench/result.hpp"
#include "pfsbench/result_json.hpp"

namespace pfsbench {
namespace {

using nlohmann::json;

TEST(JsonBytes, Utf8Validity) {
  struct Case {
    std::string s;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii /gpfs/fs1", true},
      {"\xc3\xa9t\xc3\xa9", true},              // "été"
      {"\xe2\x82\xac", true},                  // U+20AC
      {"\xf0\x9f\x98\x80", true},              // U+1F600
      {"\xf4\x8f\xbf\xbf", true},              // U+10FFFF, the last code point
      {"f\xff", false},                        // never in UTF-8
      {"d\xfe", false},
      {"\xe9t\xe9", false},                    // Latin-1
      {"\xc3", false},                         // truncated
      {"\xe2\x82", false},                     // truncated
      {"\xc0\xaf", false},                     // overlong '/'
      {"\xe0\x80\xaf", false},                 // overlong
      {"\xf0\x80\x80\xaf", false},             // overlong
      {"\xed\xa0\x80", false},                 // surrogate U+D800
      {"\xf4\x90\x80\x80", false},             // past U+10FFFF
      {"\x80", false},                         // lone continuation
      {std::string("a\0b", 3), true},          // NUL is a code point
  };
  for (const Case& c : cases) {
    EXPECT_EQ(is_valid_utf8(c.s), c.valid) << json(c.valid ? c.s : base64_encode(c.s)).dump();
    // Our rule is nlohmann-json's: a string it accepts dumps, one it refuses throws.
    bool dumps = true;
    try {
      (void)json(c.s).dump();
    } catch (const json::type_error&) {
      dumps = false;
    }
    EXPECT_EQ(dumps, c.valid) << base64_encode(c.s);
  }
}

TEST(JsonBytes, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}, {"f\xff", "Zv8="}, {"\xff\xfe\xfd", "//79"}};
  for (const auto& [raw, text] : v) {
    EXPECT_EQ(base64_encode(raw), text);
    EXPECT_EQ(base64_decode(text), raw) << text;
  }
  for (const char* bad : {"Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zm=v"}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(JsonBytes, EscapeOnlyWhatIsNotUtf8AndInvertExactly) {
  const std::string bad = "/gpfs/f\xff";
  json j = {{"path", bad},
            {"plain", "/gpfs/f"},
            {"list", {"ok", "d\xfe", 3, nullptr, true}},
            {"nested", {{"k\xe9y", "v"}}},
            {"number", 1.5}};
  const json e = escape_bytes(j);
  EXPECT_EQ(e["path"], json({{"bytes_b64", base64_encode(bad)}}));
  EXPECT_EQ(e["plain"], "/gpfs/f");
  EXPECT_EQ(e["list"][1], json({{"bytes_b64", "ZP4="}}));
  EXPECT_EQ(e["list"][2], 3);
  EXPECT_TRUE(e["nested"].contains("bytes_b64:a+l5"));
  EXPECT_NO_THROW((void)e.dump());
  EXPECT_EQ(unescape_bytes(e), j);
  EXPECT_EQ(unescape_bytes(json::parse(e.dump())), j);
  EXPECT_THROW(unescape_bytes(json({{"bytes_b64", "not base64!"}})), std::invalid_argument);
}

RunResult result_with_bytes() {
  RunResult r;
  r.tool = "ior_like";
  r.tool_version = "0.1.0";
  r.run_id = "20261121T140643Z-0a390833";
  r.status = ExitCode::kRuntime;
  r.started_at = r.finished_at = "2026-11-21T14:06:43Z";
  r.label = std::string("label \xe9t\xe9");
  r.tags = {{"k", "v\xc3"}, {"plain", "yes"}};
  r.command_line = {"ior_like", "-o", "/scratch/f\xff"};
  r.config = {{"path", "/scratch/f\xff"}, {"block_bytes", 1048576}};
  r.environment = {{"target", {{"mount", {{"options", "rw,opt=\xfe"}}}}}};
  r.warnings = {"a warning about '/scratch/f\xff'"};
  r.errors = {{"open '/scratch/f\xff': No such file or directory", "runtime"}};
  return r;
}

TEST(JsonBytes, DocumentWithBytesWritesAndReadsBack) {
  const RunResult r = result_with_bytes();
  const json doc = to_json(r);
  EXPECT_NO_THROW((void)doc.dump());
  EXPECT_EQ(doc["command_line"][2], json({{"bytes_b64", base64_encode("/scratch/f\xff")}}));
  EXPECT_EQ(doc["command_line"][1], "-o");
  EXPECT_EQ(doc["tags"]["plain"], "yes");
  // The hash is over the config as the document carries it (escaped), so a
  // reader recomputes it from the document alone; and it does not throw.
  EXPECT_EQ(doc["config_hash"], config_hash(r.config));
  EXPECT_EQ(config_hash(r.config), config_hash(escape_bytes(r.config)));

  char tmpl[] = "/tmp/pfsbench-bytes-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  write_document(r, tmpl);  // threw type_error 316 before
  std::ifstream in(tmpl);
  std::stringstream text;
  text << in.rdbuf();
  unlink(tmpl);
  const RunResult back = run_result_from_json(json::parse(text.str()));
  EXPECT_EQ(back.command_line, r.command_line);
  EXPECT_EQ(back.label, r.label);
  EXPECT_EQ(back.tags, r.tags);
  EXPECT_EQ(back.config, r.config);
  EXPECT_EQ(back.environment, r.environment);
  EXPECT_EQ(back.warnings, r.warnings);
  ASSERT_EQ(back.errors.size(), 1u);
  EXPECT_EQ(back.errors[0].message, r.errors[0].message);
}

}  // namespace
}  // namespace pfsbench
