"""The lean ASGI scoring route, mounted beside Django (see designer/asgi.py)."""
