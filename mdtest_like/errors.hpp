#pragma once
// The "what to do" part of mdtest_like's I/O error messages.

#include <string>

#include "layout.hpp"

namespace pfsbench::mdtest_like {

enum class Op;

/// A hint for errno `err` met by operation `op` on an item of `kind`.
std::string hint_for(int err, Op op, ItemKind kind);

}  // namespace pfsbench::mdtest_like
