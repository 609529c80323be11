"""Text as the index reads it: the one definition of a word, writing systems,
dates, pages, and Python <-> UTF-16 offsets."""
