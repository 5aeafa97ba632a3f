"""The rule catalogue: one module per rule, found by walking this package."""
