#!/usr/bin/env python3
"""Writes the hand-made test traces of tests/fake_driver/testdata.

Offsets come from `fakedrv abi dump --driver 580.95.05 --json` (the ABI layer), so
the bytes agree with the layouts the loader checks. Run from the repository root:
  bazel build //fake_driver:fakedrv &&
  python3 tests/fake_driver/testdata/make_traces.py bazel-bin/fake_driver/fakedrv
"""
import json, subprocess, sys

DRIVER = "580.95.05"
abi = json.loads(subprocess.check_output([sys.argv[1], "abi", "dump", "--driver", DRIVER, "--json"]))
S = abi["structs"]; C = abi["constants"]

def buf(name, count=1, **fields):
    s = S[name]; b = bytearray(s["size"] * count)
    for k, v in fields.items():
        k = k.replace("__", ".")
        off = s["fields"][k]
        if isinstance(v, (bytes, str)):
            v = v.encode() if isinstance(v, str) else v
            b[off:off + len(v)] = v
        else:
            width = WIDTH.get((name, k), 4)
            b[off:off + width] = v.to_bytes(width, "little")
    return b

WIDTH = {("NVOS21_PARAMETERS", "pAllocParms"): 8, ("NVOS54_PARAMETERS", "params"): 8,
         ("NV2080_CTRL_GPU_GET_INFO_PARAMS", "gpuInfoList"): 8,
         ("nv_ioctl_card_info_t", "valid"): 1, ("nv_ioctl_card_info_t", "pci_info.bus"): 1,
         ("nv_ioctl_card_info_t", "pci_info.vendor_id"): 2, ("nv_ioctl_card_info_t", "pci_info.device_id"): 2}

def req(nr, size): return "0x%x" % (0xc0000000 | (size << 16) | (0x46 << 8) | nr)

def ev(dev, nr, inb, outb, nested=None, ret=0, errno=0):
    esc = {v: k for k, v in C.items() if k.startswith("NV_ESC_")}
    e = {"ioctl": dev, "request": req(nr, len(inb)), "escape": esc[nr], "in": inb.hex(), "out": outb.hex()}
    if nested: e["nested"] = nested
    e["ret"] = ret; e["errno"] = errno
    return e

def enc(b):
    """Format 2's byte string: hex, runs of 4 or more zero bytes as "<N>" (traces/FORMAT.md)."""
    out, i = [], 0
    while i < len(b):
        run = 0
        while i + run < len(b) and b[i + run] == 0: run += 1
        if run >= 4:
            out.append("<%d>" % run); i += run
        else:
            n = max(run, 1); out.append(bytes(b[i:i + n]).hex()); i += n
    return "".join(out)

def nest(field, struct, inb, outb, nested=None):
    n = {"field": field}
    if struct: n["struct"] = struct
    n["in"] = inb.hex(); n["out"] = outb.hex()
    if nested: n["nested"] = nested
    return n

CTL = "/dev/nvidiactl"
ROOT, DEV, SUB = 0xc1d00001, 0x5c000001, 0x5c000002
PTR = 0x7ffd00001000
VERSION = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  (dvs-builder@U22-I3-AE18-23-3)  Tue Sep 23 09:55:41 UTC 2025\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04.2) \n"

def header(provenance, version=2):
    return {"format": "nvprobe-trace", "version": version, "driver": DRIVER, "origin": "synthesized",
            "provenance": provenance,
            "machine": {"name": "h100-test", "gpus": [{"pci_bus_id": "0000:3b:00.0", "device_id": "0x2330"}]}}

files = [
    {"path": "/dev/nvidiactl", "type": "chardev", "major": 195, "minor": 255, "mode": "0666"},
    {"path": "/dev/nvidia0", "type": "chardev", "major": 195, "minor": 0, "mode": "0666"},
    {"path": "/dev/nvidia1", "type": "chardev", "major": 195, "minor": 1, "mode": "0600", "open_errno": "EACCES"},
    {"path": "/dev/nvidia-uvm", "type": "absent"},
    {"path": "/proc/driver/nvidia/version", "type": "file", "content": VERSION},
    {"path": "/proc/driver/nvidia/gpus/0000:3b:00.0/information", "type": "file",
     "content": "Model: \t\t NVIDIA H100 80GB HBM3\nBus Location: \t 0000:3b:00.0\nDevice Minor: \t 0\n"},
    {"path": "/sys/module/nvidia/version", "type": "file", "content": DRIVER + "\n"},
]

V = "nv_ioctl_rm_api_version_t"
version_q = ev(CTL, 0xd2, buf(V, cmd=0x32), buf(V, cmd=0x32, reply=1, versionString=DRIVER))
ci_out = buf("nv_ioctl_card_info_t", 32)
ci_out[:72] = buf("nv_ioctl_card_info_t", valid=1, pci_info__bus=0x3b, pci_info__vendor_id=0x10de,
                  pci_info__device_id=0x2330, gpu_id=0x3b00, minor_number=0)
card_info = ev(CTL, 0xc8, buf("nv_ioctl_card_info_t", 32), ci_out)

A = "NVOS21_PARAMETERS"
alloc_root = ev(CTL, 0x2b, buf(A, hClass=0x41), buf(A, hObjectNew=ROOT, hClass=0x41))
dev_params = buf("NV0080_ALLOC_PARAMETERS")
alloc_dev = ev(CTL, 0x2b,
               buf(A, hRoot=ROOT, hObjectParent=ROOT, hObjectNew=DEV, hClass=0x80, pAllocParms=PTR, paramsSize=56),
               buf(A, hRoot=ROOT, hObjectParent=ROOT, hObjectNew=DEV, hClass=0x80, pAllocParms=PTR, paramsSize=56),
               [nest("pAllocParms", "NV0080_ALLOC_PARAMETERS", dev_params, dev_params)])
sub_params = buf("NV2080_ALLOC_PARAMETERS")
alloc_sub = ev(CTL, 0x2b,
               buf(A, hRoot=ROOT, hObjectParent=DEV, hObjectNew=SUB, hClass=0x2080, pAllocParms=PTR, paramsSize=4),
               buf(A, hRoot=ROOT, hObjectParent=DEV, hObjectNew=SUB, hClass=0x2080, pAllocParms=PTR, paramsSize=4),
               [nest("pAllocParms", "NV2080_ALLOC_PARAMETERS", sub_params, sub_params)])
K = "NVOS54_PARAMETERS"; GI = "NV2080_CTRL_GPU_GET_INFO_PARAMS"
ctl = buf(K, hClient=ROOT, hObject=SUB, cmd=0x20800101, params=PTR + 0x100, paramsSize=16)
gi = buf(GI, gpuInfoListSize=1, gpuInfoList=PTR + 0x200)
get_info = ev(CTL, 0x2a, ctl, ctl,
              [nest("params", GI, gi, gi,
                    [nest("gpuInfoList", "NV2080_CTRL_GPU_INFO", buf("NV2080_CTRL_GPU_INFO", index=0x2c),
                          buf("NV2080_CTRL_GPU_INFO", index=0x2c, data=0x0900))])])
F = "NVOS00_PARAMETERS"
free_root = ev(CTL, 0x29, buf(F, hRoot=ROOT, hObjectOld=ROOT), buf(F, hRoot=ROOT, hObjectOld=ROOT))

def encoded(obj, code):
    """`obj` with every "in"/"out" hex string re-encoded by `code`."""
    if isinstance(obj, list): return [encoded(o, code) for o in obj]
    if not isinstance(obj, dict): return obj
    return {k: (code(bytes.fromhex(v)) if k in ("in", "out") else encoded(v, code)) for k, v in obj.items()}

def write(path, lines):
    with open(path, "w") as f:
        for l in lines: f.write(json.dumps(l, separators=(",", ":")) + "\n")

events = [version_q, card_info, alloc_root, alloc_dev, alloc_sub, get_info, free_root]
write("tests/fake_driver/testdata/h100.trace.jsonl",
      [header("hand-written for tests/fake_driver")] + files + encoded(events, enc))
# The same machine in format 1 (plain hex): what the loader still reads.
write("tests/fake_driver/testdata/h100-v1.trace.jsonl",
      [header("hand-written for tests/fake_driver", 1)] + files + encoded(events, bytes.hex))
