"""Coachbot: private, kind coaching for team chat on Slack and Discord."""

__version__ = "0.1.0"
