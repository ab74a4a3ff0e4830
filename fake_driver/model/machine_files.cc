#include "fake_driver/model/machine_files.h"


namespace nvprobe::fakedrv::model {
namespace {

// The UVM module's character device major is dynamic; the model names one that
// no static assignment uses (Documentation/admin-guide/devices.txt: 234-254 are
// for dynamic assignment).
constexpr uint32_t kUvmMajor = 237;

void Add(Trace& t, std::string path, NodeType type, std::string content = "", uint32_t major = 0,
         uint32_t minor = 0, uint32_t mode = 0, int open_errno = 0) {
  FileNode f;
  f.path = std::move(path);
  f.type = type;
  f.content = std::move(content);
  f.major = major;
  f.minor = minor;
  f.mode = mode;
  f.open_errno = open_errno;
  t.files.push_back(std::move(f));
}

void Put16(std::string& s, size_t at, uint32_t v) {
  s[at] = static_cast<char>(v & 0xff);
  s[at + 1] = static_cast<char>((v >> 8) & 0xff);
}

// kernel-open/nvidia/nv-procfs.c:nv_procfs_read_params(): one "Name: value" line
// per module parameter. ModifyDeviceFiles 0 tells NVIDIA's userspace not to create
// or chmod device files (nvidia-modprobe-utils.c:init_device_file_parameters()).
constexpr char kParams[] =
    "ResmanDebugLevel: 4294967295\n"
    "RmLogonRC: 1\n"
    "ModifyDeviceFiles: 0\n"
    "DeviceFileUID: 0\n"
    "DeviceFileGID: 0\n"
    "DeviceFileMode: 438\n"
    "InitializeSystemMemoryAllocations: 1\n"
    "UsePageAttributeTable: 4294967295\n"
    "EnableMSI: 1\n"
    "EnablePCIeGen3: 0\n"
    "MemoryPoolSize: 0\n"
    "KMallocHeapMaxSize: 0\n"
    "VMallocHeapMaxSize: 0\n"
    "IgnoreMMIOCheck: 0\n"
    "TCEBypassMode: 0\n"
    "EnableStreamMemOPs: 0\n"
    "EnableUserNUMAManagement: 1\n"
    "NvLinkDisable: 0\n"
    "RmProfilingAdminOnly: 1\n"
    "PreserveVideoMemoryAllocations: 0\n"
    "EnableS0ixPowerManagement: 0\n"
    "S0ixPowerManagementVideoMemoryThreshold: 256\n"
    "DynamicPowerManagement: 3\n"
    "DynamicPowerManagementVideoMemoryThreshold: 200\n"
    "RegisterPCIDriver: 1\n"
    "EnablePCIERelaxedOrderingMode: 0\n"
    "EnableResizableBar: 0\n"
    "EnableGpuFirmware: 18\n"
    "EnableGpuFirmwareLogs: 2\n"
    "RmNvlinkBandwidthLinkCount: 0\n"
    "EnableDbgBreakpoint: 0\n"
    "OpenRmEnableUnsupportedGpus: 1\n"
    "DmaRemapPeerMmio: 1\n"
    "RegistryDwords: \"\"\n"
    "RegistryDwordsPerDevice: \"\"\n"
    "RmMsg: \"\"\n"
    "GpuBlacklist: \"\"\n"
    "TemporaryFilePath: \"\"\n"
    "ExcludedGpus: \"\"\n";

}  // namespace

std::string PciConfigSpace(const MachineGpu& g) {
  std::string c(256, '\0');
  Put16(c, 0x00, 0x10de);          // vendor
  Put16(c, 0x02, g.device_id);     // device
  Put16(c, 0x04, 0x0406);          // command: memory space, bus master, INTx off
  Put16(c, 0x06, 0x0010);          // status: capabilities list
  c[0x08] = static_cast<char>(g.revision_id);
  c[0x09] = static_cast<char>(g.pci_class & 0xff);          // programming interface
  c[0x0a] = static_cast<char>((g.pci_class >> 8) & 0xff);   // subclass
  c[0x0b] = static_cast<char>((g.pci_class >> 16) & 0xff);  // class
  c[0x0e] = 0;                                              // header type 0
  Put16(c, 0x2c, g.subsystem_id & 0xffff);  // subsystem vendor
  Put16(c, 0x2e, g.subsystem_id >> 16);     // subsystem device
  c[0x34] = 0;                              // no capability walked by the model
  return c;
}

Trace MachineFilesOf(const Machine& machine, std::shared_ptr<const abi::Abi> abi,
                     const std::string& driver) {
  Trace t;
  t.driver = driver;
  t.origin = "model";
  t.provenance = "fakedrv machine model of \"" + machine.name + "\"";
  // Not t.machine: the description's JSON is for a trace's header (synth writes
  // it), and copying its DOM cost a 64-GPU `fakedrv run --machine` 0.2 ms.
  t.abi = std::move(abi);
  t.source = "machine model of " + machine.name;
  AddDriverFiles(machine, driver, t);
  if (!machine.HasKernelDriver()) return t;
  Add(t, "/proc/driver/nvidia/params", NodeType::kFile, kParams);
  // kernel/module/procfs.c: "name size refcount deps state address".
  Add(t, "/proc/modules", NodeType::kFile,
      "nvidia_uvm 4956160 0 - Live 0x0000000000000000 (POE)\n"
      "nvidia 60653568 1 nvidia_uvm, Live 0x0000000000000000 (POE)\n");
  // nvidia-uvm: present wherever the kernel driver is (its own module).
  Add(t, "/dev/nvidia-uvm", NodeType::kCharDev, "", kUvmMajor, 0, 0666);
  Add(t, "/dev/nvidia-uvm-tools", NodeType::kCharDev, "", kUvmMajor, 1, 0666);
  for (const MachineGpu& g : machine.gpus) {
    // udev's /dev/char/MAJOR:MINOR names for the GPU nodes: the same devices.
    auto it = machine.faults.gpu_open_errno.find(g.minor);
    Add(t, "/dev/char/195:" + std::to_string(g.minor), NodeType::kCharDev, "", 195, g.minor, 0666,
        it == machine.faults.gpu_open_errno.end() ? 0 : it->second);
    Add(t, "/sys/bus/pci/devices/" + g.BusId() + "/config", NodeType::kFile, PciConfigSpace(g));
  }
  Add(t, "/dev/char/195:255", NodeType::kCharDev, "", 195, 255, 0666, machine.faults.ctl_open_errno);
  return t;
}

}  // namespace nvprobe::fakedrv::model
