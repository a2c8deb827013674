#include "mmap_read_tool.hpp"

int main(int argc, char** argv) {
  pfsbench::mmap_read::MmapReadTool tool;
  return pfsbench::tool_main(tool, argc, argv);
}
