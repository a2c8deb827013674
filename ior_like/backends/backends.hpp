#pragma once
// Factories of the built-in backends; the list itself is in registry.cpp.
#include <memory>

#include "backend.hpp"

namespace pfsbench::ior_like {
std::unique_ptr<IoBackend> make_posix_backend();
std::unique_ptr<IoBackend> make_null_backend();
}  // namespace pfsbench::ior_like
