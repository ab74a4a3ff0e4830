#include "fake_driver/diff/handle_translation.h"

namespace nvprobe::fakedrv::diff {
namespace {

// An NvHandle is 32 bits; other widths are not handles the RM hands out.
constexpr uint32_t kHandleWidth = 4;

}  // namespace

uint32_t HandleTranslation::ToModel(uint32_t recorded) const {
  auto it = to_model_.find(recorded);
  return it == to_model_.end() ? recorded : it->second;
}

uint32_t HandleTranslation::ToRecorded(uint32_t model) const {
  auto it = to_recorded_.find(model);
  return it == to_recorded_.end() ? model : it->second;
}

void HandleTranslation::Bind(uint32_t recorded, uint32_t model) {
  // Either side may reuse a value once its object is freed: the latest pair wins,
  // and a stale pair pointing at either value goes.
  if (auto old = to_model_.find(recorded); old != to_model_.end()) to_recorded_.erase(old->second);
  if (auto old = to_recorded_.find(model); old != to_recorded_.end()) to_model_.erase(old->second);
  to_model_[recorded] = model;
  to_recorded_[model] = recorded;
}

void HandleTranslation::RewriteInputs(ArgBuffer& request) const {
  for (ArgBuffer& child : request.nested) RewriteInputs(child);
  ForEachField(request.layout, request.in.size(), abi::FieldKind::kHandle,
               [&](const abi::Field& f, uint32_t offset) {
                 if (f.width != kHandleWidth) return;
                 const uint32_t h = static_cast<uint32_t>(LoadUint(request.in, offset, f.width));
                 StoreUint(request.in, offset, f.width, ToModel(h));
               });
}

void HandleTranslation::Learn(const ArgBuffer& recorded, const ArgBuffer& model) {
  for (size_t i = 0; i < recorded.nested.size() && i < model.nested.size(); ++i) {
    Learn(recorded.nested[i], model.nested[i]);
  }
  if (recorded.out.size() != recorded.in.size() || model.out.size() != recorded.in.size()) return;
  // The model's copy carries the layout the top-level struct was asked with (a
  // recording made without following nested buffers has none).
  ForEachField(model.layout, recorded.in.size(), abi::FieldKind::kHandle,
               [&](const abi::Field& f, uint32_t offset) {
                 if (f.width != kHandleWidth) return;
                 const uint64_t rec_in = LoadUint(recorded.in, offset, f.width);
                 const uint64_t rec_out = LoadUint(recorded.out, offset, f.width);
                 const uint64_t model_in = LoadUint(model.in, offset, f.width);
                 const uint64_t model_out = LoadUint(model.out, offset, f.width);
                 // Both drivers named an object here; a failed call on either side
                 // leaves its input, and teaches nothing.
                 if (rec_out == rec_in || rec_out == 0 || model_out == model_in || model_out == 0) {
                   return;
                 }
                 Bind(static_cast<uint32_t>(rec_out), static_cast<uint32_t>(model_out));
               });
}

}  // namespace nvprobe::fakedrv::diff
