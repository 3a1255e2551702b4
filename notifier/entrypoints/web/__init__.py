"""The FastAPI web app: webhooks, health, links (parent, staff and admin pages come later)."""
