"""Plain helpers that belong to no part of the loop."""
