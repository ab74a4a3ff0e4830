// fakedrv: the fake NVIDIA driver's command-line tool: `abi`, `run` and `show`;
// `synth` and `record` come with their issues.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <streambuf>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "abi/registry.h"
#include "fake_driver/abi_commands.h"
#include "fake_driver/diff/diff_command.h"
#include "fake_driver/supervisor/exec_child.h"
#include "fake_driver/record/record_command.h"
#include "fake_driver/synth/synth.h"
#include "fake_driver/trace_commands.h"

namespace {

constexpr char kDescription[] =
    "fakedrv: a fake NVIDIA kernel driver for testing GPU-detection code without a GPU.\n"
    "Commands:\n"
    "  abi versions [--json]           list the known driver releases and their parents\n"
    "  abi dump --driver V [--json]    structs and constants of release V\n"
    "  abi diff V1 V2                  what changed between two releases\n"
    "  run --trace T [--strict] [--log FILE] [--verbose] [--[no-]sync-wake-up] -- CMD ARGS...\n"
    "                                  run CMD on the fake machine that trace T describes\n"
    "  run --machine M --driver V [--strict] [--log FILE] [--verbose] -- CMD ARGS...\n"
    "                                  run CMD on machine description M with release V's\n"
    "                                  driver modelled (NVIDIA's nvidia-smi and NVML too)\n"
    "  show T                          decode trace T for people\n"
    "  diff --machine M [--max-lines N] T\n"
    "                                  ask the machine model of description M (trace T's\n"
    "                                  release) every ioctl event of recording T and print\n"
    "                                  each field it answers differently, then a summary\n"
    "  record -o T [--anonymize] -- CMD ARGS...\n"
    "                                  run CMD (on a real GPU machine) and record what it\n"
    "                                  did with the NVIDIA driver as trace T (ptrace)\n"
    "  synth --machine M --driver V -o T [--expected E] [--nvprobe P] [-- CMD ARGS...]\n"
    "                                  run CMD (default: nvprobe P in every mode the matrix\n"
    "                                  runs) on the machine model of description M on\n"
    "                                  release V and write what the model served as trace\n"
    "                                  T (and nvprobe's expected answer E, from M alone)\n"
    "For `abi`, `run --machine` and the driver `record` finds, a version that is not a\n"
    "known release resolves to the nearest earlier known release of its branch (or the\n"
    "nearest earlier overall), with a notice on stderr; `synth --driver` must be a known\n"
    "release (`abi versions`), since a trace is made for one release.\n"
    "Exit status: 0 ok, 1 bad input (e.g. a malformed version or an invalid trace), 2 usage\n"
    "error. `run` exits with CMD's status (128+N if signal N ended it), 120 under --strict\n"
    "when a request had no recorded answer, 125 when the supervisor itself failed;\n"
    "SIGTERM/SIGINT/SIGHUP/SIGQUIT sent to `run` go on to CMD, and the fake machine is\n"
    "removed once CMD has gone. A trace's header and files are checked before CMD\n"
    "starts, its ioctl events while it starts: an invalid one stops CMD, exit 1.\n"
    "`record` exits with CMD's status too, 125 when no trace could be written.\n"
    "`diff` exits 0 when the model answers every event as recorded, 1 on any difference,\n"
    "2 on bad input (a missing or invalid trace or description).";

// std::cout's buffer: fd 1, remembering why a write failed (stdio keeps no errno,
// and a failed write must be reported, not lost).
class StdoutBuf : public std::streambuf {
 public:
  StdoutBuf() { setp(buf_, buf_ + sizeof buf_); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!Drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Drain() ? 0 : -1; }

 private:
  bool Drain() {
    const char* p = pbase();
    while (error_ == 0 && p < pptr()) {
      const ssize_t n = write(STDOUT_FILENO, p, static_cast<size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) error_ = n < 0 ? errno : EIO;
      else p += n;
    }
    setp(buf_, buf_ + sizeof buf_);
    return error_ == 0;
  }

  char buf_[1 << 16];
  int error_ = 0;
};

int Main(int argc, char** argv) {
  using nvprobe::fakedrv::kExitUsage;
  CLI::App app(kDescription, "fakedrv");
  app.require_subcommand(1);

  CLI::App* abi_cmd = app.add_subcommand("abi", "the versioned driver ABI description");
  abi_cmd->require_subcommand(1);

  bool versions_json = false;
  CLI::App* versions = abi_cmd->add_subcommand("versions", "list the known releases");
  versions->add_flag("--json", versions_json, "print JSON");

  std::string dump_version;
  bool dump_json = false;
  CLI::App* dump = abi_cmd->add_subcommand("dump", "print one release's ABI");
  // Checked after parsing, so that an unknown option is reported before a missing one.
  CLI::Option* dump_driver =
      dump->add_option("--driver", dump_version, "driver version, e.g. 580.95.05 (required)");
  dump->add_flag("--json", dump_json, "print {driver, structs, constants} as JSON");

  std::string diff_from, diff_to;
  CLI::App* diff = abi_cmd->add_subcommand("diff", "compare two releases");
  diff->add_option("from", diff_from, "older driver version")->required();
  diff->add_option("to", diff_to, "newer driver version")->required();

  std::string run_trace, run_log, run_machine, run_driver;
  nvprobe::fakedrv::RunOptions run_opts;
  std::vector<std::string> run_argv;
  CLI::App* run = app.add_subcommand("run", "run a command on a fake machine");
  CLI::Option* run_trace_opt =
      run->add_option("--trace", run_trace, "replay this trace exactly (one of --trace, --machine)");
  CLI::Option* run_machine_opt = run->add_option(
      "--machine", run_machine,
      "answer from the machine model of this description (JSON), any program, no trace");
  run->add_option("--driver", run_driver, "with --machine: the driver release, e.g. 550.163.01");
  run_trace_opt->excludes(run_machine_opt);
  run->add_flag("--strict", run_opts.strict,
                "exit 120 if any request had no recorded answer (--trace) or no handler "
                "in the model (--machine)");
  run->add_option("--log", run_log,
                  "write diagnostics to FILE instead of stderr (with --machine: also each "
                  "request the model does not support, otherwise only counted at exit)");
  run->add_flag("--verbose", run_opts.verbose,
                "also log each served request and what answered it (the trace's FILE:LINE, "
                "or the model's handler and its driver source; with --machine, each request "
                "it does not support)");
  // Three states: by default it is tried quietly (Linux 6.6+); the flags force it
  // either way, for measurements (bench/).
  std::optional<bool> run_sync_wake_up;
  run->add_flag_function(
      "--sync-wake-up,!--no-sync-wake-up",
      [&](int64_t n) { run_sync_wake_up = n > 0; },
      "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: hand the CPU straight between CMD and the "
      "supervisor (Linux 6.6+; default: used when the kernel has it; with the flag, a "
      "note when it does not; --no-sync-wake-up: never)");
  run->add_option("command", run_argv, "CMD ARGS... (after --)")->required();

  std::string show_trace;
  CLI::App* show = app.add_subcommand("show", "decode a trace, strace-like");
  show->add_option("trace", show_trace, "trace file")->required();

  nvprobe::fakedrv::SynthOptions synth_opts;
  CLI::App* synth = app.add_subcommand(
      "synth", "record the machine model serving a command (default: nvprobe in each mode)");
  synth->add_option("--machine", synth_opts.machine_path, "machine description (JSON)")->required();
  synth->add_option("--driver", synth_opts.driver, "driver release, e.g. 580.95.05")->required();
  synth->add_option("-o,--output", synth_opts.trace_path, "trace to write")->required();
  synth->add_option("--expected", synth_opts.expected_path,
                    "also write nvprobe's expected answer here (from the description alone)");
  synth->add_option("--nvprobe", synth_opts.nvprobe_path,
                    "the nvprobe binary recorded when no command is given (default: nvprobe in PATH)");
  synth->add_option("command", synth_opts.command, "CMD ARGS... (after --) to record instead of nvprobe");

  std::string model_diff_machine, model_diff_trace;
  nvprobe::fakedrv::diff::DiffOptions model_diff_opts;
  CLI::App* model_diff = app.add_subcommand(
      "diff", "compare the machine model's answers with a recording, event by event");
  model_diff->add_option("--machine", model_diff_machine, "machine description (JSON)")->required();
  model_diff->add_option("--max-lines", model_diff_opts.max_lines_per_event,
                         "differing fields printed per event before \"... N more\" (default 8)");
  model_diff->add_option("trace", model_diff_trace, "the recording (trace file)")->required();

  nvprobe::fakedrv::RecordOptions record_opts;
  CLI::App* record = app.add_subcommand("record", "record a command's driver interactions");
  record->add_option("-o,--output", record_opts.output, "trace to write")->required();
  record->add_flag("--anonymize", record_opts.anonymize,
                   "replace UUIDs, serial numbers, user and host names consistently");
  record->add_option("command", record_opts.argv, "CMD ARGS... (after --)")->required();

  // CLI11 reports an unknown option before the command as a missing command.
  if (argc >= 2 && argv[1][0] == '-' && std::string(argv[1]) != "-h" &&
      std::string(argv[1]) != "--help") {
    std::cerr << "fakedrv: unknown option " << argv[1] << " (see fakedrv --help)\n";
    return kExitUsage;
  }
  // CLI11 reports a mistyped command as a missing one; name it instead.
  if (argc >= 2 && argv[1][0] != '-' && std::string(argv[1]) != "abi" &&
      std::string(argv[1]) != "run" && std::string(argv[1]) != "show" &&
      std::string(argv[1]) != "synth" && std::string(argv[1]) != "record" &&
      std::string(argv[1]) != "diff") {
    std::cerr << "fakedrv: unknown command '" << argv[1] << "' (see fakedrv --help)\n";
    return kExitUsage;
  }
  auto is_abi_command = [&](const std::string& name) {
    for (const CLI::App* sub : abi_cmd->get_subcommands({})) {
      if (sub->check_name(name)) return true;
    }
    return false;
  };
  if (argc >= 3 && std::string(argv[1]) == "abi" && argv[2][0] != '-' &&
      !is_abi_command(argv[2])) {
    std::cerr << "fakedrv: unknown command 'abi " << argv[2] << "' (see fakedrv abi --help)\n";
    return kExitUsage;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    // One line, then a pointer to --help. CLI11 names a missing positional by its
    // variable ("to is required"); say what abi diff takes instead.
    if (diff->parsed() && (diff_from.empty() || diff_to.empty())) {
      std::cerr << "fakedrv: abi diff needs two driver versions, FROM and TO (see fakedrv abi diff --help)\n";
      return kExitUsage;
    }
    // `fakedrv abi` alone: its own --help lists versions, dump and diff.
    const bool abi_alone = abi_cmd->parsed() && !versions->parsed() && !dump->parsed() && !diff->parsed();
    std::cerr << "fakedrv: " << e.what() << (abi_alone ? " (see fakedrv abi --help)\n" : " (see fakedrv --help)\n");
    return kExitUsage;
  }

  const nvprobe::abi::Registry& registry = nvprobe::abi::Registry::Default();
  // A supervisor or tracer whose stderr (or --log) reader went away must carry on
  // serving the command, not die of SIGPIPE: its diagnostics are dropped instead.
  // The command gets the original disposition back (exec_child.h). `show` and `abi`
  // keep the default, so `fakedrv show T | head` ends quietly as cat does.
  if (*run || *record) nvprobe::fakedrv::IgnoreSigpipe();
  if (*run) {
    if (run_sync_wake_up) {
      run_opts.sync_wake_up = *run_sync_wake_up ? nvprobe::fakedrv::RunOptions::SyncWakeUp::kOn
                                                : nvprobe::fakedrv::RunOptions::SyncWakeUp::kOff;
    }
    if (run_machine_opt->count() > 0) {
      if (run_driver.empty()) {
        std::cerr << "fakedrv: run --machine needs --driver V (see fakedrv run --help)\n";
        return kExitUsage;
      }
      return nvprobe::fakedrv::RunModelCommand(registry, run_machine, run_driver, run_opts,
                                               run_log, run_argv, std::cerr,
                                               nvprobe::fakedrv::AtEnd::kLeaveToExit);
    }
    if (run_trace_opt->count() == 0 || !run_driver.empty()) {
      std::cerr << "fakedrv: run needs --trace T, or --machine M --driver V (see fakedrv run --help)\n";
      return kExitUsage;
    }
    return nvprobe::fakedrv::RunCommand(registry, run_trace, run_opts, run_log, run_argv,
                                        std::cerr, nvprobe::fakedrv::AtEnd::kLeaveToExit);
  }
  if (*synth)
    return nvprobe::fakedrv::SynthCommand(registry, synth_opts, std::cerr);
  if (*record) return nvprobe::fakedrv::RecordCommand(registry, record_opts, std::cerr);
  if (*show) return nvprobe::fakedrv::ShowCommand(registry, show_trace, std::cout, std::cerr);
  if (*model_diff) {
    return nvprobe::fakedrv::diff::DiffCommand(registry, model_diff_machine, model_diff_trace,
                                               model_diff_opts, std::cout, std::cerr);
  }
  if (*versions) return nvprobe::fakedrv::AbiVersions(registry, versions_json, std::cout);
  if (*dump && dump_driver->count() == 0) {
    std::cerr << "fakedrv: abi dump: --driver is required (see fakedrv abi dump --help)\n";
    return kExitUsage;
  }
  if (*dump) return nvprobe::fakedrv::AbiDump(registry, dump_version, dump_json, std::cout, std::cerr);
  if (*diff) return nvprobe::fakedrv::AbiDiff(registry, diff_from, diff_to, std::cout, std::cerr);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  static StdoutBuf out_buf;
  std::streambuf* const original = std::cout.rdbuf(&out_buf);
  int status = Main(argc, argv);
  // Results go to stdout: a write that failed (a full disk, /dev/full, a closed
  // pipe with SIGPIPE ignored) is an error, not a silent success.
  std::cout.flush();
  if (out_buf.error() != 0 || !std::cout) {
    std::cerr << "fakedrv: cannot write to standard output: "
              << std::strerror(out_buf.error() ? out_buf.error() : EIO) << "\n";
    if (status == nvprobe::fakedrv::kExitOk) status = nvprobe::fakedrv::kExitError;
  }
  std::cout.rdbuf(original);
  return status;
}
