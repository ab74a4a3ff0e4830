// The Resource Manager's object tree as the machine model keeps it: clients, each
// with the objects allocated under it (devices, subdevices, ...). Handles, parents
// and ownership follow src/nvidia/src/libraries/resserv (rs_server.c, rs_client.c);
// statuses are NVIDIA's names, turned into numbers by the caller's ABI. A client
// belongs to the open file it was allocated on (an OpenFileId, the supervisor's
// number for an open file description), as the driver binds it to the file's
// private data: rmapi/client.c:rmclientConstruct_IMPL() keeps the caller's
// clientOSInfo, which arch/nvalloc/unix/src/escape.c:RmIoctl() sets to the file's
// nvfp (or, for a GPU file registered with NV_ESC_REGISTER_FD, to its control
// file's: not modelled yet, a client answers only on its own file).
#ifndef NVPROBE_FAKE_DRIVER_MODEL_RM_OBJECTS_H_
#define NVPROBE_FAKE_DRIVER_MODEL_RM_OBJECTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nvprobe::fakedrv::model {

struct RmObject {
  uint32_t handle = 0;
  uint32_t parent = 0;  // the client's own handle for objects right under it
  uint32_t hclass = 0;
  int gpu = -1;         // the machine's GPU index, for objects of one GPU
  std::vector<uint32_t> children;
};

struct RmClient {
  uint32_t handle = 0;
  uint32_t hclass = 0;
  int file = -1;  // the open file it was allocated on: it answers only there
  std::map<uint32_t, RmObject> objects;  // the client itself included
  uint32_t generated = 0;  // rs_client.c:clientGenResourceHandle_IMPL()'s index
};

class RmObjects {
 public:
  // rs_server.c:serverAllocClient(): hClient 0 gets the next free handle from
  // RS_CLIENT_HANDLE_BASE; a given one must be free. Returns a status name.
  const char* AllocClient(uint32_t requested, uint32_t hclass, int file, uint32_t* handle);
  // rs_client.c:clientAssignResourceHandle_IMPL(): 0 generates a handle from
  // RS_UNIQUE_HANDLE_BASE; a given one must not be the client's or taken.
  const char* Alloc(RmClient& client, uint32_t parent, uint32_t requested, uint32_t hclass, int gpu,
                    uint32_t* handle);
  // Frees the object and everything under it; the client's handle frees the client.
  const char* Free(uint32_t client, uint32_t handle, int file);
  // Frees every client of open file `file` with everything under it, once the file
  // is closed: arch/nvalloc/unix/src/osapi.c:rm_cleanup_file_private() ->
  // RmFreeUnusedClients() (the clients whose pOSInfo is the file's nvfp), which
  // kernel-open/nvidia/nv.c:nvidia_close() calls. Returns how many.
  int FreeClientsOf(int file);

  // The client, when it exists and belongs to open file `file`
  // (rmapi/client.c:rmclientValidate_IMPL(): pOSInfo != clientOSInfo is
  // NV_ERR_INVALID_CLIENT), else null.
  RmClient* ClientOn(uint32_t client, int file);
  static const RmObject* Find(const RmClient& c, uint32_t handle);

  // Every object below and including `handle`, children first.
  static std::vector<uint32_t> Subtree(const RmClient& c, uint32_t handle);

  size_t client_count() const { return clients_.size(); }
  // Whether any client holds an object of class `hclass` on GPU `gpu`.
  bool AnyOnGpu(uint32_t hclass, int gpu) const;

 private:
  std::map<uint32_t, RmClient> clients_;
  uint32_t next_client_ = 0;
};

// rs_server.c / rs_client.c constants (src/nvidia/inc/libraries/resserv).
inline constexpr uint32_t kClientHandleBase = 0xC1D00000;   // RS_CLIENT_HANDLE_BASE
inline constexpr uint32_t kClientHandleMax = 0x100000;      // RS_CLIENT_HANDLE_MAX
inline constexpr uint32_t kUniqueHandleBase = 0xCAF00000;   // RS_UNIQUE_HANDLE_BASE
inline constexpr uint32_t kUniqueHandleRange = 0x40000;     // rs_client.c: 0xcaf00000..0xcaf3ffff

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_RM_OBJECTS_H_
