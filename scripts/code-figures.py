#!/usr/bin/env python3
"""Figures for the codebase's shape (issue 13), before/after a change: command-file lines, the longest functions,
comparisons against string literals, libc socket calls outside the syscall layer, lines over 120 characters. A
function over 80 lines counts as explained when its doc comment has a line with `Long:` saying why.
    scripts/code-figures.py [REV]      # a git revision (default: the work tree)
"""
import os
import re, subprocess, sys

rev = sys.argv[1] if len(sys.argv) > 1 else None


def files():
    if rev:
        names = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "Sources"], capture_output=True, text=True, check=True).stdout.split()
    else:
        names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "Sources"], capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        if name.endswith(".swift"):
            text = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, text=True).stdout if rev else open(name).read()
            yield name, text.split("\n")


def code_only(lines):
    """The lines with string-literal contents and comments removed (each literal left as `""`), so that braces
    and quotes inside strings and interpolations count for nothing: handles `\\(…)` interpolation (nested strings
    inside it), multi-line and raw (`#"…"#`) literals, `//` and `/* */` comments."""
    out, stack, block_comment = [], [], False  # stack: ("str", hashes, multiline) or ("interp", paren depth)
    for line in lines:
        result, i = [], 0
        while i < len(line):
            c = line[i]
            top = stack[-1] if stack else None
            if block_comment:
                if line.startswith("*/", i):
                    block_comment, i = False, i + 2
                else:
                    i += 1
                continue
            if top is None or top[0] == "interp":
                if line.startswith("//", i):
                    break
                if line.startswith("/*", i):
                    block_comment, i = True, i + 2
                    continue
                m = re.match(r'(#*)("""|")', line[i:])
                if m:
                    stack.append(("str", m.group(1), m.group(2) == '"""'))
                    result.append('"')
                    i += len(m.group(0))
                    continue
                if top is not None:
                    if c == "(":
                        stack[-1] = ("interp", top[1] + 1)
                    elif c == ")":
                        if top[1] == 0:
                            stack.pop()
                            i += 1
                            continue
                        stack[-1] = ("interp", top[1] - 1)
                result.append(c)
                i += 1
                continue
            _, hashes, multiline = top
            if c == "\\" and line.startswith("\\" + hashes + "(", i):
                stack.append(("interp", 0))
                i += len(hashes) + 2
                continue
            if c == "\\" and not hashes:
                i += 2
                continue
            closing = ('"""' if multiline else '"') + hashes
            if line.startswith(closing, i):
                stack.pop()
                result.append('"')
                i += len(closing)
                continue
            i += 1
        if stack and stack[-1][0] == "str" and not stack[-1][2]:
            stack.pop()  # an unterminated single-line literal: do not carry it over
        out.append("".join(result))
    return out


LIBC = r"\b(?:Glibc\.)?(socket|setsockopt|getsockopt|bind|listen|accept|connect|send|sendto|sendmsg|recv|recvfrom|recvmsg|poll|fcntl|getsockname|inet_ntop|inet_pton|shutdown)\("
functions, command_lines, literal_comparisons, libc_sites, long_lines = [], {}, 0, {}, 0
cli_other_lines = {}
for name, lines in files():
    # A command file declares a command (`ParsableCommand`); the option groups (`Options/`) and the output helpers
    # (`Support/`) beside them are counted apart.
    if name.startswith("Sources/mtu-doctor/"):
        if any(re.search(r"\b(Async)?ParsableCommand\b", line) for line in lines):
            command_lines[name.split("/")[-1]] = len(lines)
        else:
            cli_other_lines[name.split("/")[-1]] = len(lines)
    layer_depth = None  # inside `enum Syscall` or `extension Syscall`: the syscall layer itself
    stripped_lines = code_only(lines)
    for number, line in enumerate(lines):
        long_lines += len(line) > 120
        code = stripped_lines[number]
        literal_comparisons += len(re.findall(r'(==|!=)\s*""|""\s*(==|!=)', code))
        if layer_depth is None and re.match(r"\s*(package |public )?(enum|extension) Syscall\b", code):
            layer_depth = 0
        if layer_depth is not None:
            layer_depth += code.count("{") - code.count("}")
            if layer_depth <= 0 and "}" in code:
                layer_depth = None
            continue
        calls = re.findall(r"(?<![\w.])(?<!await )" + LIBC[2:], code) + re.findall(r"Glibc\." + LIBC[len(r"\b(?:Glibc\.)?"):], code)
        if calls and not re.search(r"\bfunc\s", code):
            libc_sites[name] = libc_sites.get(name, 0) + len(calls)
    # Functions: from a `func`/`init` line to the line where its braces close.
    depth, current = 0, None
    for number, line in enumerate(stripped_lines):
        stripped = line.strip()
        if current is None and re.match(r"^(@\w+\s+)*((public|package|private|fileprivate|internal|static|mutating|override|final|nonisolated)\s+)*(func\s+\w+|init[?!]?)\s*[(<]", stripped):
            current, depth, began = (stripped.split("(")[0], number), 0, False
            above, reason = number - 1, False
            while above >= 0 and lines[above].strip().startswith(("///", "@")):
                reason = reason or "Long:" in lines[above]
                above -= 1
        if current is not None:
            depth += line.count("{") - line.count("}")
            began = began or "{" in line
            if began and depth <= 0:
                functions.append((number - current[1] + 1, f"{name.replace('Sources/', '')}:{current[1] + 1} {current[0]}", reason))
                current = None
print(f"revision: {rev or 'work tree'}")
print(f"command files (Sources/mtu-doctor, {len(command_lines)} declaring a command): {sum(command_lines.values())} lines; "
      f"option groups and helpers beside them: {sum(cli_other_lines.values())} lines in {len(cli_other_lines)} files; over 80: " +
      ", ".join(f"{k} {v}" for k, v in sorted(command_lines.items(), key=lambda kv: -kv[1]) if v > 80))
functions.sort(reverse=True)
long = [(n, where) for n, where, reason in functions if n > 80]
unexplained = [(n, where) for n, where, reason in functions if n > 80 and not reason]
print(f"functions over 80 lines: {len(long)}, of which without a reason (a `Long:` line in the doc comment): {len(unexplained)}; longest without one:")
for n, where in unexplained[: (None if os.environ.get("ALL") else 8)]:
    print(f"  {n:4d}  {where}")
print(f"comparisons against string literals: {literal_comparisons}")
print(f"libc socket calls outside the Syscall layer: {sum(libc_sites.values())} in {len(libc_sites)} files: " +
      ", ".join(f"{k.split('/')[-1]} {v}" for k, v in sorted(libc_sites.items(), key=lambda kv: -kv[1])))
print(f"source lines over 120 characters: {long_lines}")
