"""Kansrijke Start notifier: proactive nudges for parents in Den Haag, pregnancy to age two."""

__version__ = "0.1.0"
