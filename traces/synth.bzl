"""Traces generated from machine descriptions by `fakedrv synth`: the machine
model recorded serving nvprobe in every matrix mode.

synth_corpus() makes one genrule per (machine, release) writing
gen/<release>/<machine>.{trace.jsonl,expected.json}; the committed copies under
<release>/<machine>.* are what people read and what the matrix runs, and
:corpus_fresh_test fails when they differ from what the rule generates.
`bazel run //traces:update` rewrites the committed copies.
"""

def trace_base(machine, release):
    return "%s/%s" % (release, machine)

# The NVIDIA tools synth records (corpus.bzl NVIDIA_TOOL_*): name -> the command
# after `--`, with $$D the release's unpacked userspace (bin/, lib/).
NVIDIA_TOOLS = {
    "nvidia-smi-q": "$$D/bin/nvidia-smi -q",
    "nvml-client": "$(location //tests/nvidia:nvml_client)",
}

def _nvidia_tool_traces(machines, releases):
    """One genrule per (machine, release, tool); returns the generated and committed files."""
    generated = []
    committed = []
    for release in releases:
        userspace = "@nvidia_userspace//:%s" % release
        for machine in machines:
            desc = "machines/%s.json" % machine
            for tool, command in NVIDIA_TOOLS.items():
                base = "nvidia/%s/%s.%s.trace.jsonl" % (release, machine, tool)
                out = "gen/" + base
                native.genrule(
                    name = "synth_nvidia_%s_%s_%s" % (machine, release, tool),
                    srcs = [desc, userspace],
                    outs = [out],
                    tools = ["//fake_driver:fakedrv", "//tests/nvidia:nvml_client"],
                    # Without tools/bootstrap's userspace the output says so, and
                    # the freshness test fails naming the fix.
                    cmd = ("D=; for f in $(locations %s); do case $$f in */bin/nvidia-smi) " +
                           "D=$$(dirname $$(dirname $$f));; esac; done; " +
                           "if [ -z \"$$D\" ]; then echo 'NVIDIA userspace %s missing: run tools/bootstrap' > $@; " +
                           "else LD_LIBRARY_PATH=$$D/lib $(location //fake_driver:fakedrv) synth " +
                           "--machine $(location %s) --driver %s -o $@ -- %s; fi") %
                          (userspace, release, desc, release, command),
                )
                generated.append(out)
                committed.append(base)
    return generated, committed

def synth_corpus(name, corpus, nvidia_tool_machines = [], nvidia_tool_releases = []):
    generated, committed = _nvidia_tool_traces(nvidia_tool_machines, nvidia_tool_releases)
    native.filegroup(
        name = "nvidia_tool_traces",
        srcs = list(committed),
        visibility = ["//visibility:public"],
    )
    for machine, releases in corpus.items():
        desc = "machines/%s.json" % machine
        for release in releases:
            base = trace_base(machine, release)
            outs = ["gen/%s.trace.jsonl" % base, "gen/%s.expected.json" % base]
            native.genrule(
                name = "synth_%s_%s" % (machine, release),
                srcs = [desc],
                outs = outs,
                tools = ["//fake_driver:fakedrv", "//probe:nvprobe"],
                cmd = ("$(location //fake_driver:fakedrv) synth --machine $(location %s) " +
                       "--driver %s -o $(location %s) --expected $(location %s) " +
                       "--nvprobe $(location //probe:nvprobe)") %
                      (desc, release, outs[0], outs[1]),
            )
            generated += outs
            committed += ["%s.trace.jsonl" % base, "%s.expected.json" % base]

    native.exports_files(committed, visibility = ["//visibility:public"])
    native.filegroup(name = name + "_generated", srcs = generated)
    native.filegroup(
        name = name,
        srcs = committed,
        visibility = ["//visibility:public"],
    )
    native.sh_test(
        name = name + "_fresh_test",
        size = "small",
        srcs = ["check_fresh.sh"],
        args = ["%d" % len(generated)],
        data = generated + committed,
    )
    # check_fresh.sh itself fails when it compared no file or not the corpus's count.
    native.sh_test(
        name = "check_fresh_test",
        size = "small",
        srcs = ["check_fresh_test.sh"],
        args = ["$(rootpath check_fresh.sh)"],
        data = ["check_fresh.sh"],
    )
    native.sh_binary(
        name = "update",
        srcs = ["update.sh"],
        data = generated,
    )
