#include "ior_tool.hpp"

int main(int argc, char** argv) {
  pfsbench::ior_like::IorTool tool;
  return pfsbench::tool_main(tool, argc, argv);
}
