"""coaching package."""
