#pragma once
// ior_like as a library: the run, callable in-process from tests.

#include <ostream>

#include "backend.hpp"
#include "config.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench::ior_like {

/// COLLECTIVE. The whole run: for every iteration the write phase (then its
/// -W check), the read phase (then its -R check), then removal of the files
/// this run created (unless -k). Each finished phase is appended to
/// ctx.result on rank 0 as soon as it is reduced. Failures are agreed
/// collectively and surface as CollectiveError on every rank; the files this
/// run created are removed first (unless -k).
void run(const Config& cfg, RunContext& ctx, IoBackend& backend);

}  // namespace pfsbench::ior_like
