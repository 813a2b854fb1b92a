"""JSON from outside (a file, a request, a message) read with limits.

`json.loads` accepts `NaN` and `Infinity`, which are not JSON and which no form
field can hold, and raises `RecursionError` on deeply nested input (a few
thousand brackets), an error nobody catches as bad input. `loads` refuses both
with `InvalidJSON`, and bounds the nesting and the size, so every reader of
outside JSON fails the same clear way.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32  # a form's data is three levels deep; a signed payload five
MAX_BYTES = 16 * 1024 * 1024


class InvalidJSON(ValueError):
    """Outside JSON that is not a value we read; `reason` says why, in English (for logs)."""

    def __init__(self, reason: str, line: int = 0, column: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line, self.column = line, column  # where the text stops being JSON, if it says


def _no_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not a JSON number")


def depth(value: Any) -> int:
    """How deeply `value` nests (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Parse `raw` as strict JSON: no NaN/Infinity, at most `max_depth` levels, `max_bytes` long."""
    if len(raw) > max_bytes:
        raise InvalidJSON(f"longer than {max_bytes} bytes")
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except InvalidJSON:
        raise
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {max_depth} levels") from None
    except UnicodeDecodeError:
        raise InvalidJSON("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"not JSON ({exc.msg})", exc.lineno, exc.colno) from None
    except ValueError as exc:
        raise InvalidJSON(f"not JSON ({exc})") from None
    if depth(value) > max_depth:
        raise InvalidJSON(f"nested deeper than {max_depth} levels")
    return value
