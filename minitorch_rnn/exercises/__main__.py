"""``python -m minitorch_rnn.exercises list | init DIR [--solved] | check DIR [NAME ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from . import LADDER, check_file, init, select
from ._capstone import all_together


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m minitorch_rnn.exercises",
        description="Write the engine yourself, one exercise at a time, and check each one.",
    )
    commands = p.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the exercises, in order")
    p_init = commands.add_parser("init", help="write one file of stubs per exercise into DIR")
    p_init.add_argument("dir", metavar="DIR", help="the folder for your files (made if needed)")
    p_init.add_argument("--solved", action="store_true", help="write the reference solutions")
    p_init.add_argument("--force", action="store_true", help="overwrite files already there")
    p_check = commands.add_parser("check", help="check the exercises in DIR (or just NAME ...)")
    p_check.add_argument("dir", metavar="DIR", help="the folder `init` wrote")
    p_check.add_argument("names", nargs="*", metavar="NAME", help="only these (see: list)")
    return p


def main(argv: Optional[list[str]] = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "list":
        for e in LADDER:
            print(f"{e.number:>2}. {e.name:<15} {e.title}")
        return 0
    if args.command == "init":
        written = init(args.dir, solved=args.solved, force=args.force)
        for path in written:
            print(f"wrote {path}")
        kept = len(LADDER) - len(written)
        if kept:
            print(f"kept {kept} file(s) already in {args.dir} (--force overwrites them)")
        print(f"next: python -m minitorch_rnn.exercises check {args.dir}")
        return 0
    try:
        exercises = select(tuple(args.names))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    passed = True
    for exercise in exercises:  # one line as each finishes
        result = check_file(exercise, Path(args.dir) / exercise.filename)
        print(result, flush=True)
        passed = passed and result.passed
    if passed and len(exercises) == len(LADDER):  # the whole ladder: your pieces together
        try:
            accuracy = all_together(Path(args.dir))
        except Exception as error:  # each piece passed on its own; say what broke together
            print(f"ALL PASS, but your pieces together raised {type(error).__name__}: {error}")
        else:
            print(
                f"ALL PASS: your Tanh, SGD, clipping and truncated-BPTT loop together train "
                f"nn.RNN to {accuracy:.1%} held-out accuracy on the echo stream"
            )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
