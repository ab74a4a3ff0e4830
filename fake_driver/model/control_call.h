// One control command being answered by the machine model: the client's params
// (and nested buffers) in, the answer written into their `out` bytes, through the
// release's layouts. Handlers name fields, never offsets; a field the release
// lacks is a model bug, kept in `error` and reported by the caller.
#ifndef NVPROBE_FAKE_DRIVER_MODEL_CONTROL_CALL_H_
#define NVPROBE_FAKE_DRIVER_MODEL_CONTROL_CALL_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "abi/abi.h"
#include "fake_driver/trace/arg_buffer.h"
#include "fake_driver/machine/machine_description.h"

namespace nvprobe::fakedrv::model {

// What the model remembers between calls that controls change.
class RmObjects;

struct ModelState {
  std::set<uint32_t> detached_gpu_ids;  // GPU_DETACH_IDS'd, until attached again
  // Timestamps from a counter instead of the host's clocks, so that the same
  // requests get the same answers in every run (fakedrv synth records them).
  bool fixed_clock = false;
  uint64_t clock_ticks = 0;
};

class ControlCall {
 public:
  ControlCall(const Machine& machine, const abi::Abi& abi, const std::string& driver,
              ModelState& state, const RmObjects& objects, int gpu, ArgBuffer& params)
      : machine(machine), abi(abi), driver(driver), state(state), objects(objects), gpu_index(gpu),
        params_(params) {}

  const Machine& machine;
  const abi::Abi& abi;
  const std::string& driver;
  ModelState& state;
  const RmObjects& objects;  // every client's (which GPUs have a device: "in use")
  const int gpu_index;  // -1 for the root client's controls
  const MachineGpu& gpu() const { return machine.gpus[static_cast<size_t>(gpu_index)]; }

  // The params struct's input field; 0 (and an error) when the release lacks it.
  uint64_t In(std::string_view field);
  uint64_t InElement(std::string_view field, uint32_t index);
  void Set(std::string_view field, uint64_t value);
  void SetElement(std::string_view field, uint32_t index, uint64_t value);
  void SetString(std::string_view field, std::string_view value);
  void SetBytes(std::string_view field, std::string_view bytes);
  // Whether this release's params struct has the field.
  bool params_has(std::string_view field) const {
    return params_.layout != nullptr && params_.layout->Find(field) != nullptr;
  }
  // An array field's element count.
  uint32_t Count(std::string_view field);
  // NVIDIA's constant; 0 and an error when the release lacks it.
  uint64_t C(std::string_view name);
  bool HasConstant(std::string_view name) const { return abi.FindConstant(name).has_value(); }

  // The nested buffer a pointer field leads to; null when the client passed none.
  ArgBuffer* Nested(std::string_view pointer_field);

  // The struct entries of a list field: a pointer's nested buffer, or an array of
  // structs embedded in the params. `entry` null when there is neither.
  struct Entries {
    const abi::StructLayout* entry = nullptr;
    const std::vector<uint8_t>* in = nullptr;
    std::vector<uint8_t>* out = nullptr;
    uint32_t offset = 0;  // of the first entry in `in`/`out`
    uint32_t count = 0;   // entries that fit
  };
  Entries EntriesOf(std::string_view list_field);

  const std::string& error() const { return error_; }

 private:
  const abi::Field* FieldOf(std::string_view field, const ArgBuffer& b);
  ArgBuffer& params_;
  std::string error_;
};

// The 32-bit GPU id of gpu.c:gpuGenerate32BitId(): (domain << 16) | (bus << 8) | device.
uint32_t GpuIdOf(const MachineGpu& g);

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_CONTROL_CALL_H_
