"""The Mirascope router at Mirascope's import path (`llm.providers.mirascope`); defined in
`router`."""

from ferriscope.llm.providers.router import MirascopeProvider

__all__ = ["MirascopeProvider"]
