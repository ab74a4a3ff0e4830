#include "fake_driver/trace_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <utility>

#include "fake_driver/abi_commands.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/replay/deferred_replayer.h"
#include "fake_driver/model/machine_check.h"
#include "fake_driver/model/machine_files.h"
#include "fake_driver/model/machine_model.h"
#include "fake_driver/machine/machine_description.h"
#include "fake_driver/supervisor/supervisor.h"
#include "fake_driver/text/printable.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

constexpr char kStatusField[] = "status";
constexpr size_t kMaxArrayShown = 8;

bool LoadOrReport(const abi::Registry& registry, const std::string& path, TraceLoad& load,
                  std::ostream& err) {
  load = LoadTrace(path, registry);
  // The loader's messages quote the trace (paths, values): escaped for the terminal.
  for (const std::string& e : load.errors) err << Printable(e) << "\n";
  return load.ok();
}

// Text from the trace, quoted and escaped for the terminal (text/printable.h).
std::string Quote(std::string_view s) { return Quoted(s); }

// NVIDIA's name for a field value, where the ABI layer knows one.
std::string NameFor(const abi::Abi& abi, const abi::StructLayout& layout, const abi::Field& f,
                    uint64_t v) {
  if (f.name == kStatusField) return abi.StatusName(static_cast<uint32_t>(v));
  for (const abi::Field& p : layout.fields) {
    if (!p.nested || p.nested->selector_field != f.name) continue;
    const abi::Binding* b = nullptr;
    switch (p.nested->element_from) {
      case abi::NestedBuffer::ElementFrom::kControlCommand: b = abi.ControlByNumber(static_cast<uint32_t>(v)); break;
      case abi::NestedBuffer::ElementFrom::kAllocClass: b = abi.ClassByNumber(static_cast<uint32_t>(v)); break;
      case abi::NestedBuffer::ElementFrom::kEscape: b = abi.EscapeByNumber(static_cast<uint32_t>(v)); break;
      default: break;
    }
    if (b != nullptr) return b->name;
  }
  return HexNumber(v);
}

std::string Fields(const abi::Abi& abi, const abi::StructLayout& layout, std::span<const uint8_t> b) {
  std::string s;
  for (size_t base = 0; base + layout.size <= b.size(); base += layout.size) {
    if (base > 0) {
      if (base / layout.size >= kMaxArrayShown) {
        s += ", ... (" + std::to_string(b.size() / layout.size) + " in all)";
        break;
      }
      s += "}, {";
    }
    bool first = true;
    for (const abi::Field& f : layout.fields) {
      uint32_t off = static_cast<uint32_t>(base + f.offset);
      std::span<const uint8_t> fb = b.subspan(off, f.width);
      s += (first ? "" : ", ") + f.name + "=";
      first = false;
      if (f.kind == abi::FieldKind::kString) {
        size_t len = 0;
        while (len < fb.size() && fb[len] != 0) ++len;
        s += Quote(std::string_view(reinterpret_cast<const char*>(fb.data()), len));
      } else if (f.kind == abi::FieldKind::kArray) {
        uint32_t w = f.element_width();
        uint32_t last = f.count;
        while (last > 0 && LoadUint(fb, (last - 1) * w, w) == 0) --last;
        s += "[";
        for (uint32_t i = 0; i < last && i < kMaxArrayShown; ++i) {
          s += (i ? ", " : "") + HexNumber(LoadUint(fb, i * w, w));
        }
        if (last > kMaxArrayShown) s += ", ...";
        s += last < f.count ? (last ? ", 0..." : "0...") : "";
        s += "]";
      } else {
        s += NameFor(abi, layout, f, LoadUint(fb, 0, f.width));
      }
    }
  }
  return s;
}

void DescribeBuffer(const abi::Abi& abi, const ArgBuffer& b, int depth, std::ostream& out) {
  for (const ArgBuffer& n : b.nested) {
    out << std::string(static_cast<size_t>(depth) * 4, ' ') << "-> " << n.field << ": ";
    if (n.layout != nullptr) {
      out << n.layout->name << " {" << Fields(abi, *n.layout, n.out) << "}\n";
    } else {
      size_t len = 0;
      while (len < n.out.size() && n.out[len] != 0) ++len;
      out << Quote(std::string_view(reinterpret_cast<const char*>(n.out.data()), len)) << " ("
          << n.out.size() << " bytes)\n";
    }
    DescribeBuffer(abi, n, depth + 1, out);
  }
}

}  // namespace

// Every text of the trace is printed through Printable or Quote: paths, provenance,
// contents and the header's machine are the trace author's, and a control or bidi
// character in them would drive the reviewer's terminal (a line erased, an
// `/etc/passwd` entry hidden).
void DescribeTrace(const Trace& trace, std::ostream& out) {
  const abi::Abi& abi = *trace.abi;
  out << "# " << Printable(trace.source) << ": driver " << Printable(trace.driver) << ", "
      << Printable(trace.origin);
  if (!trace.provenance.empty()) out << " (" << Printable(trace.provenance) << ")";
  out << "\n";
  if (!trace.machine.empty()) out << "# machine: " << Printable(trace.machine.dump()) << "\n";
  for (const FileNode& f : trace.files) {
    out << Printable(f.path) << "  " << NodeTypeName(f.type);
    if (f.type == NodeType::kCharDev) out << " " << f.major << "," << f.minor;
    if (f.open_errno) out << " (open fails, errno " << f.open_errno << ")";
    if (f.type == NodeType::kFile) {
      std::string first = f.content.substr(0, f.content.find('\n'));
      out << " " << Quote(first) << (first.size() < f.content.size() ? "..." : "");
    }
    out << "\n";
  }
  for (const IoctlEvent& e : trace.events) {
    const abi::Binding* esc = abi.EscapeByNumber(e.nr());
    out << e.line << ": ioctl(" << Printable(e.device) << ", " << (esc ? esc->name : HexNumber(e.nr()))
        << ", ";
    if (e.args.layout != nullptr) {
      out << "{" << Fields(abi, *e.args.layout, e.args.out) << "}";
    } else {
      out << e.args.out.size() << " bytes";
    }
    out << ") = " << e.ret;
    if (e.err) out << " (errno " << e.err << ")";
    out << "\n";
    DescribeBuffer(abi, e.args, 1, out);
  }
}

int ShowCommand(const abi::Registry& registry, const std::string& trace_path, std::ostream& out,
                std::ostream& err) {
  TraceLoad load;
  if (!LoadOrReport(registry, trace_path, load, err)) return kExitError;
  DescribeTrace(load.trace, out);
  return kExitOk;
}

namespace {

// Runs CMD with `responder` answering; the shared tail of both forms of `run`.
int Serve(const Trace& machine, IoctlResponder& responder, RunOptions options, std::ostream& diag,
          const std::vector<std::string>& argv, std::ostream& err) {
  if (options.work_dir.empty()) options.work_dir = DefaultWorkDir();
  Supervisor supervisor(machine, responder, options, diag);
  StatusOr<RunOutcome> outcome = supervisor.Run(argv);
  if (!outcome.ok()) {
    err << "fakedrv: run: " << Printable(outcome.status().message()) << "\n";
    return kExitSupervisorFailed;
  }
  if (options.strict && outcome->unmatched > 0) {
    err << "fakedrv: --strict: " << outcome->unmatched << " request(s) had no "
        << (machine.events.empty() && machine.origin == "model" ? "handler in the model"
                                                               : "recorded answer")
        << "\n";
    return kExitStrictUnmatched;
  }
  return outcome->exit_status;
}

// Stops the command (SIGKILL, through its pidfd: no pid reuse) when the trace's
// events, read while it starts, turn out invalid: whichever of the two is known
// last does it. Both calls may come from different threads.
class StopOnInvalidEvents {
 public:
  ~StopOnInvalidEvents() {
    if (pidfd_ >= 0) close(pidfd_);
  }
  void Started(int pidfd) {
    std::lock_guard<std::mutex> lock(mu_);
    pidfd_ = fcntl(pidfd, F_DUPFD_CLOEXEC, 0);
    if (invalid_) Kill();
  }
  void Invalid() {
    std::lock_guard<std::mutex> lock(mu_);
    invalid_ = true;
    Kill();
  }
  bool stopped() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

 private:
  void Kill() {
    if (pidfd_ < 0 || stopped_) return;
    stopped_ = syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0) == 0;
  }
  mutable std::mutex mu_;
  int pidfd_ = -1;
  bool invalid_ = false, stopped_ = false;
};

// `--log` must not be one of the inputs: diagnostics appended to the trace (or the
// machine description) would corrupt it. Same file: same device and inode, so a
// link or another spelling of the path is caught too.
bool LogIsNotAnInput(const std::string& log_path, const std::string& input_path,
                     const char* input_name, std::ostream& err) {
  struct stat log_st, input_st;
  if (log_path.empty() || stat(log_path.c_str(), &log_st) != 0 ||
      stat(input_path.c_str(), &input_st) != 0 || log_st.st_dev != input_st.st_dev ||
      log_st.st_ino != input_st.st_ino) {
    return true;
  }
  err << "fakedrv: --log " << Printable(log_path) << " is the " << input_name << " ("
      << Printable(input_path) << "): diagnostics would be written into an input; choose another file\n";
  return false;
}

bool OpenLog(const std::string& log_path, std::ofstream& log_file, std::ostream& err) {
  if (log_path.empty()) return true;
  // std::ofstream keeps no reason: opened once with open(2) for it (a directory:
  // EISDIR, a missing folder: ENOENT, no permission: EACCES), as ofstream opens it
  // ("a": O_WRONLY | O_CREAT | O_APPEND, 0666 less the umask). O_NONBLOCK: a FIFO
  // no process reads is ENXIO, not a wait.
  const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0666);
  if (fd < 0) {
    err << "fakedrv: --log " << Printable(log_path) << ": cannot open: " << std::strerror(errno) << "\n";
    return false;
  }
  close(fd);
  log_file.open(log_path, std::ios::app);
  if (!log_file) {
    err << "fakedrv: --log " << Printable(log_path) << ": cannot open\n";
    return false;
  }
  return true;
}

// Frees `state` now, or (AtEnd::kLeaveToExit) leaves it to the process's exit:
// kept in a list that is never freed either.
template <typename T>
void Release(std::unique_ptr<T> state, AtEnd at_end) {
  if (at_end == AtEnd::kFree) return;
  static auto* const kept = new std::vector<std::shared_ptr<const void>>();
  kept->push_back(std::shared_ptr<const void>(std::move(state)));
}

}  // namespace

int RunCommand(const abi::Registry& registry, const std::string& trace_path, RunOptions options,
               const std::string& log_path, const std::vector<std::string>& argv,
               std::ostream& err, AtEnd at_end) {
  if (!LogIsNotAnInput(log_path, trace_path, "trace", err)) return kExitUsage;
  // The command starts once the header and the files are read and checked; the
  // events, most of a large trace, are read meanwhile (DeferredReplayer).
  auto loading = std::make_unique<StagedTraceLoad>(trace_path, registry, TraceLimits{},
                                                   HeaderMachine::kSkip);
  StagedTraceLoad& staged = *loading;
  auto report = [&err](const TraceLoad& load) {
    for (const std::string& e : load.errors) err << Printable(e) << "\n";
  };
  if (!staged.files_ok()) {
    report(staged.Finish());  // every problem at once, the events' too
    return kExitError;
  }
  std::ofstream log_file;
  if (!OpenLog(log_path, log_file, err)) return kExitError;
  std::ostream& diag = log_path.empty() ? err : log_file;
  StopOnInvalidEvents stop;
  options.on_started = [&stop](int pidfd) { stop.Started(pidfd); };
  staged.ReadEventsInBackground([&stop](bool ok) {
    if (!ok) stop.Invalid();
  });
  DeferredReplayer replayer(staged, diag, options.verbose);
  const int status = Serve(staged.trace(), replayer, options, diag, argv, err);
  if (const TraceLoad& load = staged.Finish(); !load.ok()) {
    report(load);
    if (stop.stopped()) {
      err << "fakedrv: run: the command, started while the trace's ioctl events were read, "
             "was stopped (SIGKILL) when they turned out invalid\n";
    }
    return kExitError;
  }
  Release(std::move(loading), at_end);  // after the events' thread, which Finish() joined
  return status;
}

int RunModelCommand(const abi::Registry& registry, const std::string& machine_path,
                    const std::string& driver, RunOptions options, const std::string& log_path,
                    const std::vector<std::string>& argv, std::ostream& err, AtEnd at_end) {
  if (!LogIsNotAnInput(log_path, machine_path, "machine description", err)) return kExitUsage;
  StatusOr<Machine> machine = LoadMachine(machine_path, MachineUse::kModel, MachineJson::kDrop);
  if (!machine.ok()) {
    err << "fakedrv: " << machine.status().message() << "\n";  // escaped by LoadMachine
    return kExitError;
  }
  StatusOr<abi::Resolution> res = registry.Resolve(driver);
  if (!res.ok()) {
    err << "fakedrv: --driver: " << Printable(res.status().message()) << "\n";
    return kExitError;
  }
  if (!res->exact()) err << "fakedrv: note: " << Printable(res->notice) << "\n";
  StatusOr<std::shared_ptr<const abi::Abi>> abi = registry.AbiOf(res->release);
  if (!abi.ok()) {
    err << "fakedrv: " << abi.status().message() << "\n";
    return kExitError;
  }
  if (Status s = model::CheckMachineForModel(*machine, **abi); !s.ok()) {
    err << "fakedrv: " << Printable(machine_path) << ": " << Printable(s.message()) << "\n";
    return kExitError;
  }
  for (const std::string& w : MachineWarnings(*machine))
    err << "fakedrv: warning: " << Printable(machine_path) << ": " << w << "\n";
  std::ofstream log_file;
  if (!OpenLog(log_path, log_file, err)) return kExitError;
  std::ostream& diag = log_path.empty() ? err : log_file;
  // The driver reports its version as NVIDIA writes it (580.95.5 asked: 580.95.05);
  // an unknown release is modelled with the nearest one's ABI but keeps its name.
  const std::string reported = res->written_differently ? res->release.ToString() : driver;
  auto files = std::make_unique<const Trace>(model::MachineFilesOf(*machine, *abi, reported));
  auto responder = std::make_unique<model::MachineModel>(std::move(*machine), *abi, reported, diag);
  responder->set_verbose(options.verbose);
  // Its "not supported" lines would interleave with the command's own output on
  // stderr: listed under --verbose or into --log, else counted in one line at exit.
  responder->set_list_not_supported(options.verbose || !log_path.empty());
  const int status = Serve(*files, *responder, options, diag, argv, err);
  responder->SayHowManyUnlisted(err);
  Release(std::move(files), at_end);
  Release(std::move(responder), at_end);  // never used again: its `diag` may close first
  return status;
}

}  // namespace nvprobe::fakedrv
