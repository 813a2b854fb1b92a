"""Service catalog as data and the form engine: field types, validation, conditions, deadlines."""
