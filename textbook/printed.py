"""A report's printed numbers set against ours: are they ours rounded, or cut, at the digits it prints?

A report prints a number or a (nested) list as text, such as ``"[−0.4403985, 0.4403985]"``;
``ours`` is the value this book computed (a number, a nested list or an array).  These
functions are the book's one rule for saying how the two relate, in words a table can show.
"""
from __future__ import annotations

import numpy as np

HOWS = ("rounded", "cut", "differs")


def parse(printed: str) -> tuple[np.ndarray, int]:
    """The numbers of ``printed`` in order, flattened, and the most decimals any of them is printed with."""
    if not isinstance(printed, str):
        raise TypeError(f"printed must be the report's text (str); received {type(printed).__name__}")
    texts = [t.strip() for t in printed.replace("[", "").replace("]", "").replace("−", "-").split(",")]
    try:
        numbers = np.array([float(t) for t in texts])
    except ValueError:
        raise ValueError("printed must be a number or a (nested) list of numbers as the report prints it; "
                         f"received {printed!r}") from None
    return numbers, max(len(t.split(".")[1]) if "." in t else 0 for t in texts)


def _flat(ours) -> np.ndarray:
    values = np.ravel(np.asarray(ours, dtype=float))
    if not np.all(np.isfinite(values)):
        raise ValueError(f"ours must be finite numbers; received {ours!r}")
    return values


def how(printed: str, ours) -> str:
    """``"rounded"`` if ``ours`` rounded to the report's decimals are its numbers, ``"cut"`` if ours cut there
    (towards zero) are, otherwise ``"differs"`` (also when the two hold different counts of numbers)."""
    numbers, decimals = parse(printed)
    values = _flat(ours)
    if values.shape != numbers.shape:
        return "differs"
    scale = 10.0 ** decimals
    for name, shortened in (("rounded", np.round(values, decimals)), ("cut", np.trunc(values * scale) / scale)):
        if np.allclose(shortened, numbers, rtol=0, atol=1e-12):
            return name
    return "differs"


def layout(printed: str, ours) -> str:
    """``ours`` written as the report writes its value: the same nesting, rounded to its decimals; a negative
    zero is written ``0.0``, as rounding a tiny value would print it."""
    decimals = parse(printed)[1]

    def written(value):
        if isinstance(value, list):
            return "[" + ", ".join(written(v) for v in value) + "]"
        return f"{round(value, decimals) + 0.0:.{decimals}f}"        # + 0.0 turns -0.0 into 0.0
    return written(np.asarray(ours, dtype=float).tolist())


def _digits(printed: str) -> str:
    """"the 4 decimals it prints": the words for how far the report's value is printed."""
    decimals = parse(printed)[1]
    return f"the {decimals} decimal{'s' * (decimals != 1)} it prints"


def _relation(printed: str, ours) -> tuple[str, str]:
    """:func:`how` the report's value relates to ours, and the words that follow the verb saying so."""
    decimals = parse(printed)[1]
    digits = _digits(printed)
    first = float(_flat(ours)[0])
    kind = how(printed, ours)
    return kind, {"rounded": f"ours rounded to {digits}",
                  "cut": f"ours cut, not rounded, after {digits} ({first:.{decimals + 2}f} rounds to {first:.{decimals}f})",
                  "differs": f"from ours, {layout(printed, ours)}"}[kind]


def reason(printed: str, ours) -> str:
    """How the report's value relates to ours, for a sentence whose subject is the report's value:
    "ours rounded to the 4 decimals it prints", "ours cut, not rounded, after …" or "differs from ours, …"."""
    kind, words = _relation(printed, ours)
    return f"differs {words}" if kind == "differs" else words


def verdict(printed: str, ours) -> str:
    """A short verdict for a scoreboard: "agrees to the 4 decimals it prints", "equals ours cut after the 4 decimals
    it prints (ours rounded differs in the last decimal)" or "differs at the 4 decimals it prints"."""
    digits = _digits(printed)
    return {"rounded": f"agrees to {digits}",
            "cut": f"equals ours cut after {digits} (ours rounded differs in the last decimal)",
            "differs": f"differs at {digits}"}[how(printed, ours)]


def row_reason(printed: str, ours) -> str:
    """:func:`reason` as a whole clause with the report's value as its subject, for a table's reason column:
    "the report's numbers are ours rounded to the 4 decimals it prints"."""
    several = parse(printed)[0].size > 1
    subject = "the report's numbers" if several else "the report's number"
    kind, words = _relation(printed, ours)
    verb = ("differ" if several else "differs") if kind == "differs" else ("are" if several else "is")
    return f"{subject} {verb} {words}"
