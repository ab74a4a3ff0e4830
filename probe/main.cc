// nvprobe: see probe/README.md and `nvprobe --help`.
#include <cstdlib>
#include <iostream>

#include "probe/cli.h"
#include "probe/linux_system.h"

int main(int argc, char** argv) {
  nvprobe::probe::CliEnvironment env;
  if (const char* v = std::getenv("NVPROBE_DRIVER_VERSION")) env.driver_version = v;
  if (const char* p = std::getenv("PATH")) env.path = p;
  std::vector<std::string> args(argv + 1, argv + argc);
  nvprobe::probe::LinuxSystem sys;
  return nvprobe::probe::RunCli(sys, args, env, std::cout, std::cerr);
}
