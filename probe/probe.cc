#include "probe/probe.h"

#include <fcntl.h>

#include <algorithm>
#include <memory>

#include "abi/driver_version.h"
#include "abi/registry.h"
#include "probe/card_info.h"
#include "probe/files_source.h"
#include "probe/full_path.h"
#include "probe/rm_client.h"
#include "probe/smi_source.h"
#include "probe/tables.h"
#include "probe/version_query.h"

namespace nvprobe::probe {
namespace {

class Timer {
 public:
  int64_t ElapsedUs() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct Context {
  System& sys;
  const ProbeOptions& opt;
  ProbeResult& result;
  std::optional<std::string> ioctl_version;
  std::vector<GpuInfo> ioctl_gpus;
  std::optional<FilesFindings> files;
  std::optional<SmiFindings> smi;

  bool Enabled(const char* source) const {
    return opt.sources.empty() || opt.sources.count(source) > 0;
  }
  SourceReport& Report(const char* source) {
    SourceReport r;
    r.source = source;
    result.sources_tried.push_back(std::move(r));
    return result.sources_tried.back();
  }
};

void FillFromPciTable(GpuInfo& g) {
  if (!g.pci_device_id) return;
  const PciDevice* d = FindPciDevice(*g.pci_device_id);
  if (d == nullptr) return;
  if (!g.chip) g.chip = d->chip;
  if (!g.architecture) g.architecture = ArchitectureOfChip(d->chip);
  if (!g.compute_capability) {
    if (const ChipInfo* c = FindChip(d->chip)) {
      g.compute_capability = c->compute_capability;
      g.compute_capability_source = "pci_table";
    }
  }
}

void RunEnv(Context& c) {
  if (!c.opt.env_driver_version || !c.Enabled(kSourceEnv)) return;
  Timer t;
  SourceReport& r = c.Report(kSourceEnv);
  const std::string& v = *c.opt.env_driver_version;
  if (abi::DriverVersion::Parse(v).ok()) {
    r.ok = true;
    r.found = "NVPROBE_DRIVER_VERSION=" + v;
    c.result.driver.version = v;
    c.result.driver.source = kSourceEnv;
  } else {
    r.error = "NVPROBE_DRIVER_VERSION=\"" + v.substr(0, 40) + "\" is not a driver version; ignored";
    c.result.warnings.push_back("env: " + r.error);
  }
  r.elapsed_us = t.ElapsedUs();
}

bool HasDxg(System& sys) {
  StatusOr<std::vector<std::string>> dev = sys.ListDir("/dev");
  return dev.ok() && std::find(dev->begin(), dev->end(), "dxg") != dev->end();
}

// The full path for the GPUs that need it; reports as its own source.
void RunFull(Context& c, int ctl_fd, std::shared_ptr<const abi::Abi> abi,
             const std::vector<CardInfo>& cards) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < cards.size(); ++i)
    if (c.opt.full || !c.ioctl_gpus[i].compute_capability) todo.push_back(i);
  if (todo.empty() || !c.Enabled(kSourceIoctlFull)) return;
  Timer t;
  SourceReport& r = c.Report(kSourceIoctlFull);
  StatusOr<std::unique_ptr<RmClient>> client = RmClient::Create(c.sys, ctl_fd, abi);
  if (!client.ok()) {
    r.error = client.status().message();
    r.elapsed_us = t.ElapsedUs();
    return;
  }
  std::vector<std::string> failures;
  size_t done = 0;
  for (size_t i : todo) {
    GpuInfo& g = c.ioctl_gpus[i];
    Status s = ProbeGpuFull(c.sys, **client, cards[i], static_cast<uint32_t>(i), g,
                            c.result.warnings);
    if (s.ok()) {
      ++done;
      g.source = kSourceIoctlFull;
    } else {
      failures.push_back(cards[i].BusId() + ": " + s.message());
    }
  }
  client->reset();  // frees the root client before the report is timed
  r.ok = done > 0;
  r.found = std::to_string(done) + " of " + std::to_string(todo.size()) + " GPU(s) queried";
  for (const std::string& f : failures) r.error += (r.error.empty() ? "" : "; ") + f;
  r.elapsed_us = t.ElapsedUs();
}

void RunIoctl(Context& c) {
  if (!c.Enabled(kSourceIoctl) && !c.Enabled(kSourceIoctlFull)) return;
  Timer t;
  SourceReport& r = c.Report(kSourceIoctl);
  auto finish = [&](SourceReport& rep) { rep.elapsed_us = t.ElapsedUs(); };
  StatusOr<int> fd = c.sys.Open("/dev/nvidiactl", O_RDWR);
  if (!fd.ok()) {
    if (fd.status().code() == StatusCode::kPermissionDenied) {
      c.result.driver_present_but_unreadable = true;
      r.error = fd.status().message() +
                " (add the user to the group owning /dev/nvidiactl, usually \"video\", "
                "or run as root; falling back to the files)";
    } else if (fd.status().code() == StatusCode::kNotFound && HasDxg(c.sys)) {
      c.result.platform = "wsl2";
      r.error = "no /dev/nvidiactl: this is WSL2 (/dev/dxg), whose GPUs belong to the "
                "Windows driver; trying nvidia-smi from /usr/lib/wsl/lib";
    } else {
      r.error = fd.status().message();
    }
    return finish(r);
  }
  c.result.driver_present_but_unreadable = true;  // until the driver has answered
  struct CloseFd {
    System& sys;
    int fd;
    ~CloseFd() { sys.Close(fd); }
  } close_ctl{c.sys, *fd};

  StatusOr<VersionQueryOutcome> v = QueryDriverVersion(c.sys, *fd, c.result.warnings);
  if (!v.ok()) {
    r.error = v.status().message();
    return finish(r);
  }
  c.ioctl_version = v->version;
  StatusOr<abi::Resolution> res = abi::Registry::Default().Resolve(v->version);
  if (!res.ok()) {
    r.error = res.status().message();
    return finish(r);
  }
  if (!res->exact()) c.result.warnings.push_back("ioctl: " + res->notice);
  c.result.driver.abi_release = res->release.ToString();
  StatusOr<std::shared_ptr<const abi::Abi>> abi = abi::Registry::Default().AbiOf(res->release);
  if (!abi.ok()) {
    r.error = abi.status().message();
    return finish(r);
  }
  StatusOr<std::vector<CardInfo>> cards = ReadCardInfo(c.sys, *fd, **abi, c.result.warnings);
  c.result.driver_present_but_unreadable = false;
  r.ok = true;
  r.found = "driver " + v->version + (v->strict_fallback ? " (pre-530 STRICT query)" : "");
  if (!cards.ok()) {
    r.error = "card info: " + cards.status().message();
    finish(r);
    // More GPUs than one card-info call carries: no card-info call can succeed, so
    // say so (the GPUs then come from the driver's files, which hold no memory
    // size), and why the full path, asked for, does not run: it opens each GPU by
    // the minor and asks the RM by the GPU ID that card info gives.
    if (cards.status().code() == StatusCode::kOutOfRange) {
      c.result.warnings.push_back(
          "ioctl: " + cards.status().message() +
          ": the GPUs come from the driver's files only, and the full path (memory) cannot run");
      if (c.opt.full && c.Enabled(kSourceIoctlFull)) {
        SourceReport& full = c.Report(kSourceIoctlFull);
        full.error = "not run: the kernel driver listed no GPU to open (it has more GPUs than "
                     "one NV_ESC_CARD_INFO call carries); memory is unknown";
      }
    }
    return;
  }
  for (size_t i = 0; i < cards->size(); ++i) {
    const CardInfo& card = (*cards)[i];
    GpuInfo g;
    g.index = static_cast<uint32_t>(i);
    g.pci_bus_id = card.BusId();
    g.pci_vendor_id = card.vendor_id;
    g.pci_device_id = card.device_id;
    g.minor = card.minor;
    g.source = kSourceIoctl;
    FillFromPciTable(g);
    c.ioctl_gpus.push_back(std::move(g));
  }
  r.found += ", " + std::to_string(cards->size()) + " GPU(s)";
  finish(r);
  RunFull(c, *fd, *abi, *cards);
}

void RunFiles(Context& c) {
  if (!c.Enabled(kSourceFiles)) return;
  Timer t;
  SourceReport& r = c.Report(kSourceFiles);
  const bool per_gpu = c.opt.details || c.opt.full || c.ioctl_gpus.empty();
  FilesFindings f = ReadDriverFiles(c.sys, c.result.warnings, per_gpu);
  std::optional<std::string> v = f.sys_module_version ? f.sys_module_version : f.proc_version;
  if (f.sys_module_version && f.proc_version && *f.sys_module_version != *f.proc_version)
    c.result.warnings.push_back("files: /sys/module/nvidia/version says " + *f.sys_module_version +
                                " but /proc/driver/nvidia/version says " + *f.proc_version);
  for (GpuInfo& g : f.gpus) FillFromPciTable(g);
  r.ok = v.has_value() || !f.gpus.empty();
  if (v) r.found = "driver " + *v;
  if (!f.gpus.empty())
    r.found += (r.found.empty() ? "" : ", ") + std::to_string(f.gpus.size()) + " GPU(s)";
  if (!r.ok) {
    for (const std::string& n : f.notes) r.error += (r.error.empty() ? "" : "; ") + n;
    if (r.error.empty()) r.error = "no NVIDIA driver files";
  }
  r.elapsed_us = t.ElapsedUs();
  c.files = std::move(f);
}

void RunSmi(Context& c) {
  bool explicit_request = !c.opt.sources.empty() && c.opt.sources.count(kSourceSmi) > 0;
  if (!c.Enabled(kSourceSmi)) return;
  bool have_driver = c.ioctl_version.has_value() ||
                     (c.files && (c.files->sys_module_version || c.files->proc_version));
  if (have_driver && !explicit_request) {
    SourceReport& r = c.Report(kSourceSmi);
    r.skipped = true;
    r.error = "skipped: the driver already answered (select it with --source=nvidia-smi)";
    return;
  }
  Timer t;
  SourceReport& r = c.Report(kSourceSmi);
  StatusOr<SmiFindings> f = RunNvidiaSmi(c.sys, c.opt.path_env, c.opt.smi_timeout, c.result.warnings);
  if (f.ok()) {
    r.ok = true;
    r.found = f->binary + ": driver " + f->driver_version.value_or("?") + ", " +
              std::to_string(f->gpus.size()) + " GPU(s)";
    if (f->binary.rfind("/usr/lib/wsl/", 0) == 0) c.result.platform = "wsl2";
    for (GpuInfo& g : f->gpus) FillFromPciTable(g);
    c.smi = std::move(*f);
  } else {
    r.error = f.status().message();
    if (f.status().code() == StatusCode::kFailedPrecondition ||
        f.status().code() == StatusCode::kDeadlineExceeded)
      c.result.has_error = true;
  }
  r.elapsed_us = t.ElapsedUs();
}

// Fills the fields `to` lacks from `from` (the same GPU, per PCI bus ID).
void FillMissing(GpuInfo& to, const GpuInfo& from) {
  if (!to.pci_vendor_id) to.pci_vendor_id = from.pci_vendor_id;
  if (!to.pci_device_id) to.pci_device_id = from.pci_device_id;
  if (!to.pci_subsystem_id) to.pci_subsystem_id = from.pci_subsystem_id;
  if (!to.pci_revision_id) to.pci_revision_id = from.pci_revision_id;
  if (!to.name) to.name = from.name;
  if (!to.uuid) to.uuid = from.uuid;
  if (!to.architecture) to.architecture = from.architecture;
  if (!to.chip) to.chip = from.chip;
  if (!to.compute_capability) {
    to.compute_capability = from.compute_capability;
    to.compute_capability_source = from.compute_capability_source;
  }
  if (!to.memory_mib) to.memory_mib = from.memory_mib;
  if (!to.minor) to.minor = from.minor;
}

void Merge(Context& c) {
  ProbeResult& res = c.result;
  // Driver version: env > ioctl > files > nvidia-smi; every other answer is compared.
  std::vector<std::pair<std::string, std::string>> answers;  // source, version
  if (c.ioctl_version) answers.push_back({"the kernel driver (ioctl)", *c.ioctl_version});
  if (c.files && c.files->sys_module_version)
    answers.push_back({"/sys/module/nvidia/version", *c.files->sys_module_version});
  if (c.files && c.files->proc_version)
    answers.push_back({"/proc/driver/nvidia/version", *c.files->proc_version});
  if (c.smi && c.smi->driver_version) answers.push_back({"nvidia-smi", *c.smi->driver_version});
  if (!res.driver.version && !answers.empty()) {
    res.driver.version = answers.front().second;
    res.driver.source = c.ioctl_version                                  ? kSourceIoctl
                        : (c.files && (c.files->sys_module_version ||
                                       c.files->proc_version))           ? kSourceFiles
                                                                         : kSourceSmi;
  }
  std::string winner = res.driver.source == kSourceEnv ? "NVPROBE_DRIVER_VERSION" : answers.empty() ? "" : answers.front().first;
  for (const auto& [who, v] : answers) {
    if (res.driver.version && v != *res.driver.version)
      res.warnings.push_back(who + " says " + v + " but " + winner + " says " +
                             *res.driver.version + " (a driver upgraded without a reboot?); " +
                             "reporting " + *res.driver.version);
  }
  if (res.driver.version) {
    bool newer = false;
    res.driver.cuda = CudaLevel(*res.driver.version, &newer);
    if (newer)
      res.warnings.push_back("driver " + *res.driver.version +
                             " is newer than nvprobe's CUDA table; CUDA level " +
                             res.driver.cuda.value_or("?") + " is a lower bound");
  }

  // GPUs: the list of the first source that has one; the others fill its gaps.
  std::vector<const std::vector<GpuInfo>*> lists;
  if (!c.ioctl_gpus.empty()) lists.push_back(&c.ioctl_gpus);
  if (c.files && !c.files->gpus.empty()) lists.push_back(&c.files->gpus);
  if (c.smi && !c.smi->gpus.empty()) lists.push_back(&c.smi->gpus);
  if (lists.empty()) return;
  res.gpus = *lists.front();
  for (size_t l = 1; l < lists.size(); ++l) {
    for (GpuInfo& g : res.gpus) {
      for (const GpuInfo& other : *lists[l])
        if (g.pci_bus_id && other.pci_bus_id == g.pci_bus_id) FillMissing(g, other);
    }
    if (lists[l]->size() != res.gpus.size())
      res.warnings.push_back(lists[l]->front().source + " lists " +
                             std::to_string(lists[l]->size()) + " GPU(s) but " +
                             res.gpus.front().source + " lists " +
                             std::to_string(res.gpus.size()));
  }
}

}  // namespace

ProbeResult RunProbe(System& sys, const ProbeOptions& options) {
  ProbeResult result;
  Context c{sys, options, result, {}, {}, {}, {}};
  RunEnv(c);
  RunIoctl(c);
  RunFiles(c);
  RunSmi(c);
  Merge(c);
  return result;
}

ExitStatus ExitStatusOf(const ProbeResult& r) {
  if (r.driver.version || !r.gpus.empty()) return kExitFound;
  if (r.driver_present_but_unreadable || r.has_error) return kExitError;
  return kExitNoDriver;
}

}  // namespace nvprobe::probe
