"""The plugin kit: `thidua plugin new` (`scaffold`, with its `templates/`). The conformance kit keeps
its published name, `thidua.testing`."""
