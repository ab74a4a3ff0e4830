// The model's answer to one request against the recorded one, field by field as
// the ABI decodes them: the top-level struct and every nested buffer, arrays
// element by element, strings as text, handles through the handle translation,
// pointers for null / non-null only (their values are each side's own addresses),
// buffers without a layout as byte ranges.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_OUTPUT_COMPARE_H_
#define NVPROBE_FAKE_DRIVER_DIFF_OUTPUT_COMPARE_H_

#include <string>
#include <vector>

#include "abi/abi.h"
#include "fake_driver/diff/handle_translation.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv::diff {

struct FieldDifference {
  std::string path;      // e.g. "NV2080_CTRL_GPU_GET_INFO_V2_PARAMS.gpuInfoList[3].data"
  std::string model;     // the model's value, as printed
  std::string recorded;  // the recording's
  // The escape struct's `status`: the RM call's result (NVOS54, NVOS21, ...).
  bool is_status = false;
};

struct OutputComparison {
  std::vector<FieldDifference> differences;
  int ignored = 0;  // fields skipped as time-varying (ignored_fields.h)
};

// `model` is the placed copy of `recorded` (same tree, layouts set where the
// recording may have none) with the model's `out`; `recorded` has the recorded
// `out`. `top_name` names a top-level buffer without a layout.
OutputComparison CompareOutputs(const abi::Abi& abi, const ArgBuffer& recorded,
                                const ArgBuffer& model, const HandleTranslation& handles,
                                const std::string& top_name);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_OUTPUT_COMPARE_H_
