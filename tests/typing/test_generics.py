"""What a type checker infers from the decorators and generics (checked by `mypy --strict`
in tests/run.sh; also run by pytest, where each function only has to build its objects).

The decorated functions take positional-only parameters so that `assert_type` can spell the
inferred ParamSpec exactly (`[str]`); with named parameters mypy infers `[Arg(str, 'genre')]`,
which is assignable to the same annotation.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from typing_extensions import assert_type

from ferriscope import llm


class Book(BaseModel):
    title: str


@dataclass
class Deps:
    shelf: str


def test_call_decorator_keeps_parameters_and_format() -> None:
    @llm.call("openai/gpt-5-mini", format=Book)
    def recommend(genre: str, /) -> str:
        return f"Recommend a {genre} book"

    assert_type(recommend, llm.Call[[str], Book])
    assert isinstance(recommend, llm.Call)

    @llm.call("openai/gpt-5-mini")
    def plain(genre: str, year: int, /) -> str:
        return f"{genre} {year}"

    assert_type(plain, llm.Call[[str, int], None])

    @llm.call("openai/gpt-5-mini")
    async def later(genre: str, /) -> str:
        return genre

    assert_type(later, llm.AsyncCall[[str], None])

    @llm.call("openai/gpt-5-mini")
    def with_ctx(ctx: llm.Context[Deps], genre: str) -> str:
        return f"{ctx.deps.shelf} {genre}"

    # `ctx` must be nameable (the context templates pass it by name), so these are checked by
    # assignment: a plain `Call` would not be assignable.
    context_call: llm.ContextCall[[str], Deps, None] = with_ctx

    @llm.call("openai/gpt-5-mini", format=Book)
    async def later_ctx(ctx: llm.Context[Deps]) -> str:
        return ctx.deps.shelf

    async_context_call: llm.AsyncContextCall[[], Deps, Book] = later_ctx
    assert isinstance(context_call, llm.ContextCall)
    assert isinstance(async_context_call, llm.AsyncContextCall)


def test_prompt_decorator_forms() -> None:
    @llm.prompt
    def bare(genre: str, /) -> str:
        return genre

    assert_type(bare, llm.Prompt[[str], None])

    @llm.prompt(format=Book)
    def formatted(genre: str, /) -> list[llm.Message]:
        return [llm.messages.user(genre)]

    assert_type(formatted, llm.Prompt[[str], Book])

    @llm.prompt
    async def async_bare(genre: str, /) -> str:
        return genre

    assert_type(async_bare, llm.AsyncPrompt[[str], None])

    @llm.prompt
    def ctx_prompt(ctx: llm.Context[Deps], genre: str) -> str:
        return genre

    context_prompt: llm.ContextPrompt[[str], Deps, None] = ctx_prompt
    assert isinstance(context_prompt, llm.ContextPrompt)


def test_retry_keeps_the_call_types() -> None:
    @llm.retry(max_retries=1)
    @llm.call("openai/gpt-5-mini", format=Book)
    def recommend(genre: str, /) -> str:
        return genre

    assert_type(recommend, llm.RetryCall[[str], Book])

    @llm.prompt
    def bare(genre: str, /) -> str:
        return genre

    assert_type(llm.retry(bare), llm.RetryPrompt[[str], None])


def _response_types_only() -> None:  # checked by mypy, never run (it would call a model)
    @llm.call("openai/gpt-5-mini", format=Book)
    def recommend(genre: str) -> str:
        return genre

    named: llm.Call[[str], Book] = recommend
    assert_type(named("fantasy"), llm.Response[Book])
    assert_type(named.stream("fantasy"), llm.StreamResponse[Book])

    @llm.call("openai/gpt-5-mini")
    def with_ctx(ctx: llm.Context[Deps], genre: str) -> str:
        return genre

    ctx = llm.Context(deps=Deps(shelf="a"))
    assert_type(with_ctx.stream(ctx, "x"), llm.ContextStreamResponse[Deps, None])


def test_subscripted_generics_are_usable_annotations() -> None:
    # Mirascope's arities: the response root takes the toolkit kind, then the format.
    root: type[llm.RootResponse[llm.Toolkit, Book]] = llm.Response[Book]
    decorator: llm.CallDecorator[llm.Tool, Book] = llm.call("openai/gpt-5-mini", format=Book)
    prompt_decorator: llm.PromptDecorator[llm.Tool, None] = llm.prompt(tools=[])
    assert root is llm.Response[Book]
    assert decorator.format is Book and prompt_decorator.format is None
