"""The Telegram face: the application (app.py), its handlers and button callbacks, the
callback-data codec (buttons.py) and Telegram HTML (html.py)."""
