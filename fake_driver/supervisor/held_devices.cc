#include "fake_driver/supervisor/held_devices.h"

#include <dirent.h>
#include <sys/stat.h>

#include <memory>

namespace nvprobe::fakedrv {

bool ProcessHoldsDevice(pid_t pid, const FakeMachine& machine, const std::string& device_path) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return false;
  while (const dirent* e = readdir(d.get())) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (stat((dir + "/" + e->d_name).c_str(), &st) != 0) continue;
    const FileNode* node = machine.DeviceByIdentity(st.st_dev, st.st_ino);
    if (node != nullptr && node->path == device_path) return true;
  }
  return false;
}

}  // namespace nvprobe::fakedrv
