"""Intake: parsing and checking incoming lines (`checks`) and appending them all or none (`importer`)."""
