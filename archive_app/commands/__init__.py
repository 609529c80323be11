"""The verbs of the command-line interface, one module per area; cli.py dispatches."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
