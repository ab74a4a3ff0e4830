// Whether nvprobe's --json answer on a trace is the trace's expected answer: the
// comparison tests/matrix/check_answer.cc makes (exit status, driver, platform,
// every expected GPU field, sources tried, warnings by substring), without its
// failure report. A copy because that binary is private to tests/matrix; the
// bench only needs a yes/no per cell.
#ifndef NVPROBE_BENCH_ANSWER_CHECK_H_
#define NVPROBE_BENCH_ANSWER_CHECK_H_

#include <string>

namespace nvprobe::bench {

// `mode`: "fast" or "full". On a mismatch, `why` names the first differing field.
bool AnswerMatches(const std::string& expected_file_text, const std::string& mode,
                   int exit_status, const std::string& nvprobe_stdout, std::string* why);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_ANSWER_CHECK_H_
