#!/usr/bin/python3
"""Runs seccomp filters in the real kernel for tests/emulate-kernel.test.ts (x86_64 hosts only).

stdin: JSON list of cases {"program": [[code, jt, jf, k], ...], "calls": [[a0, ..., a5], ...]}.
For each case a forked child sets no_new_privs, installs the program with seccomp(2) and makes
getppid(2) once per argument vector through syscall(2). stdout: JSON list, per case, of
{"installed": bool, "errno": N (when not installed), "results": [...]} where each result is
{"ret": syscall return value, "errno": errno} or {"signal": N} if the child was killed.
"""
import ctypes
import json
import os
import struct
import sys

SYS_SECCOMP = 317
SYS_GETPPID = 110
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def child(case, write_fd):
    raw = b"".join(struct.pack("<HBBI", c, jt, jf, k) for c, jt, jf, k in case["program"])
    buffer = ctypes.create_string_buffer(raw, len(raw))
    prog = SockFprog(len(case["program"]), ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        os._exit(101)
    if libc.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, 0, ctypes.byref(prog)) != 0:
        os.write(write_fd, json.dumps({"installed": False, "errno": ctypes.get_errno()}).encode())
        os._exit(0)
    results = []
    for args in case["calls"]:
        ctypes.set_errno(0)
        ret = libc.syscall(ctypes.c_long(SYS_GETPPID), *[ctypes.c_ulong(a) for a in args])
        results.append({"ret": ret, "errno": ctypes.get_errno()})
        os.write(write_fd, (json.dumps(results[-1]) + "\n").encode())
    os._exit(0)


def run(case):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        child(case, write_fd)
    os.close(write_fd)
    data = b""
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    text = data.decode()
    if text.startswith('{"installed": false'):
        return json.loads(text)
    results = [json.loads(line) for line in text.splitlines() if line]
    if os.WIFSIGNALED(status) and len(results) < len(case["calls"]):
        results.append({"signal": os.WTERMSIG(status)})
    return {"installed": True, "results": results}


print(json.dumps([run(case) for case in json.load(sys.stdin)]))
