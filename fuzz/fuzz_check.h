// FUZZ_CHECK: a property a fuzz target asserts on every input. A violation prints
// what broke and aborts, which both libFuzzer and the standalone driver report as a
// crash (and save the input).
#ifndef NVPROBE_FUZZ_FUZZ_CHECK_H_
#define NVPROBE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                   \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, \
                   #cond);                                                      \
      std::fprintf(stderr, __VA_ARGS__);                                        \
      std::fprintf(stderr, "\n");                                               \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

#endif  // NVPROBE_FUZZ_FUZZ_CHECK_H_
