#include "fake_driver/model/rm_objects.h"

#include <algorithm>

namespace nvprobe::fakedrv::model {

const char* RmObjects::AllocClient(uint32_t requested, uint32_t hclass, int file, uint32_t* handle) {
  uint32_t h = requested;
  if (h == 0) {
    for (uint32_t tries = 0; tries < kClientHandleMax; ++tries) {
      uint32_t candidate = kClientHandleBase + (next_client_++ % kClientHandleMax);
      if (!clients_.count(candidate)) {
        h = candidate;
        break;
      }
    }
    if (h == 0) return "NV_ERR_INSUFFICIENT_RESOURCES";
  } else if (clients_.count(h)) {
    return "NV_ERR_INSERT_DUPLICATE_NAME";
  }
  RmClient& c = clients_[h];
  c.handle = h;
  c.hclass = hclass;
  c.file = file;
  c.objects[h] = RmObject{h, 0, hclass, -1, {}};
  *handle = h;
  return "NV_OK";
}

const char* RmObjects::Alloc(RmClient& client, uint32_t parent, uint32_t requested,
                             uint32_t hclass, int gpu, uint32_t* handle) {
  auto p = client.objects.find(parent);
  if (p == client.objects.end()) return "NV_ERR_INVALID_OBJECT_PARENT";
  uint32_t h = requested;
  if (h == 0) {
    for (uint32_t tries = 0; tries < kUniqueHandleRange && h == 0; ++tries) {
      uint32_t candidate = kUniqueHandleBase + (client.generated++ % kUniqueHandleRange);
      if (!client.objects.count(candidate)) h = candidate;
    }
    if (h == 0) return "NV_ERR_INSUFFICIENT_RESOURCES";
  } else if (h == client.handle) {
    return "NV_ERR_INVALID_OBJECT_HANDLE";
  } else if (client.objects.count(h)) {
    return "NV_ERR_INSERT_DUPLICATE_NAME";
  }
  client.objects[h] = RmObject{h, parent, hclass, gpu, {}};
  client.objects[parent].children.push_back(h);
  *handle = h;
  return "NV_OK";
}

RmClient* RmObjects::ClientOn(uint32_t client, int file) {
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second.file != file) return nullptr;
  return &it->second;
}

const RmObject* RmObjects::Find(const RmClient& c, uint32_t handle) {
  auto it = c.objects.find(handle);
  return it == c.objects.end() ? nullptr : &it->second;
}

std::vector<uint32_t> RmObjects::Subtree(const RmClient& c, uint32_t handle) {
  std::vector<uint32_t> out;
  std::vector<std::pair<uint32_t, bool>> stack = {{handle, false}};
  while (!stack.empty()) {
    auto [h, expanded] = stack.back();
    stack.pop_back();
    const RmObject* o = Find(c, h);
    if (o == nullptr) continue;
    if (expanded) {
      out.push_back(h);
      continue;
    }
    stack.push_back({h, true});
    for (uint32_t child : o->children) stack.push_back({child, false});
  }
  return out;
}

const char* RmObjects::Free(uint32_t client, uint32_t handle, int file) {
  RmClient* c = ClientOn(client, file);
  if (c == nullptr) return "NV_ERR_INVALID_CLIENT";
  if (handle == client) {
    clients_.erase(client);
    return "NV_OK";
  }
  const RmObject* o = Find(*c, handle);
  if (o == nullptr) return "NV_ERR_INVALID_OBJECT_HANDLE";
  const uint32_t parent = o->parent;
  for (uint32_t h : Subtree(*c, handle)) c->objects.erase(h);
  auto& siblings = c->objects[parent].children;
  siblings.erase(std::remove(siblings.begin(), siblings.end(), handle), siblings.end());
  return "NV_OK";
}

int RmObjects::FreeClientsOf(int file) {
  int freed = 0;
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->second.file == file) {
      it = clients_.erase(it);
      ++freed;
    } else {
      ++it;
    }
  }
  return freed;
}

bool RmObjects::AnyOnGpu(uint32_t hclass, int gpu) const {
  for (const auto& [handle, client] : clients_) {
    (void)handle;
    for (const auto& [h, o] : client.objects) {
      (void)h;
      if (o.hclass == hclass && o.gpu == gpu) return true;
    }
  }
  return false;
}

}  // namespace nvprobe::fakedrv::model
