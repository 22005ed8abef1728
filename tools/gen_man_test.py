#!/usr/bin/env python3
"""Tests of tools/gen_man.py (ctest man.generator).

Goal: the generator renders the real docs/config.md and docs/man/vigil.8.md, shows every
documented key, and fails loudly, naming the file and line, when docs/config.md changes in a
way it cannot show. Method: run it on the real files and on edited copies in a temp dir.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "tools", "gen_man.py")
CONFIG_MD = os.path.join(ROOT, "docs", "config.md")
VIGIL_MD = os.path.join(ROOT, "docs", "man", "vigil.8.md")


def run(mode, source):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "page")
        p = subprocess.run([sys.executable, GEN, mode, source, out, "--version", "9.9"],
                           capture_output=True, text=True)
        page = open(out, encoding="ascii").read() if os.path.exists(out) else None
        return p.returncode, p.stderr, page


def config_text():
    with open(CONFIG_MD, encoding="utf-8") as f:
        return f.read()


class Edited:
    """A copy of docs/config.md with an edit, in a temp file."""

    def __init__(self, text, name="config.md"):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, name)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        self.dir.cleanup()


def documented_keys(text):
    """Every `key` in the first cell of a | Key | table of docs/config.md (naive scan)."""
    keys, in_key_table = set(), False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("| Key"):
            in_key_table = True
        elif not s.startswith("|"):
            in_key_table = False
        elif in_key_table:
            m = re.match(r"^\|\s*`([a-z_]+)`", s)
            if m:
                keys.add(m.group(1))
    return keys


class ConfigPage(unittest.TestCase):
    def test_real_config_md_renders_every_key(self):
        rc, err, page = run("config", CONFIG_MD)
        self.assertEqual(rc, 0, err)
        self.assertTrue(page.startswith('.TH "VIGIL.TOML" "5" "" "vigil 9.9"'))
        keys = documented_keys(config_text())
        self.assertGreater(len(keys), 40)  # the scan itself found the tables
        for key in keys:
            self.assertIn("\n" + r"\fB" + key.replace("-", r"\-") + r"\fR" + "\n", page, key)
        # A key's description from its "- `key`:" item sits under its table row.
        self.assertIn("\\fBdead_time_ms\\fR\nType: integer; Default: 250; Range: 2 \\(mu "
                      "heartbeat interval..60000.\n.br\na peer is declared dead after", page)
        self.assertNotIn("This document specifies", page)  # pointers into the source tree

    def test_item_of_a_key_outside_the_tables_stays_in_its_list(self):
        text = config_text().replace(
            "- `heartbeat_interval_ms`:",
            "- `not_a_table_key`: kept where written.\n- `heartbeat_interval_ms`:")
        with Edited(text) as path:
            rc, err, page = run("config", path)
        self.assertEqual(rc, 0, err)
        self.assertIn(".TP 4\n\\fBnot_a_table_key\\fR\nkept where written.\n", page)

    def test_output_is_ascii_with_escapes(self):
        _, _, page = run("config", CONFIG_MD)
        page.encode("ascii")
        self.assertIn(r"2 \(mu heartbeat interval", page)

    def test_missing_section_fails(self):
        text = config_text().replace("## `[[check]]`", "## `[[probe]]`")
        with Edited(text) as path:
            rc, err, page = run("config", path)
        self.assertEqual(rc, 1)
        self.assertIn("no '## `[[check]]`' section", err)
        self.assertIsNone(page)

    def test_key_table_without_default_column_fails(self):
        text = config_text().replace("| Key       | Type                       | Default  |",
                                     "| Key       | Type                       | Fallback |")
        with Edited(text) as path:
            rc, err, _ = run("config", path)
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"config\.md:\d+: the key table of \[\[node\]\] has no 'Default'")

    def test_row_with_wrong_cell_count_fails_at_its_line(self):
        lines = config_text().splitlines()
        n = next(i for i, x in enumerate(lines) if x.startswith("| `port`"))
        lines[n] = lines[n] + " extra |"
        with Edited("\n".join(lines) + "\n") as path:
            rc, err, _ = run("config", path)
        self.assertEqual(rc, 1)
        self.assertIn(f"config.md:{n + 1}: table row has 5 cells, its header 4", err)

    def test_key_described_nowhere_fails(self):
        text = config_text().replace("| `port`                  |",
                                     "| `port_number`           |")
        with Edited(text) as path:
            rc, err, _ = run("config", path)
        self.assertEqual(rc, 1)
        self.assertIn("key [cluster].port_number is in the table but described nowhere", err)

    def test_unclosed_code_block_fails(self):
        with Edited(config_text() + "\n```\nnever closed\n") as path:
            rc, err, _ = run("config", path)
        self.assertEqual(rc, 1)
        self.assertIn("code block is not closed", err)

    def test_unsupported_markdown_fails(self):
        for edit, why in [("1. first\n", "numbered lists"), ("> quoted\n", "block quotes"),
                          ("#### Deep\n", "expected a heading"), ("* item\n", "use '- '")]:
            with Edited(config_text() + "\n" + edit) as path:
                rc, err, _ = run("config", path)
            self.assertEqual(rc, 1, edit)
            self.assertIn(why, err)

    def test_changed_title_fails(self):
        with Edited(config_text().replace("# Configuration file", "# Config", 1)) as path:
            rc, err, _ = run("config", path)
        self.assertEqual(rc, 1)
        self.assertIn("config.md:1: expected the title", err)


class NamedPage(unittest.TestCase):
    def test_vigil_8_renders(self):
        rc, err, page = run("page", VIGIL_MD)
        self.assertEqual(rc, 0, err)
        self.assertTrue(page.startswith('.TH "VIGIL" "8" "" "vigil 9.9" "System Administration"'))
        self.assertIn('.SS "vigil switchover"', page)
        self.assertIn(".TP 4\n\\fB\\-\\-wait\\-ms MS\\fR\n", page)

    def test_escapes_requests_and_backslashes(self):
        text = ("# x(8) -- test page\n\n## SECTION\n\n.starts with a dot\n'and a quote\n"
                "a \\ backslash and `--opt` and **bold** and *it* and [a](#b)\n")
        with Edited(text, "x.8.md") as path:
            rc, err, page = run("page", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("\\&.starts with a dot\n\\&'and a quote\n", page)
        self.assertIn(r"a \e backslash and \fB\-\-opt\fR and \fBbold\fR and \fIit\fR and a",
                      page)

    def test_page_without_title_fails(self):
        with Edited("## SECTION\n\ntext\n", "x.8.md") as path:
            rc, err, _ = run("page", path)
        self.assertEqual(rc, 1)
        self.assertIn("x.8.md:1: expected the title '# NAME(SECTION) -- description'", err)


if __name__ == "__main__":
    unittest.main(verbosity=1)
