// The files and device nodes nvprobe reads on a machine: device nodes, version
// files, procfs GPU information, sysfs PCI IDs, with the description's file faults.
#include <cstdio>

#include "fake_driver/model/machine_files.h"

namespace nvprobe::fakedrv::model {
namespace {

void AddNode(Trace& t, std::string path, NodeType type, uint32_t minor = 0, uint32_t mode = 0,
             int open_errno = 0, uint32_t major = 195);

// Not text: nvprobe must notice rather than parse it.
const std::string kGarbled = std::string("\x01\x7f", 2) + "garbled\n";  // JSON needs UTF-8

void AddFile(Trace& t, std::string path, std::string content, const MachineFaults* faults = nullptr) {
  if (faults != nullptr) {
    switch (faults->StateOf(path)) {
      case MachineFaults::FileState::kMissing: return AddNode(t, std::move(path), NodeType::kAbsent);
      case MachineFaults::FileState::kGarbled: content = kGarbled; break;
      case MachineFaults::FileState::kOk: break;
    }
  }
  FileNode f;
  f.path = std::move(path);
  f.type = NodeType::kFile;
  f.content = std::move(content);
  t.files.push_back(std::move(f));
}

void AddNode(Trace& t, std::string path, NodeType type, uint32_t minor, uint32_t mode,
             int open_errno, uint32_t major) {
  FileNode f;
  f.path = std::move(path);
  f.type = type;
  if (type == NodeType::kCharDev) {
    f.major = major;
    f.minor = minor;
    f.mode = mode;
    f.open_errno = open_errno;
  }
  t.files.push_back(std::move(f));
}

std::string Hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void AddDriverFiles(const Machine& m, const std::string& driver, Trace& t) {
  const MachineFaults& f = m.faults;
  // /dev listed everywhere: its listing (how nvprobe tells WSL2 by /dev/dxg) is the
  // machine's, not the host's, even on a WSL2 host (supervisor/fake_machine.cc).
  AddNode(t, "/dev", NodeType::kDir);
  if (m.platform == "wsl2") {
    // WSL2: /dev holds dxg (the Windows driver's paravirtual GPU), no nvidia nodes;
    // GPUs are seen only through nvidia-smi from /usr/lib/wsl/lib (absent here).
    AddNode(t, "/dev/dxg", NodeType::kCharDev, 63, 0666, 0, 10);
  } else if (m.platform == "no-driver") {
    AddNode(t, "/dev/nvidiactl", NodeType::kAbsent);
    AddNode(t, "/dev/dxg", NodeType::kAbsent);
  } else {
    AddNode(t, "/dev/nvidiactl", NodeType::kCharDev, 255, 0666, f.ctl_open_errno);
  }
  for (const MachineGpu& g : m.HasKernelDriver() ? m.gpus : std::vector<MachineGpu>{}) {
    auto it = f.gpu_open_errno.find(g.minor);
    AddNode(t, "/dev/nvidia" + std::to_string(g.minor), NodeType::kCharDev, g.minor, 0666,
            it == f.gpu_open_errno.end() ? 0 : it->second);
  }
  // nvidia-smi's fallback location on WSL2: never the host's.
  AddNode(t, "/usr/lib/wsl", NodeType::kAbsent);
  const std::string files_version = f.files_version.value_or(driver);
  if (f.no_driver_files) {
    AddNode(t, "/proc/driver/nvidia", NodeType::kAbsent);
    AddNode(t, "/sys/module/nvidia", NodeType::kAbsent);
  } else {
    if (f.garbled_proc_version) {
      AddFile(t, "/proc/driver/nvidia/version", std::string("NVRM \x01\x7f\xfe", 7) + "garbled\n");
    } else {
      // kernel-open/nvidia/nv-procfs.c: the open module's banner (double spaces).
      AddFile(t, "/proc/driver/nvidia/version",
              "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  " + files_version +
                  "  Release Build  (fakedrv@synth)  Thu Jan  1 00:00:00 UTC 1970\n"
                  "GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n",
              &f);
    }
    AddFile(t, "/sys/module/nvidia/version", files_version + "\n", &f);
    AddNode(t, "/proc/driver/nvidia/gpus", NodeType::kDir);
    for (const MachineGpu& g : m.gpus) {
      const std::string dir = "/proc/driver/nvidia/gpus/" + g.BusId();
      // The GPU's directory exists even when its information file does not.
      if (f.StateOf(dir + "/information") == MachineFaults::FileState::kMissing)
        AddNode(t, dir, NodeType::kDir);
      // nv-procfs.c:nv_procfs_read_gpu_info(), the lines nvprobe and people read.
      AddFile(t, dir + "/information",
              "Model: \t\t " + g.name + "\nGPU UUID: \t " + g.uuid +
                  "\nBus Type: \t PCIe\nBus Location: \t " + g.BusId() +
                  "\nDevice Minor: \t " + std::to_string(g.minor) + "\nGPU Excluded:\t No\n",
              &f);
    }
  }
  // sysfs PCI devices: present in containers too (sysfs is the host's), and for a
  // GPU whose driver is not loaded.
  AddNode(t, "/sys/bus/pci/devices", NodeType::kDir);
  for (const MachineGpu& g : m.GpusOnPci() ? m.gpus : std::vector<MachineGpu>{}) {
    std::string base = "/sys/bus/pci/devices/" + g.BusId() + "/";
    AddFile(t, base + "vendor", "0x10de\n");
    AddFile(t, base + "device", Hex(g.device_id, 4) + "\n");
    AddFile(t, base + "subsystem_vendor", Hex(g.subsystem_id & 0xffff, 4) + "\n", &f);
    AddFile(t, base + "subsystem_device", Hex(g.subsystem_id >> 16, 4) + "\n", &f);
    AddFile(t, base + "revision", Hex(g.revision_id, 2) + "\n", &f);
    AddFile(t, base + "class", Hex(g.pci_class, 6) + "\n");
  }
}

}  // namespace nvprobe::fakedrv::model
