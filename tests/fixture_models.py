"""The tools and output models of the recorded fixtures (`call.tools[].python`,
`call.format.python`), written once for every test that rebuilds a recorded call."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

PASSWORD_MAP = {"mellon": "Welcome to Moria!", "radiance": "Life before Death"}
BOOK_DB = {
    "0-7653-1178-X": "Title: Mistborn: The Final Empire, Author: Brandon Sanderson, "
    "Pages: 544, Published: 2006-07-25",
}


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
