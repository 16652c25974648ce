"""Text: the analysis chain (words → terms), spelling, English → French, word vectors and
sentences. Pure functions and read-only data: no article, index or engine here."""
