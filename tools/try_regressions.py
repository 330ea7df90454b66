"""Make plausible regressions one at a time and check that the test suite notices each.

Usage (from the project root, with the book's environment active; takes about
5 minutes per regression, so it is not part of CI)::

    python tools/try_regressions.py                    # every regression, unit tests then chapters
    python tools/try_regressions.py "shuffling off"    # just one
    python tools/try_regressions.py --chapters-only    # only what the chapters' checks see

For each regression the script edits one line of mlcore in the working tree, runs
``pytest -x`` over the unit tests and then over the chapters (nbval executes them
and their last cell compares every reproduced number with the stored run), prints
the first failing test and the drifted quantities, and puts the line back.  A
regression that neither stage catches is reported as MISSED and makes the script
exit 1.  Do not edit or commit mlcore while it runs.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (name, file, line as it is, line as the regression makes it[, how many times the line occurs: 1 unless given])
REGRESSIONS = [
    ("shuffling off", "mlcore/train.py",
     "order = rng.permutation(plan.n) if plan.shuffle else None", "order = None"),
    ("learning-rate decay ignored", "mlcore/train.py",
     "optimizer.lr *= plan.lr_decay", "optimizer.lr *= 1.0", 2),       # per epoch and every decay_every steps
    ("momentum ignored", "mlcore/optim.py",
     "v *= self.momentum", "v *= 0.0"),
    ("validation split moved by one row", "mlcore/datasets.py",
     "return (X[:-n_val], y[:-n_val]), (X[-n_val:], y[-n_val:])",
     "return (X[:-n_val - 1], y[:-n_val - 1]), (X[-n_val - 1:-1], y[-n_val - 1:-1])"),
    ("Glorot initialisation scale changed", "mlcore/layers.py",
     "limit = np.sqrt(6.0 / (n_in + n_out))", "limit = np.sqrt(3.0 / (n_in + n_out))"),
    ("last partial batch dropped", "mlcore/train.py",
     "steps_per_epoch=n // batch_size if drop_last else math.ceil(n / batch_size),",
     "steps_per_epoch=n // batch_size,"),
    ("Adam bias correction dropped", "mlcore/optim.py",
     "step_size = self.lr * np.sqrt(1 - b2 ** self._t) / (1 - b1 ** self._t)", "step_size = self.lr"),
    ("batch-norm running statistics frozen", "mlcore/layers.py",
     "            m = self.momentum\n", "            m = 0.0\n"),
]


# Left out of the unit-test stage, because they fail whatever the regression, which would count as "caught": the
# test that each regression's line is in mlcore (a regression has just replaced it), and the browser tests (the
# built book in Chromium, the chapters in JupyterLab), which check what readers see, not mlcore's numbers, and
# under load can time out.
NOT_REGRESSION_CHECKS = ["tests/test_tools_cli.py::test_every_regression_names_a_line_that_is_there",
                         "tests/test_browser.py", "tests/test_jupyterlab.py"]
STAGES = {"tests": ["tests", *(arg for test in NOT_REGRESSION_CHECKS for arg in ("--deselect", test))],
          "chapters": ["chapters"]}


def run(name: str, path: str, before: str, after: str, occurrences: int = 1, *, stages) -> bool:
    file = ROOT / path
    original = file.read_text()
    if original.count(before) != occurrences:
        raise SystemExit(f"{name}: the line to change is in {path} {original.count(before)} times, not "
                         f"{occurrences}; update REGRESSIONS")
    file.write_text(original.replace(before, after))
    caught = False
    try:
        for stage in stages:
            start = time.perf_counter()
            # --execute-chapters: the regression must reach the chapters through live kernels
            # (the changed mlcore already invalidates the build's executions; this says so).
            result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                     "--execute-chapters", *STAGES[stage]], cwd=ROOT, capture_output=True, text=True)
            caught |= result.returncode != 0
            report(name, stage, result, time.perf_counter() - start)
    finally:
        file.write_text(original)
    return caught


def report(name: str, stage: str, result, seconds: float) -> None:
    lines = [_plain(line) for line in result.stdout.splitlines()]
    failed = [line for line in lines if line.startswith("FAILED")]
    reason = [line.strip() for line in lines if line.startswith("  '") or line.startswith("E ")]
    verdict = "caught by" if result.returncode else "passes"
    print(f"{name}: {verdict} {stage} ({seconds:.0f} s)")
    for line in failed[:1] + reason[:4]:
        print(f"    {line[:240]}")


def _plain(line: str) -> str:
    """The line without terminal colour codes."""
    import re
    return re.sub(r"\x1b\[[0-9;]*m", "", line)


def parse_args(argv: list[str]):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python tools/try_regressions.py",
        description="Make plausible regressions of mlcore one at a time (each edits one line in the working tree "
                    "and puts it back) and check that the test suite catches each. About 5 minutes per regression.",
        epilog="regressions: " + "; ".join(repr(r[0]) for r in REGRESSIONS))
    parser.add_argument("names", nargs="*", metavar="REGRESSION",
                        help="regressions to try, by name (default: all)")
    parser.add_argument("--chapters-only", action="store_true",
                        help="skip the unit tests; run only the chapters' checks (nbval)")
    args = parser.parse_args(argv)
    known = [r[0] for r in REGRESSIONS]
    for name in getattr(args, "names"):
        if name not in known:
            parser.error(f"unknown regression {name!r}; choose from {', '.join(map(repr, known))}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    stages = ["chapters"] if args.chapters_only else list(STAGES)
    chosen = [r for r in REGRESSIONS if not args.names or r[0] in args.names]
    missed = [r[0] for r in chosen if not run(*r, stages=stages)]
    print(f"{len(chosen) - len(missed)} of {len(chosen)} regressions caught" + (f"; missed: {missed}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
