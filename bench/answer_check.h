// Whether nvprobe's --json answer on a trace is the trace's expected answer, judged
// as the matrix cells judge it (tests/matrix/answer_compare.h), without their
// failure report: the bench only needs a yes/no per cell and the first difference.
#ifndef NVPROBE_BENCH_ANSWER_CHECK_H_
#define NVPROBE_BENCH_ANSWER_CHECK_H_

#include <string>

namespace nvprobe::bench {

// `mode`: "fast", "details" or "full". On a mismatch, `why` names the first differing field.
bool AnswerMatches(const std::string& expected_file_text, const std::string& mode,
                   int exit_status, const std::string& nvprobe_stdout, std::string* why);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_ANSWER_CHECK_H_
