// `fakedrv record --anonymize` (fake_driver/record/record_anonymize.cc) on the
// recordings of a real H100 (traces/recorded/580.159.04/h100-80gb-vm-1x/): the
// identifiers its first version let through, put back in the form the driver wrote
// them (a board serial number only in GET_OEM_BOARD_INFO answers, whose params the
// 580.142 ABI layer keeps as raw bytes; the PDI in GET_INFO_V2 entries 0x23/0x24;
// "(nixbld@)" in /proc/driver/nvidia/version), must be gone everywhere, replaced
// consistently, by fakes of the same length; and anonymizing reproduces exactly
// what was fixed by hand there.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "fake_driver/record/record_anonymize.h"
#include "fake_driver/trace/arg_buffer.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/trace/trace.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDir[] = "traces/recorded/580.159.04/h100-80gb-vm-1x/";
constexpr char kVersionFile[] = "/proc/driver/nvidia/version";

// What the hand fix left in the committed traces (README.md, "Anonymization").
constexpr char kFakeSerial[] = "SN00000000001";
constexpr uint64_t kFakePdi = 0xface000000000001;
constexpr char kFakeUser[] = "(anon01@)";

// Real-looking values of the same lengths: an H100 board serial is 13 digits; the
// PDI is gpu_gspclient.c's own placeholder (gpuGetPdi_FWCLIENT, 595.45.04).
constexpr char kSerial[] = "1652923012345";
constexpr uint64_t kPdi = 0x6dbb0ab8a7c66ad2;
constexpr char kUser[] = "(nixbld@)";

// NV2080_CTRL_CMD_GPU_GET_OEM_BOARD_INFO: serialNumber[16] at offset 28
// (ctrl2080gpu.h; the 580.142 ABI layer does not describe the struct).
constexpr uint32_t kOemBoardInfo = 0x2080013f;
constexpr uint32_t kSerialOffset = 28;

Trace Load(const std::string& name) {
  TraceLoad l = LoadTrace(kDir + name + ".trace.jsonl", abi::Registry::Default());
  EXPECT_TRUE(l.ok()) << (l.errors.empty() ? "" : l.errors[0]);
  return std::move(l.trace);
}

std::string Text(const Trace& t) {
  std::ostringstream s;
  WriteTrace(t, s);
  return s.str();
}

std::string Hex(const std::string& bytes) {
  return HexEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::string Le32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

// Every RM control's params buffer (NVOS54_PARAMETERS -> params) with its cmd.
void ForEachControl(Trace& t, const std::function<void(uint32_t cmd, ArgBuffer&)>& fn) {
  for (IoctlEvent& e : t.events) {
    if (e.args.layout == nullptr || e.args.layout->name != "NVOS54_PARAMETERS") continue;
    const uint32_t offset = e.args.layout->Find("cmd")->offset;
    const auto cmd = static_cast<uint32_t>(LoadUint(e.args.in, offset, 4));
    for (ArgBuffer& p : e.args.nested) fn(cmd, p);
  }
}

// The board serial of every GET_OEM_BOARD_INFO answer (13 characters here).
std::vector<std::string> OemSerials(Trace& t) {
  std::vector<std::string> out;
  ForEachControl(t, [&](uint32_t cmd, ArgBuffer& p) {
    if (cmd != kOemBoardInfo) return;
    EXPECT_EQ(p.layout, nullptr) << "the ABI describes OEM_BOARD_INFO now: use its field";
    out.emplace_back(p.out.begin() + kSerialOffset, p.out.begin() + kSerialOffset + 13);
  });
  return out;
}

void SetOemSerials(Trace& t, const std::string& serial) {
  ForEachControl(t, [&](uint32_t cmd, ArgBuffer& p) {
    if (cmd != kOemBoardInfo) return;
    std::copy(serial.begin(), serial.end(), p.out.begin() + kSerialOffset);
  });
}

// Every NV2080_CTRL_GPU_INFO entry {index, data} of GET_INFO_V2 answers and GET_INFO
// lists: fn(bytes, offset of the entry).
void ForEachGpuInfo(Trace& t, const std::function<void(std::vector<uint8_t>&, uint32_t)>& fn) {
  std::function<void(ArgBuffer&)> walk = [&](ArgBuffer& b) {
    if (b.layout != nullptr && b.layout->name == "NV2080_CTRL_GPU_GET_INFO_V2_PARAMS") {
      const uint64_t n = LoadUint(b.out, 0, 4);
      for (uint32_t i = 0; i < n; ++i) fn(b.out, 4 + 8 * i);
    }
    if (b.layout != nullptr && b.layout->name == "NV2080_CTRL_GPU_INFO") {
      for (uint32_t o = 0; o + 8 <= b.out.size(); o += 8) fn(b.out, o);
    }
    for (ArgBuffer& c : b.nested) walk(c);
  };
  for (IoctlEvent& e : t.events) walk(e.args);
}

// The data of every GPU_INFO entry with `index`.
std::vector<uint32_t> GpuInfoData(Trace& t, uint32_t index) {
  std::vector<uint32_t> out;
  ForEachGpuInfo(t, [&](std::vector<uint8_t>& b, uint32_t o) {
    if (LoadUint(b, o, 4) == index) out.push_back(static_cast<uint32_t>(LoadUint(b, o + 4, 4)));
  });
  return out;
}

void SetGpuInfoData(Trace& t, uint32_t index, uint32_t data) {
  ForEachGpuInfo(t, [&](std::vector<uint8_t>& b, uint32_t o) {
    if (LoadUint(b, o, 4) == index) StoreUint(b, o + 4, 4, data);
  });
}

bool ReplaceInFile(Trace& t, const std::string& path, const std::string& from,
                   const std::string& to) {
  for (FileNode& f : t.files) {
    if (f.path != path) continue;
    const size_t at = f.content.find(from);
    if (at == std::string::npos) return false;
    f.content.replace(at, from.size(), to);
    return true;
  }
  return false;
}

constexpr const char* kTraces[] = {
    "nvidia-smi-q",          "nvidia-smi-L", "nvidia-smi-query-driver", "nvml-client-full",
    "nvml-client-installer", "nvprobe-fast", "nvprobe-details",         "nvprobe-full"};

// Every committed recording with the three values put back as the driver wrote
// them, then anonymized: exactly the committed recording.
TEST(RecordAnonymizeTest, ReproducesTheHandFixOfTheH100Recordings) {
  int serials = 0, pdis = 0, users = 0;
  for (const char* name : kTraces) {
    const std::string committed = Text(Load(name));
    Trace t = Load(name);
    const size_t n_serials = OemSerials(t).size();
    EXPECT_EQ(OemSerials(t), std::vector<std::string>(n_serials, kFakeSerial)) << name;
    SetOemSerials(t, kSerial);
    serials += static_cast<int>(n_serials);
    const std::vector<uint32_t> lo = GpuInfoData(t, 0x23), hi = GpuInfoData(t, 0x24);
    EXPECT_EQ(lo, std::vector<uint32_t>(lo.size(), static_cast<uint32_t>(kFakePdi))) << name;
    EXPECT_EQ(hi, std::vector<uint32_t>(hi.size(), static_cast<uint32_t>(kFakePdi >> 32))) << name;
    SetGpuInfoData(t, 0x23, static_cast<uint32_t>(kPdi));
    SetGpuInfoData(t, 0x24, static_cast<uint32_t>(kPdi >> 32));
    pdis += static_cast<int>(lo.size());
    const bool user = ReplaceInFile(t, kVersionFile, kFakeUser, kUser);
    users += user;
    if (n_serials == 0 && lo.empty() && !user) continue;
    ASSERT_NE(Text(t), committed) << name;
    std::map<std::string, std::string> m = AnonymizeTrace(t, {});
    if (n_serials != 0) {
      EXPECT_EQ(m[kSerial], kFakeSerial) << name;
    }
    if (user) {
      EXPECT_EQ(m["nixbld"], "anon01") << name;
    }
    if (!lo.empty()) {
      EXPECT_EQ(m["0x6dbb0ab8a7c66ad2"], "0xface000000000001") << name;
    }
    EXPECT_EQ(Text(t), committed) << name;
  }
  // nvidia-smi -q asked the serial 3 times and the PDI once; nvprobe's three
  // recordings read the version file.
  EXPECT_EQ(serials, 3);
  EXPECT_EQ(pdis, 1);
  EXPECT_EQ(users, 3);
}

TEST(RecordAnonymizeTest, CommittedRecordingsAreAFixedPoint) {
  for (const char* name : kTraces) {
    Trace t = Load(name);
    const std::string before = Text(t);
    AnonymizeTrace(t, {});
    EXPECT_EQ(Text(t), before) << name;
  }
}

// 1. A board serial number that only GET_OEM_BOARD_INFO answers tell (raw params).
TEST(RecordAnonymizeTest, BoardSerialOnlyInOemBoardInfoAnswers) {
  Trace t = Load("nvidia-smi-q");
  SetOemSerials(t, kSerial);
  ASSERT_THAT(Text(t), HasSubstr(Hex(kSerial)));
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  ASSERT_EQ(m[kSerial], kFakeSerial);
  const std::string text = Text(t);
  EXPECT_THAT(text, Not(HasSubstr(Hex(kSerial))));
  EXPECT_THAT(text, Not(HasSubstr(kSerial)));
  EXPECT_EQ(OemSerials(t), std::vector<std::string>(3, kFakeSerial));
  // The rest of the answer is untouched.
  ForEachControl(t, [&](uint32_t cmd, ArgBuffer& p) {
    if (cmd != kOemBoardInfo) return;
    EXPECT_EQ(p.out.size(), 136u);
    EXPECT_EQ(std::string(p.out.begin() + 4, p.out.begin() + 18), "H100 80GB HBM3");
  });
}

// The same serial in a procfs text and in the ioctl answers: one fake for both.
TEST(RecordAnonymizeTest, BoardSerialInFileAndIoctlGetsOneFake) {
  Trace t = Load("nvidia-smi-q");
  SetOemSerials(t, kSerial);
  const std::string info = "/proc/driver/nvidia/gpus/0000:00:06.0/information";
  bool added = false;
  for (FileNode& f : t.files) {
    if (f.path == info) {
      f.content += std::string("Serial Number: \t ") + kSerial + "\n";
      added = true;
    }
  }
  if (!added) {
    t.files.push_back({.path = info, .type = NodeType::kFile,
                       .content = std::string("Serial Number: \t ") + kSerial + "\n"});
  }
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  EXPECT_EQ(m.count(kSerial), 1u);
  EXPECT_EQ(m[kSerial], kFakeSerial);
  EXPECT_THAT(t.FindFile(info)->content,
              HasSubstr(std::string("Serial Number: \t ") + kFakeSerial + "\n"));
  EXPECT_EQ(OemSerials(t), std::vector<std::string>(3, kFakeSerial));
  EXPECT_THAT(Text(t), Not(HasSubstr(kSerial)));
}

// 2. The PDI in GET_INFO_V2 entries 0x23 (bits 31:0) and 0x24 (bits 63:32), also a
// half asked alone, and the whole value elsewhere as 8 bytes: one fake.
TEST(RecordAnonymizeTest, PdiInGetInfoV2Answers) {
  Trace t = Load("nvidia-smi-q");
  SetGpuInfoData(t, 0x23, static_cast<uint32_t>(kPdi));
  SetGpuInfoData(t, 0x24, static_cast<uint32_t>(kPdi >> 32));
  // Another answer asks for the low half alone (index 0x22 -> 0x23).
  bool lone = false;
  ForEachGpuInfo(t, [&](std::vector<uint8_t>& b, uint32_t o) {
    if (!lone && LoadUint(b, o, 4) == 0x22) {
      StoreUint(b, o, 4, 0x23);
      StoreUint(b, o + 4, 4, static_cast<uint32_t>(kPdi));
      lone = true;
    }
  });
  ASSERT_TRUE(lone);
  const std::string lo = Hex(Le32(static_cast<uint32_t>(kPdi)));
  const std::string hi = Hex(Le32(static_cast<uint32_t>(kPdi >> 32)));
  ASSERT_THAT(Text(t), HasSubstr(lo));
  ASSERT_THAT(Text(t), HasSubstr(hi));
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  EXPECT_EQ(m["0x6dbb0ab8a7c66ad2"], "0xface000000000001");
  const std::string text = Text(t);
  EXPECT_THAT(text, Not(HasSubstr(lo)));
  EXPECT_THAT(text, Not(HasSubstr(hi)));
  EXPECT_EQ(GpuInfoData(t, 0x23), (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(GpuInfoData(t, 0x24), std::vector<uint32_t>{0xface0000});
}

TEST(RecordAnonymizeTest, PdiInGetInfoListsAndAsRawBytesElsewhere) {
  // nvprobe --full asks GET_INFO (V1: params -> gpuInfoList, a nested list): make
  // two of its entries the PDI's; put the 64-bit value in another answer as 8 bytes
  // and in a file as text.
  Trace t = Load("nvprobe-full");
  ArgBuffer* list = nullptr;
  ForEachControl(t, [&](uint32_t, ArgBuffer& p) {
    for (ArgBuffer& n : p.nested) {
      if (n.layout != nullptr && n.layout->name == "NV2080_CTRL_GPU_INFO") {
        list = &n;
        StoreUint(p.in, 0, 4, 2);  // gpuInfoListSize
        StoreUint(p.out, 0, 4, 2);
      }
    }
  });
  ASSERT_NE(list, nullptr);
  list->in.resize(16);
  list->out.resize(16);
  StoreUint(list->out, 0, 4, 0x24);
  StoreUint(list->out, 4, 4, kPdi >> 32);
  StoreUint(list->out, 8, 4, 0x23);
  StoreUint(list->out, 12, 4, kPdi & 0xffffffff);
  ArgBuffer* other = nullptr;
  ForEachControl(t, [&](uint32_t, ArgBuffer& p) {
    if (other == nullptr && p.nested.empty() && p.out.size() >= 16) other = &p;
  });
  ASSERT_NE(other, nullptr);
  StoreUint(other->out, 8, 8, kPdi);
  const std::string info = "/proc/driver/nvidia/gpus/0000:00:06.0/information";
  for (FileNode& f : t.files) {
    if (f.path == info) f.content += "PDI: 0x6DBB0AB8A7C66AD2\n";
  }
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  EXPECT_EQ(m["0x6dbb0ab8a7c66ad2"], "0xface000000000001");
  const std::string text = Text(t);
  for (const std::string& gone :
       {Hex(Le32(static_cast<uint32_t>(kPdi))), Hex(Le32(static_cast<uint32_t>(kPdi >> 32))),
        std::string("6DBB0AB8A7C66AD2")}) {
    EXPECT_THAT(text, Not(HasSubstr(gone))) << gone;
  }
  EXPECT_EQ(LoadUint(list->out, 4, 4), 0xface0000u);
  EXPECT_EQ(LoadUint(list->out, 12, 4), 1u);
  EXPECT_EQ(LoadUint(other->out, 8, 8), kFakePdi);
  EXPECT_THAT(t.FindFile(info)->content, HasSubstr("PDI: 0xFACE000000000001\n"));
}

// 3. The build user of /proc/driver/nvidia/version with an empty host.
TEST(RecordAnonymizeTest, BuildUserWithEmptyHost) {
  Trace t = Load("nvprobe-fast");
  ASSERT_TRUE(ReplaceInFile(t, kVersionFile, kFakeUser, kUser));
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  EXPECT_EQ(m["nixbld"], "anon01");
  const std::string& v = t.FindFile(kVersionFile)->content;
  EXPECT_EQ(v,
            "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  "
            "(anon01@)  \nGCC version:  gcc version 15.3.0 (GCC) \n");
  EXPECT_THAT(Text(t), Not(HasSubstr("nixbld")));
}

TEST(RecordAnonymizeTest, UserAndHostNamesNumberedApartFromSerials) {
  Trace t = Load("nvidia-smi-q");
  SetOemSerials(t, kSerial);
  t.files.push_back({.path = kVersionFile, .type = NodeType::kFile,
                     .content = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  "
                                "Release Build  (dvs-builder@U22-I3-AE18-23-3)  "
                                "Tue Sep 23 09:55:41 UTC 2025\n"});
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  EXPECT_EQ(m[kSerial], kFakeSerial);
  EXPECT_EQ(m["dvs-builder"], "anon0000001");
  EXPECT_EQ(m["U22-I3-AE18-23-3"], "anon000000000002");
  EXPECT_THAT(t.FindFile(kVersionFile)->content, HasSubstr("(anon0000001@anon000000000002)"));
}

}  // namespace
}  // namespace nvprobe::fakedrv
