"""Traces generated from machine descriptions by `fakedrv synth`.

synth_corpus() makes one genrule per (machine, release) writing
gen/<release>/<machine>.{trace.jsonl,expected.json}; the committed copies under
<release>/<machine>.* are what people read and what the matrix runs, and
:corpus_fresh_test fails when they differ from what the rule generates.
`bazel run //traces:update` rewrites the committed copies.
"""

def trace_base(machine, release):
    return "%s/%s" % (release, machine)

def synth_corpus(name, corpus):
    generated = []
    committed = []
    for machine, releases in corpus.items():
        desc = "machines/%s.json" % machine
        for release in releases:
            base = trace_base(machine, release)
            outs = ["gen/%s.trace.jsonl" % base, "gen/%s.expected.json" % base]
            native.genrule(
                name = "synth_%s_%s" % (machine, release),
                srcs = [desc],
                outs = outs,
                tools = ["//fake_driver:fakedrv"],
                cmd = ("$(location //fake_driver:fakedrv) synth --machine $(location %s) " +
                       "--driver %s -o $(location %s) --expected $(location %s)") %
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
