#!/usr/bin/env python3
"""Extract NVIDIA kernel-driver ABI facts from every open-gpu-kernel-modules tag.

For each release tag of NVIDIA/open-gpu-kernel-modules this script
  1. extracts the tag's own header directories from a git mirror into a
     temporary directory (nothing is copied into this repository),
  2. compiles a tiny C translation unit that includes them
     (gcc -g -fno-eliminate-unused-debug-types, x86_64) and reads struct
     layouts back from the DWARF with gdb's Python API,
  3. lists macro names with `gcc -dM -E` and evaluates the wanted ones in a
     generated C program (status codes come from the NV_STATUS_CODE X-macro),
and writes only the resulting facts (names, sizes, offsets, values) as JSON,
with tags compressed into version-sorted ranges.

Python 3.11 standard library only; needs gcc and gdb (with Python) on PATH.

Usage:
  tools/nvidia_facts/extract.py --repo /path/to/open-gpu-kernel-modules.git \
      -o abi/testdata/nvidia_header_facts.json [--tags T1,T2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# --------------------------------------------------------------------------
# What we want.
# --------------------------------------------------------------------------

WANTED_TYPES = [
    "nv_ioctl_card_info_t",
    "nv_ioctl_rm_api_version_t",
    "nv_ioctl_xfer_t",
    "nv_ioctl_register_fd_t",
    "nv_ioctl_sys_params_t",
    "nv_ioctl_numa_info_t",
    "nv_ioctl_wait_open_complete_t",
    "nv_ioctl_nvos33_parameters_with_fd",
    "NVOS00_PARAMETERS",
    "NVOS21_PARAMETERS",
    "NVOS33_PARAMETERS",
    "NVOS54_PARAMETERS",
    "NVOS64_PARAMETERS",
    "NV0080_ALLOC_PARAMETERS",
    "NV2080_ALLOC_PARAMETERS",
    "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_PARAMS",
    "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_PARAMS",
    "NV0000_CTRL_GPU_GET_ATTACHED_IDS_PARAMS",
    "NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS",
    "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS",
    "NV0000_CTRL_GPU_GET_PCI_INFO_PARAMS",
    "NV0000_CTRL_GPU_GET_UUID_FROM_GPU_ID_PARAMS",
    "NV0000_CTRL_GPU_GET_ID_INFO_PARAMS",
    "NV0000_CTRL_GPU_ATTACH_IDS_PARAMS",
    "NV0000_CTRL_GPU_DETACH_IDS_PARAMS",
    "NV0000_CTRL_GPU_QUERY_DRAIN_STATE_PARAMS",
    "NV0000_CTRL_GPU_ASYNC_ATTACH_ID_PARAMS",
    "NV0000_CTRL_GPU_WAIT_ATTACH_ID_PARAMS",
    "NV0080_CTRL_GPU_GET_VIRTUALIZATION_MODE_PARAMS",
    "NV2080_CTRL_TIMER_GPU_CPU_TIME_SAMPLE",
    "NV2080_CTRL_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO_PARAMS",
    "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS",
    "NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS",
    "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS",
    "NV2080_CTRL_GPU_GET_SHORT_NAME_STRING_PARAMS",
    "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS",
    "NV2080_CTRL_GPU_GET_INFO_PARAMS",
    "NV2080_CTRL_GPU_INFO",
    "NV2080_CTRL_GPU_GET_INFO_V2_PARAMS",
    "NV2080_CTRL_FB_GET_INFO_PARAMS",
    "NV2080_CTRL_FB_INFO",
    "NV2080_CTRL_FB_GET_INFO_V2_PARAMS",
]

_NV0000_CMDS = [
    "SYSTEM_GET_BUILD_VERSION", "SYSTEM_GET_BUILD_VERSION_V2",
    "GPU_GET_ATTACHED_IDS", "GPU_GET_ID_INFO_V2", "GPU_GET_PROBED_IDS",
    "GPU_GET_PCI_INFO", "GPU_GET_UUID_FROM_GPU_ID",
    "GPU_GET_ID_INFO", "GPU_ATTACH_IDS", "GPU_DETACH_IDS", "GPU_QUERY_DRAIN_STATE",
    "GPU_ASYNC_ATTACH_ID", "GPU_WAIT_ATTACH_ID",
]
_NV0080_CMDS = ["GPU_GET_VIRTUALIZATION_MODE"]
_NV2080_CMDS = [
    "MC_GET_ARCH_INFO", "BUS_GET_PCI_INFO", "GPU_GET_NAME_STRING",
    "GPU_GET_SHORT_NAME_STRING", "GPU_GET_GID_INFO", "GPU_GET_INFO",
    "GPU_GET_INFO_V2", "FB_GET_INFO", "FB_GET_INFO_V2",
    "TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO",
]

WANTED_MACRO_PATTERNS = [
    r"^NV_IOCTL_MAGIC$",
    r"^NV_IOCTL_BASE$",
    r"^NV_ESC_",
    r"^NV_MAX_DEVICES$",
    r"^NV_RM_API_VERSION_",
    r"^NV_ABSOLUTE_MAX_IOCTL_SIZE$",
    r"^NV01_ROOT$",
    r"^NV01_ROOT_NON_PRIV$",
    r"^NV01_ROOT_CLIENT$",
    r"^NV01_DEVICE_0$",
    r"^NV20_SUBDEVICE_0$",
    r"^NV0000_CTRL_CMD_(%s)$" % "|".join(_NV0000_CMDS),
    r"^NV2080_CTRL_CMD_(%s)$" % "|".join(_NV2080_CMDS),
    r"^NV0080_CTRL_CMD_(%s)$" % "|".join(_NV0080_CMDS),
    r"^NV0000_CTRL_GPU_MAX_SZNAME$",
    r"^NV0000_CTRL_GPU_ATTACH_ALL_PROBED_IDS$",
    r"^NV0000_CTRL_GPU_DETACH_ALL_ATTACHED_IDS$",
    r"^NV0000_CTRL_GPU_DRAIN_STATE_(DISABLED|ENABLED)$",
    r"^NV0080_CTRL_GPU_VIRTUALIZATION_MODE_(NONE|NMOS|VGX|HOST)$",
    r"^NV2080_CTRL_TIMER_GPU_CPU_TIME_MAX_SAMPLES$",
    r"^NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_(OSTIME|TSC|PLATFORM_API)$",
    r"^NV_OK$",
    r"^NV_ERR_",
    r"^NV_WARN_",
    r"^NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_",
    r"^NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_",
    r"^NV2080_CTRL_GPU_INFO_INDEX_",
    r"^NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE$",
    r"^NV2080_CTRL_FB_INFO_INDEX_",
    r"^NV2080_CTRL_FB_INFO_MAX_LIST_SIZE$",
    r"^NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_",
    r"^NV2080_CTRL_GPU_MAX_NAME_STRING_LENGTH$",
    r"^NV2080_GPU_MAX_NAME_STRING_LENGTH$",
    r"^NV2080_GPU_MAX_GID_LENGTH$",
    r"^NV2080_CTRL_GPU_GET_GID_FLAGS_",
    # NVIDIA's real spelling of the GID_INFO flag fields:
    r"^NV2080_GPU_CMD_GPU_GET_GID_FLAGS_",
    r"^NV0000_CTRL_GPU_MAX_ATTACHED_GPUS$",
    r"^NV0000_CTRL_GPU_MAX_PROBED_GPUS$",
    r"^NV0000_CTRL_GPU_INVALID_ID$",
    r"^NV0000_CTRL_SYSTEM_MAX_BUILD_VERSION_LENGTH$",
    r"^NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_MAX_STRING_SIZE$",
    r"^NV0000_GPU_MAX_GID_LENGTH$",
    r"^NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_",
    r"^NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION$",
]
_WANTED_MACRO_RE = re.compile("|".join("(?:%s)" % p for p in WANTED_MACRO_PATTERNS))

# Header directories (relative to the tag's tree) extracted per tag, in
# include-path order.  kernel-open/common/inc first: it is what the kernel
# module is built from; the unix RM dir holds nv_escape.h and the nvos
# wrappers; the SDK dir holds nvos.h, class/ and ctrl/.
INCLUDE_DIRS = [
    "kernel-open/common/inc",
    "src/nvidia/arch/nvalloc/unix/include",
    "src/common/sdk/nvidia/inc",
    "src/common/inc",
]
EXTRA_FILES = [
    # NV01_ROOT_CLIENT is only #defined here (plain class-number list).
    "src/nvidia/generated/g_allclasses.h",
    # The UVM module's own copy of ctrl2080mc.h: before 565.57.01 the SDK copy
    # lists only TU100/GA100 (+Tegra) architectures, while this one has every
    # architecture the driver reports (GM000..GB200). Merged, see UVM_ARCH_RE.
    "kernel-open/nvidia-uvm/ctrl2080mc.h",
]
UVM_ARCH_HEADER = "kernel-open/nvidia-uvm/ctrl2080mc.h"
UVM_ARCH_RE = re.compile(r"^NV2080_CTRL_MC_ARCH_INFO_(ARCHITECTURE|IMPLEMENTATION)_")
INCLUDE_FLAGS = [f"-I{d}" for d in INCLUDE_DIRS] + ["-Isrc/nvidia/generated"]

HEADERS = [
    "nvtypes.h",
    "nvstatus.h",
    "nvlimits.h",
    "nv-ioctl-numbers.h",
    "nv-ioctl-numa.h",
    "nv-ioctl.h",
    "nv_escape.h",
    "nvos.h",
    "nv-unix-nvos-params-wrappers.h",
    "class/cl0000.h",
    "class/cl0001.h",
    "class/cl0080.h",
    "class/cl2080.h",
    "ctrl/ctrl0000/ctrl0000system.h",
    "ctrl/ctrl0000/ctrl0000gpu.h",
    "ctrl/ctrl2080/ctrl2080mc.h",
    "ctrl/ctrl2080/ctrl2080bus.h",
    "ctrl/ctrl2080/ctrl2080gpu.h",
    "ctrl/ctrl2080/ctrl2080fb.h",
    "ctrl/ctrl2080/ctrl2080tmr.h",
    "ctrl/ctrl0080/ctrl0080gpu.h",
    "g_allclasses.h",
    "nv.h",  # NV_ABSOLUTE_MAX_IOCTL_SIZE
]

CFLAGS = ["-m64", "-std=gnu11", "-w"]

# --------------------------------------------------------------------------
# gdb-side script: dumps flattened layouts of the wanted types as JSON.
# --------------------------------------------------------------------------

GDB_SCRIPT = r'''
import gdb, json, os

names = json.load(open(os.environ["NVF_NAMES"]))
out = {}
notes = {}

AGG = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION)

def flatten(t, base, prefix, fields):
    for f in t.fields():
        if f.is_base_class:
            continue
        ft = f.type.strip_typedefs()
        off = base + f.bitpos // 8
        name = f.name if f.name else ""
        full = prefix + name if name else prefix.rstrip(".")
        if f.bitsize:
            # bit-field: [byte offset of containing bits, width in bits / 8]
            fields[full] = [f.bitpos / 8.0 + base, f.bitsize / 8.0]
            continue
        if ft.code in AGG:
            flatten(ft, off, (full + ".") if full else "", fields)
        else:
            fields[full] = [off, ft.sizeof]

for n in names:
    t = None
    kind = None
    for spelling, k in ((n, "typedef"), ("struct " + n, "struct"),
                        ("union " + n, "union")):
        try:
            t = gdb.lookup_type(spelling)
            kind = k
            break
        except gdb.error:
            continue
    if t is None:
        continue
    st = t.strip_typedefs()
    if st.code not in AGG:
        raise RuntimeError("%s is not a struct/union (code %d)" % (n, st.code))
    fields = {}
    flatten(st, 0, "", fields)
    out[n] = {"size": st.sizeof, "fields": fields}
    if kind != "typedef":
        notes[n] = kind

json.dump({"structs": out, "kinds": notes}, open(os.environ["NVF_OUT"], "w"))
'''

# --------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------


class TagError(RuntimeError):
    pass


def version_key(tag: str):
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", tag))


def run(cmd, cwd, tag, what, env=None, input_bytes=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env,
                       input=input_bytes)
    if p.returncode != 0:
        raise TagError(
            "tag %s: %s failed (exit %d): %s\n%s%s" % (
                tag, what, p.returncode, " ".join(cmd),
                p.stdout.decode(errors="replace")[-4000:],
                p.stderr.decode(errors="replace")[-4000:]))
    return p


def extract_tree(repo: str, tag: str, dest: str):
    ls = subprocess.run(["git", "--git-dir", repo, "ls-tree", "--name-only",
                         tag, "--"] + INCLUDE_DIRS + EXTRA_FILES,
                        capture_output=True, text=True)
    if ls.returncode != 0:
        raise TagError("tag %s: git ls-tree failed: %s" % (tag, ls.stderr))
    present = set(ls.stdout.split())
    paths = [p for p in INCLUDE_DIRS + EXTRA_FILES if p in present]
    missing = [p for p in INCLUDE_DIRS + EXTRA_FILES if p not in present]
    arch = subprocess.Popen(["git", "--git-dir", repo, "archive", tag, "--"]
                            + paths, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    tar = subprocess.run(["tar", "-x", "-C", dest], stdin=arch.stdout,
                         capture_output=True)
    arch.stdout.close()
    err = arch.stderr.read().decode(errors="replace")
    if arch.wait() != 0 or tar.returncode != 0:
        raise TagError("tag %s: git archive | tar failed: %s %s" % (
            tag, err, tar.stderr.decode(errors="replace")))
    return missing


def parse_dm(text: str):
    """Object-like macro definitions from `gcc -dM -E` output."""
    macros = {}
    for line in text.splitlines():
        m = re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*)(\(| |$)(.*)", line)
        if not m:
            continue
        if m.group(2) == "(":
            continue  # function-like
        macros[m.group(1)] = m.group(3).strip()
    return macros


def eval_macros(work: str, tag: str, names, includes_src: str, cc: str):
    """Return ({name: int}, {name: text-not-evaluable})."""
    pending = list(names)
    bad = {}
    # Pass 1: find the integer-constant-expression subset by compiling a
    # file-scope array bound per macro (non-ICE => error on that line).
    while pending:
        lines = [includes_src, "#line 1 \"nvf_probe_body.c\""]
        for i, n in enumerate(pending):
            lines.append("typedef char nvf_probe_%d[((%s) == 0) ? 1 : 1];"
                         % (i, n))
        src = os.path.join(work, "nvf_probe.c")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        p = subprocess.run([cc] + CFLAGS + INCLUDE_FLAGS +
                           ["-fsyntax-only", "nvf_probe.c"],
                           cwd=work, capture_output=True, text=True)
        if p.returncode == 0:
            break
        failed = set()
        for m in re.finditer(r"nvf_probe_body\.c:(\d+):", p.stderr):
            ln = int(m.group(1))
            if 1 <= ln <= len(pending):
                failed.add(pending[ln - 1])
        if not failed:
            raise TagError("tag %s: macro probe failed to compile:\n%s"
                           % (tag, p.stderr[-4000:]))
        for n in failed:
            bad[n] = None
        pending = [n for n in pending if n not in failed]
    # Pass 2: print the values.
    values = {}
    if pending:
        lines = [includes_src, "#include <stdio.h>", "int main(void) {"]
        for n in pending:
            lines.append(
                '  if ((%s) < 0) printf("%%s %%lld\\n", "%s", (long long)(%s));'
                ' else printf("%%s %%llu\\n", "%s", (unsigned long long)(%s));'
                % (n, n, n, n, n))
        lines += ["  return 0;", "}"]
        with open(os.path.join(work, "nvf_eval.c"), "w") as f:
            f.write("\n".join(lines) + "\n")
        run([cc] + CFLAGS + INCLUDE_FLAGS + ["nvf_eval.c", "-o", "nvf_eval"],
            work, tag, "compiling macro evaluator")
        out = run(["./nvf_eval"], work, tag, "running macro evaluator")
        for line in out.stdout.decode().splitlines():
            n, v = line.split(" ")
            values[n] = int(v)
    return values, bad


def eval_status_codes(work: str, tag: str, cc: str):
    src = "\n".join([
        "#include <stdio.h>",
        "#include <nvtypes.h>",
        "struct nvf_sc { const char *name; long long sval;"
        " unsigned long long uval; int neg; };",
        "#define NV_STATUS_CODE(name, code, string) "
        "{ #name, (long long)(code), (unsigned long long)(code), (code) < 0 },",
        "static const struct nvf_sc nvf_codes[] = {",
        "#include <nvstatuscodes.h>",
        "};",
        "int main(void) {",
        "  for (unsigned i = 0; i < sizeof nvf_codes / sizeof nvf_codes[0]; i++)",
        "    if (nvf_codes[i].neg) printf(\"%s %lld\\n\", nvf_codes[i].name,"
        " nvf_codes[i].sval);",
        "    else printf(\"%s %llu\\n\", nvf_codes[i].name, nvf_codes[i].uval);",
        "  return 0;",
        "}",
    ])
    with open(os.path.join(work, "nvf_status.c"), "w") as f:
        f.write(src + "\n")
    run([cc] + CFLAGS + INCLUDE_FLAGS + ["nvf_status.c", "-o", "nvf_status"],
        work, tag, "compiling NV_STATUS_CODE evaluator")
    out = run(["./nvf_status"], work, tag, "running NV_STATUS_CODE evaluator")
    codes = {}
    for line in out.stdout.decode().splitlines():
        n, v = line.split(" ")
        if n in codes and codes[n] != int(v):
            raise TagError("tag %s: status code %s listed twice with "
                           "different values" % (tag, n))
        codes[n] = int(v)
    return codes


def process_tag(repo: str, tag: str, tmproot: str, cc: str, gdb: str):
    t0 = time.time()
    work = tempfile.mkdtemp(prefix="nvf-%s-" % tag, dir=tmproot)
    try:
        missing = extract_tree(repo, tag, work)
        includes_src = "\n".join("#include <%s>" % h for h in HEADERS)

        # --- structs -----------------------------------------------------
        decl = [includes_src, ""]
        with open(os.path.join(work, "nvf_types.c"), "w") as f:
            f.write("\n".join(decl) + "\nint nvf_dummy;\n")
        run([cc] + CFLAGS + INCLUDE_FLAGS +
            ["-g", "-fno-eliminate-unused-debug-types", "-c", "nvf_types.c",
             "-o", "nvf_types.o"], work, tag, "compiling headers")
        with open(os.path.join(work, "nvf_gdb.py"), "w") as f:
            f.write(GDB_SCRIPT)
        with open(os.path.join(work, "nvf_names.json"), "w") as f:
            json.dump(WANTED_TYPES, f)
        env = dict(os.environ, NVF_NAMES=os.path.join(work, "nvf_names.json"),
                   NVF_OUT=os.path.join(work, "nvf_layouts.json"))
        p = run([gdb, "-nx", "-batch", "-x", "nvf_gdb.py", "nvf_types.o"],
                work, tag, "gdb layout dump", env=env)
        layouts_path = os.path.join(work, "nvf_layouts.json")
        if not os.path.exists(layouts_path):
            raise TagError("tag %s: gdb produced no output:\n%s%s" % (
                tag, p.stdout.decode(errors="replace")[-4000:],
                p.stderr.decode(errors="replace")[-4000:]))
        with open(layouts_path) as f:
            layouts = json.load(f)

        # --- macros ------------------------------------------------------
        dm = run([cc] + CFLAGS + INCLUDE_FLAGS + ["-dM", "-E", "nvf_types.c"],
                 work, tag, "gcc -dM -E")
        macros = parse_dm(dm.stdout.decode(errors="replace"))
        wanted = sorted(n for n in macros if _WANTED_MACRO_RE.search(n))
        values, bad = eval_macros(work, tag, wanted, includes_src, cc)
        unevaluable = {n: macros[n] for n in bad}

        # Architecture constants from the UVM copy; they must agree with the
        # SDK copy wherever both define a name.
        if UVM_ARCH_HEADER not in missing:
            uvm_dm = run([cc] + CFLAGS + ["-dM", "-E", UVM_ARCH_HEADER],
                         work, tag, "gcc -dM -E (uvm ctrl2080mc.h)")
            uvm_macros = parse_dm(uvm_dm.stdout.decode(errors="replace"))
            uvm_names = sorted(n for n in uvm_macros if UVM_ARCH_RE.search(n))
            uvm_values, _ = eval_macros(
                work, tag, uvm_names, '#include "%s"' % UVM_ARCH_HEADER, cc)
            for n, v in uvm_values.items():
                if n in values and values[n] != v:
                    raise TagError("tag %s: %s is %d in the SDK but %d in %s"
                                   % (tag, n, values[n], v, UVM_ARCH_HEADER))
                values[n] = v

        status = eval_status_codes(work, tag, cc)
        for n, v in status.items():
            if not _WANTED_MACRO_RE.search(n):
                continue
            if n in values and values[n] != v:
                raise TagError("tag %s: %s is both a macro (%d) and a status "
                               "code (%d)" % (tag, n, values[n], v))
            values[n] = v
            unevaluable.pop(n, None)

        return {
            "tag": tag,
            "structs": layouts["structs"],
            "kinds": layouts["kinds"],
            "constants": values,
            "unevaluable": unevaluable,
            "missing_paths": missing,
            "seconds": time.time() - t0,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# Range compression and output.
# --------------------------------------------------------------------------


def compress(tag_set, all_tags):
    runs = []
    start = None
    prev = None
    for t in all_tags:
        if t in tag_set:
            if start is None:
                start = t
            prev = t
        else:
            if start is not None:
                runs.append((start, prev))
                start = None
    if start is not None:
        runs.append((start, prev))
    return [a if a == b else "%s..%s" % (a, b) for a, b in runs]


def group(per_tag, all_tags, payload_key):
    """per_tag: {tag: {name: payload}} -> {name: [variant...]}"""
    names = sorted({n for d in per_tag.values() for n in d})
    result = {}
    for n in names:
        variants = []  # [(canonical, payload, [tags])]
        index = {}
        for t in all_tags:
            if n not in per_tag[t]:
                continue
            payload = per_tag[t][n]
            key = json.dumps(payload, sort_keys=True)
            if key not in index:
                index[key] = len(variants)
                variants.append((payload, []))
            variants[index[key]][1].append(t)
        out = []
        for payload, tags in variants:
            v = {"tags": compress(set(tags), all_tags)}
            if payload_key is None:
                v.update(payload)
            else:
                v[payload_key] = payload
            out.append(v)
        result[n] = out
    return result


def dump(obj, indent=1, level=0):
    """json.dumps(indent=1, sort_keys=True), but short scalar-only lists are
    written on one line (field entries, tag ranges)."""
    pad = " " * (indent * (level + 1))
    end = " " * (indent * level)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ["%s%s: %s" % (pad, json.dumps(k), dump(obj[k], indent,
                                                       level + 1))
                 for k in sorted(obj)]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(obj, list):
        if not obj:
            return "[]"
        if all(not isinstance(x, (dict, list)) for x in obj):
            one = "[" + ", ".join(json.dumps(x) for x in obj) + "]"
            if len(one) <= 100:
                return one
        items = [pad + dump(x, indent, level + 1) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + end + "]"
    return json.dumps(obj)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True,
                    help="git dir of NVIDIA/open-gpu-kernel-modules")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--tags", help="comma-separated subset of tags")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--gdb", default="gdb")
    args = ap.parse_args(argv)

    t_start = time.time()
    repo = args.repo
    tags_out = subprocess.run(["git", "--git-dir", repo, "tag"],
                              capture_output=True, text=True, check=True)
    all_tags = [t for t in tags_out.stdout.split() if t]
    if args.tags:
        wanted = [t.strip() for t in args.tags.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in all_tags]
        if unknown:
            sys.exit("unknown tags: %s" % ", ".join(unknown))
        all_tags = wanted
    all_tags = sorted(set(all_tags), key=version_key)
    if not all_tags:
        sys.exit("no tags")

    cc_version = subprocess.run([args.cc, "--version"], capture_output=True,
                                text=True, check=True).stdout.splitlines()[0]

    tmproot = tempfile.mkdtemp(prefix="nvidia_facts-")
    results = {}
    try:
        with concurrent.futures.ProcessPoolExecutor(args.jobs) as ex:
            futs = {ex.submit(process_tag, repo, t, tmproot, args.cc,
                              args.gdb): t for t in all_tags}
            done = 0
            for fut in concurrent.futures.as_completed(futs):
                tag = futs[fut]
                try:
                    r = fut.result()
                except Exception as e:  # fail loudly, naming the tag
                    for f in futs:
                        f.cancel()
                    print("ERROR in tag %s:\n%s" % (tag, e), file=sys.stderr)
                    sys.exit(1)
                done += 1
                results[tag] = r
                print("[%3d/%d] %-12s %5.1fs  %2d structs  %4d constants"
                      "  %2d unevaluable%s" % (
                          done, len(all_tags), tag, r["seconds"],
                          len(r["structs"]), len(r["constants"]),
                          len(r["unevaluable"]),
                          ("  (absent: %s)" % ", ".join(r["missing_paths"]))
                          if r["missing_paths"] else ""),
                      flush=True)
    finally:
        shutil.rmtree(tmproot, ignore_errors=True)

    structs = group({t: results[t]["structs"] for t in all_tags}, all_tags,
                    None)
    constants = group({t: results[t]["constants"] for t in all_tags},
                      all_tags, "value")
    unevaluable = group({t: results[t]["unevaluable"] for t in all_tags},
                        all_tags, "text")
    kinds = group({t: results[t]["kinds"] for t in all_tags}, all_tags,
                  "declared_as")

    doc = {
        "source": "NVIDIA/open-gpu-kernel-modules",
        "tool": "tools/nvidia_facts/extract.py",
        "generated": datetime.date.today().isoformat(),
        "compiler": cc_version,
        "tags": all_tags,
        "structs": structs,
        "constants": constants,
        # Wanted macros that are not integer constant expressions (mostly
        # DRF "hi:lo" bit ranges), with their expansion text, per tag range.
        "unevaluable": unevaluable,
    }
    if kinds:
        # Wanted names found only as a struct/union tag (not a typedef).
        doc["declared_as_tag_only"] = kinds

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(dump(doc) + "\n")
    os.replace(tmp, args.output)
    print("wrote %s: %d tags, %d structs, %d constants, %d unevaluable; "
          "total %.1fs" % (args.output, len(all_tags), len(structs),
                           len(constants), len(unevaluable),
                           time.time() - t_start))


if __name__ == "__main__":
    main()
