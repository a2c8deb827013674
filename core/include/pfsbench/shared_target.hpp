#pragma once
// The target must be one filesystem that every node sees (DESIGN: Many
// nodes). A node-local directory of the same name on each node (a local
// /tmp, a mount missing on some nodes) would make every figure meaningless
// and -C's reads fail or read stale data; so before any I/O, every node
// looks for one token file created under the target for the check.

#include <string>

#include "pfsbench/tool.hpp"

namespace pfsbench {

/// The directory the check uses for `target_path`: the path itself when it
/// is a directory, else its nearest existing parent directory. Local.
std::string shared_check_dir(const std::string& target_path);

/// COLLECTIVE. On more than one node: rank 0 creates a token file (named
/// after the run id, content the run id) in shared_check_dir(target_path),
/// one rank per node reads it back, rank 0 removes it. When a node does not
/// see it, every rank throws CollectiveError(kUsage) whose message names the
/// nodes that do not see it and the directory. When rank 0 cannot create
/// the token (a read-only target), it only warns. No-op on one node.
void check_shared_target(RunContext& ctx, const std::string& target_path);

}  // namespace pfsbench
