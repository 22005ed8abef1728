#!/usr/bin/env python3
"""Generates vigil's man pages from Markdown (python3 stdlib only; run by CMake at build time).

    gen_man.py config docs/config.md OUT --version V   -> vigil.toml(5)
    gen_man.py page docs/man/vigil.8.md OUT --version V -> the page named in its title line

docs/config.md is the single source of truth for the configuration keys, their defaults and
ranges, so vigil.toml(5) is made from it rather than written twice. The converter knows the
small Markdown subset our docs use (headings, paragraphs, "-" lists with nesting, fenced
code, pipe tables, `code`, **bold**, *italic*, [links](...)) and refuses anything else with
FILE:LINE, so that a change to the docs the page cannot show fails the build instead of
shipping a page with a section missing. In config mode it also checks the structure the page
promises: one section per table of the file, each with a key table (Key, Type, Default)
whose every key is described, in a "Meaning" column or in the section's text.

Rendering: a table row becomes a .TP entry (the first cell the term, the others
"Header: value"), since wide tables do not fit an 80-column terminal; a list item that
starts with a term (`key`: or **Term**:) becomes a .TP entry too. Output is ASCII: other
characters become groff escapes, so groff needs no input encoding.
"""

import argparse
import os
import re
import sys

# Sections of the configuration file that vigil.toml(5) must document, as docs/config.md
# names them in its "## `...`" headings.
CONFIG_SECTIONS = ["[cluster]", "[[node]]", "[[group]]", "[[resource]]", "[[check]]"]

CHAR_ESCAPES = {
    "\u00d7": r"\(mu", "\u2212": r"\-", "\u2013": r"\(en", "\u2014": r"\(em",
    "\u2264": r"\(<=", "\u2265": r"\(>=", "\u2192": r"\(->", "\u00f7": r"\(di",
    "\u2026": "...", "\u2018": r"\(oq", "\u2019": r"\(cq", "\u201c": r"\(lq",
    "\u201d": r"\(rq", "\u00a0": r"\~",
}


class ParseError(Exception):
    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")


# --- Markdown subset -> blocks ------------------------------------------------------------
# A block is a tuple: ("heading", line, level, text), ("para", line, [text]),
# ("code", line, [text]), ("table", line, header_cells, [row_cells]),
# ("list", line, [[blocks of item]]).

LIST_ITEM = re.compile(r"^- (.*)$")
UNSUPPORTED = [
    (re.compile(r"^\d+[.)] "), "numbered lists are not supported (use '- ')"),
    (re.compile(r"^>"), "block quotes are not supported"),
    (re.compile(r"^<"), "raw HTML is not supported"),
    (re.compile(r"^(\*|\+) "), "use '- ' for list items"),
    (re.compile(r"^(---|\*\*\*|___)\s*$"), "horizontal rules are not supported"),
]


def split_cells(path, lineno, text):
    if not text.rstrip().endswith("|"):
        raise ParseError(path, lineno, "table row does not end with '|'")
    # A "|" inside `code` would split a cell: the docs do not use one, so refuse it.
    inner = text.strip()[1:-1]
    if inner.count("`") % 2:
        raise ParseError(path, lineno, "unbalanced ` in table row")
    return [c.strip() for c in inner.split("|")]


def list_item_lines(lines, i):
    """The lines of the "- " item at lines[i], its indentation removed, and the index after
    it. The item goes on while lines are indented by 2, across blank lines."""
    item = [(lines[i][0], LIST_ITEM.match(lines[i][1]).group(1))]
    i += 1
    while i < len(lines):
        lineno, text = lines[i]
        if text.startswith("  "):
            item.append((lineno, text[2:]))
        elif not text.strip():
            following = next((x for x in lines[i:] if x[1].strip()), None)
            if following is None or not following[1].startswith("  "):
                break
            item.append((lineno, ""))
        else:
            break
        i += 1
    return item, i


def parse_blocks(path, lines):
    """lines: [(lineno, text)] with the enclosing list indentation already removed."""
    blocks, i = [], 0
    while i < len(lines):
        lineno, text = lines[i]
        if not text.strip():
            i += 1
            continue
        if text.startswith("```"):
            body, i = [], i + 1
            while i < len(lines) and lines[i][1].strip() != "```":
                body.append(lines[i][1])
                i += 1
            if i == len(lines):
                raise ParseError(path, lineno, "code block is not closed by ```")
            blocks.append(("code", lineno, body))
            i += 1
        elif text.startswith("#"):
            m = re.match(r"^(#+) (\S.*)$", text)
            if not m or len(m.group(1)) > 3:
                raise ParseError(path, lineno, "expected a heading '# ', '## ' or '### '")
            blocks.append(("heading", lineno, len(m.group(1)), m.group(2).strip()))
            i += 1
        elif text.startswith("|"):
            rows = []
            while i < len(lines) and lines[i][1].startswith("|"):
                rows.append((lines[i][0], split_cells(path, *lines[i])))
                i += 1
            if len(rows) < 2 or not all(re.fullmatch(r":?-+:?", c) for c in rows[1][1]):
                raise ParseError(path, lineno, "table has no '|---|' line under its header")
            header = rows[0][1]
            for row_line, cells in rows[1:]:
                if len(cells) != len(header):
                    raise ParseError(path, row_line, f"table row has {len(cells)} cells, "
                                     f"its header {len(header)}")
            blocks.append(("table", lineno, header, [c for _, c in rows[2:]]))
        elif LIST_ITEM.match(text):
            items = []
            while i < len(lines) and LIST_ITEM.match(lines[i][1]):
                item, i = list_item_lines(lines, i)
                items.append(parse_blocks(path, item))
                while i < len(lines) and not lines[i][1].strip():
                    i += 1
            blocks.append(("list", lineno, items))
        elif text[0] in " \t":
            raise ParseError(path, lineno, "indented text outside a list item")
        else:
            for pattern, why in UNSUPPORTED:
                if pattern.match(text):
                    raise ParseError(path, lineno, why)
            body = []
            while i < len(lines):
                t = lines[i][1]
                if not t.strip() or t.startswith(("```", "#", "|")) or LIST_ITEM.match(t):
                    break
                body.append(t.strip())
                i += 1
            blocks.append(("para", lineno, body))
    return blocks


# --- blocks -> roff -----------------------------------------------------------------------

def escape(text):
    out = text.replace("\\", r"\e")
    return "".join(c if ord(c) < 128 else CHAR_ESCAPES.get(c, f"\\[u{ord(c):04X}]")
                   for c in out)


def inline(text):
    """Markdown inline markup of one line -> roff (fonts, escapes)."""
    parts = text.split("`")
    out = []
    for n, part in enumerate(parts):
        if n % 2:  # inside `code`: literal, with real minus signs for options
            out.append(r"\fB" + escape(part).replace("-", r"\-") + r"\fR")
            continue
        s = escape(part)
        s = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 <\2>", s)
        s = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", s)
        s = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR", s)
        out.append(s)
    return "".join(out)


def text_lines(lines):
    """Lines of filled text; a leading . or ' would be read as a request."""
    return ["\\&" + x if x.startswith((".", "'")) else x for x in (inline(t) for t in lines)]


TERM = re.compile(r"^((?:`[^`]+`|\*\*[^*]+\*\*)(?:(?:, | and | or )`[^`]+`)*):\s+(.*)$")
BOLD_TERM = re.compile(r"^\*\*([^*]+):\*\*\s+(.*)$")


def render(blocks, out, defs=None):
    """defs: {key: list item} describing a key table's keys; an item used under its table
    row is not rendered again in its list."""
    defs = {} if defs is None else defs
    for block in blocks:
        kind, lineno = block[0], block[1]
        if kind == "heading":
            level, text = block[2], inline(block[3]).replace('"', r"\(dq")
            out.append((".SH" if level <= 2 else ".SS") + f' "{text}"')
        elif kind == "para":
            out.append(".PP")
            out.extend(text_lines(block[2]))
        elif kind == "code":
            out.extend([".PP", ".RS 4", ".nf"])
            out.extend("\\&" + escape(t) for t in block[2])
            out.extend([".fi", ".RE"])
        elif kind == "table":
            header, rows = block[2], block[3]
            for cells in rows:
                out.extend([".TP 4", inline(cells[0])])
                fields = [f"{inline(h)}: {inline(c)}" for h, c in zip(header[1:], cells[1:]) if c]
                out.append("; ".join(fields) + ("." if fields else ""))
                item = defs.pop(cells[0].strip("`"), None) if header[0] == "Key" else None
                if item is not None:
                    out.append(".br")
                    render_item(item, out, term_shown=True)
        elif kind == "list":
            for item in block[2]:
                if not any(item is d for d in defs.values()) and id(item) not in USED:
                    render_item(item, out)


USED = set()  # ids of list items already shown under their key's table row


def item_key(item):
    """The key a list item describes, if it starts with exactly one `key`: term."""
    if item[0][0] != "para":
        return None
    m = re.match(r"^`([a-z_]+)`:\s", item[0][2][0])
    return m.group(1) if m else None


def render_item(item, out, term_shown=False):
    first, rest = item[0], item[1:]
    if term_shown:  # under a table row's .TP: the text without its term, then the rest
        USED.add(id(item))
        m = TERM.match(first[2][0])
        out.extend(text_lines([m.group(2)] + first[2][1:]))
        if rest:
            out.append(".RS 4")
            render(rest, out)
            out.append(".RE")
        return
    if first[0] != "para":
        out.append(".IP \\(bu 2")
        out.extend([".RS 2"])
        render(item, out)
        out.append(".RE")
        return
    head = first[2][0]
    m = TERM.match(head) or BOLD_TERM.match(head)
    if m:
        term = m.group(1) if TERM.match(head) else f"**{m.group(1)}**"
        out.extend([".TP 4", inline(term)])
        out.extend(text_lines([m.group(2)] + first[2][1:]))
        indent = 4
    else:
        out.append(".IP \\(bu 2")
        out.extend(text_lines(first[2]))
        indent = 2
    if rest:
        out.append(f".RS {indent}")
        render(rest, out)
        out.append(".RE")


# --- the two pages ------------------------------------------------------------------------

def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [(n + 1, line.rstrip("\n")) for n, line in enumerate(f)]


def th(name, section, version, manual):
    date = ""
    if "SOURCE_DATE_EPOCH" in os.environ:
        import time
        date = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"])))
    return [f'.TH "{name.upper()}" "{section}" "{date}" "vigil {version}" "{manual}"']


def sections_of(blocks):
    """Level-2 sections: [(heading block, [blocks])]; blocks before the first one under None."""
    sections = [(None, [])]
    for b in blocks:
        if b[0] == "heading" and b[2] == 2:
            sections.append((b, []))
        else:
            sections[-1][1].append(b)
    return sections


def check_config_structure(path, blocks):
    """Refuses a docs/config.md whose key sections vigil.toml(5) could not show."""
    found = {}
    for heading, body in sections_of(blocks)[1:]:
        m = re.match(r"^`(\[\[?[a-z_]+\]\]?)`", heading[3])
        if m:
            found[m.group(1)] = (heading, body)
    for name in CONFIG_SECTIONS:
        if name not in found:
            raise ParseError(path, 1, f"no '## `{name}`' section (vigil.toml(5) documents "
                             f"{', '.join(CONFIG_SECTIONS)})")
    keys = []
    for name, (heading, body) in found.items():
        tables = [b for b in walk(body) if b[0] == "table" and b[2][0] == "Key"]
        if not tables:
            raise ParseError(path, heading[1], f"section {name} has no key table "
                             "(| Key | Type | Default | ...)")
        prose = "\n".join(t for b in walk(body) if b[0] in ("para", "code")
                          for t in b[2])
        for table in tables:
            for column in ("Type", "Default"):
                if column not in table[2] and table is tables[0]:
                    raise ParseError(path, table[1], f"the key table of {name} has no "
                                     f"'{column}' column")
            meaning = [n for n, h in enumerate(table[2]) if "meaning" in h.lower()]
            for cells in table[3]:
                key = re.fullmatch(r"`([a-z_]+)`", cells[0])
                if not key:
                    raise ParseError(path, table[1], f"key table of {name}: {cells[0]!r} is "
                                     "not a `key`")
                described = any(cells[n] for n in meaning) or f"`{key.group(1)}`" in prose
                if not described:
                    raise ParseError(path, table[1], f"key {name}.{key.group(1)} is in the "
                                     "table but described nowhere in its section")
                keys.append(key.group(1))
    return keys


def walk(blocks):
    for b in blocks:
        yield b
        if b[0] == "list":
            for item in b[2]:
                yield from walk(item)


def config_page(path, version):
    lines = read_lines(path)
    if not lines or lines[0][1] != "# Configuration file":
        raise ParseError(path, 1, "expected the title '# Configuration file'")
    blocks = parse_blocks(path, lines[1:])
    check_config_structure(path, blocks)
    sections = sections_of(blocks)
    intro = [b for b in sections[0][1]
             if not (b[0] == "para" and b[2][0].startswith("This document"))]
    out = th("vigil.toml", 5, version, "File Formats")
    out += [".SH NAME", r"vigil.toml \- configuration file of the vigil high-availability agent",
            ".SH SYNOPSIS", r"\fB/etc/vigil/vigil.toml\fR", ".SH DESCRIPTION"]
    render(intro, out)
    for heading, body in sections[1:]:
        # A "- `key`: ..." item of the section's own lists is shown under its key's table
        # row, if the section has one; any other item stays where it is written.
        table_keys = {cells[0].strip("`") for b in walk(body) if b[0] == "table"
                      and b[2][0] == "Key" for cells in b[3]}
        defs = {}
        for b in body:
            if b[0] == "list":
                defs.update({item_key(i): i for i in b[2] if item_key(i) in table_keys})
        render([heading] + body, out, defs)
    out += [".SH FILES", ".TP 4", r"\fB/etc/vigil/vigil.toml.example\fR",
            "a commented example: two nodes and a witness, two links, one group.",
            ".SH SEE ALSO", r"\fBvigil\fR(8)"]
    return out


def named_page(path, version):
    lines = read_lines(path)
    m = re.match(r"^# ([a-z0-9.\-]+)\((\d)\) -- (.+)$", lines[0][1] if lines else "")
    if not m:
        raise ParseError(path, 1, "expected the title '# NAME(SECTION) -- description'")
    name, section, what = m.groups()
    blocks = parse_blocks(path, lines[1:])
    for b in blocks:
        if b[0] == "heading" and b[2] == 1:
            raise ParseError(path, b[1], "only the first line may be a '# ' heading")
    manual = "System Administration" if section == "8" else "User Commands"
    out = th(name, section, version, manual)
    out += [".SH NAME", f"{escape(name)} \\- {inline(what)}"]
    render(blocks, out)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="Markdown -> man page (vigil)")
    ap.add_argument("mode", choices=["config", "page"])
    ap.add_argument("source")
    ap.add_argument("output")
    ap.add_argument("--version", default="0")
    args = ap.parse_args(argv)
    try:
        make = config_page if args.mode == "config" else named_page
        out = make(args.source, args.version)
    except ParseError as e:
        print(f"gen_man.py: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"gen_man.py: {e}", file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
