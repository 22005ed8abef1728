#!/usr/bin/env python3
"""vigil(8) and the bash completion cover every subcommand and option of the built vigil
(ctest man.covers_cli).

Goal: a subcommand or option added to main.cc without a man entry or a completion fails
here. Method: walk `vigil --help` and each subcommand's --help (CLI11's "Subcommands:" and
"Options:" lists); for each command path, vigil(8) must have a ".SS vigil PATH" section that
names each of its long options, and the completion, run in bash with bash-completion, must
offer each option after "--" and each subcommand at its place. Also renders both pages with
man and fails on any warning.

usage: check_cli_docs.py VIGIL_BIN VIGIL_8 COMPLETION
"""

import os
import re
import subprocess
import sys


def help_of(vigil, path):
    p = subprocess.run([vigil, *path, "--help"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"`vigil {' '.join(path)} --help` exited {p.returncode}: {p.stderr}")
    return p.stdout


def parse_help(text):
    """(subcommands, long options) of one CLI11 help text."""
    subcommands, options, section = [], [], None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Za-z ]*:$", line):
            section = line[:-1].lower()
            continue
        m = re.match(r"^  (\S+)", line)
        if not m:
            continue
        if section == "subcommands":
            subcommands.append(m.group(1))
        elif section == "options":
            for name in m.group(1).split(","):
                if name.startswith("--") and name != "--help":
                    options.append(name)
    return subcommands, options


def command_tree(vigil, path=()):
    """{command path: [long options]} for every command a user can run, leaves only."""
    subcommands, options = parse_help(help_of(vigil, list(path)))
    if not subcommands:
        return {path: options}
    tree = {}
    for name in subcommands:
        tree.update(command_tree(vigil, path + (name,)))
    return tree


def man_sections(page_path):
    """{"vigil switchover": text} of the .SS sections of a roff page, fonts removed."""
    with open(page_path, encoding="ascii") as f:
        roff = f.read()
    plain = re.sub(r"\\f[BIRP]", "", roff).replace(r"\-", "-")
    sections, name = {}, None
    for line in plain.splitlines():
        m = re.match(r'^\.S([SH]) "?([^"]*)"?$', line)
        if m:
            name = m.group(2) if m.group(1) == "S" else None
            if name:
                sections[name] = ""
        elif name:
            sections[name] += line + "\n"
    return sections


def complete(completion, words):
    """COMPREPLY of the vigil completion for a command line whose last word is the cursor."""
    script = (
        "source /usr/share/bash-completion/bash_completion\n"
        f"source {completion}\n"
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}\n'
        "_vigil vigil\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, VIGIL_CONFIG="/nonexistent")
    p = subprocess.run(["bash", "-c", script, "bash", *words], capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        sys.exit(f"completion of {words} failed: {p.stderr}")
    return set(p.stdout.split())


def render_warnings(page_path):
    env = dict(os.environ, MANWIDTH="80")
    p = subprocess.run(["man", "--warnings", "-l", page_path], capture_output=True,
                       text=True, env=env)
    return p.returncode, p.stderr.strip()


def main(vigil, page, completion):
    problems = []
    tree = command_tree(vigil)
    sections = man_sections(page)
    for path, options in sorted(tree.items()):
        name = "vigil " + " ".join(path)
        if name not in sections:
            problems.append(f"vigil(8) has no section '{name}' ({page})")
        else:
            for option in options:
                if not re.search(re.escape(option) + r"(?![\w-])", sections[name]):
                    problems.append(f"vigil(8) section '{name}' does not mention {option}")
        # Each word of the path is offered where it stands, and each option after "--".
        for depth in range(len(path)):
            offered = complete(completion, ["vigil", *path[:depth], ""])
            if path[depth] not in offered:
                problems.append(f"completion does not offer '{path[depth]}' after "
                                f"'vigil {' '.join(path[:depth])}'")
        offered = complete(completion, ["vigil", *path, "--"])
        for option in options:
            if option not in offered:
                problems.append(f"completion of '{name} --' does not offer {option}")
    for rendered in (page, re.sub(r"vigil\.8$", "vigil.toml.5", page)):
        rc, warnings = render_warnings(rendered)
        if rc != 0 or warnings:
            problems.append(f"man -l {rendered}: exit {rc}, warnings: {warnings}")
    for p in problems:
        print("FAIL:", p)
    print(f"{len(tree)} commands, {sum(len(o) for o in tree.values())} options checked "
          f"against vigil(8) and the completion: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
