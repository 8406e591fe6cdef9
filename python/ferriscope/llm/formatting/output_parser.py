"""`@llm.output_parser`: structured output from any text format the model can write (§7.1).

For XML, CSV or anything else JSON schemas cannot describe: the instructions tell the model
what to write, and the function turns the finished response into the value `parse()` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic

from typing_extensions import TypeIs, TypeVar

__all__ = ["OutputParser", "is_output_parser", "output_parser"]

OutputT = TypeVar("OutputT")


class OutputParser(Generic[OutputT]):
    """A parsing function plus the instructions that make the model's text parseable.

    It receives the whole response (not only its text) so it can use thoughts, tool calls
    or several text parts; errors it raises surface from `parse()` as `ParseError`.
    """

    def __init__(self, func: Callable[[Any], OutputT], formatting_instructions: str) -> None:
        self.func = func
        self._formatting_instructions = formatting_instructions
        self.__name__ = func.__name__
        self.__doc__ = func.__doc__

    def formatting_instructions(self) -> str:
        return self._formatting_instructions

    def __call__(self, response: Any) -> OutputT:
        return self.func(response)

    def __repr__(self) -> str:
        return f"OutputParser({self.__name__})"


def output_parser(
    *, formatting_instructions: str
) -> Callable[[Callable[[Any], OutputT]], OutputParser[OutputT]]:
    """Makes `fn(response) -> T` usable as `format=`; the instructions go to the system prompt.

    ```python
    @llm.output_parser(formatting_instructions="Answer as <title>...</title>")
    def parse_title(response) -> str:
        return response.text().removeprefix("<title>").removesuffix("</title>")
    ```
    """

    def decorator(func: Callable[[Any], OutputT]) -> OutputParser[OutputT]:
        return OutputParser(func, formatting_instructions)

    return decorator


def is_output_parser(obj: object) -> TypeIs[OutputParser[Any]]:
    return isinstance(obj, OutputParser)
