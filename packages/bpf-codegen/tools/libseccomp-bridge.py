#!/usr/bin/python3
"""Compile a JSON rule description with libseccomp and write the exported BPF to stdout.

Used by @syscage/bpf-codegen's `compileWithLibseccomp` (the `./libseccomp` entry) as a test
oracle and benchmark peer. Needs Debian's python3-seccomp (libseccomp 2.5.x).

Input (stdin), all 64-bit values as decimal strings:
  {"arch": "x86_64" | "x86" | "aarch64" | "arm" | "riscv64",
   "defaultAction": ACTION, "badArchAction": ACTION (optional), "optimize": 1 | 2 (default 2),
   "rules": [{"syscall": "read", "action": ACTION,
              "conditions": [{"arg": 0, "op": "eq"|"ne"|"lt"|"le"|"gt"|"ge"|"masked_eq",
                              "value": "5", "mask": "255" (masked_eq only)}]}]}
  ACTION = {"kind": "allow"|"kill-process"|"kill-thread"|"trap"|"log"|"user-notify"}
         | {"kind": "errno", "errno": N} | {"kind": "trace", "data": N}
Each rule is one seccomp_rule_add call (its conditions are ANDed; rules are ORed).
Output: the raw BPF (native byte order) on stdout; on failure a one-line message on stderr
and exit status 1 (2 when python3-seccomp is missing).
Batch: a JSON array of requests gives a JSON array on stdout, per request {"bpf": HEX} or
{"error": MESSAGE}, so that a test compiles many filters in one process.
"""
import json
import os
import sys
import tempfile

try:
    import seccomp
except ImportError:
    sys.stderr.write("python3-seccomp is not installed\n")
    sys.exit(2)

ARCHES = {
    "x86_64": seccomp.Arch.X86_64,
    "x86": seccomp.Arch.X86,
    "i386": seccomp.Arch.X86,
    "aarch64": seccomp.Arch.AARCH64,
    "arm": seccomp.Arch.ARM,
    "riscv64": seccomp.Arch.RISCV64,
}
OPS = {
    "eq": seccomp.EQ,
    "ne": seccomp.NE,
    "lt": seccomp.LT,
    "le": seccomp.LE,
    "gt": seccomp.GT,
    "ge": seccomp.GE,
    "masked_eq": seccomp.MASKED_EQ,
}


def action(spec):
    kind = spec["kind"]
    if kind == "allow":
        return seccomp.ALLOW
    if kind == "kill-process":
        return seccomp.KILL_PROCESS
    if kind == "kill-thread":
        return seccomp.KILL
    if kind == "trap":
        return seccomp.TRAP
    if kind == "log":
        return seccomp.LOG
    if kind == "user-notify":
        return seccomp.NOTIFY
    if kind == "errno":
        return seccomp.ERRNO(int(spec["errno"]))
    if kind == "trace":
        return seccomp.TRACE(int(spec.get("data", 0)))
    raise ValueError("unknown action kind %r" % kind)


def condition(spec):
    op = OPS[spec["op"]]
    if spec["op"] == "masked_eq":
        return seccomp.Arg(int(spec["arg"]), op, int(spec["mask"]), int(spec["value"]))
    return seccomp.Arg(int(spec["arg"]), op, int(spec["value"]))


def main():
    request = json.load(sys.stdin)
    if isinstance(request, list):
        results = []
        for one in request:
            try:
                results.append({"bpf": compile_request(one).hex()})
            except Exception as error:  # one bad request must not lose the others' programs
                results.append({"error": str(error)})
        sys.stdout.write(json.dumps(results))
        return
    sys.stdout.buffer.write(compile_request(request))


def compile_request(request):
    arch = ARCHES[request["arch"]]
    filt = seccomp.SyscallFilter(action(request["defaultAction"]))
    if not filt.exist_arch(arch):
        filt.add_arch(arch)
        filt.remove_arch(seccomp.Arch.NATIVE)
    if "badArchAction" in request:
        filt.set_attr(seccomp.Attr.ACT_BADARCH, action(request["badArchAction"]))
    filt.set_attr(seccomp.Attr.CTL_OPTIMIZE, int(request.get("optimize", 2)))
    for index, rule in enumerate(request["rules"]):
        try:
            filt.add_rule(action(rule["action"]), rule["syscall"], *[condition(c) for c in rule.get("conditions", [])])
        except Exception as error:  # libseccomp reports problems as OSError/ValueError/RuntimeError
            raise RuntimeError("rule %d (%s): %s" % (index, rule["syscall"], error)) from error
    with tempfile.TemporaryFile() as out:
        filt.export_bpf(out)
        out.seek(0)
        return out.read()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        sys.stderr.write("%s\n" % error)
        sys.exit(1)
