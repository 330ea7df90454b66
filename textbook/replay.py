"""nbval over the book's own executions: a kernel that replays the build's outputs.

``pytest`` runs nbval over every chapter.  When the book was built from the same code
under the same stamp (:mod:`textbook.build_cache`), executing the chapter again would
compute the same outputs a second time; instead nbval is given a :class:`ReplayKernel`
that answers each cell with the outputs the build computed.  nbval then does exactly
what it does with a live kernel — every cell must have run without error, each cell
tagged ``nbval-check-output`` must reproduce its stored outputs (same sanitizers) —
on the outputs the book shows.  The last cell's regression check, which a live kernel
runs under ``TEXTBOOK_COMPARE_STORED=1``, is done here on the build's record
(:func:`textbook.regression.check_against_stored`), with the same message.

Without a matching build (no ``_build``, or the code or the stamp changed since), nbval
starts a real kernel as usual.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from queue import Empty

from .regression import RECORD_KEY, check_against_stored

_ids = itertools.count()


class ReplayKernel:
    """The part of nbval's ``RunningKernel`` that nbval's cells use, answered from an executed notebook."""

    def __init__(self, executed_nb, notebook: Path):
        self._cells = iter([cell for cell in executed_nb.cells if cell.cell_type == "code"])
        self._notebook = Path(notebook)
        self._messages: list[dict] = []
        self._alive = True

    def execute_cell_input(self, cell_input: str, allow_stdin=None) -> str:
        msg_id = f"replay-{next(_ids)}"
        cell = next(self._cells, None)
        if cell is None or cell.source != cell_input:
            outputs = [_error("ReplayError", "the build's execution does not hold this cell's code")]
        else:
            outputs = [self._with_regression_check(output) for output in cell.outputs]
            outputs = [item for group in outputs for item in group]
        self._messages = [_message(msg_id, output) for output in outputs]
        self._messages.append({"msg_type": "status", "parent_header": {"msg_id": msg_id},
                               "content": {"execution_state": "idle"}})
        return msg_id

    def _with_regression_check(self, output) -> list[dict]:
        """The output, then what ``record_run`` prints (or raises) when it compares with the stored run."""
        record = output.get("metadata", {}).get(RECORD_KEY)
        if record is None:
            return [output]
        try:
            verdict = check_against_stored(self._notebook, record)
        except AssertionError as error:
            return [output, _error("AssertionError", str(error))]
        return [output, {"output_type": "stream", "name": "stdout", "text": verdict + "\n"}]

    def get_message(self, stream, timeout=None) -> dict:
        if not self._messages:
            raise Empty
        return self._messages.pop(0)

    def await_reply(self, msg_id, timeout=None) -> None:
        return None

    def await_idle(self, parent_id, timeout) -> None:
        self._messages = [m for m in self._messages if m["msg_type"] == "status"]

    def is_alive(self) -> bool:
        return self._alive

    def interrupt(self) -> None:
        return None

    def stop(self) -> None:
        self._alive = False


def _error(name: str, value: str) -> dict:
    return {"output_type": "error", "ename": name, "evalue": value, "traceback": [f"{name}: {value}"]}


def _message(msg_id: str, output) -> dict:
    """An executed notebook's output as the iopub message a live kernel would have sent."""
    kind = output["output_type"]
    if kind == "stream":
        content = {"name": output["name"], "text": output["text"]}
    elif kind in ("display_data", "execute_result"):
        content = {"data": output.get("data", {}), "metadata": output.get("metadata", {})}
        if kind == "execute_result":
            content["execution_count"] = output.get("execution_count")
    else:
        content = {"ename": output["ename"], "evalue": output["evalue"], "traceback": output["traceback"]}
    return {"msg_type": kind, "parent_header": {"msg_id": msg_id}, "content": content}
