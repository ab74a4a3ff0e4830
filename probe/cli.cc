#include "probe/cli.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "probe/output.h"
#include "probe/probe.h"

namespace nvprobe::probe {
namespace {

constexpr long kMinSmiTimeoutMs = 1;
constexpr long kMaxSmiTimeoutMs = 600000;
constexpr char kSourceList[] = "env, ioctl, ioctl-full, files, nvidia-smi";

// The options that take a value, as they must be written; nullptr for others.
const char* ValueForm(const std::string& a) {
  if (a == "--source") return "--source=LIST";
  if (a == "--smi-timeout") return "--smi-timeout=MS";
  if (a == "--query-gpu") return "--query-gpu=FIELDS";
  if (a == "--format") return "--format=csv[,noheader][,nounits]";
  return nullptr;
}

// "a,,b" -> {"a", "", "b"}; "" -> {""}.
std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// `status`, or kExitError with a message when `out` could not be written (a full
// disk, /dev/full, a closed stdout): output that did not arrive is a failure.
int Written(std::ostream& out, std::ostream& err, int status) {
  out.flush();
  if (out) return status;
  const int e = errno;
  err << "nvprobe: cannot write the output" << (e != 0 ? std::string(": ") + std::strerror(e) : "")
      << "\n";
  return kExitError;
}

}  // namespace

std::string HelpText() {
  return R"(nvprobe: the NVIDIA driver version, CUDA level and every GPU, from the kernel driver.

Usage: nvprobe [--json] [--details] [--full] [--source=LIST] [--smi-timeout=MS]
       nvprobe --query-gpu=FIELDS --format=csv[,noheader][,nounits]

Output (default: a human-readable table):
  --json                 one JSON document, schema nvprobe/1 (probe/nvprobe-1.schema.json)
  --query-gpu=FIELDS     nvidia-smi-style CSV, one line per GPU; FIELDS from
                         driver_version, name, pci.bus_id, uuid, compute_cap, memory.total
                         (name and uuid turn on --details, memory.total turns on --full)
  --format=csv[,noheader][,nounits]   as nvidia-smi (required with --query-gpu)

Probing (default: the fast path. Where the kernel driver answers, it reports the
driver version and each GPU's PCI IDs, minor, architecture and compute capability,
in a time that does not grow with the number of GPUs; name, UUID, PCI subsystem and
revision, and memory are null unless asked for):
  --details              also read each GPU's /proc/driver/nvidia/gpus/*/information and
                         /sys/bus/pci/devices/* files: name, UUID, PCI subsystem and
                         revision, without opening /dev/nvidiaN (a few reads per GPU)
  --full                 the kernel driver's full path for every GPU (opens /dev/nvidiaN,
                         which initializes the GPU: can take seconds without persistence
                         mode). Without it the full path runs only for GPUs whose PCI
                         device ID the built-in table does not know.
  --source=LIST          run only these sources, in the fixed order env, ioctl,
                         ioctl-full, files, nvidia-smi (comma-separated). nvidia-smi
                         runs by default only when no earlier source found the driver.
  --smi-timeout=MS       kill nvidia-smi (and what it started) after MS milliseconds,
                         1 to 600000 (default 5000)
  -h, --help             this text

Environment:
  NVPROBE_DRIVER_VERSION   report this driver version (source "env") instead of the
                           detected one; GPUs are still probed. Useful to force a CUDA
                           level when building images without a GPU.

Exit status:
  0  an NVIDIA driver was found (its version, or GPUs)
  1  error: a driver is present but could not be read (e.g. permission denied on
     /dev/nvidiactl and no readable files), or the sources contradicted each other
  2  usage error
  3  no NVIDIA driver on this machine: treat as "CPU only"
)";
}

int RunCli(System& sys, const std::vector<std::string>& args, const CliEnvironment& env,
           std::ostream& out, std::ostream& err) {
  ProbeOptions opt;
  opt.env_driver_version = env.driver_version;
  opt.path_env = env.path;
  bool json = false;
  std::optional<std::string> query, format;
  for (const std::string& a : args) {
    auto value = [&](const char* flag) -> std::optional<std::string> {
      std::string p = std::string(flag) + "=";
      if (a.rfind(p, 0) == 0) return a.substr(p.size());
      return std::nullopt;
    };
    if (a == "-h" || a == "--help") {
      errno = 0;
      out << HelpText();
      return Written(out, err, kExitFound);
    } else if (a == "--json") {
      json = true;
    } else if (a == "--full") {
      opt.full = true;
    } else if (a == "--details") {
      opt.details = true;
    } else if (auto v = value("--source")) {
      // Every item is a source name: "--source=" or "--source=ioctl,,files" is a
      // mistake, not "all sources".
      std::vector<std::string> items = SplitList(*v);
      for (const std::string& s : items) {
        if (s.empty()) {
          err << "nvprobe: --source=" << EscapeControl(*v) << ": empty source name; LIST is "
              << kSourceList << ", comma-separated\n";
          return kExitUsage;
        }
        if (s != kSourceEnv && s != kSourceIoctl && s != kSourceIoctlFull && s != kSourceFiles &&
            s != kSourceSmi) {
          err << "nvprobe: unknown source \"" << EscapeControl(s) << "\" (sources: " << kSourceList
              << ")\n";
          return kExitUsage;
        }
        opt.sources.insert(s);
      }
    } else if (auto v = value("--smi-timeout")) {
      char* end = nullptr;
      errno = 0;
      long ms = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || errno == ERANGE || ms < kMinSmiTimeoutMs ||
          ms > kMaxSmiTimeoutMs) {
        err << "nvprobe: bad --smi-timeout \"" << EscapeControl(*v)
            << "\": MS must be a whole number of milliseconds from " << kMinSmiTimeoutMs
            << " to " << kMaxSmiTimeoutMs << "\n";
        return kExitUsage;
      }
      opt.smi_timeout = std::chrono::milliseconds(ms);
    } else if (auto v = value("--query-gpu")) {
      query = *v;
    } else if (auto v = value("--format")) {
      format = *v;
    } else if (const char* form = ValueForm(a)) {
      // "--smi-timeout 100": the value goes after '='.
      err << "nvprobe: " << a << " needs its value after '=': " << form << "\n";
      return kExitUsage;
    } else {
      err << "nvprobe: unknown argument \"" << EscapeControl(a) << "\" (see --help)\n";
      return kExitUsage;
    }
  }
  CsvFormat csv;
  std::vector<std::string> fields;
  if (query || format) {
    if (!query || !format || json) {
      err << "nvprobe: --query-gpu and --format=csv go together, without --json\n";
      return kExitUsage;
    }
    std::vector<std::string> f = SplitComma(*format);
    if (f.empty() || f[0] != "csv") {
      err << "nvprobe: --format must start with csv\n";
      return kExitUsage;
    }
    for (size_t i = 1; i < f.size(); ++i) {
      if (f[i] == "noheader") {
        csv.header = false;
      } else if (f[i] == "nounits") {
        csv.units = false;
      } else {
        err << "nvprobe: unknown --format option \"" << f[i] << "\"\n";
        return kExitUsage;
      }
    }
    fields = SplitComma(*query);
    StatusOr<std::string> check = ToCsv(ProbeResult{}, fields, csv);
    if (!check.ok() || fields.empty()) {
      err << "nvprobe: " << (fields.empty() ? "empty --query-gpu" : check.status().message()) << "\n";
      return kExitUsage;
    }
    for (const std::string& f : fields) {
      if (CsvFieldNeedsDetails(f)) opt.details = true;
      if (CsvFieldNeedsFull(f)) opt.full = true;
    }
  }

  ProbeResult result = RunProbe(sys, opt);
  int status = ExitStatusOf(result);
  errno = 0;
  if (json) {
    out << ToJson(result);
  } else if (query) {
    out << *ToCsv(result, fields, csv);
    for (const std::string& w : result.warnings)
      err << "nvprobe: warning: " << EscapeControl(w) << "\n";
    if (status != kExitFound) {
      err << "nvprobe: " << (status == kExitNoDriver ? "no NVIDIA driver found" : "error")
          << "; sources tried:\n";
      for (const SourceReport& s : result.sources_tried)
        err << "  " << s.source << ": " << EscapeControl(s.error.empty() ? s.found : s.error)
            << "\n";
    }
  } else {
    out << ToHuman(result);
    if (status == kExitNoDriver) out << "\nNo NVIDIA driver found on this machine.\n";
  }
  return Written(out, err, status);
}

}  // namespace nvprobe::probe
