"""digest package."""
