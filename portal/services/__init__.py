"""Plumbing every domain uses the same way, knowing no rule."""
