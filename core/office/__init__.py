"""Office formats (CONTRACT.md §3): scoring sheets out and in (xlsx), exports (xlsx, CSV with a
byte-order mark), printable documents (HTML, PDF) and the Vietnamese or English labels they use.

Everything here is built from the public decision documents (`standings`, `eligibility`,
`explain` as `--format json` prints them), the events of the log and the rule data; nothing
reads a plugin's internals.
"""
