"""The lazy façades (docs/architecture.md, "Lazy loading"): importing `ferriscope.llm` loads
none of the modules behind its names, and every public name still resolves, on first read, to
the object its module defines — the same object type checkers see through the package's
`if TYPE_CHECKING:` imports.

Import cost is measured in `benches/import_time.py`; these tests pin what is loaded, so a new
eager import of a heavy module fails here instead of slowly eroding the benchmark.
"""

from __future__ import annotations

import ast
import importlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import ferriscope
from ferriscope import llm
from ferriscope.testing import RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply, stream_for

PACKAGE_DIR = Path(ferriscope.__file__).resolve().parent

# Modules `from ferriscope import llm` must not load: pydantic's model machinery and the
# annotated-types/json-schema modules it brings, the event loop, TLS and sockets, the httpx
# path, and every module of ferriscope behind the façade.
HEAVY = (
    "pydantic",
    "pydantic_core",
    "pydantic.main",
    "pydantic.types",
    "pydantic.json_schema",
    "annotated_types",
    "asyncio",
    "ssl",
    "socket",
    "httpx",
    "h11",
    "mcp",
)


def _new_modules(code: str) -> list[str]:
    """The modules a fresh interpreter loads while running `code` (start-up ones excluded)."""
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(done.stdout.splitlines()[-1]))


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY]


def test_importing_llm_loads_only_the_facade() -> None:
    loaded = _new_modules("from ferriscope import llm")
    assert _heavy(loaded) == []
    own = sorted(m for m in loaded if m.split(".")[0] == "ferriscope")
    assert own == ["ferriscope", "ferriscope._core", "ferriscope._lazy", "ferriscope.llm"]


def test_a_name_loads_only_what_it_needs() -> None:
    """Content parts, messages and errors need no pydantic and no event loop; defining a tool
    needs pydantic (its argument schema) but not the toolkits (which bring asyncio)."""
    loaded = _new_modules(
        "from ferriscope import llm\n"
        "llm.Text, llm.Image, llm.UserMessage, llm.messages.user, llm.Error, llm.RateLimitError"
    )
    assert _heavy(loaded) == []
    loaded = _new_modules("from ferriscope import llm\nllm.tool")
    assert _heavy(loaded) == []
    loaded = _new_modules(
        "from ferriscope import llm\n@llm.tool\ndef add(a: int, b: int) -> int:\n    return a + b"
    )
    assert "pydantic.main" in loaded and "pydantic.json_schema" in loaded
    assert "asyncio" not in loaded and "ferriscope.llm.tools.toolkit" not in loaded


def test_the_probe_sees_what_a_name_loads() -> None:
    """Guards the tests here against passing because the probe sees nothing."""
    loaded = _new_modules("from ferriscope import llm\nllm.call")
    assert "ferriscope.llm.calls" in loaded and "ferriscope.llm.models.model" in loaded
    loaded = _new_modules("import asyncio, ssl, pydantic.json_schema")
    assert {"asyncio", "ssl", "pydantic.json_schema"} <= set(loaded)


# What a program that only calls models synchronously, without a format or tools, never
# needs: pydantic (formats and tool schemas), the event loop (and the subprocess support it
# imports), TLS on a plain-http origin, urllib's proxy code, the httpx path.
NOT_FOR_SYNC_CALLS = (
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "asyncio",
    "subprocess",
    "ssl",
    "urllib.request",
    "httpx",
    "h11",
    "ferriscope.llm.providers.transport.async_io",
    "ferriscope.llm.providers.transport.via_httpx",
    "ferriscope.llm.formatting.wrappers",
    "ferriscope.llm.tools.parameters",
)


def _not_for_sync(modules: list[str]) -> list[str]:
    return [m for m in modules if m in NOT_FOR_SYNC_CALLS or m.split(".")[0] in NOT_FOR_SYNC_CALLS]


def test_building_a_sync_call_loads_no_pydantic_and_no_event_loop() -> None:
    loaded = _new_modules(
        "from ferriscope import llm\n"
        "llm.use_model('openai/gpt-4o')\n"
        "model = llm.Model('openai/gpt-4o')\n"
        "@llm.call('openai/gpt-4o')\n"
        "def answer(question: str) -> str:\n"
        "    return question\n"
        "@llm.prompt\n"
        "def ask(question: str) -> str:\n"
        "    return question\n"
    )
    assert "ferriscope.llm.calls" in loaded and "ferriscope.llm.providers.transport" in loaded
    assert _not_for_sync(loaded) == []


def test_a_whole_sync_stream_loads_no_pydantic_and_no_event_loop() -> None:
    """The first real use: a decorated call streamed to the end from a local server."""
    reply = Reply(text=["Hello", ", ", "world"])
    with ReplayServer([RecordedResponse(body=stream_for("openai-completions", reply))]) as server:
        loaded = _new_modules(
            "from ferriscope import llm\n"
            f"llm.register_provider('openai', scope='openai/', base_url='{server.url}/v1',"
            " api_key='k')\n"
            "@llm.call('openai/gpt-4o:completions')\n"
            "def answer(question: str) -> str:\n"
            "    return question\n"
            "text = ''.join(answer.stream('hi').text_stream())\n"
            "assert text.strip() == 'Hello, world', repr(text)\n"
        )
    assert "ferriscope.llm.providers.transport.sync_io" in loaded
    assert _not_for_sync(loaded) == []


def test_formats_load_pydantic_when_first_used() -> None:
    """A format (here a primitive one, whose wrapper model pydantic builds) is where the JSON
    schema machinery loads; a `BaseModel` format has loaded it with the user's model."""
    loaded = _new_modules(
        "from ferriscope import llm\n"
        "llm.format, llm.Format, llm.Partial, llm.FormatSpec\n"
        "import sys\n"
        "assert 'pydantic.json_schema' not in sys.modules\n"
        "fmt = llm.format(list[str], mode='json')\n"
        "assert fmt.schema['properties']['output']['type'] == 'array'\n"
    )
    assert "pydantic.json_schema" in loaded and "ferriscope.llm.formatting.wrappers" in loaded
    assert "asyncio" not in loaded


def test_async_use_loads_the_event_loop_driver() -> None:
    loaded = _new_modules(
        "import asyncio\n"
        "from ferriscope.llm.providers.transport import dispatch\n"
        "asyncio.run(asyncio.sleep(0))\n"
        "dispatch.async_io.AsyncPool\n"
    )
    assert "ferriscope.llm.providers.transport.async_io" in loaded


def test_a_lazy_module_stands_in_for_its_module() -> None:
    """Reads and writes go to the real module, imported on the first one; a package's
    submodules are read as after `import package.submodule`; unknown names raise
    AttributeError (so `getattr` defaults and `hasattr` work)."""
    code = (
        "import sys\n"
        "from ferriscope._lazy import lazy_module\n"
        "json = lazy_module('json')\n"
        "assert 'json' not in sys.modules and 'not loaded' in repr(json)\n"
        "assert json.dumps([1]) == '[1]' and json.dumps is sys.modules['json'].dumps\n"
        "json.marker = 1\n"
        "assert sys.modules['json'].marker == 1\n"
        "del json.marker\n"
        "assert not hasattr(sys.modules['json'], 'marker') and not hasattr(json, 'marker')\n"
        "xml = lazy_module('xml')\n"
        "assert xml.dom.Node.ELEMENT_NODE == 1 and 'xml.dom' in sys.modules\n"
        "assert getattr(xml, 'no_such_submodule', None) is None\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "ok"


def _facades() -> list[str]:
    """Every package whose `__init__` builds its attributes with `lazy_exports`."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("__init__.py")):
        if "lazy_exports(" in path.read_text(encoding="utf-8"):
            parts = ["ferriscope", *path.parent.relative_to(PACKAGE_DIR).parts]
            found.append(".".join(parts))
    return found


def _type_checking_imports(package: str) -> dict[str, tuple[str, str]]:
    """name → (module, attribute) of the package's `if TYPE_CHECKING:` imports."""
    path = PACKAGE_DIR.joinpath(*package.split(".")[1:], "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module
                for alias in statement.names:
                    names[alias.asname or alias.name] = (statement.module, alias.name)
    return names


def _submodules_offered(package: str) -> set[str]:
    """The names a façade offers that are its own submodules (`llm.tools`)."""
    return {
        name for name, (source, _) in _type_checking_imports(package).items() if source == package
    }


def test_the_facades_are_found() -> None:
    assert {"ferriscope", "ferriscope.llm"} <= set(_facades())


@pytest.mark.parametrize("package", _facades())
def test_type_checkers_and_run_time_see_the_same_names(package: str) -> None:
    """What mypy sees (the `TYPE_CHECKING` imports) is what a read returns at run time."""
    if package == "ferriscope.llm":
        pytest.importorskip("mcp")
    module = importlib.import_module(package)
    static = _type_checking_imports(package)
    assert static, package
    for name, (source, attribute) in static.items():
        expected = getattr(importlib.import_module(source), attribute)
        assert getattr(module, name) is expected, f"{package}.{name}"
    assert [
        name for name in module.__all__ if name not in static and name not in vars(module)
    ] == []
    assert set(dir(module)) >= set(module.__all__)


def test_every_public_name_imports_from_a_fresh_interpreter() -> None:
    """`from ferriscope.llm import X` for each name, each the first read of that name."""
    code = (
        "import ferriscope.llm as llm\n"
        "for name in llm.__all__:\n"
        "    exec(f'from ferriscope.llm import {name}')\n"
        "assert set(dir(llm)) >= set(llm.__all__)\n"
        "namespace = {}\n"
        "exec('from ferriscope.llm import *', namespace)\n"
        "assert set(llm.__all__) <= set(namespace)\n"
        "try:\n"
        "    llm.NoSuchName\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    if importlib.util.find_spec("mcp") is None:
        pytest.skip("the mcp extra is not installed")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "module 'ferriscope.llm' has no attribute 'NoSuchName'" in done.stdout


def test_a_name_read_once_is_an_ordinary_attribute() -> None:
    assert llm.Text is llm.content.Text
    assert "Text" in vars(llm)  # stored: later reads do not go through __getattr__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        llm.nope  # noqa: B018


def test_values_built_from_lazy_names_pickle_and_check_as_before() -> None:
    code = (
        "import pickle\n"
        "from ferriscope import llm\n"
        "values = [llm.Text(text='hi'), llm.messages.user('hi'),"
        " llm.ToolError('no such tool')]\n"
        "print(pickle.dumps(values).hex())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    text, message, error = pickle.loads(bytes.fromhex(done.stdout.strip()))
    assert isinstance(text, llm.Text) and text == llm.Text(text="hi")
    assert isinstance(message, llm.UserMessage) and message.content == [llm.Text(text="hi")]
    assert isinstance(error, llm.ToolError) and isinstance(error, llm.Error)
    assert str(error) == "no such tool"
