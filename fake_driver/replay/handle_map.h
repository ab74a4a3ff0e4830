// RM object handles, mapped both ways between a trace and the live client. The
// client picks some handles itself (then its value stands for the trace's), the
// driver assigns others (then the replay hands out a fresh value of its own, so a
// client that assumes the recorded values fails visibly).
#ifndef NVPROBE_FAKE_DRIVER_REPLAY_HANDLE_MAP_H_
#define NVPROBE_FAKE_DRIVER_REPLAY_HANDLE_MAP_H_

#include <cstdint>
#include <map>
#include <optional>

namespace nvprobe::fakedrv {

class HandleMap {
 public:
  // Where the replay's driver-assigned handles start.
  static constexpr uint32_t kFirstAssigned = 0xcf000001;

  std::optional<uint32_t> ToTrace(uint32_t client) const;
  std::optional<uint32_t> ToClient(uint32_t trace) const;
  // Several client handles may stand for one trace handle (clients in different
  // processes replaying the same recording); ToClient gives the latest.
  void Bind(uint32_t client, uint32_t trace);
  void ForgetClient(uint32_t client);
  // A driver-assigned handle for `trace`, bound to it.
  uint32_t Assign(uint32_t trace);
  size_t size() const { return to_trace_.size(); }

 private:
  std::map<uint32_t, uint32_t> to_trace_;
  std::map<uint32_t, uint32_t> to_client_;
  uint32_t next_ = kFirstAssigned;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_REPLAY_HANDLE_MAP_H_
