// ProcessMemory::WriteAll: an answer's pieces go back in order in one call, and a
// piece that cannot be written stops it there, as a Write() of each would.
#include "fake_driver/supervisor/process_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace nvprobe::fakedrv {
namespace {

uint64_t Addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

TEST(ProcessMemoryTest, WriteAllWritesEveryPieceInOrder) {
  std::vector<uint8_t> a(16, 0), b(2304, 0);
  const std::vector<uint8_t> x(16, 0xaa), y(2304, 0xbb), z(4, 0xcc);
  ProcessMemory mem(getpid(), -1, 0);
  // z lands over the start of b after y: order matters.
  std::vector<TargetWrite> pieces = {{Addr(a.data()), x}, {Addr(b.data()), y}, {Addr(b.data()), z}};
  ASSERT_TRUE(mem.WriteAll(pieces).ok());
  EXPECT_EQ(a, x);
  EXPECT_EQ(b[0], 0xcc);
  EXPECT_EQ(b[4], 0xbb);
  EXPECT_EQ(b[2303], 0xbb);
}

TEST(ProcessMemoryTest, WriteAllStopsAtAPieceItCannotWrite) {
  const long page = sysconf(_SC_PAGESIZE);
  void* ro = mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(ro, MAP_FAILED);
  std::vector<uint8_t> before(8, 0), after(8, 0);
  const std::vector<uint8_t> bytes(8, 0x11);
  ProcessMemory mem(getpid(), -1, 0);
  std::vector<TargetWrite> pieces = {
      {Addr(before.data()), bytes}, {Addr(ro), bytes}, {Addr(after.data()), bytes}};
  EXPECT_FALSE(mem.WriteAll(pieces).ok());
  EXPECT_EQ(before, bytes);                   // written before the failing piece
  EXPECT_EQ(after, std::vector<uint8_t>(8));  // not after it
  EXPECT_EQ(static_cast<uint8_t*>(ro)[0], 0);
  munmap(ro, page);
}

TEST(ProcessMemoryTest, WriteAllOfNothingIsOk) {
  ProcessMemory mem(getpid(), -1, 0);
  EXPECT_TRUE(mem.WriteAll({}).ok());
  const std::vector<uint8_t> empty;
  std::vector<TargetWrite> pieces = {{0, empty}};  // empty pieces are skipped
  EXPECT_TRUE(mem.WriteAll(pieces).ok());
}

}  // namespace
}  // namespace nvprobe::fakedrv
