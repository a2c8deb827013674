#include "find_like_tool.hpp"

int main(int argc, char** argv) {
  pfsbench::find_like::FindLikeTool tool;
  return pfsbench::tool_main(tool, argc, argv);
}
