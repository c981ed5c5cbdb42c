"""Shipped model files (JSON) used by the `classifier` rule kind."""
