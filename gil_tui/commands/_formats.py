"""The `--json | --markdown | --csv` choice shared by the table-printing commands."""

from __future__ import annotations

import argparse


def add_format_options(parser: argparse.ArgumentParser, *, markdown: str, csv: str) -> None:
    """Add the mutually exclusive output formats; the choice lands in ``args.format``."""
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", const="json", dest="format",
                     help="print exactly one JSON object (importable elsewhere)")
    fmt.add_argument("--markdown", action="store_const", const="markdown", dest="format",
                     help=markdown)
    fmt.add_argument("--csv", action="store_const", const="csv", dest="format", help=csv)
    parser.set_defaults(format="text")
