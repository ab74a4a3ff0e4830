// GoogleMock System for the probe's unit tests.
#ifndef NVPROBE_TESTS_PROBE_MOCK_SYSTEM_H_
#define NVPROBE_TESTS_PROBE_MOCK_SYSTEM_H_

#include <gmock/gmock.h>

#include "probe/system.h"

namespace nvprobe::probe {

class MockSystem : public System {
 public:
  MOCK_METHOD(StatusOr<int>, Open, (const std::string& path, int flags), (override));
  MOCK_METHOD(IoctlResult, Ioctl, (int fd, unsigned long request, void* arg), (override));
  MOCK_METHOD(void, Close, (int fd), (override));
  MOCK_METHOD(StatusOr<std::string>, ReadFile, (const std::string& path, size_t max_bytes),
              (override));
  MOCK_METHOD(StatusOr<std::vector<std::string>>, ListDir, (const std::string& path),
              (override));
  MOCK_METHOD(StatusOr<CommandResult>, Run,
              (const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
               size_t max_output),
              (override));
};

}  // namespace nvprobe::probe

#endif  // NVPROBE_TESTS_PROBE_MOCK_SYSTEM_H_
