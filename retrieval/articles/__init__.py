"""Articles: files of a corpus folder → documents (title, url, date, paragraphs with exact
offsets); the quoting corpus; live articles from the web or a file; the folder watched.

`web` (httpx, trafilatura) and `watch` (watchfiles) are imported by whoever uses them, so that
answering a question never loads them."""
