// The trace half of `fakedrv synth`: commands run on the machine model, and what
// the model served recorded as the trace (RecordingResponder). Nothing here knows
// which requests a client makes.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

#include "fake_driver/model/machine_check.h"
#include "fake_driver/model/machine_files.h"
#include "fake_driver/model/machine_model.h"
#include "fake_driver/responder/recording_responder.h"
#include "fake_driver/supervisor/supervisor.h"
#include "fake_driver/synth/synth.h"

namespace nvprobe::fakedrv {
namespace {

// Sets environment variables for one command and puts the old values back.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) setenv(it->first.c_str(), it->second->c_str(), 1);
      else unsetenv(it->first.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Points stdout and stderr at /dev/null while a command runs (it inherits them):
// synth's own output is the trace, not the command's.
class ScopedQuiet {
 public:
  ScopedQuiet() {
    std::fflush(stdout);
    std::fflush(stderr);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (int fd : {1, 2}) {
      saved_[fd - 1] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (null >= 0) dup2(null, fd);
    }
    if (null >= 0) close(null);
  }
  ~ScopedQuiet() {
    for (int fd : {1, 2}) {
      if (saved_[fd - 1] < 0) continue;
      dup2(saved_[fd - 1], fd);
      close(saved_[fd - 1]);
    }
  }
  ScopedQuiet(const ScopedQuiet&) = delete;
  ScopedQuiet& operator=(const ScopedQuiet&) = delete;

 private:
  int saved_[2] = {-1, -1};
};

// An empty directory for PATH, so no host nvidia-smi is ever found and run.
class EmptyDir {
 public:
  explicit EmptyDir(const std::string& parent) {
    std::string tmpl = parent + "/fakedrv-synth-path-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~EmptyDir() {
    if (!path_.empty()) rmdir(path_.c_str());
  }
  EmptyDir(const EmptyDir&) = delete;
  EmptyDir& operator=(const EmptyDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

std::vector<SynthRun> NvprobeRuns(const std::string& nvprobe, const std::string& driver) {
  return {
      {{nvprobe, "--json"}, {}},
      {{nvprobe, "--details", "--json"}, {}},
      {{nvprobe, "--full", "--json"}, {}},
      {{nvprobe,
        "--query-gpu=driver_version,name,pci.bus_id,uuid,compute_cap,memory.total",
        "--format=csv,noheader,nounits"},
       {}},
      {{nvprobe, "--json"}, {{"NVPROBE_DRIVER_VERSION", driver}}},
  };
}

// _IOC_SIZE has 14 bits, and kernel-open/nvidia/nv.c:nvidia_ioctl() caps any
// argument at NV_ABSOLUTE_MAX_IOCTL_SIZE.
uint64_t MostCardInfoEntries(const abi::Abi& abi) {
  const abi::StructLayout* entry = abi.FindStruct("nv_ioctl_card_info_t");
  std::optional<uint64_t> max = abi.FindConstant("NV_ABSOLUTE_MAX_IOCTL_SIZE");
  if (entry == nullptr || entry->size == 0 || !max) return 0;  // every release has both
  return std::min<uint64_t>(*max, (1u << 14) - 1) / entry->size;
}

Status CheckFaultStatuses(const Machine& m, const abi::Abi& abi) {
  const std::string release = abi.release().ToString();
  for (const auto* statuses : {&m.faults.alloc_status, &m.faults.control_status}) {
    const std::string key = statuses == &m.faults.alloc_status ? "alloc_status" : "control_status";
    for (const auto& [name, status] : *statuses) {
      if (!abi.FindConstant(status))
        return InvalidArgumentError("faults." + key + "." + name + ": " + status + " is not a status of release " +
                                    release + " (fakedrv abi dump --driver " + release + " lists them)");
    }
  }
  return OkStatus();
}

StatusOr<std::shared_ptr<const abi::Abi>> SynthRelease(const abi::Registry& registry,
                                                        const std::string& driver) {
  StatusOr<abi::Resolution> res = registry.Resolve(driver);
  if (!res.ok()) return res.status();
  // A trace is of one release, named as NVIDIA names it; no stand-in is used.
  if (res->written_differently)
    return InvalidArgumentError("--driver " + driver + " is not a known release as written; NVIDIA writes it " +
                                res->release.ToString());
  if (!res->exact())
    return InvalidArgumentError("--driver " + driver +
                                " is not a known release (fakedrv abi versions lists the known ones)");
  return registry.AbiOf(res->release);
}

StatusOr<Trace> SynthesizeTrace(const abi::Registry& registry, const Machine& machine,
                                const std::string& driver, const std::vector<SynthRun>& runs,
                                bool all_files) {
  StatusOr<std::shared_ptr<const abi::Abi>> abi = SynthRelease(registry, driver);
  if (!abi.ok()) return abi.status();
  NVPROBE_RETURN_IF_ERROR(CheckFaultStatuses(machine, **abi));
  NVPROBE_RETURN_IF_ERROR(model::CheckMachineForModel(machine, **abi));
  const Trace presented = model::MachineFilesOf(machine, *abi, driver);

  Trace t;
  t.driver = driver;
  t.origin = "synthesized";
  t.machine = machine.json;
  t.abi = *abi;
  std::string commands;
  for (const SynthRun& run : runs) {
    std::string line;
    for (const auto& [name, value] : run.env) line += name + "=" + value + " ";
    line += std::filesystem::path(run.argv[0]).filename().string();
    for (size_t i = 1; i < run.argv.size(); ++i) line += " " + run.argv[i];
    commands += (commands.empty() ? "" : "; ") + line;
  }
  t.provenance = "fakedrv synth: the machine model of \"" + machine.name + "\" recorded serving: " + commands;
  if (all_files) {
    t.files = presented.files;
  } else {
    model::AddDriverFiles(machine, driver, t);
  }

  const std::string root = DefaultWorkDir();
  EmptyDir no_tools(root);
  if (no_tools.path().empty())
    return InternalError("synth: cannot make a directory in " + root + ": " + std::strerror(errno));
  for (const SynthRun& run : runs) {
    std::ostringstream diag;
    model::MachineModel model(machine, *abi, driver, diag);
    model.set_fixed_clock(true);
    RecordingResponder recorder(model, *abi);
    RunOptions options;
    options.work_dir = root;
    std::vector<std::pair<std::string, std::string>> env = {{"PATH", no_tools.path()}};
    env.insert(env.end(), run.env.begin(), run.env.end());
    StatusOr<RunOutcome> outcome = [&] {
      ScopedEnv scoped(env);
      ScopedQuiet quiet;
      Supervisor supervisor(presented, recorder, options, diag);
      return supervisor.Run(run.argv);
    }();
    if (!outcome.ok()) return InternalError("synth: " + Joined(run.argv) + ": " + outcome.status().message());
    // 127: the command could not be executed, so nothing was recorded of it.
    if (outcome->exit_status == 127)
      return InvalidArgumentError("synth: " + run.argv[0] + ": cannot be run (exit status 127)");
    if (recorder.unreadable() > 0)
      return InternalError("synth: " + Joined(run.argv) + ": " + std::to_string(recorder.unreadable()) +
                           " request(s) had arguments that could not be read back");
    // A request a run repeats stays: replay prefers the next recorded event, and a
    // driver's answer to the same request can change in between (attached GPUs).
    // One an earlier run made with the same answer is already there.
    const size_t earlier_runs = t.events.size();
    for (const IoctlEvent& ev : recorder.events()) {
      bool seen = std::any_of(t.events.begin(), t.events.begin() + earlier_runs,
                              [&](const IoctlEvent& e) { return SameEvent(e, ev); });
      if (!seen) t.events.push_back(ev);
    }
  }
  return t;
}

}  // namespace nvprobe::fakedrv
