"""drf-spectacular hooks."""

from typing import Any

# Integer column limits that Django adds as validators from the database connection
# (smallint and integer on PostgreSQL, 64-bit everywhere on SQLite). They are storage
# limits, not domain rules, and would make the schema differ between databases.
_STORAGE_MAXIMA = {2**15 - 1, 2**31 - 1, 2**63 - 1}
_STORAGE_MINIMA = {-(2**15), -(2**31), -(2**63)}


def drop_storage_bounds(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Remove integer bounds that only reflect the column type; keep domain bounds (0, 1, 300, ...)."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            # an integer, or an enum of integers (``allOf: [$ref]`` with the bounds beside it)
            if node.get("type") == "integer" or "allOf" in node:
                if node.get("maximum") in _STORAGE_MAXIMA:
                    del node["maximum"]
                    if node.get("format") == "int64":
                        del node["format"]
                if node.get("minimum") in _STORAGE_MINIMA:
                    del node["minimum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
