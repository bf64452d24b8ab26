"""Public solutions to the exercises, one module per chapter (the exercise notebooks show them in dropdowns)."""
