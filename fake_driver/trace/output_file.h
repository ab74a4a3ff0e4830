// Output files written whole or not at all (`fakedrv synth -o`, `--expected`,
// `fakedrv record -o`): the content goes to a new temporary file beside the output
// (mkstemp, so nothing that exists is touched), which is renamed over it once
// complete. A failed write, a full disk or a file-size limit leaves the old file
// as it was.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_OUTPUT_FILE_H_
#define NVPROBE_FAKE_DRIVER_TRACE_OUTPUT_FILE_H_

#include <string>
#include <string_view>
#include <utility>

#include "abi/status.h"

namespace nvprobe::fakedrv {

// Whether `path` can be written before any work is done: its directory exists
// and is writable, and `path` is not a directory or other non-regular file (a
// rename would replace it). The message is "cannot write PATH: <why>".
Status CheckOutputPath(const std::string& path);

// Whether `a` and `b` name the same file: the same inode when both exist, else
// the same path once the directory is resolved ("./x" and "x").
bool SameFile(const std::string& a, const std::string& b);

// A temporary file beside `path` (PATH.XXXXXX), removed unless committed or kept.
class OutputFile {
 public:
  static StatusOr<OutputFile> Create(const std::string& path);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  const std::string& temp_path() const { return temp_; }
  Status Write(std::string_view data);
  // Flushes it to disk, gives it the mode the output had (or 0666 less the umask)
  // and renames it over the output.
  Status Commit();
  // Leaves the temporary file in place (closed), e.g. for inspection.
  void Keep();

 private:
  OutputFile(std::string path, std::string temp, int fd) : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}
  std::string path_, temp_;
  int fd_ = -1;
  bool done_ = false;
};

// CheckOutputPath, then `content` through an OutputFile. The message is "cannot
// write PATH: <strerror>".
Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_OUTPUT_FILE_H_
