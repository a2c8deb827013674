#include "dio_batch_tool.hpp"

int main(int argc, char** argv) {
  pfsbench::dio_batch::DioBatchTool tool;
  return pfsbench::tool_main(tool, argc, argv);
}
