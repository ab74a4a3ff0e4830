"""nvprobe_fuzzer: one fuzz target, as a fuzzer binary and a bounded smoke test.

For a target NAME (sources defining LLVMFuzzerTestOneInput):

  :NAME_fuzzer     the fuzzer. Plain and --config=asan builds link the standalone
                   driver (standalone_main.cc: seeds, regressions, then deterministic
                   mutations); --config=fuzz (clang) links libFuzzer's main instead.
  :NAME_fuzz_test  the smoke run inside `bazel test //...`: the standalone driver
                   over the seeds and fuzz/regressions/NAME/, then mutations until
                   `runs` or `seconds`, whichever comes first.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def nvprobe_fuzzer(name, srcs, deps, seeds = [], seconds = 8, runs = 100000, max_len = 0,
                   min_runs = 200):
    """Defines NAME_fuzzer and NAME_fuzz_test (see the file comment).

    Args:
      name: the target's name; its regression inputs live in fuzz/regressions/NAME/.
      srcs: sources; one of them defines LLVMFuzzerTestOneInput.
      deps: what they test.
      seeds: files or filegroups of seed inputs (labels into traces/, genrules,
        fuzz/corpus/NAME).
      seconds: the smoke test's wall-time cap (NVPROBE_FUZZ_SECONDS overrides).
      runs: the smoke test's cap on mutated inputs (NVPROBE_FUZZ_RUNS overrides).
      min_runs: the smoke test's floor of mutations (-min_runs): the time cap is
        checked only after it, and a cap of runs below it fails the test.
      max_len: if not 0, the smoke test's -max_len: longer mutants are cut, and
        longer seeds run once but are not mutated.
    """
    cc_library(
        name = name + "_target",
        testonly = True,
        srcs = srcs,
        deps = deps + ["//fuzz:fuzz_check"],
        alwayslink = True,
    )
    native.filegroup(
        name = name + "_regressions",
        testonly = True,
        srcs = native.glob(["regressions/%s/**" % name]),
    )
    cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        deps = [":%s_target" % name] + select({
            "//fuzz:libfuzzer": [],
            "//conditions:default": ["//fuzz:standalone_main"],
        }),
        linkopts = select({
            "//fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    inputs = seeds + [":%s_regressions" % name]
    cc_test(
        name = name + "_fuzz_test",
        # A whole core for `seconds`, then done: medium for the CPU, a short timeout
        # since the caps bound the run.
        size = "medium",
        timeout = "short",
        deps = [
            ":%s_target" % name,
            "//fuzz:standalone_main",
        ],
        data = inputs,
        args = [
            "-max_total_time=%d" % seconds,
            "-runs=%d" % runs,
            "-min_runs=%d" % min_runs,
            # Every seed label and the regressions give at least one file each.
            "-min_inputs=%d" % len(inputs),
        ] + (["-max_len=%d" % max_len] if max_len else []) +
               ["$(rootpaths %s)" % s for s in inputs],
    )
