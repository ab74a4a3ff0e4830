// Output formats: JSON against the nvprobe/1 JSON Schema file, CSV as nvidia-smi,
// the CLI's exit statuses, and the C API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "probe/cli.h"
#include "probe/nvprobe.h"
#include "probe/output.h"
#include "probe/probe.h"
#include "tests/probe/fake_kernel.h"

namespace nvprobe::probe {
int JsonIntoBuffer(System& sys, const ProbeOptions& opt, char* buf, size_t size, size_t* needed);
namespace {

using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Not;
using json = nlohmann::json;

// The subset of JSON Schema (draft 2020-12) the schema file uses: type (string or
// list), properties, required, additionalProperties: false, items, enum, pattern,
// minimum, const, $ref to #/$defs/NAME.
void Validate(const json& schema, const json& root, const json& v, const std::string& at,
              std::vector<std::string>& errors) {
  if (schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    return Validate(root["$defs"][ref.substr(ref.rfind('/') + 1)], root, v, at, errors);
  }
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array()) types = schema["type"].get<std::vector<std::string>>();
    else types.push_back(schema["type"]);
    bool ok = false;
    for (const std::string& t : types) {
      ok |= (t == "null" && v.is_null()) || (t == "string" && v.is_string()) ||
            (t == "integer" && v.is_number_integer()) || (t == "boolean" && v.is_boolean()) ||
            (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
            (t == "number" && v.is_number());
    }
    if (!ok) return errors.push_back(at + ": type " + std::string(v.type_name()));
  }
  if (schema.contains("const") && schema["const"] != v) errors.push_back(at + ": const");
  if (schema.contains("enum")) {
    bool found = false;
    for (const json& e : schema["enum"]) found |= e == v;
    if (!found) errors.push_back(at + ": not in enum");
  }
  if (schema.contains("pattern") && v.is_string() &&
      !std::regex_search(v.get<std::string>(), std::regex(schema["pattern"].get<std::string>())))
    errors.push_back(at + ": pattern " + schema["pattern"].get<std::string>());
  if (schema.contains("minimum") && v.is_number() && v.get<double>() < schema["minimum"].get<double>())
    errors.push_back(at + ": minimum");
  if (v.is_object()) {
    for (const json& r : schema.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing " + r.get<std::string>());
    const json props = schema.value("properties", json::object());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key()))
        Validate(props[it.key()], root, it.value(), at + "." + it.key(), errors);
      else if (schema.value("additionalProperties", true) == false)
        errors.push_back(at + ": unexpected " + it.key());
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (size_t i = 0; i < v.size(); ++i)
      Validate(schema["items"], root, v[i], at + "[" + std::to_string(i) + "]", errors);
}

json Schema() {
  const char* dir = std::getenv("TEST_SRCDIR");
  std::ifstream in(std::string(dir ? dir : ".") + "/nvprobe/probe/nvprobe-1.schema.json");
  EXPECT_TRUE(in);
  return json::parse(in);
}

std::vector<std::string> Check(const std::string& doc) {
  json schema = Schema();
  std::vector<std::string> errors;
  Validate(schema, schema, json::parse(doc), "$", errors);
  return errors;
}

TEST(JsonTest, FullAndEmptyDocumentsMatchTheSchema) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  ProbeOptions full;
  full.full = true;
  std::string doc = ToJson(RunProbe(sys, full));
  EXPECT_THAT(Check(doc), ::testing::IsEmpty()) << doc;
  json j = json::parse(doc);
  EXPECT_EQ(j["schema"], "nvprobe/1");
  EXPECT_EQ(j["driver"]["version"], "580.95.05");
  EXPECT_EQ(j["driver"]["cuda"], "13.0");
  EXPECT_EQ(j["gpus"][0]["pci_device_id"], "0x2330");
  EXPECT_EQ(j["gpus"][0]["pci_subsystem_id"], "0x16c110de");
  EXPECT_EQ(j["gpus"][0]["compute_capability"], "9.0");

  FakeKernel none("580.95.05");
  none.has_ctl = false;
  NiceMock<MockSystem> empty;
  none.Install(empty);
  std::string nodoc = ToJson(RunProbe(empty, ProbeOptions{}));
  EXPECT_THAT(Check(nodoc), ::testing::IsEmpty()) << nodoc;
  EXPECT_TRUE(json::parse(nodoc)["driver"]["version"].is_null());
}

TEST(JsonTest, InvalidUtf8FromTheDriverDoesNotThrow) {
  ProbeResult r;
  r.warnings.push_back("bad \xff\xfe bytes");
  GpuInfo g;
  g.name = "\xc3";
  g.source = kSourceIoctl;
  r.gpus.push_back(g);
  EXPECT_THAT(Check(ToJson(r)), ::testing::IsEmpty());
}

TEST(CsvTest, NvidiaSmiFormats) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  ProbeOptions full;
  full.full = true;
  ProbeResult r = RunProbe(sys, full);
  std::vector<std::string> f = {"driver_version", "name", "pci.bus_id", "uuid", "compute_cap", "memory.total"};
  EXPECT_EQ(*ToCsv(r, f, {}),
            "driver_version, name, pci.bus_id, uuid, compute_cap, memory.total [MiB]\n"
            "580.95.05, NVIDIA H100 80GB HBM3, 00000000:3B:00.0, "
            "GPU-12345678-1234-1234-1234-123456789abc, 9.0, 81559 MiB\n");
  EXPECT_EQ(*ToCsv(r, {"memory.total"}, {.header = false, .units = false}), "81559\n");
  ProbeResult fast = RunProbe(sys, ProbeOptions{});
  EXPECT_EQ(*ToCsv(fast, {"uuid"}, {.header = false}), "[N/A]\n");
  EXPECT_FALSE(ToCsv(r, {"fan.speed"}, {}).ok());
}

int Cli(System& sys, std::vector<std::string> args, std::string* out = nullptr,
        CliEnvironment env = {}) {
  std::ostringstream o, e;
  int rc = RunCli(sys, args, env, o, e);
  if (out) *out = o.str() + e.str();
  return rc;
}

TEST(CliTest, ExitStatuses) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  std::string out;
  EXPECT_EQ(Cli(sys, {}, &out), 0);
  EXPECT_THAT(out, HasSubstr("580.95.05"));
  EXPECT_EQ(Cli(sys, {"--query-gpu=driver_version,compute_cap", "--format=csv,noheader"}, &out), 0);
  EXPECT_EQ(out, "580.95.05, 9.0\n");
  EXPECT_EQ(Cli(sys, {"--bogus"}), 2);
  EXPECT_EQ(Cli(sys, {"--query-gpu=name"}), 2);
  EXPECT_EQ(Cli(sys, {"--query-gpu=nope", "--format=csv"}), 2);
  EXPECT_EQ(Cli(sys, {"--source=ioctl,nope"}), 2);
  EXPECT_EQ(Cli(sys, {"--help"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("NVPROBE_DRIVER_VERSION"));

  NiceMock<MockSystem> bare;
  FakeKernel none("580.95.05");
  none.has_ctl = false;
  none.Install(bare);
  EXPECT_EQ(Cli(bare, {}, &out), 3);
  EXPECT_THAT(out, HasSubstr("No NVIDIA driver"));
  EXPECT_EQ(Cli(bare, {"--json"}, &out), 3);
  json j = json::parse(out);
  EXPECT_EQ(j["sources_tried"].size(), 3u);
}

// The fast path leaves name and UUID to --details (the driver's files) and memory to
// --full; the table says so, and --query-gpu asking for a name reads the files.
TEST(CliTest, DetailsFillTheNamesAndTheTableSaysWhatIsMissing) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.dirs["/proc/driver/nvidia/gpus"] = {"0000:3b:00.0"};
  k.files["/proc/driver/nvidia/gpus/0000:3b:00.0/information"] =
      "Model: \t\t NVIDIA H100 80GB HBM3\nGPU UUID: \t GPU-12345678-1234-1234-1234-123456789abc\n";
  k.Install(sys);
  std::string out;
  EXPECT_EQ(Cli(sys, {}, &out), 0);
  EXPECT_THAT(out, Not(HasSubstr("NVIDIA H100")));
  EXPECT_THAT(out, HasSubstr("(-: not learned; names and UUIDs: --details, those and memory: --full)"));
  EXPECT_EQ(Cli(sys, {"--details"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("NVIDIA H100 80GB HBM3"));
  EXPECT_THAT(out, HasSubstr("(-: not learned; memory: --full)"));
  EXPECT_EQ(Cli(sys, {"--query-gpu=name,uuid", "--format=csv,noheader"}, &out), 0);
  EXPECT_EQ(out, "NVIDIA H100 80GB HBM3, GPU-12345678-1234-1234-1234-123456789abc\n");
  EXPECT_EQ(Cli(sys, {"--query-gpu=pci.bus_id", "--format=csv,noheader"}, &out), 0);
  EXPECT_EQ(out, "00000000:3B:00.0\n");
  EXPECT_EQ(Cli(sys, {"--full"}, &out), 0);
  EXPECT_THAT(out, Not(HasSubstr("not learned")));
}

// memory.total is learned only by the full path: asking for it turns --full on, as
// name and uuid turn on --details, instead of printing [N/A] with no hint.
TEST(CliTest, QueryingMemoryTurnsOnTheFullPath) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  std::string out;
  EXPECT_EQ(Cli(sys, {"--query-gpu=pci.bus_id,compute_cap", "--format=csv,noheader"}, &out), 0);
  EXPECT_EQ(k.gpu_opens, 0) << "fields the fast path knows keep it";
  EXPECT_EQ(Cli(sys, {"--query-gpu=pci.bus_id,memory.total", "--format=csv,noheader"}, &out), 0);
  EXPECT_EQ(out, "00000000:3B:00.0, 81559 MiB\n");
  EXPECT_EQ(k.gpu_opens, 1);
  EXPECT_EQ(Cli(sys, {"--query-gpu=memory.total", "--format=csv,noheader,nounits"}, &out), 0);
  EXPECT_EQ(out, "81559\n");
  EXPECT_TRUE(k.live_objects.empty());
  EXPECT_TRUE(k.open_fds.empty());
  std::string help;
  EXPECT_EQ(Cli(sys, {"--help"}, &help), 0);
  EXPECT_THAT(help, HasSubstr("memory.total turns on --full"));
}

// When the full path was asked for and failed, the table does not send the reader to
// --full: it points at the ioctl-full line that says why.
TEST(HumanTest, MissingMemoryAfterAFailedFullPathPointsAtItsReport) {
  ProbeResult r;
  r.driver.version = "580.95.05";
  GpuInfo g;
  g.pci_bus_id = "0000:3b:00.0";
  g.name = "NVIDIA H100 80GB HBM3";
  g.uuid = "GPU-12345678-1234-1234-1234-123456789abc";
  r.gpus.push_back(g);
  EXPECT_THAT(ToHuman(r), HasSubstr("(-: not learned; memory: --full)"));
  SourceReport full;
  full.source = kSourceIoctlFull;
  full.error = "not run: the kernel driver listed no GPU to open";
  r.sources_tried.push_back(full);
  std::string t = ToHuman(r);
  EXPECT_THAT(t, Not(HasSubstr("memory: --full")));
  EXPECT_THAT(t, HasSubstr("(-: not learned; memory: the full path failed, see ioctl-full below)"));
  EXPECT_THAT(t, HasSubstr("ioctl-full: failed (0 us) - not run: the kernel driver listed no GPU"));
}

// "Ada Lovelace AD102" (18 characters) ran into the memory column of a fixed
// 13-character one: the column is as wide as its longest entry.
TEST(HumanTest, ArchitectureColumnFitsItsLongestEntry) {
  ProbeResult r;
  r.driver.version = "550.163.01";
  GpuInfo ada, hopper;
  ada.pci_bus_id = "0000:01:00.0";
  ada.architecture = "Ada Lovelace";
  ada.chip = "AD102";
  ada.memory_mib = 24564;
  hopper.index = 1;
  hopper.pci_bus_id = "0000:02:00.0";
  hopper.architecture = "Hopper";
  hopper.chip = "GH100";
  hopper.memory_mib = 81559;
  r.gpus = {ada, hopper};
  std::istringstream lines(ToHuman(r));
  std::vector<std::string> table;
  for (std::string l; std::getline(lines, l);) {
    if (l.rfind("#", 0) == 0 || l.rfind("0 ", 0) == 0 || l.rfind("1 ", 0) == 0) table.push_back(l);
  }
  ASSERT_EQ(table.size(), 3u) << ToHuman(r);
  const size_t memory = table[0].find("memory");
  ASSERT_NE(memory, std::string::npos);
  EXPECT_EQ(table[1].find("24564 MiB"), memory) << ToHuman(r);
  EXPECT_EQ(table[2].find("81559 MiB"), memory) << ToHuman(r);
  EXPECT_NE(table[1].find("Ada Lovelace AD102 "), std::string::npos);
}

// Text from the environment, the driver's files or nvidia-smi reaches a terminal only
// escaped: no control byte but the table's own newlines.
TEST(HumanTest, ControlBytesAreEscapedVisibly) {
  EXPECT_EQ(EscapeControl("NVIDIA H100 80GB HBM3"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(EscapeControl("\x1b]0;pwned\x07 a\tb\nc\rd\x7f"), "\\x1b]0;pwned\\x07 a\\tb\\nc\\rd\\x7f");
  EXPECT_EQ(EscapeControl(std::string("nul\0", 4)), "nul\\x00");
  EXPECT_EQ(EscapeControl("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(EscapeControl("csi \xc2\x9b" "2J"), "csi \\xc2\\x9b2J");  // U+009B, a C1 control
  EXPECT_EQ(EscapeControl("bad \xff\xc3 \xc0\xaf \xed\xa0\x80"),
            "bad \\xff\\xc3 \\xc0\\xaf \\xed\\xa0\\x80");  // invalid, overlong, surrogate

  ProbeResult r;
  r.driver.version = "580.95.05";
  r.driver.source = kSourceSmi;
  GpuInfo g;
  g.source = kSourceSmi;
  g.pci_bus_id = "0000:3b:00.0";
  g.name = "\x1b[2J\x1b[31mEvil";
  g.uuid = "GPU-\x1b[0m";
  r.gpus.push_back(g);
  SourceReport rep;
  rep.source = kSourceSmi;
  rep.error = "line\nbreak";
  r.sources_tried.push_back(rep);
  r.warnings.push_back("env: NVPROBE_DRIVER_VERSION=\"\x1b]0;pwned\x07\" is not a driver version; ignored");
  const std::string table = ToHuman(r);
  for (char c : table)
    EXPECT_TRUE(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f))
        << "raw control byte " << static_cast<int>(c) << " in:\n" << table;
  EXPECT_THAT(table, HasSubstr("\\x1b[2J\\x1b[31mEvil"));
  EXPECT_THAT(table, HasSubstr("GPU-\\x1b[0m\n"));
  EXPECT_THAT(table, HasSubstr("line\\nbreak"));
  EXPECT_THAT(table, HasSubstr("NVPROBE_DRIVER_VERSION=\"\\x1b]0;pwned\\x07\""));
  EXPECT_EQ(*ToCsv(r, {"name", "uuid"}, {.header = false}), "\\x1b[2J\\x1b[31mEvil, GPU-\\x1b[0m\n");
  // A long name is cut to its 32-byte column at a character boundary.
  r.gpus[0].name = std::string(31, 'a') + "\xc3\xa9" + "tail";
  EXPECT_THAT(ToHuman(r), HasSubstr(" " + std::string(31, 'a') + "  "));
}

TEST(CliTest, EnvironmentControlBytesAreEscapedInTheTable) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  std::string out;
  CliEnvironment env;
  env.driver_version = "\x1b]0;pwned\x07";
  EXPECT_EQ(Cli(sys, {}, &out, env), 0);
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(out, HasSubstr("NVPROBE_DRIVER_VERSION=\"\\x1b]0;pwned\\x07\" is not a driver version"));
  EXPECT_EQ(Cli(sys, {"--query-gpu=driver_version", "--format=csv,noheader"}, &out, env), 0);
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
}

std::string CliErr(std::vector<std::string> args, int* rc) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  std::ostringstream o, e;
  *rc = RunCli(sys, args, {}, o, e);
  return e.str();
}

TEST(CliTest, UsageMessagesSayWhatIsExpected) {
  int rc = 0;
  EXPECT_EQ(CliErr({"--smi-timeout", "100"}, &rc),
            "nvprobe: --smi-timeout needs its value after '=': --smi-timeout=MS\n");
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(CliErr({"--source", "ioctl"}, &rc),
            "nvprobe: --source needs its value after '=': --source=LIST\n");
  EXPECT_EQ(rc, 2);
  for (const char* bad : {"0", "600001", "-5", "99999999999999999999", "1e3", ""}) {
    EXPECT_EQ(CliErr({std::string("--smi-timeout=") + bad}, &rc),
              std::string("nvprobe: bad --smi-timeout \"") + bad +
                  "\": MS must be a whole number of milliseconds from 1 to 600000\n");
    EXPECT_EQ(rc, 2) << bad;
  }
  EXPECT_EQ(CliErr({"--smi-timeout=600000", "--source=env"}, &rc), "");
  EXPECT_EQ(rc, 3);
  for (const char* bad : {"--source=", "--source=,", "--source=ioctl,", "--source=ioctl,,files"}) {
    EXPECT_EQ(CliErr({bad}, &rc),
              std::string("nvprobe: ") + bad +
                  ": empty source name; LIST is env, ioctl, ioctl-full, files, nvidia-smi, "
                  "comma-separated\n");
    EXPECT_EQ(rc, 2) << bad;
  }
  EXPECT_EQ(CliErr({"--source=ioctl,nope"}, &rc),
            "nvprobe: unknown source \"nope\" (sources: env, ioctl, ioctl-full, files, nvidia-smi)\n");
  EXPECT_EQ(rc, 2);
}

// A stream that accepts nothing, as stdout on /dev/full or a full disk.
class FullBuf : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST(CliTest, OutputThatCannotBeWrittenIsAnError) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"--json"},
                                             {"--query-gpu=driver_version", "--format=csv"},
                                             {"--help"}}) {
    FullBuf full;
    std::ostream out(&full);
    std::ostringstream err;
    EXPECT_EQ(RunCli(sys, args, {}, out, err), 1) << ::testing::PrintToString(args);
    EXPECT_THAT(err.str(), ::testing::StartsWith("nvprobe: cannot write the output"));
  }
}

TEST(CApiTest, BufferHandling) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  size_t needed = 0;
  char small[8];
  EXPECT_EQ(JsonIntoBuffer(sys, {}, small, sizeof(small), &needed), NVPROBE_BUFFER_TOO_SMALL);
  ASSERT_GT(needed, sizeof(small));
  // The size asked for is enough for another run, whose timings may have more
  // digits (seen under ASan: 999 us, then 1000 us).
  std::vector<char> buf(needed);
  EXPECT_EQ(JsonIntoBuffer(sys, {}, buf.data(), buf.size(), &needed), NVPROBE_FOUND);
  EXPECT_GT(needed, std::strlen(buf.data()) + 1);
  EXPECT_EQ(json::parse(buf.data())["driver"]["version"], "580.95.05");
  EXPECT_EQ(nvprobe_json(nullptr, 5, nullptr, 0), NVPROBE_BAD_ARGUMENT);
  EXPECT_EQ(nvprobe_json(small, sizeof(small), nullptr, 4u), NVPROBE_BAD_ARGUMENT);  // unknown flag
}

}  // namespace
}  // namespace nvprobe::probe
