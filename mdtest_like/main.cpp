#include "mdtest_tool.hpp"

int main(int argc, char** argv) {
  pfsbench::mdtest_like::MdtestTool tool;
  return pfsbench::tool_main(tool, argc, argv);
}
