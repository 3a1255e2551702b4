"""Test doubles for the notifier's external providers (a fake Twilio Messages API)."""
