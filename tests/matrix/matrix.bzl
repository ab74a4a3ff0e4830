"""The regression matrix: one test per (trace, probe mode: fast, details, full, csv,
env, smi).

Each test runs the static //probe:nvprobe under `fakedrv run --strict` on a
committed trace (//traces) and compares its answer with the trace's expected answer
field by field (check_answer.cc). Separate targets keep the matrix shardable and
cacheable.
"""

def probe_matrix(corpus, csv_machines = [], env_machines = [], smi_machines = []):
    for machine, releases in corpus.items():
        for release in releases:
            base = "%s/%s" % (release, machine)
            trace = "//traces:%s.trace.jsonl" % base
            expected = "//traces:%s.expected.json" % base
            modes = ["fast", "details", "full"]
            if machine in csv_machines:
                modes.append("csv")
            if machine in env_machines:
                modes.append("env")
            if machine in smi_machines:
                modes.append("smi")
            for mode in modes:
                native.sh_test(
                    name = "%s_%s_%s" % (machine, release, mode),
                    size = "small",
                    srcs = ["run_cell.sh"],
                    args = [
                        "$(location :check_answer)",
                        "$(location //fake_driver:fakedrv)",
                        "$(location //probe:nvprobe)",
                        "$(location %s)" % trace,
                        "$(location %s)" % expected,
                        mode,
                    ],
                    data = [
                        ":check_answer",
                        "//fake_driver:fakedrv",
                        "//probe:nvprobe",
                        trace,
                        expected,
                    ],
                    tags = ["matrix", mode],
                )
