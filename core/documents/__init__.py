"""The public documents: decisions turned into the JSON of CONTRACT.md (`build`), written by one
JSON writer (`jsonout`) so the CLI, the bundles and the service print the same bytes."""
