from pydantic import BaseModel

from ferriscope import llm


# The page shows only the loop below; this setup (from the structured_stream example above
# it) is added so it can run.
class Book(BaseModel):
    title: str
    author: str
    summary: str


@llm.call("openai/gpt-5-mini", format=Book)
def recommend_book(genre: str):
    return f"Recommend a {genre} book."


response = recommend_book.stream("fantasy")

for chunk in response.chunk_stream():  # noqa: B007 (as on the page)
    partial = response.parse(partial=True)
    if partial and partial.title:
        print(f"Title: {partial.title}")
