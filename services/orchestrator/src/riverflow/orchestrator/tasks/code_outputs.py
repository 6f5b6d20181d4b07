"""Dify's code-node output checks: declared types, string/number/array limits, depth, precision.

A port of Dify's ``CodeNode._transform_result`` and ``_check_*`` with the same messages, so a
workflow fails (or passes) here exactly where it does in Dify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["OutputLimits", "OutputValidationError", "DepthLimitError", "CodeNodeError", "check_outputs"]


@dataclass(frozen=True, slots=True)
class OutputLimits:
    """Dify's ``CODE_*`` settings, with Dify's defaults."""

    max_string_length: int = 400_000
    max_number: int = 9_223_372_036_854_775_807
    min_number: int = -9_223_372_036_854_775_808
    max_precision: int = 20
    max_depth: int = 5
    max_string_array_length: int = 30
    max_object_array_length: int = 30
    max_number_array_length: int = 1000


class CodeNodeError(ValueError):
    """A code node's result does not fit its declaration."""


class OutputValidationError(CodeNodeError):
    pass


class DepthLimitError(CodeNodeError):
    pass


def check_outputs(result: Mapping[str, Any], schema: Mapping[str, Any] | None, limits: OutputLimits) -> dict:
    """The node's outputs from ``main``'s return value, checked against the declared ``outputs``."""
    return _Checker(limits).transform(result, schema)


def _spell(value: Any) -> str:
    """``type(value)`` as Python prints it (Dify's messages show ``<class 'str'>``)."""
    return str(type(value))


class _Checker:
    def __init__(self, limits: OutputLimits) -> None:
        self.limits = limits

    def string(self, value: Any, variable: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise OutputValidationError(f"Output variable `{variable}` must be a string")
        if len(value) > self.limits.max_string_length:
            raise OutputValidationError(
                f"The length of output variable `{variable}` must be"
                f" less than {self.limits.max_string_length} characters"
            )
        return value.replace("\x00", "")

    def number(self, value: Any, variable: str) -> int | float | None:
        if value is None:
            return None
        if not isinstance(value, int | float):
            raise OutputValidationError(f"Output variable `{variable}` must be a number")
        if value > self.limits.max_number or value < self.limits.min_number:
            raise OutputValidationError(
                f"Output variable `{variable}` is out of range,"
                f" it must be between {self.limits.min_number} and {self.limits.max_number}."
            )
        if isinstance(value, float):
            exponent = Decimal(str(value)).normalize().as_tuple().exponent
            precision = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            if precision > self.limits.max_precision:
                raise OutputValidationError(
                    f"Output variable `{variable}` has too high precision,"
                    f" it must be less than {self.limits.max_precision} digits."
                )
        return value

    def boolean(self, value: Any, variable: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            raise OutputValidationError(f"Output variable `{variable}` must be a boolean")
        return value

    def transform(
        self, result: Mapping[str, Any], schema: Mapping[str, Any] | None, prefix: str = "", depth: int = 1
    ) -> dict:
        if depth > self.limits.max_depth:
            raise DepthLimitError(f"Depth limit {self.limits.max_depth} reached, object too deep.")
        if schema is None:
            self.infer(result, prefix, depth)
            return dict(result)
        out: dict[str, Any] = {}
        for name, config in schema.items():
            dot = "." if prefix else ""
            path = f"{prefix}{dot}{name}"
            if name not in result:
                raise OutputValidationError(f"Output {path} is missing.")
            kind = str((config or {}).get("type") or "")
            children = (config or {}).get("children")
            value = result[name]
            if kind == "object":
                if isinstance(value, dict):
                    out[name] = self.transform(value, children, f"{prefix}.{name}", depth + 1)
                elif value is None:
                    out[name] = None
                else:
                    raise OutputValidationError(
                        f"Output {path} is not an object, got {_spell(value)} instead."
                    )
            elif kind == "number":
                if value is not None and not isinstance(value, int | float):
                    raise OutputValidationError(
                        f"Output {path} is not a number, got {_spell(value)} instead."
                    )
                checked = self.number(value, path)
                out[name] = int(checked) if isinstance(checked, bool) else checked  # Dify: True → 1
            elif kind == "string":
                if value is not None and not isinstance(value, str):
                    raise OutputValidationError(
                        f"Output {path} must be a string, got {type(value).__name__} instead"
                    )
                out[name] = self.string(value, path)
            elif kind == "boolean":
                out[name] = self.boolean(value, path)
            elif kind.startswith("array[") and kind.endswith("]"):
                out[name] = self.array(kind[6:-1], value, children, path, depth)
            else:
                raise OutputValidationError(f"Output type {kind} is not supported.")
        if len(out) != len(result):
            raise CodeNodeError("Not all output parameters are validated.")
        return out

    def array(self, item: str, value: Any, children: Any, path: str, depth: int) -> list | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise OutputValidationError(f"Output {path} is not an array, got {_spell(value)} instead.")
        if item == "number":
            self._length(value, self.limits.max_number_array_length, path)
            for i, inner in enumerate(value):
                if not isinstance(inner, int | float):
                    raise OutputValidationError(
                        f"The element at index {i} of output variable `{path}` must be a number."
                    )
                self.number(inner, f"{path}[{i}]")
            return [int(v) if isinstance(v, bool) else v for v in value]
        if item == "string":
            self._length(value, self.limits.max_string_array_length, path)
            return [self.string(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if item == "object":
            self._length(value, self.limits.max_object_array_length, path)
            for i, inner in enumerate(value):
                if inner is not None and not isinstance(inner, dict):
                    raise OutputValidationError(
                        f"Output {path}[{i}] is not an object, got {_spell(inner)} instead at index {i}."
                    )
            return [
                None if v is None else self.transform(v, children, f"{path}[{i}]", depth + 1)
                for i, v in enumerate(value)
            ]
        if item == "boolean":
            for i, inner in enumerate(value):
                if inner is not None and not isinstance(inner, bool):
                    raise OutputValidationError(
                        f"Output {path}[{i}] is not a boolean, got {_spell(inner)} instead."
                    )
            return list(value)
        raise OutputValidationError(f"Output type array[{item}] is not supported.")

    def _length(self, value: list, limit: int, path: str) -> None:
        if len(value) > limit:
            raise OutputValidationError(
                f"The length of output variable `{path}` must be less than {limit} elements."
            )

    def infer(self, result: Mapping[str, Any], prefix: str, depth: int) -> None:
        """No declaration: check values by their own types (Dify's ``output_schema is None`` path)."""
        for name, value in result.items():
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(value, dict):
                self.transform(value, None, path, depth + 1)
            elif isinstance(value, bool):
                self.boolean(value, path)
            elif isinstance(value, int | float):
                self.number(value, path)
            elif isinstance(value, str):
                self.string(value, path)
            elif isinstance(value, list):
                self._infer_list(value, path, depth)
            elif value is not None:
                raise OutputValidationError(f"Output {prefix}.{name} is not a valid type.")

    def _infer_list(self, value: list, path: str, depth: int) -> None:
        first = value[0] if value else None
        if first is None:
            return
        if isinstance(first, int | float) and all(v is None or isinstance(v, int | float) for v in value):
            for i, v in enumerate(value):
                self.number(v, f"{path}[{i}]")
        elif isinstance(first, str) and all(v is None or isinstance(v, str) for v in value):
            for i, v in enumerate(value):
                self.string(v, f"{path}[{i}]")
        elif isinstance(first, dict) and all(v is None or isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                if v is not None:
                    self.transform(v, None, f"{path}[{i}]", depth + 1)
        else:
            raise OutputValidationError(
                f"Output {path} is not a valid array. make sure all elements are of the same type."
            )
