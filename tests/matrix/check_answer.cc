// One cell of the regression matrix: runs the static nvprobe under
// `fakedrv run --strict` on a synthesized trace and compares its answer with the
// trace's expected answer (written by `fakedrv synth` from the machine description)
// field by field. Every difference is printed; on failure the fakedrv diagnostics
// (unanswered requests and their closest recorded events) and the `fakedrv show`
// decoding of the recorded events the run involved (served, or closest to an
// unanswered request; `fakedrv run --verbose` names them) follow.
//
//   check_answer FAKEDRV NVPROBE TRACE EXPECTED MODE      MODE: fast | details | full | csv | env | smi
//
// nvprobe runs with an empty $PATH (no host nvidia-smi), except in smi mode: the fast
// path with a fake nvidia-smi in $PATH, a shell script written from the trace header
// (the machine description and the release) that answers nvprobe's query as NVIDIA's
// does and nothing else (see SmiScript).
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/matrix/answer_compare.h"

namespace {

using Json = nlohmann::ordered_json;

struct Result {
  int status = -1;
  std::string out;
};

Result Run(const std::string& cmd) {
  Result r;
  // Bounded: a hung supervisor must not hang the suite.
  FILE* p = popen(("timeout 60 " + cmd + " </dev/null").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d ? d : "/tmp") + "/" + name;
}

std::vector<std::string> diffs;

void Expect(const std::string& where, const Json& want, const Json& got) {
  if (want != got) diffs.push_back(where + ": expected " + want.dump() + ", got " + got.dump());
}

// The trace lines a diagnostics log names ("<- T:LINE" for a served request, "T:LINE"
// for the closest recorded events of an unanswered one), in order of first mention.
std::vector<int> LinesNamed(const std::string& log, const std::string& trace) {
  std::vector<int> lines;
  const std::string key = trace + ":";
  for (size_t at = log.find(key); at != std::string::npos; at = log.find(key, at + 1)) {
    int n = std::atoi(log.c_str() + at + key.size());
    if (n > 0 && std::find(lines.begin(), lines.end(), n) == lines.end()) lines.push_back(n);
  }
  return lines;
}

// On failure: the requests this run involved, as `fakedrv show` decodes them (each
// event's line and its nested buffers), and the diagnostics other than "served".
void PrintInvolved(const std::string& fakedrv, const std::string& trace, const std::string& log) {
  std::cout << "--- fakedrv diagnostics (unanswered and rule-answered requests) ---\n";
  std::istringstream diag(log);
  std::string line;
  while (std::getline(diag, line))
    if (line.find("fakedrv: served ") == std::string::npos) std::cout << line << "\n";
  std::vector<int> wanted = LinesNamed(log, trace);
  std::cout << "--- fakedrv show: the " << wanted.size() << " recorded event(s) involved ---\n";
  Result show = Run(fakedrv + " show " + trace);
  std::istringstream lines(show.out);
  bool in_block = false;
  int shown = 0;
  constexpr int kMaxEvents = 60;
  while (std::getline(lines, line)) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) {
      int n = std::atoi(line.c_str());
      in_block = std::find(wanted.begin(), wanted.end(), n) != wanted.end() && shown < kMaxEvents;
      shown += in_block;
    } else if (line.empty() || line[0] != ' ') {
      in_block = false;
    }
    if (in_block) std::cout << line << "\n";
  }
  if (static_cast<int>(wanted.size()) > kMaxEvents)
    std::cout << "... " << wanted.size() - kMaxEvents << " more\n";
}

std::string CsvLine(const Json& want, const Json& g) {
  auto s = [](const Json& v) { return v.is_null() ? std::string("[N/A]") : v.is_string() ? v.get<std::string>() : v.dump(); };
  std::string bus = s(g["pci_bus_id"]);
  for (char& c : bus) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s(want["driver"]["version"]) + ", " + s(g["name"]) + ", 0000" + bus + ", " + s(g["uuid"]) +
         ", " + s(g["compute_capability"]) + ", " + s(g["memory_mib"]) + "\n";
}

// The one query nvprobe makes of nvidia-smi (probe/smi_source.cc), which nvprobe
// answers itself too (csv mode).
constexpr char kSmiQuery[] = "--query-gpu=driver_version,name,pci.bus_id,uuid,compute_cap,memory.total";
constexpr char kSmiFormat[] = "--format=csv,noheader,nounits";

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A fake nvidia-smi for the machine in the trace header: to nvprobe's query, one
// line per GPU as NVIDIA's prints it ("580.95.05, NVIDIA GeForce RTX 4090,
// 00000000:01:00.0, GPU-..., 8.9, 24564": the kernel module's version, the name, the
// bus ID with an 8-digit domain in upper case, UUID, compute capability, memory MiB);
// "No devices were found" and status 6 when the machine has no GPU; status 9 when it
// has no driver (platform no-driver). Anything else it is asked: status 1 and a
// message. Only shell builtins: $PATH holds nothing else. The expected answer
// (fake_driver/synth/synth_expected.cc, ProbeMode::kSmi) states the same behaviour.
std::string SmiScript(const Json& header) {
  const Json& m = header["machine"];
  const std::string driver = header["driver"].get<std::string>();
  std::string answer;
  int status = 0;
  const std::string platform = m.value("platform", "bare-metal");
  const Json gpus = m.value("gpus", Json::array());
  if (platform == "no-driver") {
    answer = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
             "Make sure that the latest NVIDIA driver is installed and running.";
    status = 9;
  } else if (gpus.empty()) {
    answer = "No devices were found";
    status = 6;
  } else {
    for (const Json& g : gpus) {
      std::string bus = g["pci_bus_id"].get<std::string>();
      for (char& c : bus) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      answer += (answer.empty() ? "" : "\n") + driver + ", " + g["name"].get<std::string>() +
                ", 0000" + bus + ", " + g["uuid"].get<std::string>() + ", " +
                g["compute_capability"].get<std::string>() + ", " + std::to_string(g["memory_mib"].get<uint64_t>());
    }
  }
  // printf '%b' would read backslashes in names: print each line with '%s\n'.
  std::string lines;
  std::istringstream split(answer);
  for (std::string l; std::getline(split, l);) lines += " " + ShellQuote(l);
  std::string script = "#!/bin/sh\n# fake nvidia-smi written by tests/matrix/check_answer.cc for " +
                       m.value("name", std::string("?")) + " on " + driver + "\n";
  script += "if [ \"$#\" -eq 2 ] && [ \"$1\" = " + ShellQuote(kSmiQuery) + " ] && [ \"$2\" = " +
            ShellQuote(kSmiFormat) + " ]; then\n  printf '%s\\n'" + lines + "\n  exit " +
            std::to_string(status) + "\nfi\n";
  script += "echo \"fake nvidia-smi (tests/matrix/check_answer.cc) answers only " + std::string(kSmiQuery) + " " +
            kSmiFormat + "; asked: $*\"\nexit 1\n";
  return script;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: check_answer FAKEDRV NVPROBE TRACE EXPECTED fast|details|full|csv|env|smi\n";
    return 2;
  }
  const std::string fakedrv = argv[1], nvprobe = argv[2], trace = argv[3], mode = argv[5];
  Json expected = Json::parse(ReadFile(argv[4]), nullptr, false);
  if (expected.is_discarded()) {
    std::cerr << argv[4] << ": not JSON\n";
    return 1;
  }
  if (mode != "fast" && mode != "details" && mode != "full" && mode != "csv" && mode != "env" &&
      mode != "smi") {
    std::cerr << "check_answer: unknown mode \"" << mode << "\"\n";
    return 2;
  }
  // --query-gpu with memory.total turns --full on (probe/cli.cc), as name and uuid
  // turn on --details.
  const Json& want = expected["modes"][mode == "csv" ? "full" : mode];
  if (!want.is_object()) {
    std::cerr << argv[4] << ": no expected answer for mode " << mode << " (regenerate it)\n";
    return 1;
  }
  const std::string log = Tmp("fakedrv.log");
  std::string args = mode == "full"      ? "--json --full"
                     : mode == "details" ? "--json --details"
                     : mode == "csv"     ? std::string(kSmiQuery) + " " + kSmiFormat
                                         : "--json";
  // nvprobe looks for nvidia-smi on $PATH: give it an empty one, so the host's
  // never answers; in smi mode one holding only the fake nvidia-smi.
  const std::string empty_path = Tmp(mode == "smi" ? "smi-path" : "empty-path");
  std::filesystem::create_directories(empty_path);
  if (mode == "smi") {
    std::ifstream in(trace);
    std::string first;
    std::getline(in, first);
    Json header = Json::parse(first, nullptr, false);
    if (header.is_discarded() || !header["machine"].is_object() || !header["driver"].is_string()) {
      std::cerr << trace << ": the header holds no machine description and driver for the fake nvidia-smi\n";
      return 1;
    }
    const std::string smi = empty_path + "/nvidia-smi";
    std::ofstream(smi, std::ios::binary | std::ios::trunc) << SmiScript(header);
    if (chmod(smi.c_str(), 0755) != 0) {
      std::cerr << smi << ": cannot make it executable\n";
      return 1;
    }
  }
  // env: the fast path with NVPROBE_DRIVER_VERSION naming the trace's release.
  const std::string env_var =
      mode == "env" ? " NVPROBE_DRIVER_VERSION=" + expected["driver"].get<std::string>() : "";
  std::string cmd = "env PATH=" + empty_path + env_var + " " + fakedrv + " run --strict --verbose --log " + log + " --trace " + trace + " -- " + nvprobe +
                    " " + args;
  std::cout << "$ " << cmd << "\n";
  Result r = Run(cmd + " 2>" + Tmp("stderr"));
  if (r.status == 120) diffs.push_back("fakedrv run --strict: a request had no recorded answer");
  if (mode == "csv") {
    Expect("exit status", want["exit_status"], r.status);
    std::string lines;
    for (const Json& g : want["gpus"]) lines += CsvLine(want, g);
    if (r.out != lines) diffs.push_back("CSV: expected\n" + lines + "got\n" + r.out);
  } else {
    Json got = Json::parse(r.out, nullptr, false);
    if (got.is_discarded()) diffs.push_back("nvprobe printed no JSON: " + r.out.substr(0, 400));
    else for (std::string& d : nvprobe::matrix::CompareAnswer(want, got, r.status)) diffs.push_back(std::move(d));
  }
  if (diffs.empty()) {
    std::cout << "OK: " << trace << " (" << mode << ") matches the expected answer\n";
    return 0;
  }
  std::cout << "FAIL: " << trace << " (" << mode << "): " << diffs.size() << " difference(s)\n";
  for (const std::string& d : diffs) std::cout << "  " << d << "\n";
  std::cout << "--- nvprobe stderr ---\n" << ReadFile(Tmp("stderr"));
  PrintInvolved(fakedrv, trace, ReadFile(log));
  return 1;
}
