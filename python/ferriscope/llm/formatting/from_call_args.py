"""`FromCallArgs`: Mirascope's marker for model fields filled from the call's arguments.

Kept so annotated models import unchanged; like Mirascope 2.8.2, nothing acts on it yet.
"""

from __future__ import annotations

__all__ = ["FromCallArgs"]


class FromCallArgs:
    """Marks a field (`Annotated[str, FromCallArgs()]`) as coming from a call argument."""
