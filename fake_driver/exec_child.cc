#include "fake_driver/exec_child.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace nvprobe::fakedrv {

void ExecOrExit127(char* const argv[]) {
  execvp(argv[0], argv);
  const char* why = strerror(errno);
  for (const char* part : {"fakedrv: cannot run ", static_cast<const char*>(argv[0]), ": ", why,
                           "\n"}) {
    (void)!write(2, part, strlen(part));
  }
  _exit(127);
}

}  // namespace nvprobe::fakedrv
