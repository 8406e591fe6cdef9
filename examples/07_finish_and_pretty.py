from ferriscope import llm


# The page shows only the last two lines; the setup above them is added so they can run.
@llm.call("openai/gpt-5-mini")
def recommend_book(genre: str):
    return f"Recommend a {genre} book."


stream_response = recommend_book.stream("fantasy")

stream_response.finish()  # Consume all remaining chunks
print(stream_response.pretty())  # Now fully populated
