"""The format type flows from `format=` to what users read: `parse()`, `structured_stream()`,
`validate()`, `resume()`, on every response kind (docs/spec.md §7), as Mirascope 2.8.2 types them.

Checked by `mypy --strict tests/typing` and `basedpyright` (pyright's engine, configured in
pyproject.toml) in tests/run.sh, where an unneeded ignore is an error (`warn_unused_ignores`,
`reportUnnecessaryTypeIgnoreComment`), so each `# type: ignore[...]` below is a check too: if
the error it expects goes away (the API got looser, e.g. a format type decaying to `Any`), the
run fails. Under pytest only the
`test_*` functions run, and they only build objects; the functions named `_..._types` would
call a model, so they are checked and never run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from ferriscope import llm


class Book(BaseModel):
    title: str


@dataclass
class Deps:
    shelf: str


@llm.tool
def shelf_of(title: str) -> str:
    return f"{title}: fiction"


@llm.tool
async def shelf_of_async(title: str) -> str:
    return f"{title}: fiction"


@llm.tool
def ctx_shelf(ctx: llm.Context[Deps], title: str) -> str:
    return f"{title}: {ctx.deps.shelf}"


@llm.output_parser(formatting_instructions="Answer with a title.")
def title_parser(response: Any) -> str:
    return str(response.text())


def test_format_types_are_usable_at_runtime() -> None:
    # Subscripting with the format type (and bare, defaulting to no format) works at runtime
    # too, on Python 3.10 as well: the TypeVars come from typing_extensions.
    assert llm.StreamResponse[Book] is not None and llm.StreamResponse[None] is not None
    assert llm.ContextStreamResponse[Deps, Book] is not None
    assert llm.RetryStreamResponse[Book] is not None
    assert isinstance(llm.Model("openai/gpt-5-mini"), llm.Model)


def _stream_types(model: llm.Model) -> None:
    response = model.stream("Recommend a book", format=Book)
    assert_type(response, llm.StreamResponse[Book])
    assert_type(response.parse(), Book)
    assert_type(response.parse(partial=True), llm.Partial[Book])
    assert_type(response.structured_stream(), Iterator[llm.Partial[Book]])
    assert_type(response.validate(), tuple[Book, llm.StreamResponse[Book]])
    assert_type(response.resume("Another"), llm.StreamResponse[Book])
    assert_type(model.resume_stream(response=response, content="x"), llm.StreamResponse[Book])
    assert_type(model.call("Recommend a book", format=Book).parse(), Book)

    # No format: Mirascope's format type defaults to None, and so does everything read from it.
    plain = model.stream("Hello")
    assert_type(plain, llm.StreamResponse[None])
    assert_type(plain, llm.StreamResponse)
    assert_type(plain.parse(), None)
    assert_type(plain.parse(partial=True), None)
    assert_type(plain.resume("more"), llm.StreamResponse[None])
    assert_type(plain.validate(), tuple[None, llm.StreamResponse[None]])

    # Primitives, `llm.format(...)` and output parsers (a `Format` may be None: either kind).
    assert_type(model.stream("Count", format=int).parse(), int)
    assert_type(model.stream("List", format=list[Book]).parse(), list[Book])
    assert_type(model.stream("Title", format=title_parser).parse(), str)
    json_book = llm.format(Book, mode="json")
    assert_type(
        model.stream("Recommend", format=json_book),
        llm.StreamResponse[None] | llm.StreamResponse[Book],
    )

    # What must not type-check (each ignore fails the run once it is no longer needed).
    _ = model.stream("Recommend", format=Book).parse().author  # type: ignore[attr-defined]
    book: Book = model.stream("Hello").parse()  # type: ignore[assignment]
    _ = model.stream("Count", format=int).parse().title  # type: ignore[attr-defined]
    model.stream("Hello", format=object)  # type: ignore[type-var]
    plain.resume(42)  # type: ignore[arg-type]
    assert book


async def _async_stream_types(model: llm.Model) -> None:
    response = await model.stream_async("Recommend a book", format=Book)
    assert_type(response, llm.AsyncStreamResponse[Book])
    assert_type(response.parse(), Book)
    assert_type(response.structured_stream(), AsyncIterator[llm.Partial[Book]])
    assert_type(await response.resume("Another"), llm.AsyncStreamResponse[Book])
    assert_type(await response.validate(), tuple[Book, llm.AsyncStreamResponse[Book]])
    assert_type(
        await model.resume_stream_async(response=response, content="x"),
        llm.AsyncStreamResponse[Book],
    )
    finished = await model.call_async("Recommend a book", format=Book)
    assert_type(finished, llm.AsyncResponse[Book])
    assert_type(await finished.resume("Another"), llm.AsyncResponse[Book])
    assert_type(await model.resume_async(response=finished, content="x"), llm.AsyncResponse[Book])

    plain = await model.stream_async("Hello")
    assert_type(plain, llm.AsyncStreamResponse[None])
    assert_type(plain.parse(), None)

    # A coroutine is not a response: it must be awaited first.
    model.stream_async("Hello").parse()  # type: ignore[attr-defined]


def _finished_response_types(model: llm.Model) -> None:
    response = model.call("Recommend a book", format=Book)
    assert_type(response, llm.Response[Book])
    assert_type(response.parse(), Book)
    assert_type(response.parse(partial=True), llm.Partial[Book])
    assert_type(response.resume("Another"), llm.Response[Book])
    assert_type(response.validate(), tuple[Book, llm.Response[Book]])
    assert_type(model.resume(response=response, content="x"), llm.Response[Book])
    assert_type(model.call("Hello"), llm.Response[None])
    # A finished response is not a stream: no structured_stream(), and resume_stream wants one.
    response.structured_stream()  # type: ignore[attr-defined]
    model.resume_stream(response=response, content="x")  # type: ignore[call-overload]


def _tool_types(model: llm.Model) -> None:
    response = model.stream("Where is Dune?", tools=[shelf_of], format=Book)
    assert_type(response, llm.StreamResponse[Book])
    outputs = response.execute_tools()
    assert_type(outputs, list[llm.ToolOutput[Any]])
    assert_type(response.resume(outputs), llm.StreamResponse[Book])
    assert_type(model.call("Where is Dune?", tools=[shelf_of]), llm.Response[None])

    # Tools of the call's kind: an async tool cannot run in a sync call, nor the reverse.
    model.stream("Where is Dune?", tools=[shelf_of_async])  # type: ignore[list-item]


async def _async_tool_types(model: llm.Model) -> None:
    response = await model.stream_async("Where is Dune?", tools=[shelf_of_async], format=Book)
    assert_type(response, llm.AsyncStreamResponse[Book])
    outputs = await response.execute_tools()
    assert_type(await response.resume(outputs), llm.AsyncStreamResponse[Book])
    await model.stream_async("Where is Dune?", tools=[shelf_of])  # type: ignore[list-item]


def _context_types(model: llm.Model) -> None:
    ctx = llm.Context(deps=Deps(shelf="A"))
    response = model.context_stream("Where?", ctx=ctx, tools=[ctx_shelf], format=Book)
    assert_type(response, llm.ContextStreamResponse[Deps, Book])
    assert_type(response.parse(), Book)
    assert_type(response.structured_stream(), Iterator[llm.Partial[Book]])
    outputs = response.execute_tools(ctx)
    assert_type(response.resume(ctx, outputs), llm.ContextStreamResponse[Deps, Book])
    assert_type(response.validate(ctx), tuple[Book, llm.ContextStreamResponse[Deps, Book]])
    assert_type(
        model.context_resume_stream(ctx=ctx, response=response, content="x"),
        llm.ContextStreamResponse[Deps, Book],
    )
    finished = model.context_call("Where?", ctx=ctx, tools=[ctx_shelf])
    assert_type(finished, llm.ContextResponse[Deps, None])
    assert_type(finished.resume(ctx, "more"), llm.ContextResponse[Deps, None])

    # The context's deps type is the response's: a context of other deps is refused.
    response.execute_tools()  # type: ignore[call-arg]
    response.resume(llm.Context(deps=1), "more")  # type: ignore[arg-type]


async def _async_context_types(model: llm.Model) -> None:
    ctx = llm.Context(deps=Deps(shelf="A"))
    response = await model.context_stream_async("Where?", ctx=ctx, format=Book)
    assert_type(response, llm.AsyncContextStreamResponse[Deps, Book])
    assert_type(response.structured_stream(), AsyncIterator[llm.Partial[Book]])
    assert_type(await response.resume(ctx, "more"), llm.AsyncContextStreamResponse[Deps, Book])
    assert_type(
        await model.context_resume_stream_async(ctx=ctx, response=response, content="x"),
        llm.AsyncContextStreamResponse[Deps, Book],
    )
    finished = await model.context_call_async("Where?", ctx=ctx, format=Book)
    assert_type(finished, llm.AsyncContextResponse[Deps, Book])
    assert_type(await finished.resume(ctx, "more"), llm.AsyncContextResponse[Deps, Book])
    assert_type(
        await model.context_resume_async(ctx=ctx, response=finished, content="x"),
        llm.AsyncContextResponse[Deps, Book],
    )


def _decorator_types() -> None:
    @llm.call("openai/gpt-5-mini", format=Book)
    def recommend(genre: str) -> str:
        return f"Recommend a {genre} book"

    assert_type(recommend("fantasy").parse(), Book)
    stream = recommend.stream("fantasy")
    assert_type(stream.structured_stream(), Iterator[llm.Partial[Book]])
    assert_type(stream.resume("Another"), llm.StreamResponse[Book])
    recommend(1)  # type: ignore[arg-type]
    _ = recommend("fantasy").parse().author  # type: ignore[attr-defined]

    @llm.call("openai/gpt-5-mini", tools=[shelf_of])
    def locate(title: str) -> str:
        return f"Where is {title}?"

    assert_type(locate("Dune").parse(), None)
    assert_type(locate("Dune").execute_tools(), list[llm.ToolOutput[Any]])

    @llm.prompt(format=Book)
    def suggest(genre: str) -> str:
        return genre

    assert_type(suggest("openai/gpt-5-mini", "fantasy").parse(), Book)
    assert_type(suggest.stream("openai/gpt-5-mini", "fantasy").parse(), Book)
    suggest("openai/gpt-5-mini")  # type: ignore[call-arg]


async def _async_decorator_types() -> None:
    @llm.call("openai/gpt-5-mini", format=Book)
    async def recommend(genre: str) -> str:
        return genre

    response = await recommend.stream("fantasy")
    assert_type(response, llm.AsyncStreamResponse[Book])
    assert_type(response.structured_stream(), AsyncIterator[llm.Partial[Book]])
    assert_type((await recommend("fantasy")).parse(), Book)


def _retry_types(model: llm.RetryModel) -> None:
    response = model.stream("Recommend a book", format=Book)
    assert_type(response, llm.RetryStreamResponse[Book])
    assert_type(response.parse(), Book)
    assert_type(response.structured_stream(), Iterator[llm.Partial[Book]])
    assert_type(response.resume("Another"), llm.RetryStreamResponse[Book])
    assert_type(response.model, llm.RetryModel)
    assert_type(model.call("Hello"), llm.RetryResponse[None])
    assert_type(model.call("Hello", format=Book).resume("more"), llm.RetryResponse[Book])
    assert_type(model.resume_stream(response=response, content="x"), llm.RetryStreamResponse[Book])
    # A RetryModel is a Model: code typed against `Model` still sees the format type.
    as_model: llm.Model = model
    assert_type(as_model.stream("Recommend a book", format=Book).parse(), Book)

    @llm.retry(max_retries=2)
    @llm.call("openai/gpt-5-mini", format=Book)
    def recommend(genre: str) -> str:
        return genre

    assert_type(recommend.stream("fantasy"), llm.RetryStreamResponse[Book])
    assert_type(recommend("fantasy").parse(), Book)
    assert_type(recommend("fantasy").retry_failures, list[llm.retries.RetryFailure])


async def _async_retry_types(model: llm.RetryModel) -> None:
    response = await model.stream_async("Recommend a book", format=Book)
    assert_type(response, llm.AsyncRetryStreamResponse[Book])
    assert_type(response.structured_stream(), AsyncIterator[llm.Partial[Book]])
    assert_type(await response.resume("Another"), llm.AsyncRetryStreamResponse[Book])
    ctx = llm.Context(deps=Deps(shelf="A"))
    ctx_response = model.context_stream("Where?", ctx=ctx, format=Book)
    assert_type(ctx_response, llm.ContextRetryStreamResponse[Deps, Book])
    assert_type(ctx_response.resume(ctx, "more"), llm.ContextRetryStreamResponse[Deps, Book])


def _generic_code_types(responses: Sequence[llm.StreamResponse[Book]]) -> None:
    # Library-style code written against the generic types, as with Mirascope.
    def first_title(response: llm.StreamResponse[Book]) -> str:
        return response.parse().title

    for response in responses:
        assert_type(first_title(response), str)

    # A response of unknown format parses to Any, not None (what `llm.AnyResponse` holds).
    def unknown(response: llm.StreamResponse[Any], any_response: llm.AnyResponse) -> None:
        assert_type(response.parse(), Any)
        assert_type(any_response.parse(), Any)
