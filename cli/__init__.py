"""The `thidua` command line: parsing, output formats and exit codes; no business logic."""
