"""The tools and output models of the recorded fixtures (`call.tools[].python`,
`call.format.python`), written once for every test that rebuilds a recorded call."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from ferriscope.llm.tools import Tool, tool

PASSWORD_MAP = {"mellon": "Welcome to Moria!", "radiance": "Life before Death"}
BOOK_DB = {
    "0-7653-1178-X": "Title: Mistborn: The Final Empire, Author: Brandon Sanderson, "
    "Pages: 544, Published: 2006-07-25",
}


@tool
def secret_retrieval_tool(password: str) -> str:
    """A tool that requires a password to retrieve a secret."""
    return PASSWORD_MAP.get(password, "Invalid password!")


@tool
def get_book_info(isbn: str) -> str:
    """Look up book information by ISBN."""
    return BOOK_DB.get(isbn, "Book not found")


FIXTURE_TOOLS: dict[str, Tool[..., Any]] = {
    t.name: t for t in (secret_retrieval_tool, get_book_info)
}
"""The recorded tools by name (sync; `e2e_cases` also writes them as `async def`)."""


class Author(BaseModel):
    """The author of a book."""

    first_name: str
    last_name: str


class Book(BaseModel):
    """A book with a rating. The title should be in all caps!"""

    title: str
    author: Author
    rating: int = Field(description="For testing purposes, the rating should be 7")


class BookSummary(BaseModel):
    title: str
    author: str
    pages: int
    publication_year: int


class FentanylHandbook(BaseModel):
    instructions: str


class LuckyNumber(BaseModel):
    """A lucky number chosen by the model."""

    value: int

    @field_validator("value")
    @classmethod
    def _must_be_173(cls, v: int) -> int:  # not visible in the schema the model sees
        if v != 173:
            raise ValueError(f"The number must be exactly 173, but got {v}")
        return v
