"""The village service point app: Textual UI, command line, printing."""
