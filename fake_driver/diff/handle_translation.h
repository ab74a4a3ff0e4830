// RM handles between a recording and the model. The driver names some objects
// itself (a client allocated with hObjectNew 0: real RM answers e.g. 0xc1d0004f,
// the model 0xc1d00001); the client names the others, and those are the same on
// both sides. So a handle the driver wrote is learned as a pair from the two
// answers, and every other handle stands for itself.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_HANDLE_TRANSLATION_H_
#define NVPROBE_FAKE_DRIVER_DIFF_HANDLE_TRANSLATION_H_

#include <cstdint>
#include <map>

#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv::diff {

class HandleTranslation {
 public:
  uint32_t ToModel(uint32_t recorded) const;
  uint32_t ToRecorded(uint32_t model) const;

  // Rewrites the recorded handles in every struct's `in` of `request` (nested
  // buffers too) to the model's, before the model is asked.
  void RewriteInputs(ArgBuffer& request) const;

  // After the model answered: every handle field the recorded driver changed
  // (recorded `out` != `in`, e.g. hObjectNew, or the params' hClient of a root
  // client) names one object on both sides. `recorded` and `model` have the same
  // shape (the model's is the placed copy of the recording's).
  void Learn(const ArgBuffer& recorded, const ArgBuffer& model);

  size_t size() const { return to_model_.size(); }

 private:
  void Bind(uint32_t recorded, uint32_t model);

  std::map<uint32_t, uint32_t> to_model_;
  std::map<uint32_t, uint32_t> to_recorded_;
};

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_HANDLE_TRANSLATION_H_
