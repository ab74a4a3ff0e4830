"""Genrules that make fuzz seeds from traces/<release>/<machine>.trace.jsonl.

Each macro defines one filegroup NAME holding its seeds, so that the seeds always
follow the committed traces (and the ABI layer they are checked against).
"""

def _stem(trace):
    # "580.95.05/no-driver" -> "580.95.05_no-driver"
    return trace.replace("/", "_")

def _trace_label(trace):
    return "//traces:%s.trace.jsonl" % trace

def trace_probe_seeds(name, traces):
    """Reply scripts of nvprobe's run against each trace, fast and --full mode."""
    outs = []
    for t in traces:
        fast = "seeds/%s/%s.fast" % (name, _stem(t))
        full = "seeds/%s/%s.full" % (name, _stem(t))
        native.genrule(
            name = "%s_%s" % (name, _stem(t)),
            testonly = True,
            srcs = [_trace_label(t)],
            outs = [fast, full],
            tools = ["//fuzz:seed_tool"],
            cmd = ("$(location //fuzz:seed_tool) probe --trace $< --fast -o $(location %s) && " +
                   "$(location //fuzz:seed_tool) probe --trace $< --full -o $(location %s)") %
                  (fast, full),
        )
        outs += [fast, full]
    native.filegroup(name = name, testonly = True, srcs = outs)

def trace_file_seeds(name, files):
    """File contents out of traces: `files` maps a path (or a path's tail) to traces."""
    outs = []
    for path, traces in files.items():
        tail = path.replace("/", "_").strip("_")
        for t in traces:
            out = "seeds/%s/%s.%s" % (name, _stem(t), tail)
            native.genrule(
                name = "%s_%s_%s" % (name, _stem(t), tail),
                testonly = True,
                srcs = [_trace_label(t)],
                outs = [out],
                tools = ["//fuzz:seed_tool"],
                cmd = "$(location //fuzz:seed_tool) file --trace $< --path %s -o $@" % path,
            )
            outs.append(out)
    native.filegroup(name = name, testonly = True, srcs = outs)

def trace_smi_seeds(name, traces):
    """What nvidia-smi would print on each trace's machine."""
    outs = []
    for t in traces:
        out = "seeds/%s/%s.csv" % (name, _stem(t))
        native.genrule(
            name = "%s_%s" % (name, _stem(t)),
            testonly = True,
            srcs = [_trace_label(t)],
            outs = [out],
            tools = ["//fuzz:seed_tool"],
            cmd = "$(location //fuzz:seed_tool) smi --trace $< -o $@",
        )
        outs.append(out)
    native.filegroup(name = name, testonly = True, srcs = outs)
