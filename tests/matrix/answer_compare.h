// Whether nvprobe's --json answer is an expected answer's mode (fakedrv synth's
// .expected.json): exit status, driver, platform, every expected GPU field and no
// field the answer lacks (unless "free_keys"), sources tried (with "found_has" /
// "error_has" substrings), warnings matched one to one. The matrix cells
// (check_answer) and the benchmark's matrix section both judge with it.
#ifndef NVPROBE_TESTS_MATRIX_ANSWER_COMPARE_H_
#define NVPROBE_TESTS_MATRIX_ANSWER_COMPARE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nvprobe::matrix {

// Every difference, one line each ("gpus[0].name: expected ..., got ..."); empty
// when `got` (with exit `status`) is the answer `want` (one entry of "modes").
std::vector<std::string> CompareAnswer(const nlohmann::ordered_json& want,
                                       const nlohmann::ordered_json& got, int status);

}  // namespace nvprobe::matrix

#endif  // NVPROBE_TESTS_MATRIX_ANSWER_COMPARE_H_
