"""A recorded case's call rebuilt for the request-encoding tests: its tools, params and
content parts from their JSON form, and its steps replayed through `Model` against the
recorded responses (`recorded_replies` answers in order and keeps what was sent;
`follow_steps` takes the steps after the first stream, so resume builds every later turn
itself)."""

from __future__ import annotations

from typing import Any

import httpx

from ferriscope.llm.content import Text, Thought, ToolCall, ToolOutput
from ferriscope.llm.models.model import Model
from ferriscope.llm.tools import Toolkit, WebSearchTool
from tests.support.fixture_models import FIXTURE_TOOLS


def toolkit_of(case: dict[str, Any]) -> Toolkit:
    """The call's tools: the recorded Python tools and its provider tools (web search)."""
    return Toolkit(
        [FIXTURE_TOOLS[t["name"]] for t in case["call"].get("tools") or []]
        + [WebSearchTool() for _ in case["call"].get("provider_tools") or []]
    )


def params_of(case: dict[str, Any], turn: int) -> dict[str, Any]:
    """The params of `turn`'s request: a resume's model override, else the call's params
    with its thinking config."""
    call = case["call"]
    if turn > 0:
        for step in call.get("steps", []):
            if step.get("op") == "resume" and step.get("model_override") is not None:
                return dict(step["model_override"])
    params = dict(call.get("params") or {})
    if call.get("thinking"):
        params["thinking"] = call["thinking"]
    return params


def part_of(p: dict[str, Any]) -> Any:
    """A content part from its recorded JSON form."""
    kind = p["type"]
    if kind == "text":
        return Text(text=p["text"])
    if kind == "thought":
        return Thought(thought=p["thought"])
    if kind == "tool_call":
        return ToolCall(id=p["id"], name=p["name"], args=p["args"])
    return ToolOutput(id=p["id"], name=p["name"], result=p["result"])


def recorded_replies(case: dict[str, Any]) -> tuple[httpx.Client, list[httpx.Request]]:
    """An httpx client answering with the case's recorded responses in order, and the list
    the requests it receives are appended to."""
    sent: list[httpx.Request] = []
    replies = iter(case["interactions"])

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        recorded = next(replies)["response"]
        headers = {"content-type": recorded["content_type"]}
        return httpx.Response(recorded["status"], headers=headers, content=recorded["body"])

    return httpx.Client(transport=httpx.MockTransport(reply)), sent


def follow_steps(case: dict[str, Any], response: Any) -> None:
    """Runs the case's steps after the first (the stream `response` came from)."""
    outputs: list[ToolOutput[Any]] = []
    for step in case["call"]["steps"][1:]:
        op = step["op"]
        if op == "finish":
            response.finish()
        elif op == "execute_tools":
            outputs = response.execute_tools()
        elif op == "resume":
            content = outputs if step["with"] == "tool_outputs" else step["with"]
            override = step.get("model_override")
            if override is None:
                response = response.resume(content)
            else:
                with Model(case["model_id"], **override):
                    response = response.resume(content)
        elif op == "validate":
            response.validate(max_retries=step["max_retries"])
