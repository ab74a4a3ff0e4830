// Deterministic input mutations for the standalone fuzz driver (standalone_main.cc):
// what libFuzzer's mutators do, minus coverage feedback. Given the same seed and
// the same pool, the sequence of inputs is the same on every machine, so a smoke
// run that fails in CI fails the same way on a laptop.
#ifndef NVPROBE_FUZZ_MUTATOR_H_
#define NVPROBE_FUZZ_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nvprobe::fuzz {

// splitmix64: tiny, fast, and good enough to drive mutations.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n); 0 when n is 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

class Mutator {
 public:
  // `pool`: the seeds and regression inputs mutations start from (not empty).
  // Mutants never grow past `max_len` bytes.
  Mutator(uint64_t seed, std::vector<std::string> pool, size_t max_len);

  // A fresh mutant: one pool entry with one to five mutations stacked.
  std::string Next();

 private:
  void MutateOnce(std::string& s);
  void FlipBit(std::string& s);
  void SetByte(std::string& s);
  void AddToByte(std::string& s);
  void InsertBytes(std::string& s);
  void EraseBytes(std::string& s);
  void Truncate(std::string& s);
  void DuplicateChunk(std::string& s);
  void Splice(std::string& s);
  void InterestingInteger(std::string& s);
  void InsertToken(std::string& s);
  void Clamp(std::string& s) const;

  Rng rng_;
  std::vector<std::string> pool_;
  size_t max_len_;
};

}  // namespace nvprobe::fuzz

#endif  // NVPROBE_FUZZ_MUTATOR_H_
